"""Documents go through Django's storage API into an S3-compatible bucket when AWS_STORAGE_BUCKET_NAME is set
(a real moto server on loopback, real boto3 and django-storages): nothing lands on the local disk, the
checked download view streams the bucket's bytes, and /health/'s storage check writes, reads and deletes."""

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from cases.services.documents import store_document
from project import env
from tests.factories_declarations import PDF_BYTES, image_bytes, maker_and_model, reviewer
from tests.s3_server import s3_server  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def bucket_storage(settings, s3_server, tmp_path):  # noqa: F811
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {**settings.STORAGES, "default": env.default_storage(s3_server.env)}
    return s3_server


def test_a_document_is_stored_in_the_bucket_and_downloaded_from_it(bucket_storage, tmp_path):
    maker, model = maker_and_model()
    photo = image_bytes("PNG")
    document = store_document(appliance_model=model, upload=SimpleUploadedFile("铭牌.png", photo), uploaded_by=maker)
    assert type(default_storage._wrapped).__name__ == "S3Storage"
    assert document.file.name in bucket_storage.keys()
    assert bucket_storage.read(document.file.name) == photo
    assert not (tmp_path / "media").exists()  # nothing on this machine's disk

    url = reverse("cases:document", args=[document.pk])
    for user in (maker, reviewer()):
        client = Client()
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200 and response["Content-Type"] == "image/png"
        assert b"".join(response.streaming_content) == photo


def test_two_uploads_with_one_name_never_overwrite(bucket_storage):
    maker, model = maker_and_model()
    first = store_document(appliance_model=model, upload=SimpleUploadedFile("ccc.pdf", PDF_BYTES))
    second_bytes = PDF_BYTES.replace(b"%PDF-1.4", b"%PDF-1.5") if b"%PDF-1.4" in PDF_BYTES else PDF_BYTES + b"\n"
    second = store_document(appliance_model=model, upload=SimpleUploadedFile("ccc.pdf", second_bytes))
    assert first.file.name != second.file.name
    assert bucket_storage.read(first.file.name) == PDF_BYTES
    assert bucket_storage.read(second.file.name) == second_bytes


def test_health_checks_the_bucket(bucket_storage):
    before = set(bucket_storage.keys())
    response = Client().get("/health/web/")
    checks = response.json()["checks"]
    assert checks["Storage(alias='default')"] == "OK", checks
    assert set(bucket_storage.keys()) == before  # its probe file was deleted again


def test_health_is_red_when_the_bucket_is_gone(settings, s3_server):  # noqa: F811
    settings.STORAGES = {
        **settings.STORAGES,
        "default": env.default_storage({**s3_server.env, "AWS_STORAGE_BUCKET_NAME": "deleted-bucket"}),
    }
    response = Client().get("/health/web/")
    assert response.status_code == 503
    assert response.json()["checks"]["Storage(alias='default')"] != "OK"
