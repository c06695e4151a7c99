"""The project's URLs plus two bench-only views through the same middleware (bench/scan.py):

- /bench/constant/: HttpResponse("ok"), the floor a request through our middleware costs, and issue 19's yardstick;
- /bench/one-row/<serial>: the label's state read by serial through the ORM, as text: what an ordinary Django
  page that reads one row costs (with the ORM's compile, an unprepared statement and the connection's health check);
- /bench/prepared-row/<serial>: the same read at its cheapest: one prepared statement on the request's connection,
  one round trip, as the scan's look-up runs (field/scan_sql.py). The floor of any page that reads the database.
- /bench/scan-floor/<serial>: the least any scan must do, and nothing more: the rate limit, the scan's own look-up
  statement (rows only: no model instances, no rules), the scan-log row, and a fixed answer of the page's size.
All three are reported beside the scan, not judged: they show how much of the gap is the database round trip, and
what is left for the scan's own work (the verdict, the page) within issue 19's ratio.
"""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from cases.models import Label
from core import ratelimit
from field import scan_sql
from field.models import ScanLog
from field.services.scans import record_scan
from project.urls import urlpatterns as project_urlpatterns

_PREPARED_ROW = "SELECT state FROM cases_label WHERE serial = %s"


def constant(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


def one_row(request: HttpRequest, serial: str) -> HttpResponse:
    state = Label.objects.filter(serial=serial).values_list("state", flat=True).first()
    return HttpResponse(state or "", status=200 if state else 404)


def prepared_row(request: HttpRequest, serial: str) -> HttpResponse:
    rows = scan_sql.prepared_rows(_PREPARED_ROW, [serial])
    return HttpResponse(rows[0][0] if rows else "", status=200 if rows else 404)


class _Row:
    """What record_scan reads of a label: its primary key."""

    def __init__(self, pk: int) -> None:
        self.pk = pk


_FLOOR_BODY = "x" * 2000  # about the size of the visitor's scan page body


def scan_floor(request: HttpRequest, serial: str) -> HttpResponse:
    if ratelimit.limited(request, group=ratelimit.LOOKUP):
        return HttpResponse("limited", status=429)
    rows = scan_sql.scan_rows(serial)
    label = _Row(rows[0][0]) if rows else None
    record_scan(request, code=serial, verdict=ScanLog.Verdict.GENUINE if rows else ScanLog.Verdict.UNKNOWN, label=label)
    return HttpResponse(_FLOOR_BODY, status=200 if rows else 404)


urlpatterns = [
    path("bench/constant/", constant, name="bench-constant"),
    path("bench/one-row/<str:serial>", one_row, name="bench-one-row"),
    path("bench/prepared-row/<str:serial>", prepared_row, name="bench-prepared-row"),
    path("bench/scan-floor/<str:serial>", scan_floor, name="bench-scan-floor"),
    *project_urlpatterns,
]
