"""Every role × every page and API endpoint → allowed or denied (accounts.permissions, as the views apply it).

The URL list comes from the resolver: a new URL without a row in MATRIX fails test_every_url_has_a_row.
Objects are built once for the module; each request runs in a savepoint that is rolled back, so a POST by
one role never changes what the next role finds. "Allowed" means the request got past the permission check
(any status but 401/403/404 and not a redirect to a login page); "denied" means 401/403/404 or a redirect
to login. Business refusals (400/409) count as allowed: the role may try, the object's state said no.
"""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts import roles
from tests.factories_field import rating_token, verified_code
from tests.factories_security import ANON, DEAL, DEAL2, IGN, INST, MAN, MAN2, REG, REV, ROLES, world  # noqa: F401

SIGNED_IN = frozenset(ROLES) - {ANON}
EVERYONE = frozenset(ROLES)
BACK_OFFICE = frozenset({REV, MAN, MAN2})

# URL key (namespaced name, or the route when unnamed) → (method, args, body, roles allowed).
# args/body are callables of the world `w` so they can point at the objects built for this module.
MATRIX = {
    "home": ("get", None, None, EVERYONE),
    "login": ("get", None, None, EVERYONE),
    # --- health: public, for load balancers and monitors ---
    "health:all": ("get", None, None, EVERYONE),
    "health:web": ("get", None, None, EVERYONE),
    "logout": ("post", None, None, EVERYONE),
    "set_language": ("post", None, lambda w: {"language": "en", "next": "/"}, EVERYONE),
    "switch-language": ("get", lambda w: ["en"], None, EVERYONE),
    "admin:index": ("get", None, None, frozenset()),  # staff only; no role implies is_staff
    # --- API ---
    "api-token": ("post", None, lambda w: {"username": "nobody", "password": "x"}, EVERYONE),  # 400 on bad creds
    "api-me": ("get", None, None, SIGNED_IN),
    "schema": ("get", None, None, EVERYONE),
    "swagger-ui": ("get", None, None, EVERYONE),
    "api/^": ("get", lambda w: "/api/v1/no-such-endpoint/", None, frozenset()),  # catch-all: a 404 for all
    "api-reports": ("post", None, lambda w: {"kind": "label_mismatch", "serial": w.sold_label.serial}, {INST, IGN}),
    "api-report": ("get", lambda w: [w.case.pk], None, {REV, REG, DEAL, INST}),
    "api-report-contact": ("post", lambda w: [w.case.pk], lambda w: {"note": "已电话联系"}, {DEAL}),
    "api-report-resolve": ("post", lambda w: [w.case.pk], lambda w: {"resolution": "return"}, {DEAL}),
    "api-scan": ("get", lambda w: [w.activated.serial], None, EVERYONE),
    "api-sell": ("post", lambda w: [w.activated.serial], lambda w: {"district": "futian"}, {DEAL}),
    "api-work": (
        "post",
        lambda w: [w.sold_label.serial],
        lambda w: {
            "kind": "installation",
            "permit": w.install_permit.number,
            "nameplate_confirmed": True,
            "district": "futian",
        },
        {INST},
    ),
    "api-ignite": ("post", lambda w: [w.installed.serial], lambda w: {"permit": w.ignite_permit.number}, {IGN}),
    "api-book": (
        "post",
        lambda w: [w.sold_label.serial],
        lambda w: {
            "kind": "installation",
            "company": w.installer_org.pk,
            "phone": "13812345678",
            "sms_code": verified_code("13812345678"),
            "district": "futian",
            "preferred_date": str(timezone.localdate() + datetime.timedelta(days=2)),
        },
        EVERYONE,
    ),
    "api-phone-codes": ("post", None, lambda w: {"phone": "13812340000", "purpose": "booking"}, EVERYONE),
    "api-booking-companies": ("get", lambda w: [w.sold_label.serial, "installation"], None, EVERYONE),
    "api-rate": (
        "post",
        lambda w: [w.work.pk],
        lambda w: {"phone": "13812345678", "rating": 5, "sms_code": verified_code("13812345678", "rating")},
        {INST},
    ),
    "api-permits": ("get", None, None, {REV}),
    "api-permit-revoke": ("post", lambda w: [w.install_permit.pk], lambda w: {"reason": "离职"}, {REV}),
    "api-permit-check": ("get", lambda w: [w.install_permit.number], None, SIGNED_IN),
    "api-bookings": ("get", None, None, {INST, IGN}),
    "api-booking-schedule": ("post", lambda w: [w.booking.pk], lambda w: {"when": "2030-01-02T10:00:00+08:00"}, {INST}),
    # --- statistics: every role with a company scope; city-wide reports for the association and regulator ---
    "stats:index": ("get", None, None, SIGNED_IN),
    "stats:reports": ("get", None, None, {REV, REG}),
    "stats:report-download": ("get", lambda w: [w.report.pk, "pdf"], None, {REV, REG}),
    "stats:section": ("get", lambda w: ["labels"], None, {REV, REG, MAN, MAN2}),
    "stats:export": ("get", lambda w: ["labels", "label_totals", "csv"], None, {REV, REG, MAN, MAN2}),
    # --- back office: lists scoped to the company, objects only for their manufacturer and the association ---
    "cases:model_list": ("get", None, None, BACK_OFFICE),
    "cases:model_create": ("get", None, None, {MAN, MAN2}),
    "cases:model_detail": ("get", lambda w: [w.model.pk], None, {REV, MAN}),
    "cases:declaration_list": ("get", None, None, BACK_OFFICE),
    "declarations:create": ("get", None, None, {MAN, MAN2}),
    "declarations:detail": ("get", lambda w: [w.declaration.pk], None, {REV, MAN}),
    "cases:batch_list": ("get", None, None, BACK_OFFICE),
    "cases:batch_detail": ("get", lambda w: [w.batch.pk], None, {REV, MAN}),
    "cases:print_start": ("post", lambda w: [w.batch.pk], lambda w: {"kind": "csv"}, {REV}),
    "cases:batch_progress": ("get", lambda w: [w.batch.pk], None, {REV, MAN}),
    "cases:print_download": ("get", lambda w: [w.print_job.pk], None, {REV}),
    "cases:print_retry": ("post", lambda w: [w.print_job.pk], None, {REV}),
    "cases:label_list": ("get", None, None, BACK_OFFICE),
    "cases:label_image": ("get", lambda w: [w.activated.serial, "png"], None, {REV, MAN}),
    "cases:stats": ("get", None, None, BACK_OFFICE),
    "cases:document": ("get", lambda w: [w.document.pk], None, {REV, MAN}),
    "declarations:inbox": ("get", None, None, BACK_OFFICE),
    "declarations:step": (
        "post",
        lambda w: [w.declaration.pk, "review"],
        lambda w: {"decision": "return", "comment": "请补充检测报告"},
        {REV},
    ),
    # --- remediation: the responsible dealer acts; association and regulator read all; reporters read theirs ---
    "remediation:report": ("get", None, None, {INST, IGN}),
    "remediation:dealer-queue": ("get", None, None, {DEAL, DEAL2}),
    "remediation:association-queue": ("get", None, None, {REV}),
    "remediation:all-cases": ("get", None, None, {REV}),
    "remediation:regulator-queue": ("get", None, None, {REG}),
    "remediation:inbox": ("get", None, None, SIGNED_IN),
    # A message opens for its recipient only (the dealer's "new case" message here).
    "remediation:inbox-open": (
        "get",
        lambda w: [w.users[DEAL].notifications.filter(channel="inbox").values_list("pk", flat=True).first()],
        None,
        {DEAL},
    ),
    "audit:log": ("get", None, None, {REV, REG}),  # the audit log: association and regulator, read-only
    "remediation:case": ("get", lambda w: [w.case.pk], None, {REV, REG, DEAL, INST}),
    "remediation:case-photo": ("get", lambda w: [w.case.pk, w.case_photo.pk], None, {REV, REG, DEAL, INST}),
    "remediation:contact": ("post", lambda w: [w.case.pk], lambda w: {"note": "已联系"}, {DEAL}),
    "remediation:resolve": ("post", lambda w: [w.case.pk], lambda w: {"resolution": "return"}, {DEAL}),
    "remediation:reassign": ("post", lambda w: [w.case.pk], lambda w: {"dealer": w.other_dealer_org.pk}, {REV}),
    "remediation:close-followup": ("post", lambda w: [w.case.pk], lambda w: {"followup-text": "已督办"}, {REV}),
    "remediation:report-regulator": ("post", lambda w: [w.case.pk], lambda w: {"regulator-text": "请处理"}, {REV}),
    "remediation:note": (
        "post",
        lambda w: [w.case.pk],
        lambda w: {"kind": "note", "text": "备注"},
        {REV, REG, DEAL, INST},
    ),
    # --- field: public scan and booking; workers' pages by role; permits for the association ---
    "field:scan-lookup": ("get", lambda w: f"/q/?serial={w.activated.serial}", None, EVERYONE),
    "field:scan": ("get", lambda w: [w.activated.serial], None, EVERYONE),
    "q/<str:code>/": ("get", lambda w: f"/q/{w.activated.serial}/", None, EVERYONE),
    "field:digital-link": ("get", lambda w: [f"0{w.model.gtin}/21/{w.activated.serial}"], None, EVERYONE),
    "field:book": ("get", lambda w: [w.sold_label.serial], None, EVERYONE),
    "field:report-not-genuine": ("get", lambda w: f"/q/report/?code={w.activated.serial}", None, EVERYONE),
    "field:permit-public": ("get", lambda w: [w.install_permit.number], None, EVERYONE),
    "field:scanner": ("get", None, None, EVERYONE),
    # The installable field app: its manifest, service worker, outbox page and offline shell hold no data.
    "field:manifest": ("get", None, None, EVERYONE),
    "field:service-worker": ("get", None, None, EVERYONE),
    "field:outbox": ("get", None, None, EVERYONE),
    "field:offline": ("get", None, None, EVERYONE),
    "field:sell-start": ("get", None, None, EVERYONE),
    "field:install-start": ("get", None, None, EVERYONE),
    "field:repair-start": ("get", None, None, EVERYONE),
    "field:ignite-start": ("get", None, None, EVERYONE),
    "field:sell": ("get", lambda w: [w.activated.serial], None, {DEAL, DEAL2}),
    "field:install": ("get", lambda w: [w.sold_label.serial], None, {INST}),
    "field:repair": ("get", lambda w: [w.installed.serial], None, {INST}),
    "field:ignite": ("get", lambda w: [w.installed.serial], None, {IGN}),
    "field:rate": ("get", lambda w: [w.work.pk], None, {INST}),
    # The resident's own phone opens the link the SMS carried: no login (the signed token is the key).
    "field:rate-link": ("get", lambda w: [rating_token(w.work.pk, "13812345678")], None, EVERYONE),
    "field:bookings": ("get", None, None, {INST, IGN}),
    "field:booking-schedule": ("post", lambda w: [w.booking.pk], lambda w: {"when": "2030-01-02 10:00"}, {INST}),
    "field:permits": ("get", None, None, {REV}),
    "field:clones": ("get", None, None, {REV, REG}),
    "field:clone-close": ("post", lambda w: [w.clone.pk], lambda w: {"note": "核查：同一台燃具"}, {REV}),
    "field:permit-card": ("get", lambda w: [w.install_permit.pk], None, {REV}),
    "field:permit-revoke": ("post", lambda w: [w.install_permit.pk], lambda w: {"reason": "离职"}, {REV}),
    # --- recalls: the association's (issue 14) ---
    "recalls:list": ("get", None, None, {REV}),
    "recalls:lift": ("post", lambda w: [w.recall.pk], lambda w: {"reason": "已整改"}, {REV}),
    "recalls:in-service": ("get", None, None, {REV}),
}


