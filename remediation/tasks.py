"""Celery tasks: the every-minute SLA sweep and notification delivery (both idempotent, acks_late)."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings

from ops import heartbeats

from .notifications import deliver
from .services.sla import run_sweep


@shared_task(acks_late=True, ignore_result=True)
def sweep_deadlines():
    """Beat runs this every SLA_SWEEP_SECONDS; the same service as `manage.py sla_sweep`.

    Exactly one beat should run, but a second one (a deployment mistake) must not double the work: a run
    claims the sweep first and is skipped if another started within half a period. Its end is the
    heartbeat /health/ judges beat and the `sweep` worker by.
    """
    half_period = timedelta(seconds=settings.SLA_SWEEP_SECONDS / 2)
    if not heartbeats.claim_run(name=heartbeats.SWEEP, min_interval=half_period):
        return {"skipped": "another sweep started less than half a period ago"}
    result = run_sweep()
    heartbeats.record_finished(name=heartbeats.SWEEP)
    return result


@shared_task(
    bind=True,
    acks_late=True,
    ignore_result=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=10,
)
def deliver_notifications(self, ids):
    """Send each queued e-mail/SMS; a retry resends only what is still unsent."""
    failed = None
    for notification_id in ids:
        try:
            deliver(notification_id)
        except Exception as exc:  # keep going: one bad address must not hold back the others
            failed = exc
    if failed is not None:
        raise failed
