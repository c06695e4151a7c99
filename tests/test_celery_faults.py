"""Faults with real Celery processes (Redis broker, the PostgreSQL test database):

- broker down while people work: the API write succeeds; once a worker and beat run, the overdue
  deadline escalates and every e-mail/SMS, including those left waiting during the outage, goes out;
- a worker SIGKILLed in the middle of a sweep, then restarted: every due deadline is escalated exactly
  once (nothing lost, nothing doubled), with its events, audit entries and notifications once each.
"""

import os
import signal
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Count
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import AuditEntry
from remediation.models import CaseEvent, Deadline, Escalation, Notification, RemediationCase
from tests.factories_remediation import make_city, sold_label
from tests.processes import ALL_QUEUES, celery_env, start, stop, wait_for
from tests.test_broker_down import broker_down  # noqa: F401  (fixture)
from workflows.remediation.flow import RemediationFlow

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def fault_env(**extra):
    return celery_env(
        SLA_SWEEP_SECONDS="1",
        NOTIFICATION_REQUEUE_SECONDS="1",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        SMS_BACKEND="remediation.sms.ConsoleBackend",
        LOG_LEVEL="INFO",
        **extra,
    )


WORKER = ["worker", "--pool=solo", "--without-gossip", "--without-mingle", "--loglevel=INFO", f"--queues={ALL_QUEUES}"]


def unsent():
    return Notification.objects.filter(sent_at__isnull=True).exclude(channel="inbox")


def test_broker_down_then_worker_and_beat_catch_up(broker_down, tmp_path):  # noqa: F811
    city = make_city()
    label = sold_label(city)
    client = APIClient()
    client.force_authenticate(city.installer)
    response = client.post("/api/v1/reports/", {"kind": "label_mismatch", "serial": label.serial}, format="json")
    assert response.status_code == 201, response.content
    case = RemediationCase.objects.get()
    assert unsent().filter(recipient=city.dealer).count() == 2  # e-mail + SMS, never queued
    Deadline.objects.filter(case=case, step="contact").update(due_at=timezone.now() - timedelta(minutes=1))

    env = fault_env()
    log = open(tmp_path / "celery.log", "w")
    worker = start([*WORKER, "--purge"], env, log)
    beat = start(["beat", "-s", str(tmp_path / "beat-schedule"), "--loglevel=INFO"], env, log)
    try:
        done = wait_for(
            lambda: (
                Escalation.objects.filter(case=case).exists()
                and Notification.objects.filter(escalation__case=case).exists()
                and not unsent().exists()
            ),
            60,
            (worker, beat),
        )
    finally:
        stop(beat)
        stop(worker)
        log.close()
    logs = (tmp_path / "celery.log").read_text()
    assert done, logs[-3000:]
    assert Escalation.objects.filter(case=case).count() == 1
    assert Deadline.objects.get(case=case, step="contact").state == "missed"
    # The outage's messages went out once each (dedupe key + sent_at under a row lock).
    assert Notification.objects.filter(case=case, escalation__isnull=True, channel="email").count() == 1


def seed_overdue_cases(dealer_org, count):
    """`count` open cases, each with an overdue contact deadline, inserted set-based like bench/sla.py."""
    flow_ref = RemediationCase._meta.get_field("flow_class").get_prep_value(RemediationFlow)
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO viewflow_process (flow_class, status, created, data) "
            "SELECT %s, 'NEW', now(), '{}'::jsonb FROM generate_series(1, %s)",
            [flow_ref, count],
        )
        cur.execute(
            "INSERT INTO remediation_remediationcase (process_ptr_id, kind, typed_code, district, address, "
            "resident_phone, description, reported_at, stage, resolution, escalation_level, dealer_id) "
            "SELECT id, 'label_mismatch', '', 'futian', '', '', '', now(), 'contact', '', 'dealer', %s "
            "FROM viewflow_process WHERE flow_class = %s",
            [dealer_org.pk, flow_ref],
        )
        cur.execute(
            "INSERT INTO remediation_deadline (case_id, step, level, due_at, state, created_at, rule) "
            "SELECT process_ptr_id, 'contact', 'dealer', now() - interval '1 hour', 'pending', now(), '' "
            "FROM remediation_remediationcase"
        )


def test_worker_killed_mid_sweep_loses_and_doubles_nothing(tmp_path):
    total = 200
    city = make_city()
    seed_overdue_cases(city.dealer_org, total)
    assert Deadline.objects.filter(state="pending").count() == total

    # Batches of 10 with a pause between them: the sweep takes ~6 s, long enough to kill it half-way.
    env = fault_env(SLA_SWEEP_BATCH_SIZE="10", SLA_SWEEP_BATCH_PAUSE_MS="300")
    log = open(tmp_path / "celery.log", "w")
    worker = start([*WORKER, "--purge"], env, log)
    beat = start(["beat", "-s", str(tmp_path / "beat-schedule"), "--loglevel=INFO"], env, log)
    try:
        started = wait_for(lambda: Escalation.objects.count() >= 30, 60, (worker, beat))
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)
        at_kill = Escalation.objects.count()
        assert started and at_kill < total, f"the sweep was not caught half-way ({at_kill} of {total})"
        time.sleep(1)
        # Every committed batch is whole: missed deadlines, escalations and events agree.
        assert Deadline.objects.filter(state="missed").count() == Escalation.objects.count() == at_kill
        worker = start(WORKER, env, log)  # restarted; beat keeps sending sweeps
        finished = wait_for(
            lambda: (
                Escalation.objects.count() == total
                and not Deadline.objects.filter(step="contact", state="pending").exists()
                and not unsent().exists()
            ),
            90,
            (worker, beat),
        )
    finally:
        stop(beat)
        stop(worker)
        log.close()
    logs = (tmp_path / "celery.log").read_text()
    assert finished, logs[-3000:]
    assert Deadline.objects.filter(step="contact", state="missed").count() == total
    assert Escalation.objects.filter(level="association").count() == total
    assert Deadline.objects.filter(step="followup").count() == total
    for kind in ("deadline_missed", "escalated"):
        per_case = CaseEvent.objects.filter(kind=kind).values("case").annotate(n=Count("pk"))
        assert sorted({row["n"] for row in per_case}) == [1] and len(per_case) == total
        assert AuditEntry.objects.filter(action=f"case.{kind}").count() == total
    per_escalation = Notification.objects.values("escalation").annotate(n=Count("pk"))
    assert {row["n"] for row in per_escalation} == {6}  # reviewer and dealer: inbox, e-mail, SMS; once each
    assert len(per_escalation) == total
