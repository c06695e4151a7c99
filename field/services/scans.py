"""Recording scans: one cheap INSERT with coarse client info, inside the page's 3-query budget.

Why not after the response or in Celery: a broker round trip costs more than the row and can lose it;
counting the write in the budget keeps the page honest (see tests/test_scan_page.py). What made the
resident wait was the commit's WAL flush (~7 ms of 10 on a loaded machine): on PostgreSQL the row is
written with `synchronous_commit` off for its own transaction only (field/scan_sql.py). Trade-off, on
purpose: a crash of PostgreSQL or the machine can lose the last ~0.6 s of scan-log rows (evidence and
statistics), never an answer and never any other write; a scan log is not a record anybody relies on
row by row.
"""

import ipaddress

from django.utils import timezone

from accounts.roles import roles_of
from core.client import client_ip

from ..models import ScanLog
from ..scan_sql import insert_scan_log


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


def record_scan(request, *, code, verdict, label=None, channel=ScanLog.Channel.WEB) -> None:
    user = getattr(request, "user", None)
    role = ",".join(sorted(roles_of(user))) if user is not None and user.is_authenticated else ""
    insert_scan_log(
        label_id=label.pk if label is not None else None,
        code=(code or "")[:40],
        verdict=verdict,
        channel=channel,
        role=role[:40],
        network=coarse_network(client_ip(request)),
        device="app" if channel == ScanLog.Channel.API else device_class(request.META.get("HTTP_USER_AGENT")),
        at=timezone.now(),
    )
