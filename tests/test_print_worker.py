"""A real Celery worker (Redis broker, the PostgreSQL test database) killed in the middle of a render.

SIGKILL leaves the job `running` with a heartbeat that stops; once it is older than
PRINT_JOB_STALL_SECONDS, beat's resume sweep queues the job again and the restarted worker
claims it as a new attempt. The job completes, its file is whole, there is one file, and
every label is in it exactly once.
"""

import os
import shutil
import signal
import subprocess

import pytest
from django.core.files.storage import default_storage

from cases import pdf
from cases.models import Label, LabelBatch, PrintJob
from cases.services import print_jobs
from cases.services.batches import generate_labels
from cases.services.labels import Origin
from tests.factories import LabelBatchFactory
from tests.factories_declarations import maker_and_model, reviewer
from tests.processes import celery_env, start, stop, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

# The queues a print run touches: `print` for the job, `sweep` for the resume sweep, `celery` for the rest.
PRINT_WORKER = ["worker", "--pool=solo", "-Q", "celery,print,sweep", "--without-gossip", "--without-mingle"]


def print_env(media_root, **extra):
    return celery_env(MEDIA_ROOT=str(media_root), LABEL_PDF_WORKERS="1", LOG_LEVEL="INFO", **extra)


def purge(env, log):
    """Empty this Redis db's queues (messages left by earlier runs)."""
    assert start(["purge", "-f", "-Q", "celery,print,sweep"], env, log).wait(60) == 0


def job_row(job_id):
    return PrintJob.objects.values("state", "done", "total", "attempt", "file_name", "error").get(pk=job_id)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext (poppler-utils)")
def test_worker_killed_mid_render_then_restarted_completes_once(tmp_path, settings):
    quantity = 3000
    settings.MEDIA_ROOT = media = tmp_path / "media"
    _maker, model = maker_and_model(brand="华焰", model_number="JZT-W64")
    batch = LabelBatchFactory(
        declaration__appliance_model=model, declaration__quantity=quantity, declaration__status="approved"
    )
    generate_labels(batch_id=batch.pk)
    env = print_env(media, PRINT_JOB_STALL_SECONDS="3", PRINT_JOB_SWEEP_SECONDS="1")
    log = open(tmp_path / "celery.log", "w")
    purge(env, log)
    job, queued = print_jobs.start_print_job(batch_id=batch.pk, kind="sheets", origin=Origin(actor=reviewer()))
    assert queued  # on commit (transaction=True): the task is in the broker now
    worker = start(PRINT_WORKER, env, log)
    beat = None
    try:
        # Progress is written about once a second: kill once some, not all, labels are drawn.
        caught = wait_for(lambda: 0 < job_row(job.pk)["done"] < quantity, 120, (worker,))
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)
        at_kill = job_row(job.pk)
        assert caught and at_kill["state"] == "running" and at_kill["attempt"] == 1, at_kill
        assert not at_kill["file_name"]  # nothing published by the dead run

        # Restarted with beat: the stalled job is queued again and claimed as attempt 2.
        worker = start(PRINT_WORKER, env, log)
        beat = start(["beat", "-s", str(tmp_path / "beat-schedule"), "--loglevel=INFO"], env, log)
        finished = wait_for(lambda: job_row(job.pk)["state"] == "done", 180, (worker, beat))
    finally:
        if beat is not None:
            stop(beat)
        stop(worker)
        log.close()
    logs = (tmp_path / "celery.log").read_text()
    row = job_row(job.pk)
    assert finished, (row, logs[-3000:])
    assert row["attempt"] == 2 and row["done"] == row["total"] == quantity and not row["error"]

    # The file is whole: one file in storage, a complete PDF, every label in it exactly once.
    _dirs, files = default_storage.listdir(f"print/{batch.pk}")
    assert files == [os.path.basename(row["file_name"])]
    source = media / row["file_name"]
    data = source.read_bytes()
    assert data.startswith(b"%PDF-1.4") and data.rstrip().endswith(b"%%EOF")
    pages = -(-quantity // pdf.Sheet.from_settings().per_page)
    assert data.count(b"/Type /Page ") == pages
    text = subprocess.run(["pdftotext", str(source), "-"], capture_output=True, text=True, check=True).stdout
    serials = list(Label.objects.filter(batch=batch).values_list("serial", flat=True))
    assert len(serials) == len(set(serials)) == quantity  # no label generated twice
    assert all(text.count(pdf.group_serial(serial)) == 1 for serial in serials)
    assert LabelBatch.objects.get(pk=batch.pk).stage == "generated"
