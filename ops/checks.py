"""System checks run at startup (`migrate`, `runserver`, `check`): configuration mistakes worth a warning."""

from django.conf import settings
from django.core.checks import Warning, register

from .public_url import is_loopback


@register()
def public_base_url_reachable(app_configs, **kwargs):
    if not is_loopback(settings.PUBLIC_BASE_URL):
        return []
    return [
        Warning(
            f"PUBLIC_BASE_URL is {settings.PUBLIC_BASE_URL}, a loopback address: QR codes on labels printed now "
            "point at it and no phone can open them.",
            hint="Set PUBLIC_BASE_URL to the https:// address residents' phones reach before printing labels.",
            id="gaslabel.W001",
        )
    ]
