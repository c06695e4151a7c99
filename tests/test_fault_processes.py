"""Faults with real processes: gunicorn serving the PostgreSQL test database, a Redis cache of the test's own.

- Every PostgreSQL connection of the test database is terminated server-side between two requests (as a database
  restart or failover does): the next requests are answered normally (CONN_HEALTH_CHECKS, the scan's own retry),
  a write made then is recorded exactly once, and the batched scan-log rows all arrive, none twice.
- The cache server is stopped: the scan page and the scan API still answer (the rate limiter fails open, with a
  warning in the log).

pg_terminate_backend is filtered on this test database's name only: other people share the PostgreSQL server.
"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from field.models import Booking, ScanLog
from tests.factories_field import label_for, qualified, verified_code
from tests.processes import database_url_of_test_db, free_port, stop

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def wait_until(condition, seconds=20.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def get(url, data=None, headers=None):
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def start_gunicorn(tmp_path, **env):
    port = free_port()
    log = open(tmp_path / "gunicorn.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "project.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2", "--log-level=info"],
        cwd=settings.BASE_DIR,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "project.settings",
            "DATABASE_URL": database_url_of_test_db(),
            "FIELD_SCAN_RATE": "100000/m",
            "LOG_LEVEL": "INFO",
            **env,
        },
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    assert wait_until(lambda: proc.poll() is None and _answers(base)), (tmp_path / "gunicorn.log").read_text()
    return proc, base


def _answers(base):
    try:
        return get(base + "/")[0] == 200
    except OSError:
        return False


def terminate_backends() -> int:
    """Kill every other connection to THIS test database (never another engineer's: filtered by datname)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def test_connections_terminated_between_requests_cost_no_request(tmp_path):
    label = label_for(qualified("installer"), state="sold")
    company = label.appliance_model.designated_installers.get()
    proc, base = start_gunicorn(tmp_path, CACHE_URL="")
    try:
        # Warm both workers: each now holds a persistent connection (CONN_MAX_AGE=60).
        for _ in range(8):
            assert get(f"{base}/q/{label.serial}")[0] == 200
        assert terminate_backends() >= 1
        statuses = [get(f"{base}/q/{label.serial}")[0] for _ in range(8)]
        assert statuses == [200] * 8, (tmp_path / "gunicorn.log").read_text()[-3000:]
        # A write right after another termination: answered, and recorded exactly once.
        terminate_backends()
        tomorrow = timezone.localdate() + timedelta(days=1)
        body = json.dumps(
            {
                "kind": "installation",
                "company": company.pk,
                "phone": "13912345678",
                "sms_code": verified_code("13912345678"),
                "district": "futian",
                "preferred_date": str(tomorrow),
            }
        ).encode()
        status, text = get(f"{base}/api/v1/labels/{label.serial}/bookings/", body, {"Content-Type": "application/json"})
        assert status == 201, text
        assert Booking.objects.filter(label=label).count() == 1
        # The workers batch their scan-log rows (field/scan_log_buffer.py); their writer threads' connections were
        # terminated too, and the rows still arrive, each once.
        assert wait_until(lambda: ScanLog.objects.filter(code=label.serial).count() >= 16)
    finally:
        stop(proc)
    assert ScanLog.objects.filter(code=label.serial).count() == 16
    assert "Internal Server Error" not in (tmp_path / "gunicorn.log").read_text()


def test_cache_server_stopped_the_scan_page_still_answers(tmp_path):
    label = label_for(qualified("installer"), state="activated")
    port = free_port()
    redis = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    proc = None
    try:
        assert wait_until(lambda: socket.socket().connect_ex(("127.0.0.1", port)) == 0)
        proc, base = start_gunicorn(tmp_path, CACHE_URL=f"redis://127.0.0.1:{port}/0", FIELD_SCAN_RATE="1000/m")
        assert get(f"{base}/q/{label.serial}")[0] == 200
        stop(redis)  # the cache goes away
        page = get(f"{base}/q/{label.serial}")
        api = get(f"{base}/api/v1/scan/{label.serial}/")
        assert page[0] == 200 and label.serial in page[1]
        assert api[0] == 200 and '"genuine":true' in api[1]
    finally:
        if proc is not None:
            stop(proc)
        stop(redis)
    log = (tmp_path / "gunicorn.log").read_text()
    assert "rate limit public-lookup not applied: the cache is unreachable" in log
    assert "Internal Server Error" not in log
