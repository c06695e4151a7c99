"""Recording scans: coarse client info, and a row that never makes the resident wait.

On PostgreSQL the row joins this process's batch, written by a background thread as one COPY a second
(field/scan_log_buffer.py: a process killed outright loses at most that second of rows, never an answer).
With SCAN_LOG_BATCH=0 (SQLite, the test suite) it is one INSERT in the request, inside the page's query
budget, committed without waiting for the disk on PostgreSQL (field/scan_sql.py). Why not Celery: a broker
round trip costs more than the row.
"""

import ipaddress
from functools import lru_cache

from django.http import HttpRequest
from django.utils import timezone

from accounts.roles import roles_of
from cases.models import Label
from core.client import client_ip

from .. import scan_log_buffer
from ..models import ScanLog


@lru_cache(maxsize=4096)  # a phone scans a few labels in a row from one address; parsing it twice costs 20 µs
def coarse_network(ip: str | None) -> str:
    """The /24 (IPv4) or /48 (IPv6) network: enough to see clusters, not to identify a household."""
    try:
        address = ipaddress.ip_address(ip or "")
    except ValueError:
        return ""
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def device_class(user_agent: str | None) -> str:
    ua = (user_agent or "").lower()
    if any(word in ua for word in ("bot", "spider", "crawl")):
        return "bot"
    if "ipad" in ua or "tablet" in ua:
        return "tablet"
    if "mobi" in ua or "android" in ua or "iphone" in ua:
        return "mobile"
    return "desktop" if ua else ""


def record_scan(
    request: HttpRequest, *, code: str, verdict: str, label: Label | None = None, channel: str = ScanLog.Channel.WEB
) -> None:
    user = getattr(request, "user", None)
    role = ",".join(sorted(roles_of(user))) if user is not None and user.is_authenticated else ""
    scan_log_buffer.record(
        dict(
            label_id=label.pk if label is not None else None,
            code=(code or "")[:40],
            verdict=verdict,
            channel=channel,
            role=role[:40],
            network=coarse_network(client_ip(request)),
            device="app" if channel == ScanLog.Channel.API else device_class(request.META.get("HTTP_USER_AGENT")),
            at=timezone.now(),
        )
    )
