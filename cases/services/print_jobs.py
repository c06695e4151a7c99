"""Print jobs: start, run, retry and resume the Celery jobs that write a batch's print files.

Starting returns at once (a row and a task queued after commit). The task claims
the row with a conditional UPDATE that bumps `attempt`; every progress write and
the final one are conditioned on that attempt, so if a job is claimed again (its
worker was killed and the resume sweep re-queued it), the older run notices and
stops, and only one run ever publishes a file. The file is rendered into a local
temporary file and handed to Django's default storage whole; `file_name` is set
in the same UPDATE that marks the job done, so a download never sees a partial file.
"""

from __future__ import annotations

import logging
import tempfile
import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit
from core import serials
from core.enqueue import enqueue_on_commit, send_safely

from .. import print_files
from ..models import Label, LabelBatch, PrintJob
from .labels import Origin

if TYPE_CHECKING:
    from celery import Task

logger = logging.getLogger(__name__)
State = PrintJob.State
PROGRESS_EVERY_SECONDS = 1.0


class Superseded(Exception):
    """This run's claim was taken over by a newer attempt: stop without publishing anything."""


def _key(
    batch_id: int, kind: str, first_page: int | None, last_page: int | None, first_serial: str, last_serial: str
) -> str:
    if first_page is not None:
        return f"{batch_id}:{kind}:p{first_page}-{last_page}"
    if first_serial:
        return f"{batch_id}:{kind}:s{first_serial}-{last_serial}"
    return f"{batch_id}:{kind}"


