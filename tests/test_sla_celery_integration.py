"""A real Celery worker and beat (Redis broker, the test database) escalate an overdue case by themselves."""

import os
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from remediation import services
from remediation.models import Deadline, Escalation, Notification
from tests.factories_remediation import make_city, sold_label
from tests.processes import ALL_QUEUES, database_url_of_test_db, start, stop


@pytest.mark.integration
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_worker_and_beat_escalate_an_overdue_case(tmp_path):
    broker = settings.CELERY_BROKER_URL
    if not broker.startswith("redis://"):
        pytest.fail("the integration test needs CELERY_BROKER_URL=redis://… (a Redis db of its own)")
    city = make_city()
    label = sold_label(city)
    case = services.report_problem(reporter=city.installer, kind="label_mismatch", serial=label.serial)
    # Overdue already: the report was made (in effect) three hours ago.
    Deadline.objects.filter(case=case, step="contact").update(due_at=timezone.now() - timedelta(hours=1))

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "project.settings",
        "DATABASE_URL": database_url_of_test_db(),  # the TEST database pytest-django created
        "CELERY_BROKER_URL": broker,
        "SLA_SWEEP_SECONDS": "1",
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
        "SMS_BACKEND": "remediation.sms.ConsoleBackend",
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }
    worker_log = open(tmp_path / "worker.log", "w")
    beat_log = open(tmp_path / "beat.log", "w")
    worker = start(
        [
            "worker",
            "--pool=solo",
            "--purge",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
            f"--queues={ALL_QUEUES}",
        ],
        env,
        worker_log,
    )
    beat = start(["beat", "-s", str(tmp_path / "beat-schedule"), "--loglevel=INFO"], env, beat_log)
    try:
        deadline = time.monotonic() + 60
        escalated = delivered = False
        while time.monotonic() < deadline and not (escalated and delivered):
            time.sleep(0.5)
            escalated = Escalation.objects.filter(case=case, level="association").exists()
            # The e-mail to the reviewer goes out through the worker's delivery task, after commit.
            delivered = Notification.objects.filter(
                escalation__case=case, channel="email", recipient=city.reviewer, sent_at__isnull=False
            ).exists()
            assert worker.poll() is None and beat.poll() is None, "a Celery process died"
    finally:
        stop(beat)
        stop(worker)
        worker_log.close()
        beat_log.close()
    logs = (tmp_path / "worker.log").read_text() + (tmp_path / "beat.log").read_text()
    assert escalated, logs[-3000:]
    assert delivered, logs[-3000:]
    assert Deadline.objects.get(case=case, step="contact").state == "missed"
    assert Escalation.objects.filter(case=case).count() == 1
    assert "remediation.tasks.sweep_deadlines" in logs
