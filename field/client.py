"""Who the client is, for rate limits and scan logs, also behind a reverse proxy."""

from django.conf import settings


def client_ip(request):
    """The client's address: REMOTE_ADDR, or the X-Forwarded-For entry our own proxies added.

    With TRUSTED_PROXY_HOPS=n (n proxies of ours in front of the app), the client is the n-th address
    from the right of X-Forwarded-For; anything further left is what the client claimed and is ignored.
    """
    hops = getattr(settings, "TRUSTED_PROXY_HOPS", 0)
    if hops > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR", "")


def rate_key(group, request):
    """django-ratelimit key: one bucket per client address."""
    return client_ip(request)


def scan_rate(group, request):
    """Per-client limit on public look-ups (a setting, so tests and busy deployments can change it)."""
    return getattr(settings, "FIELD_SCAN_RATE", "60/m")
