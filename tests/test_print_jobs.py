"""Print jobs: started once, rendered once, whole files in storage, reprints audited, failures retried.

Celery runs eagerly here (the task runs on commit in this process); tests/test_print_worker.py runs
real workers, and tests/test_print_browser.py the whole run in chromium.
"""

import csv
import io
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from cases import pdf, print_files, qr
from cases.models import LabelBatch, PrintJob
from cases.services import print_jobs
from cases.services.batches import generate_labels
from cases.services.labels import Origin
from project.celery import app as celery_app
from tests.factories import LabelBatchFactory
from tests.factories_declarations import maker_and_model, reviewer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def eager():
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def generated_batch(quantity):
    _maker, model = maker_and_model(brand="华焰", model_number="JZT-W64")
    batch = LabelBatchFactory(
        declaration__appliance_model=model, declaration__quantity=quantity, declaration__status="approved"
    )
    generate_labels(batch_id=batch.pk)
    return LabelBatch.objects.get(pk=batch.pk)


def start(batch, kind, user, capture, **kwargs):
    with capture(execute=True):
        return print_jobs.start_print_job(batch_id=batch.pk, kind=kind, origin=Origin(actor=user), **kwargs)


def stored(job):
    with default_storage.open(job.file_name, "rb") as handle:
        return handle.read()


def test_same_file_started_twice_is_rendered_once(eager, django_capture_on_commit_callbacks):
    batch, boss = generated_batch(30), reviewer()
    job, queued = start(batch, "sheets", boss, django_capture_on_commit_callbacks)
    assert queued
    job.refresh_from_db()
    assert (job.state, job.done, job.total, job.attempt, job.started_by) == ("done", 30, 30, 1, boss)
    again, queued_again = start(batch, "sheets", boss, django_capture_on_commit_callbacks)
    assert again.pk == job.pk and not queued_again
    again.refresh_from_db()
    assert again.attempt == 1 and again.file_name == job.file_name
    data = stored(job)
    assert data.startswith(b"%PDF-1.4") and data.rstrip().endswith(b"%%EOF")
    assert len(default_storage.listdir(f"print/{batch.pk}")[1]) == 1


def test_starting_a_job_answers_without_rendering_in_a_constant_number_of_queries(django_capture_on_commit_callbacks):
    counts = []
    for quantity in (5, 400):
        batch = generated_batch(quantity)
        with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks() as callbacks:
            job, _queued = print_jobs.start_print_job(batch_id=batch.pk, kind="sheets", origin=Origin())
        counts.append(len(queries.captured_queries))
        assert len(callbacks) == 1  # the Celery task, queued after commit; nothing rendered here
        job.refresh_from_db()
        assert job.state == "queued" and not job.file_name
    assert counts[0] == counts[1]


def test_serial_list_csv_and_xlsx_match_the_batch(eager, django_capture_on_commit_callbacks):
    from openpyxl import load_workbook

    batch = generated_batch(25)
    expected = list(batch.labels.order_by("pk").values_list("serial", flat=True))
    job, _ = start(batch, "csv", reviewer(), django_capture_on_commit_callbacks)
    job.refresh_from_db()
    rows = list(csv.reader(io.StringIO(stored(job).decode("utf-8"))))
    assert rows[0] == ["serial", "serial_grouped", "url"]
    assert rows[1:] == [[s, pdf.group_serial(s), qr.label_url(s)] for s in expected]

    job, _ = start(batch, "xlsx", reviewer(), django_capture_on_commit_callbacks)
    job.refresh_from_db()
    sheet = load_workbook(io.BytesIO(stored(job)), read_only=True)["labels"]
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[1:] == [[s, pdf.group_serial(s), qr.label_url(s)] for s in expected]


