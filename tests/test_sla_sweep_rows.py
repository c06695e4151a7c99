"""The set-based sweep writes exactly the rows the one-object-per-row path would: escalations, follow-up
deadlines, timeline events, audit entries and notifications (claimed-before-send rows, states included)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext

from accounts.models import Organization
from audit.models import AuditEntry
from remediation import notifications, services
from remediation.models import CaseEvent, Deadline, Escalation, Notification, RemediationCase
from remediation.services.sla import sweep_due_deadlines
from tests.factories import OrganizationFactory, UserFactory
from tests.factories_remediation import make_city, sold_label

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SWEPT = T0 + timedelta(hours=3)


def test_a_missed_contact_writes_exactly_these_rows():
    with time_machine.travel(T0, tick=False) as clock:
        city = make_city()
        case = services.report_problem(reporter=city.installer, kind="label_mismatch", serial=sold_label(city).serial)
        clock.shift(timedelta(hours=3))
        assert sweep_due_deadlines() == 1

    escalation = Escalation.objects.get(case=case)
    assert (escalation.level, escalation.reason, escalation.deadline.step, escalation.created_at) == (
        "association",
        "missed",
        "contact",
        SWEPT,
    )
    followup = Deadline.objects.get(case=case, step="followup")
    assert (followup.level, followup.state, followup.due_at, followup.created_at) == (
        "association",
        "pending",
        SWEPT + timedelta(hours=48),
        SWEPT,
    )
    assert followup.rule == "48 小时（日历时间，昼夜连续计算）"
    events = list(CaseEvent.objects.filter(case=case, at=SWEPT).values_list("kind", "text", "source", "actor"))
    assert events == [
        ("deadline_missed", "联系用户", "system", None),
        ("escalated", "升级至协会：超时未处理", "system", None),
        ("deadline_set", "协会督办：截止 2026-03-04 20:00", "system", None),
    ]
    audit = AuditEntry.objects.filter(object_type="remediationcase", object_id=str(case.pk), at=SWEPT).order_by("pk")
    assert [(a.action, a.to_state, a.detail, a.source, a.actor_id, a.actor_name) for a in audit] == [
        (f"case.{kind}", "contact", text, "system", None, "") for kind, text, _source, _actor in events
    ]

    url = f"/remediation/{case.pk}/"
    body = f"整改单 #{case.pk} 超时，已转协会督办。问题：标识与燃具型号不符；编码：{case.code}。详情：http://127.0.0.1:8000{url}"
    sms = f"整改单#{case.pk}已超时或上报，现由协会督办，请登录处理。"
    rows = Notification.objects.filter(escalation=escalation).order_by("pk")
    got = [(n.dedupe_key, n.recipient_id, n.address, n.state, n.sent_at, n.body) for n in rows]
    esc, rev, dealer = f"esc{escalation.pk}", city.reviewer.pk, city.dealer.pk
    assert got == [
        (f"{esc}:inbox:u{rev}", rev, "", "sent", SWEPT, body),
        (f"{esc}:email:u{rev}", rev, "rev@example.com", "queued", None, body),
        (f"{esc}:sms:u{rev}", rev, "13800000001", "queued", None, sms),
        (f"{esc}:inbox:u{dealer}", dealer, "", "sent", SWEPT, body),
        (f"{esc}:email:u{dealer}", dealer, "dealer@example.com", "queued", None, body),
        (f"{esc}:sms:u{dealer}", dealer, "13900000002", "queued", None, sms),
    ]
    for row in rows:
        assert (row.template, row.params, row.link, row.case_id) == (
            "case_escalated",
            {"case": case.pk, "level": "协会"},
            url,
            case.pk,
        )
        assert (row.subject, row.attempts, row.claimed_at, row.provider, row.read_at) == (
            f"整改单 #{case.pk} 超时，已转协会督办",
            0,
            None,
            "",
            None,
        )


def test_set_based_rows_equal_the_model_rows_of_a_manual_escalation():
    """Every column of a swept notification equals what Notification(...) (the manual report's path) holds."""
    with time_machine.travel(T0, tick=False) as clock:
        city = make_city()
        for _ in range(3):
            services.report_problem(reporter=city.installer, kind="label_mismatch", serial=sold_label(city).serial)
        clock.shift(timedelta(hours=3))
        sweep_due_deadlines(batch_size=2)
        clock.shift(timedelta(hours=49))
        assert sweep_due_deadlines() == 6  # resolve steps (association) and follow-ups (regulator)
        for escalation in Escalation.objects.select_related("case__label"):
            with time_machine.travel(escalation.created_at, tick=False):  # the model path stamps "now"
                expected = [model_to_dict(row, exclude=["id"]) for row in notifications.escalation_rows(escalation)]
            stored = Notification.objects.filter(escalation=escalation).order_by("pk")
            stored = [model_to_dict(row, exclude=["id"]) for row in stored]
            assert stored == expected and len(stored) in (6, 5)  # the regulator has no phone
    assert Escalation.objects.filter(level="regulator").count() == 3


def _sweep_queries(city, count, dealers=(), batch_size=None):
    """Statements of one sweep over `count` due contact deadlines, their cases spread over `dealers` (+ the city's)."""
    with time_machine.travel(T0, tick=False):
        cases = [
            services.report_problem(reporter=city.installer, kind="label_mismatch", serial=sold_label(city).serial)
            for _ in range(count)
        ]
    for case, dealer in zip(cases, dealers, strict=False):
        RemediationCase.objects.filter(pk=case.pk).update(dealer=dealer)
    with time_machine.travel(SWEPT, tick=False), CaptureQueriesContext(connection) as queries:
        assert sweep_due_deadlines(batch_size=batch_size) == count
    return len(queries)


def test_one_batch_costs_a_constant_number_of_statements():
    # Per batch: the claim, the missed flip, escalations and follow-ups (INSERT … SELECT), the policy,
    # the case levels, events, audit entries, notifications (their recipients joined in, their ids
    # returned); a savepoint around it here (the test's transaction). The same for 2 or 40 due deadlines.
    city = make_city()
    assert _sweep_queries(city, 2) == _sweep_queries(city, 40) == 11


def test_statements_grow_with_the_batches_not_with_their_size():
    # 40 due in batches of 10: four full batches of 11, then a claim that finds none (with its savepoint).
    assert _sweep_queries(make_city(), 40, batch_size=10) == 4 * 11 + 3


def test_the_statements_do_not_grow_with_the_dealers_of_a_batch():
    """Each case's dealer hears of its escalation, however many dealers one batch holds, in the same statements."""
    city = make_city()
    dealers = [OrganizationFactory(kind=Organization.Kind.DEALER) for _ in range(5)]
    staff = {dealer.pk: UserFactory(organization=dealer, email="", phone="") for dealer in dealers}
    UserFactory(organization=dealers[0], is_active=False)  # hears nothing
    assert _sweep_queries(city, 6, dealers) == 11
    for dealer in dealers:
        inbox = Notification.objects.filter(recipient=staff[dealer.pk], escalation__case__dealer=dealer)
        assert list(inbox.values_list("channel", flat=True)) == ["inbox"]  # no address: the inbox only
    escalated = Notification.objects.filter(escalation__isnull=False)
    assert escalated.filter(recipient=city.dealer).count() == 3  # the sixth case stayed the city's dealer's
    assert not escalated.filter(recipient__is_active=False).exists()
    with time_machine.travel(SWEPT, tick=False):  # the set-based rows equal the model path's, dealer by dealer
        for escalation in Escalation.objects.select_related("case__label"):
            expected = [model_to_dict(row, exclude=["id"]) for row in notifications.escalation_rows(escalation)]
            stored = Notification.objects.filter(escalation=escalation).order_by("pk")
            assert [model_to_dict(row, exclude=["id"]) for row in stored] == expected
