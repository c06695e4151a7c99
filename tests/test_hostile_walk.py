"""Every URL the resolver serves, every method it allows, as anonymous and as each role, with hostile values in the
path, the query and the body: never a 500, and every API error is JSON {code, detail, errors}.

The URLs, the objects they point at and a valid body for each come from the permission matrix
(tests/test_permission_matrix.py, which fails on a URL without a row). Each (URL, role) sends a handful of requests;
the hostile values rotate over the roles so that together they cover the whole list while the test stays short
(it runs twice in CI). Each request runs in a rolled-back savepoint, like the matrix.
"""

import json
from urllib.parse import quote, urlencode

import pytest
from django.db import transaction
from django.test import Client
from django.urls import resolve, reverse

from tests.factories_security import ANON, ROLES, world  # noqa: F401  (fixture)
from tests.test_permission_matrix import MATRIX

PATH_VALUES = [
    "\x00",
    "A" * 300,
    "🔥\u202e\ufeff",
    "..%2F..%2Fetc%2Fpasswd",
    "١٢٣",  # Arabic-Indic digits
    "99999999999999999999999",
    "-1",
    "%",
    "<script>",
]
QUERY_VALUES = [
    "x" * 900,
    "'; DROP TABLE cases_label;--",
    "١٢٣",
    "-1",
    "99999999999999999999999",
    "🔥\u202e",
    "%",
    "\t\n",
    "2030-13-45",
    "\x00",
]
QUERY_NAMES = ["q", "status", "serial", "page", "sort", "_export", "kind", "period", "start", "end", "next", "state"]
# JSON can carry what a form cannot: wrong types, nesting, a lone surrogate (UTF-8 cannot store it).
JSON_VALUES = [
    "\ud800",
    "x" * 5000,
    99999999999999999999999,
    [],
    {"a": {"b": [1]}},
    None,
    True,
    -1,
    1.5e308,
    "\x00",
    "٣",
    "",
]
FORM_VALUES = ["\x00", "x" * 5000, "٣٣", "-1", "99999999999999999999999", "2030-13-45T25:61", "", "🔥\u202e"]
DEFAULT_FIELDS = ["note", "text", "reason", "q", "id", "when", "phone"]


@pytest.fixture(autouse=True)
def no_limits(settings):
    # Limits are tested elsewhere; here a 429 would only hide what the hostile value would have done.
    settings.FIELD_SCAN_RATE = "100000/m"
    settings.ANONYMOUS_WRITE_RATE = "100000/m"


def base_url(world, key):
    method, args, body, _allowed = MATRIX[key]
    target = args(world) if args else None
    if isinstance(target, str):
        return target, []
    return reverse(key, args=target or []), [str(a) for a in (target or [])]


def allowed_methods(url):
    """The methods a URL's view serves: DRF/class views say so; plain view functions get GET and POST."""
    try:
        callback = resolve(url.split("?")[0]).func
    except Exception:  # an unresolvable catch-all row: GET and POST
        return ["get", "post"]
    cls = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if cls is None:
        return ["get", "post"]
    methods = [m for m in ("get", "post", "put", "patch", "delete") if hasattr(cls, m)]
    return methods or ["get", "post"]


def check(response, url):
    assert response.status_code < 500, f"{url}: {response.status_code} {response.content[:500]!r}"
    if url.startswith("/api/") and response.status_code >= 400 and not url.startswith(("/api/docs", "/api/schema")):
        assert response["Content-Type"].startswith("application/json"), f"{url}: {response['Content-Type']}"
        body = response.json()
        if "verdict" in body:  # the scan API answers an unknown code with its documented 404 verdict
            return
        assert {"code", "detail", "errors"} <= set(body), f"{url}: {body}"


def send(client, method, url, **kwargs):
    with transaction.atomic():
        response = getattr(client, method)(url, **kwargs)
        transaction.set_rollback(True)
    check(response, url)
    return response


KEYS = sorted(k for k in MATRIX if k != "admin:index")


@pytest.mark.django_db
@pytest.mark.parametrize("key", KEYS)
def test_hostile_values_never_make_a_500(world, key):
    url, args = base_url(world, key)
    _method, _args, body, _allowed = MATRIX[key]
    fields = list((body(world) if body else {}).keys()) or DEFAULT_FIELDS
    is_api = url.startswith("/api/")
    methods = allowed_methods(url)
    for turn, role in enumerate(ROLES):
        client = Client()
        if role != ANON:
            client.force_login(world.users[role])
        pick = lambda values, i=0, turn=turn: values[(turn + i) % len(values)]  # noqa: E731
        # Path: one argument (in turn) replaced by a hostile value.
        if args:
            arg = args[turn % len(args)]
            send(client, "get", url.replace(arg, quote(pick(PATH_VALUES), safe="%"), 1))
        # Query: every usual parameter at once, each with its own hostile value.
        query = urlencode({name: pick(QUERY_VALUES, i) for i, name in enumerate(QUERY_NAMES)})
        send(client, "get", f"{url}{'&' if '?' in url else '?'}{query}")
        for method in methods:
            if method == "get":
                continue
            # Body: every field hostile, as JSON (wrong types included) and as a form.
            data = {name: pick(JSON_VALUES, i) for i, name in enumerate(fields)}
            send(client, method, url, data=json.dumps(data), content_type="application/json")
            form = {name: pick(FORM_VALUES, i) for i, name in enumerate(fields)}
            if method == "post":
                send(client, "post", url, data=form)
            if turn % 3:
                continue
            # Every third role: the wrong content type, a JSON body that is not an object, broken JSON.
            send(client, method, url, data="<a>1</a>", content_type="application/xml")
            send(client, method, url, data=json.dumps(pick([[1, 2], "text", 3, None])), content_type="application/json")
            if is_api:
                send(client, method, url, data="{not json", content_type="application/json")