def test_reprint_of_a_page_range_and_a_serial_range_is_audited(eager, django_capture_on_commit_callbacks):
    batch, boss = generated_batch(40), reviewer()
    serials = list(batch.labels.order_by("pk").values_list("serial", flat=True))
    per_page = pdf.Sheet.from_settings().per_page  # 18
    job, _ = start(batch, "sheets", boss, django_capture_on_commit_callbacks, first_page=2, last_page=2)
    assert list(print_files.labels_of(job).values_list("serial", flat=True)) == serials[per_page : 2 * per_page]
    job.refresh_from_db()
    assert job.state == "done" and job.total == per_page and "-p2-2" in job.file_name

    roll, _ = start(
        batch, "roll", boss, django_capture_on_commit_callbacks, first_serial=serials[3].lower(), last_serial=serials[6]
    )
    roll.refresh_from_db()
    assert (roll.first_serial, roll.total, roll.state) == (serials[3], 4, "done")
    assert stored(roll).count(b"/Type /Page ") == 4  # one label per page

    entries = AuditEntry.objects.filter(action="batch.reprint", object_id=str(batch.pk))
    assert entries.count() == 2 and {e.actor for e in entries} == {boss}


@pytest.mark.parametrize(
    "kwargs",
    [
        {"first_page": 3, "last_page": 4},  # 40 labels fill 3 pages
        {"first_page": 2, "last_page": 1},
        {"first_page": 1},
        {"first_serial": "0000000000000", "last_serial": "0000000000000"},
    ],
)
def test_a_range_outside_the_batch_is_refused_and_nothing_is_queued(kwargs, django_capture_on_commit_callbacks):
    from django.core.exceptions import ValidationError

    batch = generated_batch(40)
    with pytest.raises(ValidationError), django_capture_on_commit_callbacks() as callbacks:
        print_jobs.start_print_job(batch_id=batch.pk, kind="sheets", origin=Origin(), **kwargs)
    assert not callbacks and not PrintJob.objects.exists()


