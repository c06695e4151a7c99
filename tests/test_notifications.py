"""Notifications: inbox + e-mail + SMS, sent after commit, retried, never twice for one escalation."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone

from project import env as project_env
from remediation import notifications, services, sms
from remediation.models import Escalation, Notification
from remediation.services.sla import sweep_due_deadlines
from remediation.tasks import deliver_notifications
from tests.factories_remediation import make_city, sold_label

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(settings):
    settings.SMS_BACKEND = "remediation.sms.LocmemBackend"
    sms.outbox.clear()
    return make_city()


def overdue_case(city):
    label = sold_label(city)
    case = services.report_problem(reporter=city.installer, kind="label_mismatch", serial=label.serial)
    mail.outbox.clear()
    sms.outbox.clear()
    return case


def test_escalation_is_delivered_after_commit_only(city, django_capture_on_commit_callbacks):
    case = overdue_case(city)
    later = timezone.now() + timedelta(hours=3)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert sweep_due_deadlines(now=later) == 1
    assert mail.outbox == [] and sms.outbox == []  # nothing leaves before commit
    assert len(callbacks) == 1
    from project.celery import app

    app.conf.task_always_eager = True
    try:
        callbacks[0]()
    finally:
        app.conf.task_always_eager = False
    escalation = Escalation.objects.get(case=case)
    assert sorted(m.to[0] for m in mail.outbox) == ["dealer@example.com", "rev@example.com"]
    assert f"#{case.pk}" in mail.outbox[0].subject
    assert sorted(message[0] for message in sms.outbox) == ["13800000001", "13900000002"]
    rows = Notification.objects.filter(escalation=escalation)
    assert rows.count() == 6  # 2 people × inbox, e-mail, SMS
    assert not rows.filter(sent_at__isnull=True).exists()


def test_delivery_never_sends_twice(city):
    case = overdue_case(city)
    sweep_due_deadlines(now=timezone.now() + timedelta(hours=3))
    ids = list(
        Notification.objects.exclude(channel="inbox")
        .filter(case=case, escalation__isnull=False)
        .values_list("pk", flat=True)
    )
    deliver_notifications.run(ids)
    deliver_notifications.run(ids)  # a duplicate or retried task
    assert len(mail.outbox) == 2 and len(sms.outbox) == 2
    # Creating the same escalation's rows again adds nothing.
    escalation = Escalation.objects.get(case=case)
    assert notifications.notify_escalation(escalation) == []
    assert Notification.objects.filter(escalation=escalation).count() == 6


def test_a_failed_send_is_recorded_and_retried_without_resending_the_rest(city):
    case = overdue_case(city)
    sweep_due_deadlines(now=timezone.now() + timedelta(hours=3))
    ids = sorted(
        Notification.objects.exclude(channel="inbox").filter(escalation__case=case).values_list("pk", flat=True)
    )
    with mock.patch.object(sms.LocmemBackend, "send", side_effect=OSError("gateway down")):
        with pytest.raises(OSError):
            deliver_notifications.run(ids)
    assert len(mail.outbox) == 2  # e-mails went out; the SMS rows wait
    failed = Notification.objects.filter(channel="sms", case=case, escalation__isnull=False)
    assert all(
        row.sent_at is None and row.state == "failed" and row.attempts == 1 and "gateway down" in row.last_error
        for row in failed
    )
    deliver_notifications.run(ids)  # the retry
    assert len(mail.outbox) == 2 and len(sms.outbox) == 2


def test_task_retries_on_failure(city):
    assert deliver_notifications.autoretry_for == (Exception,)
    assert deliver_notifications.max_retries >= 3


def test_resident_is_told_by_sms_to_book_again(city):
    label = sold_label(city)
    case = services.report_problem(
        reporter=city.installer, kind="label_mismatch", serial=label.serial, resident_phone="13812345678"
    )
    services.record_contact(case_id=case.pk, user=city.dealer)
    services.resolve_case(case_id=case.pk, user=city.dealer, resolution="return")
    taken, closed = Notification.objects.filter(case=case, address="13812345678").order_by("pk")
    assert (taken.template, closed.template) == ("case_taken", "case_closed")
    deliver_notifications.run([taken.pk, closed.pk])
    assert [message[0] for message in sms.outbox] == ["13812345678"] * 2
    assert "受理" in sms.outbox[0][1] and city.dealer.organization.name in sms.outbox[0][1]
    assert "重新预约" in sms.outbox[1][1] and sms.outbox[1][3] == {"case": str(case.pk)}


def test_console_sms_backend_is_the_default(settings, capsys):
    settings.SMS_BACKEND = project_env.sms_backend({})
    sms.send_sms(phone="13800000000", template="case_closed", params={"case": 7}, message_id="gl-1")
    out = capsys.readouterr().out
    assert "SMS to 138****0000 [case_closed]: 您的燃具整改单#7已处理完毕" in out  # stdout is a log: number masked


def test_inbox_page_lists_and_marks_read(client, city):
    overdue_case(city)
    sweep_due_deadlines(now=timezone.now() + timedelta(hours=3))
    client.force_login(city.reviewer)
    page = client.get("/remediation/inbox/").content.decode()
    assert "超时，已转协会督办" in page
    client.post("/remediation/inbox/")
    assert not Notification.objects.filter(recipient=city.reviewer, channel="inbox", read_at__isnull=True).exists()
