"""The scan API's hot path (api/scan.py) answers exactly as DRF did: same JSON, bytes, status, headers and log rows.

`scan_data` is held to ScanSerializer (which still describes the answer in the OpenAPI schema) for every verdict;
the endpoint is held to the DRF view it replaced (`Before`, mounted by this module's URLconf at the same path)
for the requests the fast path takes and for those it hands back to DRF (tokens, sessions, other Accept headers,
?format=, HEAD, OPTIONS, POST, the rate limit).
"""

import re

from project.urls import urlpatterns as project_urlpatterns  # first: it registers <id:…>, which api.field uses

# isort: split
import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.urls import path
from django.utils import timezone
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.test import APIClient
from rest_framework.views import APIView

from accounts import city
from api.field import ScanResolve, ScanSerializer, too_many
from api.scan import is_plain_scan, json_body, scan_data
from cases.models import LabelState
from core import ratelimit, serials
from field import selectors
from field.models import ScanLog
from field.services.scans import record_scan
from tests.factories import PASSWORD, UserFactory
from tests.factories_field import installer_with_permit, label_with_history

pytestmark = pytest.mark.django_db

GTIN = "6901234567892"
# Text a serializer or an encoder could treat differently: quotes, backslash, non-ASCII, JS line separators.
ODD_BRAND = '华焰 "Flame"\\ \u2028\u2029 é'


class Before(ScanResolve):
    """ScanResolve as it was: DRF's dispatch, ScanSerializer and a Response."""

    def dispatch(self, request, *args, **kwargs):
        return APIView.dispatch(self, request, *args, **kwargs)

    def get(self, request, code):
        if ratelimit.limited(request, group=ratelimit.LOOKUP):
            return too_many()
        view = selectors.resolve_scan(code)
        record_scan(request, code=code, verdict=view.verdict, label=view.label, channel=ScanLog.Channel.API)
        return Response(ScanSerializer(view).data, status=200 if view.is_genuine else 404)

    # The same name and description as the real view: OPTIONS and the browsable API show them.
    def get_view_name(self):
        return ScanResolve().get_view_name()

    def get_view_description(self, html=False):
        return ScanResolve().get_view_description(html)


# This module as a URLconf: the project's, with the scan API answered by `Before`.
urlpatterns = [path("api/v1/scan/<str:code>/", Before.as_view()), *project_urlpatterns]


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    city.current_city()  # warm, as after any earlier request


def label_in(state, *, recalled=False, gas="12T", brand=ODD_BRAND):
    """A label in `state` with what the answer can show; the factory's company names (several labels a test)."""
    return label_with_history(
        state,
        recalled=recalled,
        companies={},
        recall_reason="阀门缺陷 \u2028",
        gas=gas,
        brand=brand,
        gtin=GTIN,
        model_number="JZT-2H10",
    )


def scan_views():
    """(name, ScanView) for every verdict and every state a label can be scanned in."""
    views = []
    for state in LabelState.values:
        for recalled in (False, True):
            label = label_in(state, recalled=recalled)
            views.append((f"{state}{'-recalled' if recalled else ''}", selectors.resolve_scan(label.serial)))
    off_gas = label_in("installed", gas="20Y", brand="安泰")  # its area's gas is looked up: fits_gas False
    views.append(("installed-off-gas", selectors.resolve_scan(off_gas.serial)))
    views.append(("gtin-mismatch", selectors.resolve_scan(off_gas.serial, gtin="06901234567885")))
    views.append(("unknown", selectors.resolve_scan(serials.new_serial())))
    views.append(("malformed", selectors.resolve_scan("not-a-serial")))
    views.append(("empty", selectors.resolve_scan("")))
    return views


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC"])  # UTC: DRF writes +00:00 as Z
def test_scan_data_is_what_scan_serializer_gives_for_every_verdict(zone):
    with timezone.override(zone):
        views = scan_views()
        for name, view in views:
            expected = ScanSerializer(view).data
            fast = scan_data(view)
            assert fast == expected, name
            assert list(fast) == list(expected), name  # key order: the bytes below depend on it
            assert json_body(fast) == JSONRenderer().render(expected, "application/json"), name
    assert {view.verdict for _name, view in views} == set(ScanLog.Verdict.values)
    assert any(view.installation and view.ignition and view.recall for _name, view in views)


def login(client, user):
    token = APIClient().post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD}).json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")


# (name, method, query, extra headers): every kind of request either path may see.
REQUESTS = [
    ("plain", "get", "", {}),
    ("accept-any", "get", "", {"HTTP_ACCEPT": "*/*"}),
    ("accept-json", "get", "", {"HTTP_ACCEPT": "application/json"}),
    ("accept-json-indent", "get", "", {"HTTP_ACCEPT": "application/json; indent=4"}),
    ("accept-list", "get", "", {"HTTP_ACCEPT": "text/plain, application/json;q=0.9"}),
    ("accept-html", "get", "", {"HTTP_ACCEPT": "text/html"}),
    ("accept-xml-406", "get", "", {"HTTP_ACCEPT": "application/xml"}),
    ("accept-empty-406", "get", "", {"HTTP_ACCEPT": ""}),
    ("format-json", "get", "format=json", {}),
    ("format-api", "get", "format=api", {}),
    ("format-xml-404", "get", "format=xml", {}),
    ("other-query", "get", "utm=x", {}),
    ("bad-token-401", "get", "", {"HTTP_AUTHORIZATION": "Token nope"}),
    ("empty-authorization", "get", "", {"HTTP_AUTHORIZATION": ""}),
    ("head", "head", "", {}),
    ("options", "options", "", {}),
    ("post-405", "post", "", {}),
]
CSRF_TOKEN = re.compile(rb'"csrfToken": "[^"]*"')