def _check_range(
    batch: LabelBatch, kind: str, first_page: int | None, last_page: int | None, first_serial: str, last_serial: str
) -> tuple[int | None, int | None, str, str]:
    """Normalised (first_page, last_page, first_serial, last_serial); ValidationError for a range outside the batch."""
    if (first_page is None) != (last_page is None):
        raise ValidationError(_("请同时填写起始页和结束页。"))
    if first_page is not None:
        pages = -(-batch.quantity // print_files.sheet_for(kind).per_page)
        if not 1 <= first_page <= last_page <= pages:
            raise ValidationError(_("页码范围应在 1 到 %(pages)s 之间，且起始页不大于结束页。") % {"pages": pages})
        return first_page, last_page, "", ""
    if bool(first_serial) != bool(last_serial):
        raise ValidationError(_("请同时填写起始编码和结束编码。"))
    if first_serial:
        try:
            first_serial, last_serial = serials.normalize(first_serial), serials.normalize(last_serial)
        except serials.InvalidSerial:
            raise ValidationError(_("标识编码无效，请检查。")) from None
        found = Label.objects.filter(batch_id=batch.pk, serial__in=[first_serial, last_serial]).count()
        if found != len({first_serial, last_serial}):
            raise ValidationError(_("编码不属于该批次。"))
    return None, None, first_serial, last_serial


def start_print_job(
    *,
    batch_id: int,
    kind: str,
    origin: Origin,
    first_page: int | None = None,
    last_page: int | None = None,
    first_serial: str = "",
    last_serial: str = "",
) -> tuple[PrintJob, bool]:
    """The job for this file, queued unless it already exists; (job, queued now). A failed job is retried.

    A reprint (a page or serial range) is audited with who asked for it.
    """
    if kind not in PrintJob.Kind.values:
        raise ValidationError(_("未知的文件类型。"))
    with transaction.atomic():
        batch = LabelBatch.objects.select_for_update(of=("self",)).get(pk=batch_id)
        if batch.stage == LabelBatch.Stage.GENERATING:
            raise ValidationError(_("标识仍在生成中，生成完成后才能制作印制文件。"))
        first_page, last_page, first_serial, last_serial = _check_range(
            batch, kind, first_page, last_page, first_serial, last_serial
        )
        key = _key(batch.pk, kind, first_page, last_page, first_serial, last_serial)
        job, created = PrintJob.objects.select_for_update().get_or_create(
            key=key,
            defaults={
                "batch": batch,
                "kind": kind,
                "first_page": first_page,
                "last_page": last_page,
                "first_serial": first_serial,
                "last_serial": last_serial,
                "started_by": origin.actor if getattr(origin.actor, "pk", None) else None,
            },
        )
        queue = created or job.state == State.FAILED
        if job.state == State.FAILED:
            job.state, job.error, job.done = State.QUEUED, "", 0
            job.started_by = origin.actor if getattr(origin.actor, "pk", None) else job.started_by
            job.save(update_fields=["state", "error", "done", "started_by"])
        if queue:
            if job.is_reprint:
                audit.record(
                    action="batch.reprint",
                    obj=batch,
                    origin=origin,
                    detail=f"{job.get_kind_display()}: {print_files.file_name(job)}",
                )
            enqueue_on_commit(_task(), job.pk)
    return job, queue


def retry_print_job(*, job_id: int, origin: Origin) -> PrintJob:
    """Queue a failed job again (the same row: it keeps its history of who started it)."""
    job = PrintJob.objects.get(pk=job_id)
    job, _queued = start_print_job(
        batch_id=job.batch_id,
        kind=job.kind,
        origin=origin,
        first_page=job.first_page,
        last_page=job.last_page,
        first_serial=job.first_serial,
        last_serial=job.last_serial,
    )
    return job


def _task() -> Task:
    from ..tasks import run_print_job  # noqa: PLC0415  (tasks import this module)

    return run_print_job


def _stale_before() -> datetime:
    return timezone.now() - timedelta(seconds=settings.PRINT_JOB_STALL_SECONDS)


def _claim(job_id: int) -> PrintJob | None:
    """Take the job if it is queued, or running with no heartbeat for a while (its worker died)."""
    now = timezone.now()
    claimed = (
        PrintJob.objects.filter(pk=job_id)
        .filter(Q(state=State.QUEUED) | Q(state=State.RUNNING, heartbeat_at__lt=_stale_before()))
        .update(state=State.RUNNING, attempt=F("attempt") + 1, started_at=now, heartbeat_at=now, done=0, error="")
    )
    if not claimed:
        return None
    return PrintJob.objects.select_related("batch__appliance_model").get(pk=job_id)


def _mine(job: PrintJob) -> QuerySet[PrintJob]:
    return PrintJob.objects.filter(pk=job.pk, attempt=job.attempt, state=State.RUNNING)


def run_print_job(job_id: int) -> str | None:
    """Render the job's file into storage; returns the stored name, or None if there was nothing to do."""
    job = _claim(job_id)
    if job is None:
        return None
    total = print_files.labels_of(job).count()
    _mine(job).update(total=total)
    last = [float("-inf")]  # the first page is written at once: the bar moves as soon as drawing starts

    def progress(done: int) -> None:
        if time.monotonic() - last[0] < PROGRESS_EVERY_SECONDS:
            return
        last[0] = time.monotonic()
        if not _mine(job).update(done=done, heartbeat_at=timezone.now()):
            raise Superseded

    try:
        with tempfile.TemporaryFile() as scratch:
            print_files.write(job, scratch, total, progress)
            scratch.seek(0)
            name = default_storage.save(f"print/{job.batch_id}/{print_files.file_name(job)}", File(scratch))
    except Superseded:
        logger.info("print job %s: attempt %s superseded, stopping", job.pk, job.attempt)
        return None
    except Exception as exc:
        logger.exception("print job %s failed", job.pk)
        _mine(job).update(state=State.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000], finished_at=timezone.now())
        return None
    published = _mine(job).update(state=State.DONE, file_name=name, done=total, finished_at=timezone.now())
    if not published:  # a newer attempt owns the job now: never leave two files
        default_storage.delete(name)
        return None
    return name


def resume_stalled_print_jobs() -> list[int]:
    """Queue again jobs whose task was lost (broker down) or whose worker died mid-render; returns their ids."""
    stale = _stale_before()
    stalled = list(
        PrintJob.objects.filter(
            Q(state=State.QUEUED, created_at__lt=stale) | Q(state=State.RUNNING, heartbeat_at__lt=stale)
        ).values_list("pk", flat=True)
    )
    for job_id in stalled:
        send_safely(_task(), job_id)
    return stalled
