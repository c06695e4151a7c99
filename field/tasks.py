"""Celery tasks of the field app: the daily purge of routine scans past their retention period, and the daily
warning of work permits about to expire, and the sweep for labels scanned far too often (suspected clones)."""

from celery import shared_task

from .services.clones import sweep_frequent_scans as sweep_scans
from .services.permits import warn_expiring_permits as warn
from .services.scan_retention import purge_old_scans as purge


@shared_task(acks_late=True, ignore_result=True)
def purge_old_scans():
    """Beat runs this daily; idempotent (what is gone stays gone), so a redelivered task changes nothing."""
    return purge()


@shared_task(acks_late=True, ignore_result=True)
def warn_expiring_permits():
    """Beat runs this daily; idempotent (one message per permit and expiry date)."""
    return warn()


@shared_task(acks_late=True, ignore_result=True)
def sweep_frequent_scans():
    """Beat runs this every CLONE_SWEEP_SECONDS; idempotent (a label already signalled is skipped)."""
    return sweep_scans()
