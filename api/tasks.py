"""Celery tasks of the API: forgetting old Idempotency-Key responses."""

from celery import shared_task

from .idempotency import purge_expired


@shared_task(acks_late=True, ignore_result=True)
def purge_idempotency_keys():
    """Daily: forget Idempotency-Key responses older than IDEMPOTENCY_KEY_TTL_HOURS (idempotent)."""
    return purge_expired()
