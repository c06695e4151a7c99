"""A booking carries the resident's address: on the booked company's card whole, masked to everyone else,
length-limited, and blanked by the retention purge."""

import datetime

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from accounts import pii, roles
from accounts.models import Organization
from core import limits
from core.retention import purge_personal_data
from field.models import Booking
from tests.factories import UserFactory
from tests.factories_field import installer_with_permit, label_for, qualified, verified_code
from tests.test_booking import tomorrow

pytestmark = pytest.mark.django_db

ADDRESS = "龙华区民治街道某小区3栋1201"


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()


def book_on_page(client, company, label, **overrides):
    body = {
        "company": company.pk,
        "phone": "13912345678",
        "sms_code": verified_code("13912345678"),
        "district": "longhua",
        "address": ADDRESS,
        "preferred_date": tomorrow(),
        **overrides,
    }
    return client.post(f"/q/{label.serial}/book/", body)


def test_the_booked_company_sees_the_address_on_the_card_and_others_do_not():
    company = qualified(Organization.Kind.INSTALLER, name="指定安装公司")
    label = label_for(company, state="sold")
    response = book_on_page(Client(), company, label)
    assert response.status_code == 200 and Booking.objects.get().address == ADDRESS
    staff, _permit = installer_with_permit(company)
    card = Client()
    card.force_login(staff)
    listing = card.get("/field/bookings/").content.decode()
    assert ADDRESS in listing and 'class="address"' in listing
    # Another installation company's staff see none of it.
    other, _permit = installer_with_permit(qualified(Organization.Kind.INSTALLER))
    stranger = Client()
    stranger.force_login(other)
    assert ADDRESS not in stranger.get("/field/bookings/").content.decode()


def test_the_admin_masks_the_address():
    company = qualified(Organization.Kind.INSTALLER)
    book_on_page(Client(), company, label_for(company, state="sold"))
    booking = Booking.objects.get()
    admin = Client()
    admin.force_login(UserFactory(is_staff=True, is_superuser=True, role=roles.REVIEWER))
    page = admin.get(f"/admin/field/booking/{booking.pk}/change/").content.decode()
    assert ADDRESS not in page and pii.mask_address(ADDRESS) in page


def test_the_api_takes_the_address_and_echoes_it_masked_to_the_anonymous_caller():
    company = qualified(Organization.Kind.INSTALLER)
    label = label_for(company, state="sold")
    body = {
        "kind": "installation",
        "company": company.pk,
        "phone": "13812345678",
        "sms_code": verified_code("13812345678"),
        "district": "futian",
        "address": ADDRESS,
        "preferred_date": str(tomorrow()),
    }
    response = APIClient().post(f"/api/v1/labels/{label.serial}/bookings/", body, format="json")
    assert response.status_code == 201 and response.json()["address"] == pii.mask_address(ADDRESS)
    assert Booking.objects.get().address == ADDRESS
    staff, _permit = installer_with_permit(company)
    api = APIClient()
    api.force_authenticate(staff)
    # The booked company's staff read it whole: they go there.
    assert [b["address"] for b in api.get("/api/v1/bookings/").json()] == [ADDRESS]


def test_an_address_too_long_is_a_400_and_nothing_is_booked():
    company = qualified(Organization.Kind.INSTALLER)
    response = book_on_page(Client(), company, label_for(company, state="sold"), address="路" * (limits.ADDRESS + 1))
    assert response.status_code == 400 and Booking.objects.count() == 0


def test_the_retention_purge_blanks_the_address():
    company = qualified(Organization.Kind.INSTALLER)
    start = datetime.datetime(2026, 1, 5, 10, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        book_on_page(Client(), company, label_for(company, state="sold"))
    with time_machine.travel(start + datetime.timedelta(days=settings.PII_RETENTION_DAYS + 1), tick=False):
        assert purge_personal_data()["bookings"] == 1
    assert Booking.objects.get().address == ""
