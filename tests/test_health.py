"""/health/: database, cache, storage, broker, the deadline sweep's heartbeat and every queue's heartbeat,
as JSON with 200 or 503; /health/web/ only what a web process needs. Real database, cache and storage."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.utils import timezone

from ops import heartbeats
from ops.models import Heartbeat


def all_report_in():
    heartbeats.record_finished(name=heartbeats.SWEEP)
    for queue in settings.CELERY_QUEUE_NAMES:
        heartbeats.record_finished(name=heartbeats.queue_heartbeat_name(queue))


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def get_health(path="/health/", **headers):
    response = Client().get(path, **headers)
    return response.status_code, response


@pytest.mark.django_db
def test_green_when_workers_and_beat_reported_recently():
    all_report_in()
    status, response = get_health()
    body = response.json()
    assert status == 200, body
    assert body["status"] == "ok"
    names = " ".join(body["checks"])
    for part in ("Database", "Cache", "Storage", "Broker", "DeadlineSweep", "PrintJobsNotStuck"):
        assert part in names
    for queue in settings.CELERY_QUEUE_NAMES:
        assert f"QueueConsumed(queue='{queue}')" in body["checks"]
    assert set(body["checks"].values()) == {"OK"}
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_red_503_when_the_sweep_is_older_than_three_periods():
    all_report_in()
    with time_machine.travel(timezone.now() + timedelta(seconds=3 * settings.SLA_SWEEP_SECONDS - 5)):
        # Queue heartbeats are fresher than that in real life: refresh them at the travelled time.
        for queue in settings.CELERY_QUEUE_NAMES:
            heartbeats.record_finished(name=heartbeats.queue_heartbeat_name(queue))
        assert get_health()[0] == 200
    with time_machine.travel(timezone.now() + timedelta(seconds=3 * settings.SLA_SWEEP_SECONDS + 5)):
        for queue in settings.CELERY_QUEUE_NAMES:
            heartbeats.record_finished(name=heartbeats.queue_heartbeat_name(queue))
        status, response = get_health()
    body = response.json()
    assert status == 503 and body["status"] == "fail"
    assert "the deadline sweep last ran" in body["checks"]["DeadlineSweep()"]
    assert [name for name, value in body["checks"].items() if value != "OK"] == ["DeadlineSweep()"]


@pytest.mark.django_db
def test_red_when_one_queue_has_no_worker_and_never_ran():
    all_report_in()
    Heartbeat.objects.filter(name=heartbeats.queue_heartbeat_name("print")).delete()
    status, response = get_health()
    assert status == 503
    assert "queue print has never run" in response.json()["checks"]["QueueConsumed(queue='print')"]


@pytest.mark.django_db
def test_web_health_ignores_workers_and_beat():
    # Nothing has reported in: the full check is red, the load balancer's is green.
    assert get_health()[0] == 503
    status, response = get_health("/health/web/")
    assert status == 200
    assert "DeadlineSweep()" not in response.json()["checks"]


@pytest.mark.django_db
def test_a_browser_gets_html_and_anyone_can_ask_for_json():
    all_report_in()
    status, response = get_health(HTTP_ACCEPT="text/html,application/xhtml+xml")
    assert status == 200 and response["Content-Type"].startswith("text/html")
    assert b"DeadlineSweep" in response.content
    status, response = get_health("/health/?format=json", HTTP_ACCEPT="text/html")
    assert response.json()["status"] == "ok"


@pytest.mark.django_db
def test_a_second_sweep_within_half_a_period_is_skipped():
    from remediation.tasks import sweep_deadlines

    first = sweep_deadlines.apply().get()
    second = sweep_deadlines.apply().get()
    assert "missed" in first
    assert second == {"skipped": "another sweep started less than half a period ago"}
    with time_machine.travel(timezone.now() + timedelta(seconds=settings.SLA_SWEEP_SECONDS)):
        assert "missed" in sweep_deadlines.apply().get()
        assert heartbeats.last_finished(heartbeats.SWEEP) >= timezone.now() - timedelta(seconds=1)


@pytest.mark.django_db
def test_claim_run_gives_one_winner():
    interval = timedelta(seconds=30)
    now = timezone.now()
    assert heartbeats.claim_run(name="job", min_interval=interval, now=now)
    assert not heartbeats.claim_run(name="job", min_interval=interval, now=now + timedelta(seconds=29))
    assert heartbeats.claim_run(name="job", min_interval=interval, now=now + timedelta(seconds=31))


@pytest.mark.django_db
def test_queue_heartbeat_task_records_its_queue():
    from ops.tasks import queue_heartbeat

    queue_heartbeat.apply(args=("notify",))
    assert heartbeats.last_finished("queue:notify") is not None
    assert heartbeats.last_finished("queue:print") is None
