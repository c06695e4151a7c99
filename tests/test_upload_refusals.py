"""Uploads through the pages (model registration, declaration, resubmission): a disguised executable, an oversized
file and an empty file each get a 400 with a clear Chinese message, and nothing is stored or half-created."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Organization
from cases.models import ApplianceModel, Declaration, Document
from tests.factories import OrganizationFactory
from tests.factories_declarations import PDF_BYTES, maker_and_model

pytestmark = pytest.mark.django_db

# The first bytes of a Windows executable (MZ header, "This program cannot be run in DOS mode").
EXE_BYTES = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"This program cannot be run in DOS mode." * 4
)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DOCUMENT_MAX_BYTES = 2048
    return settings.MEDIA_ROOT


BAD_UPLOADS = {
    # name, bytes, the browser's declared type, the message the page shows
    "exe renamed .pdf": ("setup.pdf", EXE_BYTES, "application/pdf", "不是 PDF、JPEG 或 PNG 文件"),
    "html renamed .png": (
        "nameplate.png",
        b"<html><script>alert(1)</script></html>",
        "image/png",
        "不是 PDF、JPEG 或 PNG 文件",
    ),
    "oversized pdf": ("big.pdf", PDF_BYTES + b"%" * 4096, "application/pdf", "过大：最大"),
    # Django's own FileField refuses an empty file before our check: its (translated) message.
    "empty file": ("empty.pdf", b"", "application/pdf", "提交的是空文件"),
}


def upload(case):
    name, body, content_type, _message = BAD_UPLOADS[case]
    return SimpleUploadedFile(name, body, content_type=content_type)


def stored_files(media):
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


@pytest.mark.parametrize("case", sorted(BAD_UPLOADS))
def test_model_registration_refuses_the_upload_and_creates_nothing(client, media, case):
    maker, _model = maker_and_model()
    client.force_login(maker)
    installer = OrganizationFactory(kind=Organization.Kind.INSTALLER)
    response = client.post(
        reverse("cases:model_create"),
        {
            "brand": "华焰",
            "model_number": "JZT-UP1",
            "category": "cooktop",
            "gas_category": "12T",
            "rated_heat_input_kw": "4.10",
            "ccc_certificate_number": "2021010309999999",
            "designated_installers": [installer.pk],
            "ccc_file": upload(case),
        },
    )
    assert response.status_code == 400
    assert BAD_UPLOADS[case][3] in response.content.decode()
    assert not ApplianceModel.objects.filter(model_number="JZT-UP1").exists()  # the model is not half-created
    assert not Document.objects.exists() and stored_files(media) == []


@pytest.mark.parametrize("case", sorted(BAD_UPLOADS))
def test_declaration_refuses_the_upload_and_creates_nothing(client, media, case):
    maker, model = maker_and_model()
    client.force_login(maker)
    response = client.post(
        reverse("declarations:create"), {"appliance_model": model.pk, "quantity": 5, "report_file": upload(case)}
    )
    assert response.status_code == 400
    assert BAD_UPLOADS[case][3] in response.content.decode()
    assert not Declaration.objects.exists() and not Document.objects.exists() and stored_files(media) == []


def test_a_request_body_over_the_server_limit_is_a_400_not_a_500(client, settings):
    maker, model = maker_and_model()
    client.force_login(maker)
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    fields = {f"extra{i}": "x" for i in range(20)}
    response = client.post(reverse("declarations:create"), {"appliance_model": model.pk, "quantity": 5, **fields})
    assert response.status_code == 400