def answer(client, settings, urlconf, url, method, query, headers):
    settings.ROOT_URLCONF = urlconf
    cache.clear()  # both answers start from the same rate-limit bucket
    before = set(ScanLog.objects.values_list("pk", flat=True))
    response = getattr(client, method)(f"{url}?{query}" if query else url, **headers)
    logged = list(
        ScanLog.objects.exclude(pk__in=before).values_list("label", "code", "verdict", "channel", "role", "device")
    )
    return response, logged


def assert_same(new, old, name):
    (response, logged), (expected, expected_logged) = new, old
    assert response.status_code == expected.status_code, name
    assert dict(response.headers) == dict(expected.headers), name  # Content-Type, Allow, Vary, CSP, length…
    assert response.cookies.keys() == expected.cookies.keys(), name
    # The browsable API's page holds a fresh (masked) CSRF token each time; everything else is the same.
    assert CSRF_TOKEN.sub(b"", response.content) == CSRF_TOKEN.sub(b"", expected.content), name
    assert logged == expected_logged, name


@pytest.mark.parametrize("state", ["ignited", "declared", "unknown"])  # genuine, not activated, unknown
@pytest.mark.parametrize("name,method,query,headers", REQUESTS, ids=[r[0] for r in REQUESTS])
def test_each_request_gets_the_answer_drf_gave(settings, state, name, method, query, headers):
    settings.FIELD_SCAN_RATE = "100/m"
    if state == "unknown":
        code = serials.new_serial()
    else:
        code = label_in(state, recalled=True).serial
    url = f"/api/v1/scan/{code}/"
    client = APIClient()
    new = answer(client, settings, "project.urls", url, method, query, headers)
    old = answer(client, settings, __name__, url, method, query, headers)
    assert_same(new, old, name)


@pytest.mark.parametrize("who", ["token", "session", "anonymous"])
def test_signed_in_scans_are_logged_with_the_role_as_before(settings, who):
    label = label_in("installed")
    worker, _permit = installer_with_permit()
    client = APIClient()
    if who == "token":
        login(client, worker)
    elif who == "session":
        client.force_login(worker)
    url = f"/api/v1/scan/{label.serial}/"
    new = answer(client, settings, "project.urls", url, "get", "", {})
    old = answer(client, settings, __name__, url, "get", "", {})
    assert_same(new, old, who)
    assert new[1][0][4] == ("installer" if who != "anonymous" else "")


def test_rate_limited_answer_is_the_same(settings):
    settings.FIELD_SCAN_RATE = "1/m"
    url = f"/api/v1/scan/{label_in('sold').serial}/"
    answers = []
    for urlconf in ("project.urls", __name__):
        settings.ROOT_URLCONF = urlconf
        cache.clear()
        client = APIClient()
        first, second = client.get(url), client.get(url)
        assert (first.status_code, second.status_code) == (200, 429) and second.json()["code"] == "rate_limited"
        answers.append((second.content, dict(second.headers)))
    assert answers[0] == answers[1]


def test_only_the_plain_anonymous_get_skips_drf(rf):
    def request(method="get", user=None, **extra):
        made = getattr(rf, method)("/api/v1/scan/X/", **extra)
        made.user = user or AnonymousUser()
        return made

    assert is_plain_scan(request())
    assert is_plain_scan(request(HTTP_ACCEPT="*/*")) and is_plain_scan(request(HTTP_ACCEPT="application/json"))
    assert not is_plain_scan(request(HTTP_ACCEPT="application/json; indent=4"))
    assert not is_plain_scan(request(HTTP_ACCEPT=""))
    assert not is_plain_scan(request(HTTP_AUTHORIZATION="Token x"))
    assert not is_plain_scan(request(QUERY_STRING="format=api"))
    assert not is_plain_scan(request("head")) and not is_plain_scan(request("options"))
    assert not is_plain_scan(request(user=UserFactory()))


def test_the_drf_steps_the_fast_path_skips_decide_nothing_for_this_view():
    """The plain GET skips DRF's permission, throttle, versioning and negotiation steps: this view has none that
    could refuse an anonymous GET, and JSON is its first renderer. Adding one means the fast path must ask it."""
    view = ScanResolve()
    assert [type(p).__name__ for p in view.get_permissions()] == ["AllowAny"]
    assert view.get_throttles() == [] and view.versioning_class is None
    assert type(view.get_renderers()[0]) is JSONRenderer
    assert view.get_content_negotiator().settings.URL_FORMAT_OVERRIDE == "format"


def test_the_plain_get_never_builds_a_drf_request(monkeypatch):
    label = label_in("sold")

    def refuse(*args, **kwargs):
        raise AssertionError("DRF's dispatch ran for a plain scan")

    monkeypatch.setattr(APIView, "initialize_request", refuse)
    response = APIClient().get(f"/api/v1/scan/{label.serial}/")
    assert response.status_code == 200 and response.json()["serial"] == label.serial
    with pytest.raises(AssertionError, match="DRF's dispatch"):  # a token still takes DRF's path
        APIClient().get(f"/api/v1/scan/{label.serial}/", HTTP_AUTHORIZATION="Token x")
