"""The one rule for who the client is: audit origins, rate limits, login lock-out and scan logs all ask here.

Behind TRUSTED_PROXY_HOPS reverse proxies of ours, the client is the entry those proxies appended to
X-Forwarded-For (that many from the right); anything further left is what the client claimed and is ignored.
Without proxies (the default) it is REMOTE_ADDR. An entry that is not an IP address (a forged or broken header)
falls back to REMOTE_ADDR rather than becoming a rate-limit bucket or an audit value.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest


@lru_cache(maxsize=4096)  # asked twice a scan (rate limit, scan log) and often by one phone in a row: parse once
def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    """The client's address as a normalised IP string ("" if the server saw none)."""
    hops = getattr(settings, "TRUSTED_PROXY_HOPS", 0)
    if hops > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= hops:
            address = _valid_ip(forwarded[-hops])
            if address:
                return address
    return _valid_ip(request.META.get("REMOTE_ADDR", "")) or ""
