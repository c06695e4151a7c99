"""Per-client rate limits on the shared cache, failing open when the cache is unreachable.

Why fail open: the limits protect against abuse, while the pages they guard (the public scan page above all)
are how a resident checks an appliance is safe. A Redis outage must not turn every scan into a 500; it is
logged as a warning so the outage is seen, and the limits come back with the cache.
"""

import logging

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import is_ratelimited

from core.client import client_ip

logger = logging.getLogger(__name__)

# Public look-ups (scan page and API, booking page and company list, public permit page) share one bucket.
LOOKUP = "public-lookup"
# Anonymous writes (residents' bookings and problem reports) share a stricter one.
ANONYMOUS_WRITE = "anonymous-write"

# SMS codes to residents (each one costs money and reaches a stranger's phone): per client, on top of the
# per-number limit in field.services.phone_codes.
PHONE_CODE = "phone-code"

_RATE_SETTINGS = {
    LOOKUP: ("FIELD_SCAN_RATE", "60/m"),
    ANONYMOUS_WRITE: ("ANONYMOUS_WRITE_RATE", "10/h"),
    PHONE_CODE: ("PHONE_CODE_RATE", "10/h"),
}


def _key(group: str, request: HttpRequest) -> str:
    return client_ip(request)


def _rate(group: str, request: HttpRequest) -> str:
    name, default = _RATE_SETTINGS[group]
    return getattr(settings, name, default)


def limited(request: HttpRequest, *, group: str) -> bool:
    """Count this request against the client's bucket for `group`; True once the bucket is used up."""
    if group not in _RATE_SETTINGS:
        raise ValueError(f"unknown rate-limit group {group!r}")
    try:
        return is_ratelimited(request, group=group, key=_key, rate=_rate, increment=True)
    except Exception:  # any cache failure (Redis down, timeout, DNS): fail open, loudly
        logger.warning("rate limit %s not applied: the cache is unreachable", group, exc_info=True)
        return False
