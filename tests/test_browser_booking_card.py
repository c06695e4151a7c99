"""An installer's day in chromium at a phone viewport: a booking card (address, appliance, call button) →
"start work" opens the install page for that label → submitted → the booking is closed."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Organization
from field.models import Booking, WorkRecord
from tests.factories_field import installer_with_permit, label_for, qualified
from tests.test_browser_field import PHONE, launch, login  # noqa: F401 (launch is a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ADDRESS = "龙华区民治街道某小区3栋1201"


def test_installer_starts_the_work_from_a_booking_card(live_server, launch):  # noqa: F811
    company = qualified(Organization.Kind.INSTALLER, name="安居安装维修")
    installer, permit = installer_with_permit(company)
    label = label_for(company, state="sold", brand="华焰", model_number="JZT-2H10")
    booking = Booking.objects.create(
        label=label,
        kind=Booking.Kind.INSTALLATION,
        company=company,
        resident_phone="13912345678",
        district="longhua",
        address=ADDRESS,
        preferred_date=timezone.localdate() + timedelta(days=1),
    )
    page = launch().new_context(**PHONE).new_page()
    login(page, live_server.url, installer.username)
    page.goto(f"{live_server.url}/field/bookings/")

    card = page.locator(f'[data-booking="{booking.pk}"]')
    assert ADDRESS in card.inner_text() and "JZT-2H10" in card.inner_text()
    assert card.locator(f'[data-call="{booking.pk}"]').get_attribute("href") == "tel:13912345678"
    start = card.locator(f'[data-start="{booking.pk}"]')
    box = start.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["viewport"]["width"]  # on screen, no sideways scroll
    start.click()
    page.wait_for_url(f"**/field/install/{label.serial}/")
    assert page.input_value("#id_permit") == permit.number  # the installer's own permit, filled in
    page.check("#id_nameplate_confirmed")
    page.select_option("#id_district", "longhua")
    page.click("#work-form button[type=submit]")
    page.wait_for_url("**/rate/")

    booking.refresh_from_db()
    record = WorkRecord.objects.get()
    assert (record.label, record.company, record.kind) == (label, company, "installation")
    assert booking.status == Booking.Status.DONE
    page.goto(f"{live_server.url}/field/bookings/?status=requested")
    assert page.locator(f'[data-booking="{booking.pk}"]').count() == 0
