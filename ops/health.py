"""Checks behind /health/ (django-health-check): what the library offers plus GasLabel's own.

Ours read heartbeats from the database, so any web machine can judge workers and beat on other machines:
- the deadline sweep finished within 3 × SLA_SWEEP_SECONDS (beat sends it, a `sweep` worker runs it);
- every queue's heartbeat was consumed within 3 × HEALTH_HEARTBEAT_SECONDS (beat sends one per queue);
- the broker accepts a connection.
Messages are generic on purpose: the endpoint is public, for load balancers.
"""

import dataclasses
from datetime import timedelta

from asgiref.sync import sync_to_async
from celery import current_app
from django.apps import apps
from django.conf import settings
from django.utils import timezone
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable

from .heartbeats import SWEEP, last_finished, queue_heartbeat_name

STALE_AFTER_PERIODS = 3


def _check_recent(name: str, period_seconds: float, what: str) -> None:
    finished = last_finished(name)
    if finished is None:
        raise ServiceUnavailable(f"{what} has never run")
    age = timezone.now() - finished
    if age > timedelta(seconds=STALE_AFTER_PERIODS * period_seconds):
        raise ServiceUnavailable(f"{what} last ran {int(age.total_seconds())} s ago")


@dataclasses.dataclass
class DeadlineSweep(HealthCheck):
    """The deadline sweep ran within 3 × its period: beat and a `sweep` worker are alive."""

    async def run(self):
        # thread_sensitive: the request's own connection (and, in tests, its transaction).
        await sync_to_async(_check_recent)(SWEEP, settings.SLA_SWEEP_SECONDS, "the deadline sweep")


@dataclasses.dataclass
class QueueConsumed(HealthCheck):
    """A worker consumed this queue's heartbeat within 3 × HEALTH_HEARTBEAT_SECONDS."""

    queue: str = "celery"

    async def run(self):
        await sync_to_async(_check_recent)(
            queue_heartbeat_name(self.queue), settings.HEALTH_HEARTBEAT_SECONDS, f"queue {self.queue}"
        )


@dataclasses.dataclass
class Broker(HealthCheck):
    """The Celery broker accepts a connection (Redis, RabbitMQ or the filesystem transport)."""

    def run(self):
        try:
            with current_app.connection_for_write() as connection:
                connection.ensure_connection(max_retries=1, timeout=3)
        except Exception as exc:  # kombu raises many kinds; the cause goes to the log, not the response
            raise ServiceUnavailable("broker unreachable") from exc


def _check_print_jobs() -> None:
    # By app label, not import: ops is plumbing below the domain apps (cases.models.PrintJob).
    PrintJob = apps.get_model("cases", "PrintJob")
    since = timezone.now() - timedelta(seconds=STALE_AFTER_PERIODS * settings.PRINT_JOB_STALL_SECONDS)
    stuck = PrintJob.objects.filter(state="running", heartbeat_at__lt=since) | PrintJob.objects.filter(
        state="queued", created_at__lt=since
    )
    if stuck.exists():
        raise ServiceUnavailable("a print job is stuck")


@dataclasses.dataclass
class PrintJobsNotStuck(HealthCheck):
    """No print job waits or runs without progress for 3 × PRINT_JOB_STALL_SECONDS (the resume sweep
    re-queues one after 1 ×): a `print` worker and the sweep are alive."""

    async def run(self):
        await sync_to_async(_check_print_jobs)()


def web_checks():
    """What this web process needs to serve pages: the load balancer's routing decision (/health/web/)."""
    return (
        "health_check.checks.Database",
        "health_check.checks.Cache",
        "health_check.checks.Storage",
        Broker,
    )


def all_checks():
    """Everything, workers and beat included (/health/): monitoring and the operator's first look."""
    return (
        *web_checks(),
        DeadlineSweep,
        *((QueueConsumed, {"queue": queue}) for queue in settings.CELERY_QUEUE_NAMES),
        PrintJobsNotStuck,
    )
