"""Two sweeps at once over the same due deadlines (PostgreSQL, SKIP LOCKED): each deadline escalates once."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from remediation import services
from remediation.models import Deadline, Escalation, Notification
from remediation.services import sla
from tests.factories_remediation import make_city, sold_label

CASES = 30


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sweeps_escalate_each_deadline_once(monkeypatch):
    city = make_city()
    for _ in range(CASES):
        label = sold_label(city)
        services.report_problem(reporter=city.installer, kind="label_mismatch", serial=label.serial)
    later = timezone.now() + timedelta(hours=3)  # every contact deadline is due, no resolve deadline is

    real_miss = sla._miss

    def slow_miss(deadline, now):
        time.sleep(0.01)  # hold the batch's row locks long enough for the other sweeper to run into them
        return real_miss(deadline, now)

    monkeypatch.setattr(sla, "_miss", slow_miss)
    barrier = threading.Barrier(2)
    results, errors = {}, []

    def sweeper(name):
        try:
            barrier.wait()
            results[name] = sla.sweep_due_deadlines(now=later, batch_size=4)
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweeper, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    assert results["a"] + results["b"] == CASES
    assert results["a"] > 0 and results["b"] > 0, results  # both really swept, side by side
    assert Deadline.objects.filter(step="contact", state="missed").count() == CASES
    assert Escalation.objects.count() == CASES
    assert Escalation.objects.values("deadline").distinct().count() == CASES
    assert Deadline.objects.filter(step="followup").count() == CASES
    per_escalation = Notification.objects.filter(channel="inbox", escalation__isnull=False).count()
    assert per_escalation == CASES * 2  # reviewer + dealer, once each
    assert sla.sweep_due_deadlines(now=later) == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_sweep_skips_a_case_someone_is_changing_instead_of_waiting_or_deadlocking():
    from django.db import transaction

    from remediation.models import RemediationCase

    city = make_city()
    label = sold_label(city)
    case = services.report_problem(reporter=city.installer, kind="label_mismatch", serial=label.serial)
    later = timezone.now() + timedelta(hours=3)
    locked, release, swept = threading.Event(), threading.Event(), {}

    def dealer_at_work():
        try:
            with transaction.atomic():
                RemediationCase.objects.select_for_update().get(pk=case.pk)  # as remediation.services do
                locked.set()
                release.wait(30)
        finally:
            connection.close()

    def sweeper():
        try:
            locked.wait(30)
            started = time.monotonic()
            swept["count"] = sla.sweep_due_deadlines(now=later)
            swept["seconds"] = time.monotonic() - started
        finally:
            connection.close()

    holder, sweep = threading.Thread(target=dealer_at_work), threading.Thread(target=sweeper)
    holder.start()
    sweep.start()
    sweep.join(30)
    release.set()
    holder.join(30)
    assert swept["count"] == 0 and swept["seconds"] < 5  # skipped, not waited for
    assert Deadline.objects.get(case=case, step="contact").state == "pending"
    assert sla.sweep_due_deadlines(now=later) == 1  # the next sweep takes it
