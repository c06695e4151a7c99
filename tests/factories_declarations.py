"""Helpers for declaration/label-batch tests: role users, tiny valid uploads, eager Celery."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts import roles
from accounts.models import Organization
from tests.factories import ApplianceModelFactory, OrganizationFactory, UserFactory

# A minimal but real one-page PDF.
PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def image_bytes(fmt="PNG", size=(8, 8)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 80, 20)).save(buffer, format=fmt)
    return buffer.getvalue()


def pdf_upload(name="ccc.pdf"):
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def png_upload(name="nameplate.png"):
    return SimpleUploadedFile(name, image_bytes("PNG"), content_type="image/png")


def reviewer(**kwargs):
    association = OrganizationFactory(kind=Organization.Kind.ASSOCIATION)
    return UserFactory(organization=association, role=roles.REVIEWER, **kwargs)


def maker_and_model(**model_kwargs):
    """A manufacturer's staff user and one of its appliance models (with a dealer)."""
    maker_org = OrganizationFactory(kind=Organization.Kind.MANUFACTURER)
    user = UserFactory(organization=maker_org, role=roles.MANUFACTURER)
    model = ApplianceModelFactory(manufacturer=maker_org, **model_kwargs)
    model.dealers.add(OrganizationFactory(kind=Organization.Kind.DEALER))
    model.designated_installers.add(OrganizationFactory(kind=Organization.Kind.INSTALLER))
    return user, model
