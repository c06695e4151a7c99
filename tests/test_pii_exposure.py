"""Residents' phones and addresses, through a full flow: whole only for those who must call, never in logs.

booking (API, anonymous) → installation + rating (API) → problem report with phone and address (API)
→ public scan page and scan API → case page/API for each role → dealer contacts and resolves → SMS to the
resident through the console backend. All log records (DEBUG and up) and stdout/stderr are captured.
"""

import logging
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Organization
from remediation.models import Notification
from remediation.notifications import deliver
from tests.factories_field import installer_with_permit, qualified, verified_code
from tests.factories_remediation import fresh_label, make_city, sold_label

pytestmark = pytest.mark.django_db

BOOKING_PHONE = "13811112222"
RATING_PHONE = "13733334444"
CASE_PHONE = "13655556666"
ADDRESS = "南山区科技园科苑路8号讯美大厦3栋1201"
SECRETS = (BOOKING_PHONE, RATING_PHONE, CASE_PHONE, ADDRESS, "3栋1201")


def api(user=None):
    client = APIClient()
    if user is not None:
        client.force_login(user)  # a session: the same client opens pages and the API
    return client


def assert_no_secret(text, where):
    for secret in SECRETS:
        assert secret not in text, f"{secret} leaked in {where}"


@pytest.fixture
def flow(settings, caplog, capsys):
    """Run the whole flow once; return what each audience saw."""
    settings.SMS_BACKEND = "remediation.sms.ConsoleBackend"
    settings.FIELD_SCAN_RATE = "1000/m"
    caplog.set_level(logging.DEBUG)
    city = make_city()
    company = qualified(Organization.Kind.INSTALLER)
    city.model.designated_installers.add(company)
    installer, permit = installer_with_permit(company)
    label = sold_label(city)

    seen = {}
    booked = api().post(
        f"/api/v1/labels/{label.serial}/bookings/",
        {
            "kind": "installation",
            "company": company.pk,
            "phone": BOOKING_PHONE,
            "sms_code": verified_code(BOOKING_PHONE),
            "district": "nanshan",
            "preferred_date": str(timezone.localdate() + timedelta(days=1)),
        },
        format="json",
    )
    assert booked.status_code == 201, booked.content
    seen["booking response (anonymous)"] = booked.content.decode()
    seen["company's bookings (must call)"] = api(installer).get("/api/v1/bookings/").content.decode()

    work = api(installer).post(
        f"/api/v1/labels/{label.serial}/work/",
        {"kind": "installation", "permit": permit.number, "nameplate_confirmed": True, "district": "nanshan"},
        format="json",
    )
    assert work.status_code == 201, work.content
    rated = api(installer).post(
        f"/api/v1/work/{work.data['id']}/rating/",
        {"phone": RATING_PHONE, "rating": 5, "sms_code": verified_code(RATING_PHONE, "rating")},
        format="json",
    )
    assert rated.status_code == 200
    seen["rating response"] = rated.content.decode()

    reported = api(city.igniter).post(
        "/api/v1/reports/",
        {"kind": "label_mismatch", "serial": label.serial, "address": ADDRESS, "resident_phone": CASE_PHONE},
        format="json",
    )
    assert reported.status_code == 201, reported.content
    case_id = reported.data["id"]
    seen["report response (reporter)"] = reported.content.decode()

    seen["scan page (anonymous)"] = api().get(f"/q/{label.serial}").content.decode()
    seen["scan page (installer)"] = api(installer).get(f"/q/{label.serial}").content.decode()
    seen["scan API"] = api().get(f"/api/v1/scan/{label.serial}/").content.decode()
    for who in ("reviewer", "regulator", "igniter"):
        user = getattr(city, who)
        seen[f"case API ({who})"] = api(user).get(f"/api/v1/reports/{case_id}/").content.decode()
        seen[f"case page ({who})"] = api(user).get(f"/remediation/{case_id}/").content.decode()
    seen["case page (dealer)"] = api(city.dealer).get(f"/remediation/{case_id}/").content.decode()
    seen["case API (dealer)"] = api(city.dealer).get(f"/api/v1/reports/{case_id}/").content.decode()

    assert (
        api(city.dealer).post(f"/api/v1/reports/{case_id}/contact/", {"note": "已联系"}, format="json").status_code
        == 200
    )
    new = fresh_label(city.model)
    resolved = api(city.dealer).post(
        f"/api/v1/reports/{case_id}/resolve/", {"resolution": "relabel", "new_serial": new.serial}, format="json"
    )
    assert resolved.status_code == 200, resolved.content
    sms = Notification.objects.get(
        case_id=case_id, recipient__isnull=True, channel=Notification.Channel.SMS, template="case_closed"
    )
    assert deliver(sms.pk) is True
    return seen


def test_only_those_who_must_call_see_numbers_and_addresses(flow):
    for where in (
        "booking response (anonymous)",
        "rating response",
        "report response (reporter)",
        "scan page (anonymous)",
        "scan page (installer)",
        "scan API",
        "case API (reviewer)",
        "case API (regulator)",
        "case API (igniter)",
        "case page (reviewer)",
        "case page (regulator)",
        "case page (igniter)",
    ):
        assert_no_secret(flow[where], where)
    assert "138****2222" in flow["booking response (anonymous)"]
    assert "136****6666" in flow["case page (reviewer)"] and "136****6666" in flow["case API (regulator)"]
    # The responsible dealer and the booked company call the resident: they see it whole.
    assert CASE_PHONE in flow["case page (dealer)"] and ADDRESS in flow["case page (dealer)"]
    assert CASE_PHONE in flow["case API (dealer)"]
    assert BOOKING_PHONE in flow["company's bookings (must call)"]


def test_no_number_or_address_in_logs_or_console(flow, caplog, capsys):
    records = caplog.get_records("setup") + caplog.get_records("call")  # the flow runs as a fixture
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.args!r}" for r in records)
    assert records, "the flow logs something (axes, requests, SMS): the check is not vacuous"
    assert_no_secret(logged, "log records")
    out, err = capsys.readouterr()
    assert "SMS to 136****6666" in out  # the console SMS backend ran, masked
    assert_no_secret(out + err, "stdout/stderr")


def test_admin_pages_show_residents_data_masked(flow, client):
    from field.models import Booking, WorkRecord
    from remediation.models import Notification, RemediationCase
    from tests.factories import UserFactory

    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    sms = Notification.objects.filter(channel=Notification.Channel.SMS, address=CASE_PHONE).first()
    assert sms is not None, "the flow texts the resident: the SMS row check is not vacuous"
    pages = {
        "work record": f"/admin/field/workrecord/{WorkRecord.objects.get().pk}/change/",
        "booking": f"/admin/field/booking/{Booking.objects.get().pk}/change/",
        "case": f"/admin/remediation/remediationcase/{RemediationCase.objects.get().pk}/change/",
        "SMS list": "/admin/remediation/notification/",
        "SMS": f"/admin/remediation/notification/{sms.pk}/change/",
    }
    for what, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, (what, response.status_code)
        assert_no_secret(response.content.decode(), f"admin {what}")
    assert "136****6666" in client.get(pages["case"]).content.decode()
    assert "137****4444" in client.get(pages["work record"]).content.decode()
