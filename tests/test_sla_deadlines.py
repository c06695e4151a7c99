"""Deadlines with time travel: met, missed contact, missed resolution, regulator escalation, manual report,
cancellation on close, and a sweep that escalates once however often it runs."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from remediation import services
from remediation.models import CaseEvent, Deadline, DeadlinePolicy, Escalation, Level, Notification, Step
from remediation.services.sla import sweep_due_deadlines
from tests.factories_remediation import fresh_label, make_city, sold_label

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def city():
    return make_city()


def report(city, state="sold"):
    label = sold_label(city, state)
    return services.report_problem(reporter=city.installer, kind="label_mismatch", serial=label.serial), label


def deadline(case, step):
    return Deadline.objects.get(case=case, step=step)


def test_deadlines_start_at_report_with_policy_durations(clock, city):
    case, _label = report(city)
    assert deadline(case, Step.CONTACT).due_at == T0 + timedelta(hours=2)
    assert deadline(case, Step.RESOLVE).due_at == T0 + timedelta(hours=24)
    assert deadline(case, Step.CONTACT).level == Level.DEALER


def test_policy_edited_in_admin_changes_new_deadlines(clock, city):
    DeadlinePolicy.objects.filter(step=Step.CONTACT).update(hours=1)
    case, _label = report(city)
    assert deadline(case, Step.CONTACT).due_at == T0 + timedelta(hours=1)


def test_met_deadlines_do_not_escalate(clock, city):
    case, _label = report(city)
    clock.shift(timedelta(hours=1, minutes=59))
    services.record_contact(case_id=case.pk, user=city.dealer)
    clock.shift(timedelta(hours=20))
    services.resolve_case(
        case_id=case.pk, user=city.dealer, resolution="relabel", new_serial=fresh_label(city.model).serial
    )
    clock.shift(timedelta(days=5))
    assert sweep_due_deadlines() == 0
    assert {d.step: d.state for d in case.deadlines.all()} == {"contact": "met", "resolve": "met"}
    assert not Escalation.objects.exists()


def test_missed_contact_escalates_to_association(clock, city):
    case, _label = report(city)
    clock.shift(timedelta(hours=2))
    assert sweep_due_deadlines() == 0  # due at exactly 2 h is still on time
    clock.shift(timedelta(seconds=1))
    assert sweep_due_deadlines() == 1
    contact = deadline(case, Step.CONTACT)
    assert contact.state == Deadline.State.MISSED
    escalation = Escalation.objects.get(case=case)
    assert (escalation.level, escalation.reason, escalation.deadline_id) == ("association", "missed", contact.pk)
    case.refresh_from_db()
    assert case.escalation_level == Level.ASSOCIATION
    followup = deadline(case, Step.FOLLOWUP)
    assert followup.level == Level.ASSOCIATION
    assert followup.due_at == T0 + timedelta(hours=2, seconds=1) + timedelta(hours=48)
    # The association gets a follow-up in its inbox, the dealer is told too.
    inboxes = set(
        Notification.objects.filter(escalation=escalation, channel="inbox").values_list("recipient", flat=True)
    )
    assert inboxes == {city.reviewer.pk, city.dealer.pk}
    # The resolve clock still runs.
    assert deadline(case, Step.RESOLVE).state == Deadline.State.PENDING


def test_contact_at_the_due_instant_is_met(clock, city):
    case, _label = report(city)
    clock.shift(timedelta(hours=2))
    services.record_contact(case_id=case.pk, user=city.dealer)
    assert deadline(case, Step.CONTACT).state == "met"


def test_missed_resolution_escalates(clock, city):
    case, _label = report(city)
    clock.shift(timedelta(hours=1))
    services.record_contact(case_id=case.pk, user=city.dealer)
    clock.shift(timedelta(hours=24))
    assert sweep_due_deadlines() == 1
    assert deadline(case, Step.CONTACT).state == "met"
    assert deadline(case, Step.RESOLVE).state == "missed"
    assert Escalation.objects.get(case=case).deadline.step == Step.RESOLVE


def test_contact_after_due_but_before_sweep_is_missed_and_escalated(clock, city):
    case, _label = report(city)
    clock.shift(timedelta(hours=3))
    services.record_contact(case_id=case.pk, user=city.dealer)
    assert deadline(case, Step.CONTACT).state == "missed"
    assert Escalation.objects.filter(case=case, level="association").count() == 1
    assert sweep_due_deadlines() == 0


def test_both_dealer_deadlines_missed_make_one_followup(clock, city):
    case, _label = report(city)
    clock.shift(timedelta(hours=30))
    assert sweep_due_deadlines() == 2
    assert Escalation.objects.filter(case=case, level="association").count() == 2
    assert Deadline.objects.filter(case=case, step=Step.FOLLOWUP).count() == 1


def test_association_followup_missed_escalates_to_regulator(clock, city):
    case, _label = report(city)
    clock.shift(timedelta(hours=3))
    sweep_due_deadlines()
    clock.shift(timedelta(hours=48, minutes=1))
    assert sweep_due_deadlines() == 2  # the resolve deadline and the follow-up
    regulator = Escalation.objects.get(case=case, level=Level.REGULATOR)
    assert regulator.reason == "missed" and regulator.deadline.step == Step.FOLLOWUP
    case.refresh_from_db()
    assert case.escalation_level == Level.REGULATOR
    recipients = set(
        Notification.objects.filter(escalation=regulator, channel="inbox").values_list("recipient", flat=True)
    )
    assert recipients == {city.regulator.pk, city.reviewer.pk}
    # The association's follow-up is now with the regulator.
    assert not Escalation.objects.filter(case=case, level="association", closed_at__isnull=True).exists()


def test_association_closes_followup_in_time(clock, city):
    case, _label = report(city)
    clock.shift(timedelta(hours=3))
    sweep_due_deadlines()
    clock.shift(timedelta(hours=10))
    services.close_followup(case_id=case.pk, user=city.reviewer, note="已督促代理商")
    assert deadline(case, Step.FOLLOWUP).state == "met"
    clock.shift(timedelta(days=3))
    sweep_due_deadlines()
    assert not Escalation.objects.filter(level=Level.REGULATOR).exists()


def test_manual_report_to_regulator(clock, city):
    case, _label = report(city)
    clock.shift(timedelta(hours=3))
    sweep_due_deadlines()
    escalation = services.report_to_regulator(case_id=case.pk, user=city.reviewer, note="多次联系无果")
    assert (escalation.level, escalation.reason, escalation.created_by_id) == (
        "regulator",
        "reported",
        city.reviewer.pk,
    )
    assert deadline(case, Step.FOLLOWUP).state == "cancelled"
    clock.shift(timedelta(days=5))
    sweep_due_deadlines()
    assert Escalation.objects.filter(case=case, level=Level.REGULATOR).count() == 1
    with pytest.raises(services.RemediationError):
        services.report_to_regulator(case_id=case.pk, user=city.reviewer, note="again")


def test_manual_report_needs_no_missed_deadline(clock, city):
    case, _label = report(city)
    services.report_to_regulator(case_id=case.pk, user=city.reviewer, note="疑似批量假冒")
    case.refresh_from_db()
    assert case.escalation_level == Level.REGULATOR


def test_closing_the_case_cancels_running_clocks(clock, city):
    case, _label = report(city)
    clock.shift(timedelta(hours=3))
    sweep_due_deadlines()  # contact missed → follow-up running
    services.record_contact(case_id=case.pk, user=city.dealer)
    clock.shift(timedelta(hours=1))
    services.resolve_case(case_id=case.pk, user=city.dealer, resolution="return")
    states = {d.step: d.state for d in case.deadlines.all()}
    assert states == {"contact": "missed", "resolve": "met", "followup": "cancelled"}
    assert CaseEvent.objects.filter(case=case, kind="deadline_cancelled").count() == 1
    clock.shift(timedelta(days=10))
    assert sweep_due_deadlines() == 0
    assert not Escalation.objects.filter(level=Level.REGULATOR).exists()
    assert not Escalation.objects.filter(closed_at__isnull=True).exists()


def test_sweep_is_idempotent(clock, city):
    cases = [report(city)[0] for _ in range(3)]
    clock.shift(timedelta(hours=3))
    assert sweep_due_deadlines(batch_size=2) == 3
    assert sweep_due_deadlines() == 0
    call_command("sla_sweep")
    assert Escalation.objects.count() == 3
    # Reviewer and dealer, once per escalation.
    assert Notification.objects.filter(channel="inbox", escalation__isnull=False).count() == 3 * 2
    assert CaseEvent.objects.filter(kind="escalated").count() == 3
    for case in cases:
        assert case.deadlines.get(step="followup").state == "pending"


def test_management_command_prints_its_count(clock, city, capsys):
    report(city)
    clock.shift(timedelta(hours=3))
    call_command("sla_sweep")
    assert "missed and escalated: 1" in capsys.readouterr().out


def _sweep_queries(city, count):
    for _ in range(count):
        report(city)
    with CaptureQueriesContext(connection) as queries:
        assert sweep_due_deadlines(now=T0 + timedelta(hours=3)) == count
    Deadline.objects.all().delete()
    return len(queries)


def test_sweep_cost_does_not_grow_with_the_batch(clock, city):
    # Set-based per batch: 2 or 6 due deadlines take the same number of queries (tests/test_sla_sweep_rows.py
    # holds the exact count for a larger batch).
    assert _sweep_queries(city, 2) == _sweep_queries(city, 6)
