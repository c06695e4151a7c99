"""Broker down: pages and API writes still succeed (the DB row is the truth, the task only a nudge), and the
periodic sweeps send what was left waiting once the broker is back."""

import logging
import socket
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone
from rest_framework.test import APIClient

from cases.models import LabelBatch
from cases.services.declarations import Decision
from cases.tasks import resume_stalled_batches
from project.celery import app as celery_app
from remediation.models import Notification, RemediationCase
from remediation.notifications import requeue_unsent
from tests.factories import PASSWORD
from tests.factories_declarations import maker_and_model, reviewer
from tests.factories_remediation import make_city, sold_label
from tests.test_declaration_flow import submitted, task_of
from workflows.declaration import services as steps
from workflows.declaration.flow import DeclarationFlow

pytestmark = pytest.mark.django_db


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens once the socket is closed


def reset_producer_pools():
    celery_app._pool = None
    celery_app.__dict__.get("amqp") and setattr(celery_app.amqp, "_producer_pool", None)


@pytest.fixture
def broker_down(monkeypatch):
    """Point this process's Celery producer at a closed port (a real connection attempt that is refused)."""
    old_url, old_eager = celery_app.conf.broker_url, celery_app.conf.task_always_eager
    url = f"redis://127.0.0.1:{closed_port()}/0"
    monkeypatch.setenv("CELERY_BROKER_URL", url)  # Celery reads the variable before its own setting
    celery_app.conf.broker_url = url
    celery_app.conf.task_always_eager = False
    reset_producer_pools()
    yield
    celery_app.conf.broker_url, celery_app.conf.task_always_eager = old_url, old_eager
    reset_producer_pools()


@pytest.fixture
def broker_back():
    """After the outage: tasks run (eagerly, in this process) when queued."""

    def bring_back():
        celery_app.conf.task_always_eager = True

    yield bring_back
    celery_app.conf.task_always_eager = False


def test_api_report_succeeds_and_its_mail_goes_out_after_the_outage(
    broker_down, broker_back, django_capture_on_commit_callbacks, caplog
):
    city = make_city()
    label = sold_label(city)
    client = APIClient()
    client.login(username=city.installer.username, password=PASSWORD)
    with caplog.at_level(logging.WARNING, logger="core.enqueue"), django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/reports/", {"kind": "label_mismatch", "serial": label.serial}, format="json")
    assert response.status_code == 201, response.content
    assert RemediationCase.objects.count() == 1
    assert "could not queue remediation.tasks.deliver_notifications" in caplog.text
    waiting = Notification.objects.filter(sent_at__isnull=True).exclude(channel="inbox")
    assert set(waiting.values_list("channel", "recipient")) == {("email", city.dealer.pk), ("sms", city.dealer.pk)}

    broker_back()
    assert requeue_unsent() == 0  # too fresh: its own task may still be on its way
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        assert requeue_unsent() == 2
    assert not waiting.exists()
    assert [m.to for m in mail.outbox] == [[city.dealer.email]]
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        assert requeue_unsent() == 0  # sent once, never again
    assert len(mail.outbox) == 1


def test_report_page_succeeds_with_the_broker_down(broker_down, django_capture_on_commit_callbacks, client):
    city = make_city()
    label = sold_label(city)
    client.force_login(city.installer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/remediation/report/", {"kind": "label_mismatch", "serial": label.serial})
    assert response.status_code == 302
    case = RemediationCase.objects.get()
    assert response["Location"].endswith(f"/remediation/{case.pk}/")
    label.refresh_from_db()
    assert label.state == "suspended"


def test_approval_with_the_broker_down_generates_the_labels_later(
    broker_down, broker_back, django_capture_on_commit_callbacks
):
    maker, model = maker_and_model()
    boss = reviewer()
    declaration = submitted(maker, model, quantity=5)
    with django_capture_on_commit_callbacks(execute=True):
        steps.review(task_id=task_of(declaration, DeclarationFlow.review).pk, user=boss, decision=Decision.APPROVE)
    batch = LabelBatch.objects.get(declaration=declaration)
    assert batch.stage == LabelBatch.Stage.GENERATING and batch.labels.count() == 0

    broker_back()
    assert resume_stalled_batches() == []  # approved a moment ago: its task may still come
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        assert resume_stalled_batches() == [batch.pk]
    batch.refresh_from_db()
    assert batch.stage == LabelBatch.Stage.GENERATED and batch.labels.count() == 5
    assert task_of(declaration, DeclarationFlow.print_batch)
