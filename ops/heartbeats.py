"""Heartbeats: periodic jobs claim a run and record its end; /health/ reads how long ago that was."""

from datetime import datetime, timedelta

from django.utils import timezone

from .models import Heartbeat

SWEEP = "sla-sweep"


def queue_heartbeat_name(queue: str) -> str:
    return f"queue:{queue}"


def claim_run(*, name: str, min_interval: timedelta, now: datetime | None = None) -> bool:
    """Claim the right to run `name` now; False if another run started less than `min_interval` ago.

    A conditional UPDATE, so two claimants racing (two beats sending the same sweep, a mistake we guard
    against) get one winner without a lock being held while the job runs.
    """
    now = now or timezone.now()
    Heartbeat.objects.bulk_create([Heartbeat(name=name)], ignore_conflicts=True)
    never = Heartbeat.objects.filter(name=name, started_at__isnull=True)
    stale = Heartbeat.objects.filter(name=name, started_at__lte=now - min_interval)
    return bool(never.update(started_at=now) or stale.update(started_at=now))


def record_finished(*, name: str, now: datetime | None = None) -> None:
    """The job `name` ran to its end (the moment /health/ judges it by)."""
    now = now or timezone.now()
    Heartbeat.objects.bulk_create([Heartbeat(name=name)], ignore_conflicts=True)
    Heartbeat.objects.filter(name=name).update(finished_at=now)


def last_finished(name: str) -> datetime | None:
    return Heartbeat.objects.filter(name=name).values_list("finished_at", flat=True).first()
