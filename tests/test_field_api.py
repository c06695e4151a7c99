"""The field API (/api/v1/): token login, then the same services as the pages, with 4xx codes for refusals."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import roles
from accounts.models import Organization
from cases.models import Label, LabelTransition
from core import serials
from field.models import Booking, Ignition, Sale, ScanLog, WorkRecord
from tests.factories import PASSWORD, UserFactory
from tests.factories_field import (
    dealer_user,
    igniter_with_permit,
    installer_with_permit,
    label_for,
    qualified,
    verified_code,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()


def api_as(user=None):
    client = APIClient()
    if user is not None:
        token = client.post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD}).json()["token"]
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_scan_resolve_genuine_and_invalid_and_logged():
    label = label_for(state="sold", gas="20Y", brand="安泰")
    data = api_as().get(f"/api/v1/scan/{label.serial.lower()}/").json()
    assert data["genuine"] is True and data["serial"] == label.serial and data["brand"] == "安泰"
    assert data["fits_gas"] is False and data["supply_gas"] == "12T" and data["state"] == "sold"
    unknown = api_as().get(f"/api/v1/scan/{serials.new_serial()}/")
    assert unknown.status_code == 404 and unknown.json()["verdict"] == "unknown" and unknown.json()["genuine"] is False
    assert list(ScanLog.objects.order_by("at").values_list("verdict", "channel", "device")) == [
        ("genuine", "api", "app"),
        ("unknown", "api", "app"),
    ]


def test_scan_resolve_rate_limited(settings):
    settings.FIELD_SCAN_RATE = "2/m"
    client = api_as()
    codes = [client.get("/api/v1/scan/0000000000000Z/").status_code for _ in range(3)]
    assert codes == [404, 404, 429]


def test_full_path_sell_install_rate_ignite():
    installer, install_permit = installer_with_permit()
    igniter, ignite_permit = igniter_with_permit()
    dealer = dealer_user()
    label = label_for(install_permit.company, state="activated")

    sold = api_as(dealer).post(f"/api/v1/labels/{label.serial}/sell/", {"district": "futian"}, format="json")
    assert sold.status_code == 201 and sold.json()["state"] == "sold"
    assert Sale.objects.get().district == "futian"

    work = api_as(installer).post(
        f"/api/v1/labels/{label.serial}/work/",
        {"permit": f"http://x/p/{install_permit.number}", "nameplate_confirmed": True, "district": "nanshan"},
        format="json",
    )
    assert work.status_code == 201, work.json()
    record_id = work.json()["id"]
    rated = api_as(installer).post(
        f"/api/v1/work/{record_id}/rating/",
        {"phone": "13800135678", "rating": 4, "comment": "好", "sms_code": verified_code("13800135678", "rating")},
        format="json",
    )
    assert rated.status_code == 200 and rated.json()["rating"] == 4

    ignited = api_as(igniter).post(
        f"/api/v1/labels/{label.serial}/ignite/", {"permit": ignite_permit.number}, format="json"
    )
    assert ignited.status_code == 201 and ignited.json()["state"] == "ignited"
    sources = set(LabelTransition.objects.filter(label=label).values_list("source", flat=True))
    assert sources == {"api"}
    again = api_as(igniter).post(
        f"/api/v1/labels/{label.serial}/ignite/", {"permit": ignite_permit.number}, format="json"
    )
    assert again.status_code == 409 and again.json()["code"] == "already_done"


def test_ignite_gas_mismatch_is_409_with_report_url():
    igniter, permit = igniter_with_permit()
    label = label_for(state="installed", gas="20Y")
    response = api_as(igniter).post(f"/api/v1/labels/{label.serial}/ignite/", {"permit": permit.number}, format="json")
    body = response.json()
    assert response.status_code == 409 and body["code"] == "gas_mismatch" and "气源不匹配" in body["detail"]
    url = urlsplit(body["report_url"])
    assert url.path == "/remediation/report/"
    assert parse_qs(url.query) == {"serial": [label.serial], "kind": ["gas_mismatch"]}
    assert Label.objects.get(pk=label.pk).state == "installed" and not Ignition.objects.exists()


@pytest.mark.parametrize(
    "case, status, code",
    [
        ("anonymous", 401, None),
        ("wrong_role", 403, "wrong_role"),
        ("bad_permit", 403, "bad_permit"),
        ("wrong_state", 409, "suspected_clone"),  # installing an installed label: a clone signal
        ("unknown_code", 404, "unknown_code"),
        ("bad_input", 400, None),
    ],
)
def test_work_refusals(case, status, code):
    installer, permit = installer_with_permit()
    label = label_for(permit.company, state="installed" if case == "wrong_state" else "sold")
    user = {"anonymous": None, "wrong_role": UserFactory(role=roles.DEALER)}.get(case, installer)
    serial = "0000000000000Z" if case == "unknown_code" else label.serial
    payload = {
        "permit": "NOPE" if case == "bad_permit" else permit.number,
        "nameplate_confirmed": True,
        "district": "futian",
    }
    if case == "bad_input":
        payload["district"] = "atlantis"
    response = api_as(user).post(f"/api/v1/labels/{serial}/work/", payload, format="json")
    assert response.status_code == status
    if code:
        assert response.json()["code"] == code and response.json()["detail"]
    assert not WorkRecord.objects.exists()


def test_permits_issue_check_revoke():
    reviewer = UserFactory(role=roles.REVIEWER)
    company = qualified(Organization.Kind.INSTALLER)
    worker = UserFactory(organization=company, role=roles.INSTALLER)
    today = timezone.localdate()
    created = api_as(reviewer).post(
        "/api/v1/permits/",
        {"holder": worker.pk, "kind": "installation", "valid_from": today, "valid_until": today + timedelta(days=90)},
        format="json",
    )
    assert created.status_code == 201 and created.json()["valid_today"] is True
    number, pk = created.json()["number"], created.json()["id"]
    assert created.json()["qr_url"].endswith(f"/p/{number}")
    assert api_as(worker).post("/api/v1/permits/", {}, format="json").status_code == 400
    assert api_as(worker).get("/api/v1/permits/").status_code == 403
    revoked = api_as(reviewer).post(f"/api/v1/permits/{pk}/revoke/", {"reason": "离职"}, format="json")
    assert revoked.status_code == 200 and revoked.json()["valid_today"] is False
    check = api_as(worker).get(f"/api/v1/permits/check/{number.lower()}/").json()
    assert check["valid_today"] is False and "吊销" in check["problem"]


def test_bookings_create_list_schedule():
    company = qualified(Organization.Kind.INSTALLER)
    label = label_for(company, state="sold")
    companies = api_as().get(f"/api/v1/labels/{label.serial}/booking-companies/installation/").json()
    assert companies == [{"id": company.pk, "name": company.name}]
    tomorrow = timezone.localdate() + timedelta(days=1)
    created = api_as().post(
        f"/api/v1/labels/{label.serial}/bookings/",
        {
            "kind": "installation",
            "company": company.pk,
            "phone": "13912345678",
            "sms_code": verified_code("13912345678"),
            "district": "futian",
            "preferred_date": tomorrow,
        },
        format="json",
    )
    assert created.status_code == 201
    wrong_kind = api_as().post(
        f"/api/v1/labels/{label.serial}/bookings/",
        {
            "kind": "ignition",
            "company": company.pk,
            "phone": "13912345678",
            "district": "futian",
            "preferred_date": tomorrow,
        },
        format="json",
    )
    assert wrong_kind.status_code == 409 and wrong_kind.json()["code"] == "wrong_state"
    staff, _ = installer_with_permit(company)
    listed = api_as(staff).get("/api/v1/bookings/").json()
    assert [b["id"] for b in listed] == [created.json()["id"]]
    scheduled = api_as(staff).post(
        f"/api/v1/bookings/{created.json()['id']}/schedule/", {"when": f"{tomorrow}T10:00:00+08:00"}, format="json"
    )
    assert scheduled.status_code == 200 and scheduled.json()["status"] == "scheduled"
    other, _ = installer_with_permit()
    assert (
        api_as(other)
        .post(
            f"/api/v1/bookings/{created.json()['id']}/schedule/", {"when": f"{tomorrow}T10:00:00+08:00"}, format="json"
        )
        .status_code
        == 404
    )
    assert Booking.objects.get().scheduled_by == staff


def test_schema_lists_field_endpoints_and_docs_are_offline(client):
    schema = client.get("/api/schema/").content.decode()
    for path in ["/api/v1/scan/{code}/", "/api/v1/labels/{code}/ignite/", "/api/v1/permits/", "/api/v1/bookings/"]:
        assert path in schema
    client.force_login(UserFactory())
    docs = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in docs and "//cdn" not in docs and "unpkg" not in docs and "jsdelivr" not in docs
