"""Celery tasks: the every-minute SLA sweep and notification delivery (both idempotent, acks_late)."""

from celery import shared_task


@shared_task(acks_late=True, ignore_result=True)
def sweep_deadlines():
    """Beat runs this every SLA_SWEEP_SECONDS; the same service as `manage.py sla_sweep`."""
    from .services.sla import run_sweep

    return run_sweep()


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
    from .notifications import deliver

    failed = None
    for notification_id in ids:
        try:
            deliver(notification_id)
        except Exception as exc:  # keep going: one bad address must not hold back the others
            failed = exc
    if failed is not None:
        raise failed
