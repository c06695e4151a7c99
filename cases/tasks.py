"""Celery tasks of the cases app."""

from datetime import timedelta

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from core.enqueue import send_safely

from .hooks import labels_generated
from .models import LabelBatch
from .services import print_jobs
from .services.batches import generate_labels


# Idempotent (missing labels only, flow step completed once), so a retry after a lost connection is safe.
# Big batches (100 000 labels) take minutes: a longer limit than the default. On the `print` queue
# with the print files: a 100 000-label batch never delays the sweep or notifications.
@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
    soft_time_limit=1800,
    time_limit=1900,
    queue="print",
)
def generate_batch_labels(batch_id):
    """Generate an approved batch's labels, then move its review process on to printing."""
    created = generate_labels(batch_id=batch_id)
    labels_generated(batch_id)
    return created


# A batch normally leaves `generating` within minutes of approval; an older one lost its task
# (broker down at approval, worker killed). Re-queueing is safe: generation is idempotent.
STALLED_AFTER_MINUTES = 10


@shared_task(acks_late=True, ignore_result=True)
def resume_stalled_batches():
    """Queue generation again for batches still `generating` long after approval; returns their ids."""
    cutoff = timezone.now() - timedelta(minutes=STALLED_AFTER_MINUTES)
    stalled = list(
        LabelBatch.objects.filter(stage=LabelBatch.Stage.GENERATING, created_at__lt=cutoff).values_list("pk", flat=True)
    )
    for batch_id in stalled:
        send_safely(generate_batch_labels, batch_id)
    return stalled


# Claimed with a conditional UPDATE (services.print_jobs), so a duplicate delivery is a no-op.
# A soft time limit ends in the job's own error handling: the job is marked failed with the reason.
@shared_task(acks_late=True, ignore_result=True, queue="print", soft_time_limit=3600, time_limit=3700)
def run_print_job(job_id):
    """Render one print file into storage (cases.services.print_jobs.run_print_job)."""
    return print_jobs.run_print_job(job_id)


@shared_task(acks_late=True, ignore_result=True, queue="sweep")
def resume_stalled_print_jobs():
    """Queue again print jobs whose task was lost or whose worker died mid-render."""
    return print_jobs.resume_stalled_print_jobs()
