"""Recording scans: one cheap INSERT with coarse client info, inside the page's 3-query budget.

Why not after the response or in Celery: a single-row insert into an indexed table costs well under a
millisecond, while a broker round trip costs more and can lose the row; counting it in the budget keeps
the page honest (see tests/test_scan_page.py).
"""

import ipaddress

from accounts.roles import roles_of
from core.client import client_ip

from ..models import ScanLog


def coarse_network(ip):
    """The /24 (IPv4) or /48 (IPv6) network: enough to see clusters, not to identify a household."""
    try:
        address = ipaddress.ip_address(ip or "")
    except ValueError:
        return ""
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def device_class(user_agent):
    ua = (user_agent or "").lower()
    if any(word in ua for word in ("bot", "spider", "crawl")):
        return "bot"
    if "ipad" in ua or "tablet" in ua:
        return "tablet"
    if "mobi" in ua or "android" in ua or "iphone" in ua:
        return "mobile"
    return "desktop" if ua else ""


def record_scan(request, *, code, verdict, label=None, channel=ScanLog.Channel.WEB):
    user = getattr(request, "user", None)
    role = ",".join(sorted(roles_of(user))) if user is not None and user.is_authenticated else ""
    return ScanLog.objects.create(
        label=label,
        code=(code or "")[:40],
        verdict=verdict,
        channel=channel,
        role=role[:40],
        network=coarse_network(client_ip(request)),
        device="app" if channel == ScanLog.Channel.API else device_class(request.META.get("HTTP_USER_AGENT")),
    )
