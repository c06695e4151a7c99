"""Celery tasks of the field app: the daily purge of routine scans past their retention period."""

from celery import shared_task

from .services.scan_retention import purge_old_scans as purge


@shared_task(acks_late=True, ignore_result=True)
def purge_old_scans():
    """Beat runs this daily; idempotent (what is gone stays gone), so a redelivered task changes nothing."""
    return purge()
