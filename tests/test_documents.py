"""Declaration documents: type sniffed from the bytes, size limit, stored under MEDIA_ROOT, served only to the allowed."""

from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts import roles
from cases.services.documents import sniff_content_type, store_document
from tests.factories import UserFactory
from tests.factories_declarations import PDF_BYTES, image_bytes, maker_and_model, reviewer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.mark.parametrize(
    "payload,expected",
    [
        (PDF_BYTES, "application/pdf"),
        (image_bytes("JPEG"), "image/jpeg"),
        (image_bytes("PNG"), "image/png"),
        (b"GIF89a....", None),
        (b"<html><script>", None),
        (b"PK\x03\x04docx", None),
    ],
)
def test_sniffing_uses_magic_bytes(payload, expected):
    assert sniff_content_type(payload[:16]) == expected


def test_a_disguised_file_is_refused_whatever_its_name_and_declared_type():
    _maker, model = maker_and_model()
    fake = SimpleUploadedFile("certificate.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(ValidationError) as exc:
        store_document(appliance_model=model, upload=fake)
    assert exc.value.code == "bad_type"
    assert not model.documents.exists()


def test_a_truncated_png_is_refused():
    _maker, model = maker_and_model()
    broken = SimpleUploadedFile("photo.png", image_bytes("PNG")[:30], content_type="image/png")
    with pytest.raises(ValidationError) as exc:
        store_document(appliance_model=model, upload=broken)
    assert exc.value.code == "bad_image"


def test_size_limit_is_a_setting(settings):
    settings.DOCUMENT_MAX_BYTES = 100
    _maker, model = maker_and_model()
    big = SimpleUploadedFile("big.pdf", PDF_BYTES + b" " * 200, content_type="application/pdf")
    with pytest.raises(ValidationError) as exc:
        store_document(appliance_model=model, upload=big)
    assert exc.value.code == "too_large"


def test_stored_under_media_root_with_a_random_name(media):
    maker, model = maker_and_model()
    upload = SimpleUploadedFile("../../etc/证书.jpg", image_bytes("JPEG"), content_type="text/plain")
    document = store_document(appliance_model=model, upload=upload, uploaded_by=maker)
    path = Path(document.file.path)
    assert path.is_file() and media in path.parents
    assert path.suffix == ".jpg" and "证书" not in path.name
    assert document.content_type == "image/jpeg"  # sniffed, not the browser's text/plain
    assert document.original_name.endswith("证书.jpg")
    assert len(document.sha256) == 64


def test_download_only_for_the_manufacturer_and_reviewers(client):
    maker, model = maker_and_model()
    document = store_document(appliance_model=model, upload=SimpleUploadedFile("ccc.pdf", PDF_BYTES), uploaded_by=maker)
    url = reverse("cases:document", args=[document.pk])
    assert client.get(url).status_code == 302  # login first

    other_maker, _ = maker_and_model()
    for outsider in [other_maker, UserFactory(role=roles.DEALER), UserFactory(role=roles.INSTALLER)]:
        client.force_login(outsider)
        assert client.get(url).status_code == 404

    for allowed in [maker, reviewer()]:
        client.force_login(allowed)
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content) == PDF_BYTES
    # Not public media: nothing is mounted under MEDIA_URL.
    client.logout()
    assert client.get("/media/" + document.file.name).status_code == 404
