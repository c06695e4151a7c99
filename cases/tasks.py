"""Celery tasks of the cases app."""

from celery import shared_task

from .services.batches import generate_labels


@shared_task(acks_late=True)
def generate_batch_labels(batch_id):
    """Generate an approved batch's labels, then move its review process on to printing."""
    created = generate_labels(batch_id)
    from workflows.declaration_services import labels_ready

    labels_ready(batch_id)
    return created
