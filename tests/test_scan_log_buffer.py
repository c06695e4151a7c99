"""Scan-log rows batched per web process (field/scan_log_buffer.py), on PostgreSQL with the real writer thread.

The scan answers before its row exists; the writer thread writes a full batch at once and a partial one after
SCAN_LOG_FLUSH_SECONDS; a gunicorn worker stopped gracefully writes what it holds; inside a transaction the row
is written at once (it must share that transaction's fate).
"""

import signal

import pytest
from django.db import connection, transaction

from field import scan_log_buffer
from field.models import ScanLog
from field.services.scans import record_scan
from tests.factories_field import label_for, qualified
from tests.processes import stop
from tests.test_fault_processes import get, start_gunicorn, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def needs_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://... to run it")
    scan_log_buffer.flush()  # nothing from an earlier test
    yield
    scan_log_buffer.flush()


def logged(serial):
    return ScanLog.objects.filter(code=serial).count()


def test_scan_answers_before_its_row_and_the_writer_brings_it_within_the_period(client, settings):
    settings.SCAN_LOG_BATCH, settings.SCAN_LOG_FLUSH_SECONDS = 1000, 1
    label = label_for(qualified("installer"), state="sold")
    for _ in range(3):
        assert client.get(f"/q/{label.serial}", HTTP_USER_AGENT="Mozilla/5.0 (iPhone) Mobile").status_code == 200
    assert logged(label.serial) + scan_log_buffer.waiting() == 3  # none lost, none written twice, whatever the timing
    assert wait_until(lambda: logged(label.serial) == 3, seconds=5)
    row = ScanLog.objects.filter(code=label.serial).first()
    assert (row.label_id, row.verdict, row.device, row.network) == (label.pk, "genuine", "mobile", "127.0.0.0/24")
    # Idle, the writer holds no connection (else the test database could not even be dropped after the run).
    assert wait_until(lambda: other_sessions() == 0, seconds=5)


def other_sessions():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def test_a_full_batch_is_written_without_waiting_for_the_period(client, settings):
    settings.SCAN_LOG_BATCH, settings.SCAN_LOG_FLUSH_SECONDS = 4, 60
    label = label_for(qualified("installer"), state="sold")
    for _ in range(4):
        client.get(f"/api/v1/scan/{label.serial}/")
    assert wait_until(lambda: logged(label.serial) == 4, seconds=5)  # far sooner than the 60 s period
    assert set(ScanLog.objects.filter(code=label.serial).values_list("channel", flat=True)) == {"api"}


def test_inside_a_transaction_the_row_is_written_at_once_and_rolls_back_with_it(rf, settings):
    settings.SCAN_LOG_BATCH = 1000
    request = rf.get("/q/x")
    with transaction.atomic():
        record_scan(request, code="INSIDE", verdict="unknown")
        assert logged("INSIDE") == 1 and scan_log_buffer.waiting() == 0
        transaction.set_rollback(True)
    assert logged("INSIDE") == 0


def test_gunicorn_worker_stopped_gracefully_writes_the_rows_it_holds(tmp_path):
    label = label_for(qualified("installer"), state="sold")
    # A period and a batch no test run reaches: only the exit can write these rows.
    proc, base = start_gunicorn(tmp_path, CACHE_URL="", SCAN_LOG_BATCH="1000", SCAN_LOG_FLUSH_SECONDS="600")
    try:
        for _ in range(6):
            assert get(f"{base}/q/{label.serial}")[0] == 200
        assert logged(label.serial) == 0  # held by the workers
        proc.send_signal(signal.SIGTERM)  # what a deploy or Ctrl-C sends: workers finish and exit
        proc.wait(timeout=30)
    finally:
        stop(proc)
    assert logged(label.serial) == 6
    assert "rows written at exit" in (tmp_path / "gunicorn.log").read_text()
