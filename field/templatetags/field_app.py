"""Template helpers for the field app's pages."""

from urllib.parse import urlsplit

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def public_host() -> str:
    """The host printed QR codes point at (PUBLIC_BASE_URL): the scanner accepts label and permit QRs from it."""
    return urlsplit(settings.PUBLIC_BASE_URL).netloc.lower()
