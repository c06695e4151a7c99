"""Celery tasks of the cases app."""

from celery import shared_task
from django.db import OperationalError

from .services.batches import generate_labels


# Idempotent (missing labels only, flow step completed once), so a retry after a lost connection is safe.
@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def generate_batch_labels(batch_id):
    """Generate an approved batch's labels, then move its review process on to printing."""
    created = generate_labels(batch_id)
    from workflows.declaration_services import labels_ready

    labels_ready(batch_id)
    return created