def test_a_failed_job_says_why_and_is_retried(eager, django_capture_on_commit_callbacks, settings, tmp_path):
    batch, boss = generated_batch(10), reviewer()
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the storage wants a folder")
    settings.MEDIA_ROOT = blocker
    job, _ = start(batch, "csv", boss, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.state == "failed" and "Error" in job.error and not job.file_name

    settings.MEDIA_ROOT = tmp_path / "media"
    with django_capture_on_commit_callbacks(execute=True):
        print_jobs.retry_print_job(job_id=job.pk, origin=Origin(actor=boss))
    job.refresh_from_db()
    assert (job.state, job.error, job.attempt) == ("done", "", 2)
    assert stored(job).count(b"\n") == 11


def test_a_run_superseded_by_a_newer_claim_publishes_nothing(django_capture_on_commit_callbacks, settings):
    batch = generated_batch(5)
    job, _ = print_jobs.start_print_job(batch_id=batch.pk, kind="csv", origin=Origin())
    # A worker claimed it and died: running, no heartbeat for longer than the stall limit.
    stale = timezone.now() - timedelta(seconds=settings.PRINT_JOB_STALL_SECONDS + 5)
    PrintJob.objects.filter(pk=job.pk).update(state="running", attempt=1, heartbeat_at=stale)
    assert print_jobs.resume_stalled_print_jobs() == [job.pk]
    name = print_jobs.run_print_job(job.pk)  # the re-queued run claims attempt 2
    job.refresh_from_db()
    assert (job.state, job.attempt, job.file_name) == ("done", 2, name)
    assert print_jobs.run_print_job(job.pk) is None  # a duplicate delivery: nothing to do


def test_progress_json_and_the_no_worker_notice(client, settings, django_capture_on_commit_callbacks):
    batch, boss = generated_batch(5), reviewer()
    job, _ = print_jobs.start_print_job(batch_id=batch.pk, kind="sheets", origin=Origin(actor=boss))
    client.force_login(boss)
    url = reverse("cases:batch_progress", args=[batch.pk])
    [row] = client.get(url).json()["jobs"]
    assert (row["state"], row["waiting_for_worker"], row["download_url"]) == ("queued", False, None)
    PrintJob.objects.filter(pk=job.pk).update(
        created_at=timezone.now() - timedelta(seconds=settings.PRINT_WORKER_WAIT_SECONDS + 1)
    )
    [row] = client.get(url).json()["jobs"]
    assert row["waiting_for_worker"] is True
    page = client.get(reverse("cases:batch_detail", args=[batch.pk])).content.decode()
    assert 'data-role="no-worker">' in page and 'src="/static/cases/print.js"' in page
    # The download is refused until the file is whole.
    assert client.get(reverse("cases:print_download", args=[job.pk])).status_code == 404
    print_jobs.run_print_job(job.pk)
    [row] = client.get(url).json()["jobs"]
    assert row["state"] == "done" and row["download_url"] == reverse("cases:print_download", args=[job.pk])
    response = client.get(row["download_url"])
    assert response.status_code == 200 and b"".join(response.streaming_content).rstrip().endswith(b"%%EOF")


def test_declaration_page_right_after_approval_shows_generation_progress_not_a_500(client, settings):
    from cases.models import Label
    from cases.services.declarations import create_declaration
    from core import serials
    from workflows.declaration import services as steps

    maker, model = maker_and_model()
    boss = reviewer()
    declaration = create_declaration(appliance_model=model, quantity=10, user=maker)
    steps.submit(declaration=declaration)
    steps.review(
        task_id=steps.open_task(declaration=declaration).pk, user=boss, decision="approve"
    )  # the generation task is never run here
    batch = LabelBatch.objects.get(declaration=declaration)
    Label.objects.bulk_create(
        [Label(serial=serials.new_serial(), batch=batch, appliance_model=model) for _ in range(3)]
    )
    for user in (boss, maker):
        client.force_login(user)
        response = client.get(reverse("declarations:detail", args=[declaration.pk]))
        page = response.content.decode()
        assert response.status_code == 200
        assert "标识正在生成中" in page and '<span id="generation-done">3</span> / 10' in page
        assert 'id="generation-no-worker" hidden' in page
    # Nothing generated long after approval: no worker takes the print queue, and the page says so.
    Label.objects.filter(batch=batch).delete()
    LabelBatch.objects.filter(pk=batch.pk).update(
        created_at=timezone.now() - timedelta(seconds=settings.PRINT_WORKER_WAIT_SECONDS + 1)
    )
    page = client.get(reverse("declarations:detail", args=[declaration.pk])).content.decode()
    assert 'id="generation-no-worker">' in page
    assert client.get(reverse("cases:batch_progress", args=[batch.pk])).json()["generation"] == {
        "generated": 0,
        "quantity": 10,
        "generating": True,
        "waiting_for_worker": True,
    }


def test_health_turns_red_while_a_print_job_is_stuck(settings):
    from django.test import Client

    from tests.test_health import all_report_in

    batch = generated_batch(5)
    job, _ = print_jobs.start_print_job(batch_id=batch.pk, kind="csv", origin=Origin())
    all_report_in()
    assert Client().get("/health/").json()["checks"]["PrintJobsNotStuck()"] == "OK"
    # Running, but its worker stopped sending progress three stall periods ago (and no sweep took it over).
    stale = timezone.now() - timedelta(seconds=3 * settings.PRINT_JOB_STALL_SECONDS + 1)
    PrintJob.objects.filter(pk=job.pk).update(state="running", heartbeat_at=stale)
    response = Client().get("/health/")
    assert response.status_code == 503 and "print job is stuck" in response.json()["checks"]["PrintJobsNotStuck()"]
    print_jobs.run_print_job(job.pk)  # the resume sweep's new attempt finishes it
    assert Client().get("/health/").json()["checks"]["PrintJobsNotStuck()"] == "OK"


def test_serial_list_of_a_digital_link_model_carries_the_urls_its_qr_codes_carry(
    eager, django_capture_on_commit_callbacks
):
    from core import digital_link

    batch = generated_batch(3)
    model = batch.appliance_model
    model.gtin, model.digital_link = "6901234567892", True
    model.save(update_fields=["gtin", "digital_link"])
    job, _ = start(batch, "csv", reviewer(), django_capture_on_commit_callbacks)
    job.refresh_from_db()
    rows = list(csv.reader(io.StringIO(stored(job).decode("utf-8"))))[1:]
    gtin = digital_link.label_gtin(model)
    assert gtin and all(url == qr.label_url(serial, gtin) and "/01/" in url for serial, _grouped, url in rows)


def test_batch_page_lists_each_file_with_who_started_it(client, django_capture_on_commit_callbacks):
    batch, boss = generated_batch(5), reviewer(first_name="", last_name="", username="printer-lin")
    print_jobs.start_print_job(batch_id=batch.pk, kind="roll", origin=Origin(actor=boss))
    client.force_login(boss)
    page = client.get(reverse("cases:batch_detail", args=[batch.pk])).content.decode()
    assert f"labels-batch-{batch.pk}-roll.pdf · printer-lin" in page
