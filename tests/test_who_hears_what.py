"""Who hears what: in-app always, SMS where a phone is known, e-mail where an address is known.

dealer: a new case, 30 minutes before each deadline · resident: booking received/scheduled, dealer took
the case · manufacturer: declaration returned/approved, labels issued · company: a new booking, a
permit expiring within 30 days · and the unread count in the header, cleared by opening the message.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Organization
from cases.services.declarations import Decision
from field.services import bookings as booking_services
from field.services.permits import warn_expiring_permits
from remediation import services, sms
from remediation.models import Notification
from remediation.services.sla import warn_due_soon
from tests.factories import UserFactory
from tests.factories_declarations import maker_and_model, reviewer
from tests.factories_field import installer_with_permit, label_for, qualified, verified_code
from tests.factories_remediation import make_city, sold_label
from tests.test_declaration_flow import submitted, task_of
from workflows.declaration import services as steps
from workflows.declaration.flow import DeclarationFlow

pytestmark = pytest.mark.django_db


def messages(**filters):
    return list(Notification.objects.filter(**filters).order_by("pk").values_list("channel", "template", "address"))


@pytest.fixture(autouse=True)
def locmem_sms(settings):
    settings.SMS_BACKEND = "remediation.sms.LocmemBackend"
    sms.outbox.clear()


def test_dealer_hears_of_a_new_case_at_once_and_30_minutes_before_each_deadline():
    city = make_city()
    case = services.report_problem(
        reporter=city.installer, kind="label_mismatch", serial=sold_label(city).serial, resident_phone="13812345678"
    )
    new = Notification.objects.get(recipient=city.dealer, channel="sms")
    assert new.template == "case_new" and new.params["case"] == case.pk and new.params["due"] != "-"
    assert {row.channel for row in Notification.objects.filter(recipient=city.dealer)} == {"inbox", "email", "sms"}

    contact_due = case.deadlines.get(step="contact").due_at
    assert warn_due_soon(now=contact_due - timedelta(minutes=31)) == 0  # not yet
    assert warn_due_soon(now=contact_due - timedelta(minutes=29)) == 1
    assert warn_due_soon(now=contact_due - timedelta(minutes=28)) == 0  # once
    soon = Notification.objects.filter(recipient=city.dealer, template="case_due_soon")
    assert sorted(soon.values_list("channel", flat=True)) == ["email", "inbox", "sms"]

    services.record_contact(case_id=case.pk, user=city.dealer)  # the resident hears who took the case
    assert messages(template="case_taken") == [("sms", "case_taken", "13812345678")]
    resolve_due = case.deadlines.get(step="resolve").due_at
    assert warn_due_soon(now=resolve_due - timedelta(minutes=10)) == 1


def test_booking_reaches_the_company_and_the_resident_hears_received_and_scheduled():
    company = qualified(Organization.Kind.INSTALLER, name="安装公司")
    staff, _permit = installer_with_permit(company)
    staff.phone = "13700000007"
    staff.save()
    label = label_for(company, state="sold")
    booking = booking_services.book(
        code=label.serial,
        kind="installation",
        company_id=company.pk,
        phone="13912345678",
        district="longhua",
        preferred_date=timezone.localdate() + timedelta(days=1),
        sms_code=verified_code("13912345678"),
    )
    assert messages(recipient=staff) == [("inbox", "booking_new", ""), ("sms", "booking_new", "13700000007")]
    assert messages(recipient__isnull=True) == [("sms", "booking_received", "13912345678")]
    when = timezone.now() + timedelta(days=1)
    booking_services.schedule_booking(user=staff, booking_id=booking.pk, when=when)
    scheduled = Notification.objects.get(template="booking_scheduled")
    assert scheduled.address == "13912345678"
    assert scheduled.params["time"] == timezone.localtime(when).strftime("%m-%d %H:%M")
    assert "已安排在" in scheduled.body


def test_manufacturer_hears_returned_approved_and_labels_issued(client, django_capture_on_commit_callbacks):
    from project.celery import app

    maker, model = maker_and_model()
    boss = reviewer()
    declaration = submitted(maker, model)
    steps.review(
        task_id=task_of(declaration, DeclarationFlow.review).pk,
        user=boss,
        decision=Decision.RETURN,
        comment="证书不清晰",
    )
    assert messages(recipient=maker) == [("inbox", "declaration_returned", "")]
    steps.resubmit(task_id=task_of(declaration, DeclarationFlow.revise).pk, user=maker)
    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            steps.review(task_id=task_of(declaration, DeclarationFlow.review).pk, user=boss, decision=Decision.APPROVE)
    finally:
        app.conf.task_always_eager = False
    steps.confirm_print(task_id=task_of(declaration, DeclarationFlow.print_batch).pk, user=boss)
    steps.activate(task_id=task_of(declaration, DeclarationFlow.activate_batch).pk, user=boss)
    dealer = model.dealers.get()
    dealer_user = UserFactory(organization=dealer, role="dealer")
    steps.issue(task_id=task_of(declaration, DeclarationFlow.issue_batch).pk, user=boss, issued_to=dealer)
    assert [t for _c, t, _a in messages(recipient=maker)] == [
        "declaration_returned",
        "declaration_approved",
        "labels_ready",
    ]
    assert [t for _c, t, _a in messages(recipient=dealer_user)] == ["labels_ready"]
    ready = Notification.objects.get(recipient=maker, template="labels_ready")
    assert ready.link == f"/declarations/{declaration.pk}/"
    # The dealer may not open the declaration: its message leads where it can use the labels.
    dealer_ready = Notification.objects.get(recipient=dealer_user, template="labels_ready")
    assert dealer_ready.link == "/field/sell/"
    client.force_login(dealer_user)
    assert client.get(f"/remediation/inbox/{dealer_ready.pk}/", follow=True).status_code == 200
    assert client.get(ready.link).status_code == 403


def test_company_hears_30_days_before_a_permit_expires_once():
    today = timezone.localdate()
    _user, expiring = installer_with_permit(valid_until=today + timedelta(days=30))
    installer_with_permit(valid_until=today + timedelta(days=31))  # not yet
    assert warn_expiring_permits(today=today) == 1
    warn_expiring_permits(today=today + timedelta(days=1))
    rows = Notification.objects.filter(template="permit_expiring")
    assert rows.count() == 2  # the later permit now (31 days → 30), the first one not again
    assert rows.filter(params__number=expiring.number).count() == 1


def test_unread_count_in_the_header_and_opening_a_message_marks_it_read(client):
    city = make_city()
    case = services.report_problem(reporter=city.installer, kind="label_mismatch", serial=sold_label(city).serial)
    client.force_login(city.dealer)
    page = client.get("/field/scan/").content.decode()
    assert 'data-unread="1"' in page and '<span class="badge"' in page
    message = Notification.objects.get(recipient=city.dealer, channel="inbox")
    opened = client.get(f"/remediation/inbox/{message.pk}/")
    assert opened.status_code == 302 and opened["Location"] == f"/remediation/{case.pk}/"
    message.refresh_from_db()
    assert message.read_at is not None
    page = client.get("/field/scan/").content.decode()
    assert 'data-unread="0"' in page and '<span class="badge"' not in page
    # Someone else's message is a 404 and stays unread.
    other = Notification.objects.filter(channel="inbox").exclude(recipient=city.dealer).first()
    if other is not None:
        assert client.get(f"/remediation/inbox/{other.pk}/").status_code == 404
