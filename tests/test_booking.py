"""Bookings: the resident books installation (designated companies) or ignition (gas suppliers); staff schedule."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts import roles
from accounts.models import Organization
from field.models import Booking
from tests.factories import UserFactory
from tests.factories_field import installer_with_permit, label_for, qualified, verified_code

pytestmark = pytest.mark.django_db


def tomorrow():
    return timezone.localdate() + timedelta(days=1)


def test_resident_books_installation_among_designated_companies_and_company_schedules(client):
    designated = qualified(Organization.Kind.INSTALLER, name="指定安装公司")
    stranger = qualified(Organization.Kind.INSTALLER, name="无关公司")
    label = label_for(designated, state="sold")
    page = client.get(f"/q/{label.serial}/book/").content.decode()
    assert "预约安装" in page and "指定安装公司" in page and "无关公司" not in page
    response = client.post(
        f"/q/{label.serial}/book/",
        {
            "company": designated.pk,
            "phone": "13912345678",
            "sms_code": verified_code("13912345678"),
            "district": "longhua",
            "preferred_date": tomorrow(),
        },
    )
    assert response.status_code == 200 and "预约已提交" in response.content.decode()
    booking = Booking.objects.get()
    assert (booking.kind, booking.company, booking.status) == ("installation", designated, "requested")
    # A company not designated for the model cannot be chosen.
    refused = client.post(
        f"/q/{label.serial}/book/",
        {"company": stranger.pk, "phone": "13912345678", "district": "longhua", "preferred_date": tomorrow()},
    )
    assert refused.status_code == 400 and Booking.objects.count() == 1

    staff, _permit = installer_with_permit(designated)
    client.force_login(staff)
    listing = client.get("/field/bookings/").content.decode()
    assert f'data-booking="{booking.pk}"' in listing and "13912345678" in listing
    scheduled = client.post(f"/field/bookings/{booking.pk}/schedule/", {"when": f"{tomorrow()}T09:30"})
    assert scheduled.status_code == 302
    booking.refresh_from_db()
    assert booking.status == "scheduled" and booking.scheduled_by == staff
    assert timezone.localtime(booking.scheduled_for).strftime("%H:%M") == "09:30"


def test_installed_appliance_books_ignition_with_gas_supplier(client):
    supplier = qualified(Organization.Kind.GAS_SUPPLIER, name="示例燃气")
    label = label_for(state="installed")
    page = client.get(f"/q/{label.serial}/book/").content.decode()
    assert "预约点火" in page and "示例燃气" in page
    client.post(
        f"/q/{label.serial}/book/",
        {
            "company": supplier.pk,
            "phone": "13912345678",
            "sms_code": verified_code("13912345678"),
            "district": "futian",
            "preferred_date": tomorrow(),
        },
    )
    assert Booking.objects.get().kind == "ignition"


def test_booking_refusals(client):
    assert client.get("/q/0000000000000Z/book/").status_code == 404
    suspended = label_for(state="suspended")
    assert client.get(f"/q/{suspended.serial}/book/").status_code == 409
    company = qualified(Organization.Kind.INSTALLER)
    label = label_for(company, state="sold")
    past = client.post(
        f"/q/{label.serial}/book/",
        {
            "company": company.pk,
            "phone": "13912345678",
            "district": "futian",
            "preferred_date": timezone.localdate() - timedelta(days=1),
        },
    )
    assert past.status_code == 400 and "不能早于今天" in past.content.decode()
    bad_phone = client.post(
        f"/q/{label.serial}/book/",
        {"company": company.pk, "phone": "110", "district": "futian", "preferred_date": tomorrow()},
    )
    assert bad_phone.status_code == 400 and not Booking.objects.exists()


def test_other_companies_and_roles_cannot_schedule(client):
    company = qualified(Organization.Kind.INSTALLER)
    label = label_for(company, state="sold")
    booking = Booking.objects.create(
        label=label,
        kind="installation",
        company=company,
        resident_phone="13912345678",
        district="futian",
        preferred_date=tomorrow(),
    )
    other, _ = installer_with_permit()
    client.force_login(other)
    assert f'data-booking="{booking.pk}"' not in client.get("/field/bookings/").content.decode()
    assert client.post(f"/field/bookings/{booking.pk}/schedule/", {"when": f"{tomorrow()}T09:30"}).status_code == 404
    client.force_login(UserFactory(role=roles.DEALER))
    assert client.get("/field/bookings/").status_code == 403
    booking.refresh_from_db()
    assert booking.status == "requested"


def test_booking_card_calls_the_resident_and_starts_the_work_for_that_label(client):
    company = qualified(Organization.Kind.INSTALLER)
    label = label_for(company, state="sold")
    booking = Booking.objects.create(
        label=label,
        kind="installation",
        company=company,
        resident_phone="13912345678",
        district="futian",
        preferred_date=tomorrow(),
    )
    staff, _permit = installer_with_permit(company)
    client.force_login(staff)
    page = client.get("/field/bookings/").content.decode()
    assert 'href="tel:13912345678"' in page and str(label.appliance_model) in page
    start = f'data-start="{booking.pk}" href="/field/install/{label.serial}/"'
    assert start in page
    assert client.get(f"/field/install/{label.serial}/").status_code == 200  # the work page for this label
