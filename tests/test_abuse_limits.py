"""Abuse: anonymous writes and every public look-up are rate-limited per client; free text has a maximum length;
booking times lie in the future and within BOOKING_MAX_DAYS_AHEAD."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Organization
from field.models import Booking
from remediation.models import RemediationCase
from tests.factories import PASSWORD
from tests.factories_field import WorkPermitFactory, installer_with_permit, label_for, qualified, verified_code

pytestmark = pytest.mark.django_db


def tomorrow():
    return timezone.localdate() + timedelta(days=1)


@pytest.fixture
def bookable():
    company = qualified(Organization.Kind.INSTALLER, name="指定安装公司")
    return company, label_for(company, state="sold")


def requested_booking(company, label):
    """A resident's open booking with the company, and one of the company's installers."""
    booking = Booking.objects.create(
        label=label,
        kind="installation",
        company=company,
        resident_phone="13912345678",
        district="futian",
        preferred_date=tomorrow(),
    )
    return booking, installer_with_permit(company)[0]


def booking_body(company, **overrides):
    return {
        "kind": "installation",
        "company": company.pk,
        "phone": "13912345678",
        "sms_code": verified_code("13912345678"),
        "district": "futian",
        "preferred_date": str(tomorrow()),
        **overrides,
    }


def test_anonymous_bookings_are_limited_per_client(settings, bookable):
    settings.ANONYMOUS_WRITE_RATE = "3/h"
    company, label = bookable
    url = f"/api/v1/labels/{label.serial}/bookings/"
    codes = [APIClient().post(url, booking_body(company), format="json").status_code for _ in range(5)]
    assert codes == [201, 201, 201, 429, 429]
    assert Booking.objects.count() == 3
    # The page shares the bucket; another client is not affected.
    page = APIClient().post(f"/q/{label.serial}/book/", booking_body(company))
    assert page.status_code == 429 and Booking.objects.count() == 3
    other = APIClient().post(url, booking_body(company), format="json", REMOTE_ADDR="10.7.7.7")
    assert other.status_code == 201 and Booking.objects.count() == 4


def test_a_keyed_retry_is_not_counted_against_the_limit(settings, bookable):
    settings.ANONYMOUS_WRITE_RATE = "1/h"
    company, label = bookable
    client = APIClient()
    url = f"/api/v1/labels/{label.serial}/bookings/"
    first = client.post(url, booking_body(company), format="json", HTTP_IDEMPOTENCY_KEY="b-1")
    retry = client.post(url, booking_body(company), format="json", HTTP_IDEMPOTENCY_KEY="b-1")
    assert first.status_code == retry.status_code == 201 and retry["Idempotent-Replayed"] == "true"
    assert Booking.objects.count() == 1


@pytest.mark.parametrize(
    "url",
    ["/q/{serial}/book/", "/api/v1/labels/{serial}/booking-companies/installation/", "/p/{permit}"],
)
def test_public_lookups_share_the_scan_limit(settings, client, bookable, url):
    settings.FIELD_SCAN_RATE = "2/m"
    _company, label = bookable
    permit = WorkPermitFactory()
    url = url.format(serial=label.serial, permit=permit.number)
    client.get(f"/q/{label.serial}")  # one scan uses one of the two
    assert client.get(url).status_code == 200
    limited = client.get(url)
    assert limited.status_code == 429
    if url.startswith("/api/"):
        assert limited.json()["code"] == "rate_limited"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"preferred_date": str(timezone.localdate() - timedelta(days=1))}, "不能早于今天"),
        ({"preferred_date": str(timezone.localdate() + timedelta(days=91))}, "最多提前 90 天"),
        ({"preferred_date": "0315-01-01"}, "不能早于今天"),
        ({"note": "x" * 256}, "note"),
        ({"phone": "1" * 21}, "phone"),
    ],
)
def test_bad_bookings_are_refused_and_nothing_is_stored(bookable, overrides, message):
    company, label = bookable
    response = APIClient().post(
        f"/api/v1/labels/{label.serial}/bookings/", booking_body(company, **overrides), format="json"
    )
    assert response.status_code == 400, response.content
    body = response.json()
    assert message in body["detail"] or message in body["errors"]
    assert not Booking.objects.exists()


@pytest.mark.parametrize(
    ("when", "status"),
    [
        ("past", 400),
        ("far", 400),
        ("0315-06-01T10:00:00+08:00", 400),
        ("0001-01-01T00:00:00", 400),  # naive, at the calendar's edge: was an OverflowError
        ("9999-12-31T23:59:59-08:00", 400),
        ("soon", 200),
    ],
)
def test_schedule_time_in_the_future_within_the_window(bookable, when, status):
    company, label = bookable
    booking, staff = requested_booking(company, label)
    client = APIClient()
    client.login(username=staff.username, password=PASSWORD)
    now = timezone.localtime()
    value = {
        "past": (now - timedelta(hours=1)).isoformat(),
        "far": (now + timedelta(days=91)).isoformat(),
        "soon": (now + timedelta(hours=2)).replace(microsecond=0).isoformat(),
    }.get(when, when)
    response = client.post(f"/api/v1/bookings/{booking.pk}/schedule/", {"when": value}, format="json")
    assert response.status_code == status, response.content
    booking.refresh_from_db()
    if status == 200:
        # RFC 3339 back: an offset in whole minutes (a year-315 time used to come back as +08:05:43).
        assert response.json()["scheduled_for"].endswith("+08:00") and booking.status == "scheduled"
    else:
        assert booking.status == "requested" and booking.scheduled_for is None


def test_schedule_page_refuses_a_past_time(client, bookable):
    company, label = bookable
    booking, staff = requested_booking(company, label)
    client.force_login(staff)
    response = client.post(f"/field/bookings/{booking.pk}/schedule/", {"when": "2020-01-01T09:30"})
    assert response.status_code == 400 and "不能早于现在" in response.content.decode()


def test_report_description_has_a_maximum_length(client):
    installer, _permit = installer_with_permit()
    client.force_login(installer)
    response = client.post(
        "/remediation/report/", {"kind": "label_missing", "district": "futian", "description": "说" * 2001}
    )
    assert response.status_code == 400 and not RemediationCase.objects.exists()
    api = APIClient()
    api.force_authenticate(installer)
    response = api.post("/api/v1/reports/", {"kind": "label_missing", "description": "说" * 2001}, format="json")
    assert response.status_code == 400 and "description" in response.json()["errors"]
    assert not RemediationCase.objects.exists()