def url_keys():
    """Every URL the project serves, keyed by namespaced name (route when unnamed); the admin as one entry."""
    keys = set()

    def walk(patterns, namespace, prefix):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin":
                    keys.add("admin:index")
                    continue
                inner = ":".join(filter(None, [namespace, pattern.namespace]))
                walk(pattern.url_patterns, inner, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                if pattern.name:
                    keys.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)
                else:
                    keys.add(prefix + str(pattern.pattern))

    walk(get_resolver().url_patterns, "", "")
    return keys


def test_every_url_has_a_row():
    served = url_keys()
    assert served - set(MATRIX) == set(), "new URL(s) without an entry in the permission matrix"
    # A row for a removed named URL fails on its own: reverse() raises in test_role_may_or_may_not.


def _is_login_redirect(response):
    return response.status_code in (301, 302) and "login" in response.get("Location", "")


def _outcome(response):
    if response.status_code >= 500:
        return "error"
    if response.status_code in (401, 403, 404) or _is_login_redirect(response):
        return "denied"
    return "allowed"


@pytest.fixture(autouse=True)
def generous_scan_limit(settings):
    settings.FIELD_SCAN_RATE = "100000/m"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("key", sorted(MATRIX))
def test_role_may_or_may_not(world, key, role):
    method, args, body, allowed = MATRIX[key]
    client = Client()
    if role != ANON:
        client.force_login(world.users[role])
    target = args(world) if args else None
    if isinstance(target, str):
        url = target
    else:
        name = "admin:index" if key == "admin:index" else key
        url = reverse(name, args=target or [])
    data = body(world) if body else {}
    with transaction.atomic():
        if method == "get":
            response = client.get(url)
        elif key.startswith("api") and not key.startswith("api-token"):
            response = client.post(url, data, content_type="application/json")
        else:
            response = client.post(url, data)
        transaction.set_rollback(True)
    expected = "allowed" if role in allowed else "denied"
    assert _outcome(response) == expected, (
        f"{role} {method.upper()} {url}: {response.status_code} {response.get('Location', '')}"
        f" {response.content[:300].decode(errors='replace')}"
    )


def test_anonymous_never_passes_a_signed_in_check():
    # Guard for the matrix itself: predicates see AnonymousUser without an organization attribute.
    from accounts import permissions

    anon = AnonymousUser()
    assert not permissions.holds_role(anon, *roles.ALL_ROLES)
    assert not permissions.can_use_back_office(anon)
    assert not permissions.sees_all_records(anon)
