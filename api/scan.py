"""The scan API's answer without DRF's per-request machinery: the busiest endpoint, public and read-only (issue 19).

For `GET /api/v1/scan/<code>/` DRF's layers cost about as much Python as the scan itself: a Request wrapper
that proxies every attribute, content negotiation parsing Accept and the query string, an authenticator, a
permission and a renderer instance per request, a serializer walking twenty dotted sources field by field
(try/except each), a template response rendered through the renderer context.

So `api.field.ScanResolve` answers the request nearly every phone and checker sends (`is_plain_scan`: a GET
without credentials, signed-in session or query string, with Accept absent, `*/*` or `application/json`) with
`scan_data` and `json_body` here, and sends everything else through DRF as before: a token (a worker's scan
is logged with their role, an expired token is a 401), a session, `?format=`, any other Accept (406, the
browsable API), HEAD, OPTIONS, POST. For the plain request those DRF steps decide nothing: no authenticator
finds credentials, AllowAny, no throttle or version, and negotiation picks JSON as `application/json`.

`scan_data` gives what `ScanSerializer` gives (which stays the OpenAPI schema's description of the answer);
tests/test_scan_api_fast.py holds both paths to DRF's answer for every verdict and those requests.
"""

import json
from datetime import date, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from field.selectors import ScanView

# What negotiation answers with JSON as `application/json` without parsing: no header counts as `*/*`.
# An empty header is a 406 in DRF, and `application/json; indent=4` indents: both take DRF's path.
_PLAIN_ACCEPT = frozenset({None, "*/*", "application/json"})

# DRF's JSONRenderer with its default settings (UNICODE_JSON, COMPACT_JSON, STRICT_JSON); the values here are
# only str, bool, None, lists and dicts, which its encoder writes as json's own does.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def is_plain_scan(request: HttpRequest) -> bool:
    """A request DRF's dispatch would answer with JSON, for an anonymous user, without a 401, 406 or 405."""
    meta = request.META
    if (
        request.method != "GET"
        or meta.get("QUERY_STRING")  # ?format= picks a renderer
        or "HTTP_AUTHORIZATION" in meta  # a token: DRF authenticates it (or refuses it with a 401)
        or meta.get("HTTP_ACCEPT") not in _PLAIN_ACCEPT
    ):
        return False
    # A signed-in session (the field app's pages) is DRF's SessionAuthentication: its path, with its checks.
    user = getattr(request, "user", None)
    return user is None or not user.is_authenticated


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _date(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _datetime(value: datetime | None) -> str | None:
    """DRF's DateTimeField: in the current time zone, UTC written as Z (database values are aware: USE_TZ)."""
    if not value:
        return None
    text = value.astimezone(timezone.get_current_timezone()).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def scan_data(view: ScanView) -> dict[str, Any]:
    """What `ScanSerializer().to_representation(view)` gives (same keys, order and values), read directly."""
    label = view.label
    model = label.appliance_model if label is not None else None
    manufacturer = model.manufacturer if model is not None else None
    recall = view.recall
    installation = view.installation
    ignition = view.ignition
    return {
        "code": _text(view.code),
        "serial": _text(view.serial),
        "verdict": _text(view.verdict),
        "genuine": view.is_genuine,
        "state": _text(label.state) if label is not None else None,
        "brand": _text(model.brand) if model is not None else None,
        "model_number": _text(model.model_number) if model is not None else None,
        "category": _text(model.category) if model is not None else None,
        "manufacturer": _text(manufacturer.name) if manufacturer is not None else None,
        "gas_category": _text(model.gas_category) if model is not None else None,
        "supply_gas": _text(view.supply_gas),
        "fits_gas": view.fits_gas,
        "recalled": view.is_recalled,
        "recall_reason": _text(recall.reason) if recall is not None else None,
        "recalled_on": _date(recall.recalled_on) if recall is not None else None,
        "suspended": view.is_suspended,
        "installation_company": _text(installation.company.name) if installation is not None else None,
        "installed_at": _datetime(installation.at) if installation is not None else None,
        "ignited_at": _datetime(ignition.at) if ignition is not None else None,
        # ScanSerializer.get_history's own values: the kind's code and the stored time, not the local one.
        "history": [{"kind": r.kind, "at": r.at.isoformat(), "company": r.company.name} for r in view.work_records],
    }


def json_body(data: dict[str, Any]) -> bytes:
    """The bytes DRF's JSONRenderer writes for `data` (line and paragraph separators escaped, as it does)."""
    return _ENCODER.encode(data).replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").encode()


def json_response(data: dict[str, Any], *, status: int, headers: dict[str, str]) -> HttpResponse:
    """The response DRF would finalize: its Content-Type, and the view's own headers (Allow, Vary: Accept)."""
    response = HttpResponse(json_body(data), content_type="application/json", status=status)
    for name, value in headers.items():
        response[name] = value
    return response
