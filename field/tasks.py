"""Celery tasks of field work: the daily warning of work permits about to expire."""

from celery import shared_task

from .services.permits import warn_expiring_permits as warn


@shared_task(acks_late=True, ignore_result=True)
def warn_expiring_permits():
    """Beat runs this daily; idempotent (one message per permit and expiry date)."""
    return warn()
