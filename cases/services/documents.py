"""Uploaded declaration documents: type sniffed from the bytes, size-limited, stored privately."""

from __future__ import annotations

import hashlib
import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from accounts.models import User
from audit import services as audit

from ..models import ApplianceModel, Declaration, Document
from .labels import Origin

# Magic numbers of the only types we accept; the browser's Content-Type and
# the file name are not trusted.
SIGNATURES = [
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
]
ALLOWED_TYPES = {content_type for _sig, content_type in SIGNATURES}


def max_document_bytes() -> int:
    return settings.DOCUMENT_MAX_BYTES


def sniff_content_type(head: bytes) -> str | None:
    """The content type the leading bytes prove, or None."""
    for signature, content_type in SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def check_upload(upload: UploadedFile) -> str:
    """Validate an uploaded file; returns its sniffed content type or raises ValidationError."""
    limit = max_document_bytes()
    if upload.size > limit:
        raise ValidationError(
            _("文件「%(name)s」过大：最大 %(limit)s MB。") % {"name": upload.name, "limit": round(limit / 1048576, 1)},
            code="too_large",
        )
    if upload.size == 0:
        raise ValidationError(_("文件「%(name)s」是空的。") % {"name": upload.name}, code="empty")
    upload.seek(0)
    content_type = sniff_content_type(upload.read(16))
    upload.seek(0)
    if content_type is None:
        raise ValidationError(
            _("文件「%(name)s」不是 PDF、JPEG 或 PNG 文件。") % {"name": upload.name}, code="bad_type"
        )
    if content_type.startswith("image/"):
        check_image(upload)
    return content_type


def check_image(upload: UploadedFile) -> None:
    """Decode the whole image, under a pixel limit, before anything is stored.

    The header's size is checked first: a few KB of PNG can claim 40000 × 40000 pixels and would take gigabytes to
    decode. Then every pixel is decoded (`load()`, not `verify()`, which reads no pixel data), so a truncated or
    corrupt file is refused here rather than shown broken to a reviewer later.
    """
    limit = settings.DOCUMENT_MAX_PIXELS
    too_big = ValidationError(
        _("图片「%(name)s」尺寸过大：最多 %(limit)s 百万像素。") % {"name": upload.name, "limit": limit // 1_000_000},
        code="too_many_pixels",
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # our own, lower limit applies
            with Image.open(upload) as image:
                width, height = image.size
                if width * height > limit:
                    raise too_big
                image.load()
    except Image.DecompressionBombError:  # Pillow's own ceiling, above ours: the same refusal
        raise too_big from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise ValidationError(_("图片「%(name)s」已损坏。") % {"name": upload.name}, code="bad_image") from None
    finally:
        upload.seek(0)


def store_document(
    *,
    appliance_model: ApplianceModel,
    upload: UploadedFile,
    kind: str = Document.Kind.OTHER,
    declaration: Declaration | None = None,
    uploaded_by: User | None = None,
    origin: Origin | None = None,
) -> Document:
    """Check and store one upload as a Document of `appliance_model`, with its audit row."""
    content_type = check_upload(upload)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    document = Document(
        appliance_model=appliance_model,
        declaration=declaration,
        kind=kind,
        original_name=upload.name[-200:],
        content_type=content_type,
        size=upload.size,
        sha256=digest.hexdigest(),
        uploaded_by=uploaded_by,
    )
    document.file.save(upload.name, upload, save=False)
    document.save()
    audit.record(
        action="document.upload",
        obj=document,
        origin=origin,
        actor=uploaded_by if origin is None else None,
        detail=f"{appliance_model} · {document.get_kind_display()} · {content_type} · {document.size} B · {document.sha256}",
    )
    return document
