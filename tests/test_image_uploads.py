"""Uploaded images are decoded in full under DOCUMENT_MAX_PIXELS before anything is stored.

A PNG header can claim any size for a few KB (a decompression bomb); a truncated JPEG passes a header check and
`verify()`. Each is a 400 with a clear message through the page, and no file and no row is left behind.
"""

import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from cases.models import Declaration, Document
from cases.services.documents import check_upload
from tests.factories_declarations import image_bytes, maker_and_model

pytestmark = pytest.mark.django_db


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def crafted_png(width: int, height: int, rows: int | None = None) -> bytes:
    """A 1-bit greyscale PNG whose header says width × height; pixel data for `rows` rows (all, if None)."""
    row = b"\x00" + bytes((width + 7) // 8)
    data = zlib.compress(row * (height if rows is None else rows), 9)
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", data) + _chunk(b"IEND", b"")


def truncated(fmt: str) -> bytes:
    """A real photo-like image (noise compresses badly, so half the file is half the pixels) cut in half."""
    buffer = io.BytesIO()
    Image.effect_noise((400, 300), 60).convert("RGB").save(buffer, format=fmt)
    whole = buffer.getvalue()
    return whole[: len(whole) // 2]


BAD_IMAGES = {
    "bomb header 40000x40000": (crafted_png(40000, 40000, rows=1), "尺寸过大"),
    "144 megapixels": (crafted_png(12000, 12000), "尺寸过大"),
    "truncated jpeg": (truncated("JPEG"), "已损坏"),
    "truncated png": (truncated("PNG"), "已损坏"),
}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_the_bomb_is_small_and_truncated_jpeg_still_opens():
    # The premise: these files pass a size limit and a header check.
    assert len(BAD_IMAGES["bomb header 40000x40000"][0]) < 4096
    with Image.open(io.BytesIO(BAD_IMAGES["truncated jpeg"][0])) as image:
        assert image.size == (400, 300)


@pytest.mark.parametrize("case", sorted(BAD_IMAGES))
def test_bad_images_are_refused_by_the_check(case):
    body, message = BAD_IMAGES[case]
    with pytest.raises(ValidationError) as refused:
        check_upload(SimpleUploadedFile("nameplate.png", body, content_type="image/png"))
    assert message in refused.value.messages[0]


@pytest.mark.parametrize("case", sorted(BAD_IMAGES))
def test_declaration_page_refuses_bad_images_and_stores_nothing(client, media, case):
    body, message = BAD_IMAGES[case]
    maker, model = maker_and_model()
    client.force_login(maker)
    response = client.post(
        reverse("declarations:create"),
        {"appliance_model": model.pk, "quantity": 5, "report_file": SimpleUploadedFile("r.jpg", body, "image/jpeg")},
    )
    assert response.status_code == 400 and message in response.content.decode()
    assert not Declaration.objects.exists() and not Document.objects.exists()
    assert not media.exists() or not [p for p in media.rglob("*") if p.is_file()]


def test_an_image_just_under_the_limit_is_accepted(settings):
    settings.DOCUMENT_MAX_PIXELS = 64 * 64
    assert check_upload(SimpleUploadedFile("ok.png", image_bytes("PNG", (64, 64)))) == "image/png"
    with pytest.raises(ValidationError):
        check_upload(SimpleUploadedFile("big.png", image_bytes("PNG", (65, 64))))
