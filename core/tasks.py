"""Celery tasks of the shared plumbing: the daily purge of residents' personal data past its retention period."""

from celery import shared_task

from .retention import purge_personal_data as purge


@shared_task(acks_late=True, ignore_result=True)
def purge_personal_data():
    """Beat runs this daily; idempotent, so a redelivered task changes nothing."""
    return purge()
