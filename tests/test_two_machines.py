"""Two-machine rehearsal: web and worker as separate processes, each with its own working directory and its own
MEDIA_ROOT (so nothing can pass through a local disk), sharing only PostgreSQL (as the app's restricted role),
Redis and a local S3-compatible server. Over HTTP a manufacturer declares with a certificate, a reviewer reads the
certificate back, approves, the worker generates the labels and then the print file the reviewer asks for, the
reviewer downloads that label PDF and its QR codes decode; an installer reports a problem over the API, the deadline passes, and the worker escalates the case and
sends the e-mail. Then /health/ goes red when the worker, and then beat, stop, and green again when they are back.
"""

import os
import re
import secrets
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from cases.models import Document, LabelBatch, PrintJob
from remediation.models import Deadline, Escalation, Notification
from tests.factories_declarations import PDF_BYTES, maker_and_model
from tests.factories_remediation import make_city, sold_label
from tests.processes import free_port
from tests.s3_server import s3_server  # noqa: F401  (fixture)

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BASE_DIR = Path(__file__).resolve().parent.parent
PASSWORD = "rehearsal-pass-2026"
PUBLIC = "http://gaslabel.rehearsal.example"
QUEUES = ",".join(settings.CELERY_QUEUE_NAMES)


@pytest.fixture
def app_role():
    """The restricted role web and worker connect as (manage.py setup_db_roles), dropped afterwards."""
    name, password = f"gl_rehearsal_{uuid.uuid4().hex[:12]}", secrets.token_urlsafe(16)
    os.environ["GASLABEL_APP_DB_PASSWORD"] = password
    try:
        call_command("setup_db_roles", app_role=name)
    finally:
        del os.environ["GASLABEL_APP_DB_PASSWORD"]
    db = settings.DATABASES["default"]
    yield f"postgres://{name}:{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    with connection.cursor() as cursor:
        # Its connections first: gunicorn/celery are stopped, but a pooled connection may linger a moment.
        cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", [name])
        cursor.execute(f'DROP OWNED BY "{name}"')
        cursor.execute(f'DROP ROLE "{name}"')


class Machine:
    """One process of one "machine": its own working directory, MEDIA_ROOT and log."""

    def __init__(self, name, root, env, args):
        self.name, self.args = name, args
        self.home = root / name
        (self.home / "media").mkdir(parents=True, exist_ok=True)
        self.env = {**env, "MEDIA_ROOT": str(self.home / "media")}
        self.log_path = self.home / "process.log"
        self.proc = None

    def start(self):
        log = open(self.log_path, "a")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", *self.args],
            cwd=self.home,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)

    def log(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def wait_for(what, condition, seconds, machines):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        for machine in machines:
            assert machine.proc.poll() is None, f"{machine.name} died:\n{machine.log()[-3000:]}"
        time.sleep(0.3)
    logs = "\n".join(f"--- {m.name}\n{m.log()[-2500:]}" for m in machines)
    raise AssertionError(f"timed out waiting for {what}\n{logs}")


def with_password(*users):
    # The web process hashes with Django's default (PBKDF2); the test suite's MD5 is not in its list.
    for user in users:
        user.password = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt())
        user.save(update_fields=["password"])


def signed_in(base, username):
    session = requests.Session()
    session.get(f"{base}/accounts/login/", timeout=30).raise_for_status()
    response = session.post(
        f"{base}/accounts/login/",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 302, response.text[:500]
    return session


def post_form(session, url, data, files=None):
    data = {**data, "csrfmiddlewaretoken": session.cookies["csrftoken"]}
    return session.post(url, data=data, files=files, allow_redirects=False, timeout=60)


def health(base):
    response = requests.get(f"{base}/health/", timeout=30)
    return response.status_code, response.json()["checks"]


def failing(checks):
    return sorted(name for name, value in checks.items() if value != "OK")


def test_web_and_worker_on_separate_machines(tmp_path, s3_server, app_role):  # noqa: F811
    broker = settings.CELERY_BROKER_URL
    if not broker.startswith("redis://") or not os.environ.get("CACHE_URL", "").startswith("redis://"):
        pytest.fail("the rehearsal needs CELERY_BROKER_URL=redis://… and CACHE_URL=redis://… (Redis dbs of its own)")
    city = make_city()
    maker, model = maker_and_model()
    with_password(maker, city.reviewer, city.installer)
    sold = sold_label(city)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    common = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "MEDIA_ROOT", "AWS_", "PYTEST"))},
        **s3_server.env,
        "DJANGO_SETTINGS_MODULE": "project.settings",
        "PYTHONPATH": str(BASE_DIR),
        "DATABASE_URL": app_role,
        "CELERY_BROKER_URL": broker,
        "CACHE_URL": os.environ["CACHE_URL"],
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "PUBLIC_BASE_URL": PUBLIC,
        "SLA_SWEEP_SECONDS": "1",
        "HEALTH_HEARTBEAT_SECONDS": "1",
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "LABEL_PDF_WORKERS": "1",
        "LOG_LEVEL": "INFO",
    }
    web = Machine("web", tmp_path, common, ["gunicorn", "project.wsgi", "--bind", f"127.0.0.1:{port}", "-w", "2"])
    worker_args = ["celery", "-A", "project", "worker", "--pool=solo", "--without-gossip", "--without-mingle"]
    worker = Machine("worker", tmp_path, common, [*worker_args, f"--queues={QUEUES}", "--purge", "-l", "INFO"])
    beat = Machine("beat", tmp_path, common, ["celery", "-A", "project", "beat", "-s", "beat-schedule", "-l", "INFO"])
    machines = [web, worker, beat]
    for machine in machines:
        machine.start()
    try:
        wait_for("the web to answer", lambda: _answers(base), 60, machines)

        # --- a declaration, with its certificate, from the manufacturer ---------------------------------
        manufacturer = signed_in(base, maker.username)
        response = post_form(
            manufacturer,
            f"{base}/declarations/new/",
            {"appliance_model": model.pk, "quantity": 6},
            files={"ccc_file": ("ccc.pdf", PDF_BYTES, "application/pdf")},
        )
        assert response.status_code == 302, response.text[:1000]
        declaration_id = int(re.search(r"/declarations/(\d+)/", response.headers["Location"]).group(1))
        stored = [key for key in s3_server.keys() if key.startswith("documents/")]
        assert len(stored) == 1 and s3_server.read(stored[0]) == PDF_BYTES
        assert not any((tmp_path / "web" / "media").iterdir())  # the web machine's disk holds nothing

        # --- the reviewer reads it back through the web, from the bucket, and approves -------------------
        reviewer = signed_in(base, city.reviewer.username)
        document = Document.objects.get(declaration_id=declaration_id)
        assert document.file.name == stored[0]
        assert reviewer.get(f"{base}/backoffice/documents/{document.pk}/", timeout=30).content == PDF_BYTES
        response = post_form(
            reviewer, f"{base}/declarations/{declaration_id}/review/", {"decision": "approve", "comment": ""}
        )
        assert response.status_code == 302, response.text[:1000]

        # --- the worker generates the labels; the reviewer downloads the print file -------------------
        batch = wait_for(
            "the worker to generate the labels",
            lambda: (
                LabelBatch.objects.filter(declaration_id=declaration_id)
                .exclude(stage=LabelBatch.Stage.GENERATING)
                .first()
            ),
            90,
            machines,
        )
        assert batch.labels.count() == 6
        response = post_form(reviewer, f"{base}/backoffice/batches/{batch.pk}/print/", {"kind": "sheets"})
        assert response.status_code == 302, response.text[:1000]
        job = wait_for(
            "the worker to make the print file",
            lambda: PrintJob.objects.filter(batch=batch, state=PrintJob.State.DONE).first(),
            90,
            machines,
        )
        assert job.file_name in s3_server.keys()  # made on the worker machine, kept in the bucket
        response = reviewer.get(f"{base}/backoffice/print-jobs/{job.pk}/file", timeout=120)
        assert response.status_code == 200 and response.headers["Content-Type"] == "application/pdf"
        decoded = _qr_codes(response.content, tmp_path)
        assert decoded == {f"{PUBLIC}/q/{serial}".upper() for serial in batch.labels.values_list("serial", flat=True)}

        # --- an installer reports a problem over the API; the deadline passes; the worker escalates ------
        token = requests.post(
            f"{base}/api/v1/auth/token/", json={"username": city.installer.username, "password": PASSWORD}, timeout=30
        ).json()["token"]
        response = requests.post(
            f"{base}/api/v1/reports/",
            json={"kind": "label_mismatch", "serial": sold.serial, "resident_phone": "13812345678"},
            headers={"Authorization": f"Token {token}"},
            timeout=30,
        )
        assert response.status_code == 201, response.text[:500]
        case_id = response.json()["id"]
        Deadline.objects.filter(case_id=case_id, step="contact").update(due_at=timezone.now() - timedelta(minutes=1))
        wait_for(
            "the escalation and its e-mail",
            lambda: (
                Escalation.objects.filter(case_id=case_id, level="association").exists()
                and Notification.objects.filter(
                    escalation__case_id=case_id, channel="email", recipient=city.reviewer, sent_at__isnull=False
                ).exists()
            ),
            60,
            machines,
        )
        assert Escalation.objects.filter(case_id=case_id).count() == 1
        assert city.reviewer.email in worker.log()  # the worker machine sent it (console backend)

        # --- health: green, red without a worker, green again, red without beat, green again -----------
        wait_for("/health/ to be green", lambda: health(base)[0] == 200, 30, machines)
        everything_behind_workers = {"DeadlineSweep()"} | {
            f"QueueConsumed(queue='{q}')" for q in settings.CELERY_QUEUE_NAMES
        }
        worker.stop()
        checks = wait_for(
            "/health/ to see the worker gone", lambda: _red(base, everything_behind_workers), 30, [web, beat]
        )
        assert set(failing(checks)) == everything_behind_workers  # database, cache, storage, broker still fine
        worker.start()
        wait_for("/health/ to be green with the worker back", lambda: health(base)[0] == 200, 60, machines)
        beat.stop()
        checks = wait_for("/health/ to see beat gone", lambda: _red(base, everything_behind_workers), 30, [web, worker])
        assert set(failing(checks)) == everything_behind_workers
        beat.start()
        wait_for("/health/ to be green with beat back", lambda: health(base)[0] == 200, 60, machines)
    finally:
        for machine in reversed(machines):
            machine.stop()
    assert not any((tmp_path / "worker" / "media").iterdir())  # the worker wrote nothing locally either


def _answers(base):
    try:
        return requests.get(f"{base}/health/web/", timeout=20).status_code == 200
    except requests.RequestException:  # not listening yet, or still importing
        return False


def _red(base, expected):
    """The checks once /health/ answers 503 with every one of `expected` failing (they go stale one by one)."""
    status, checks = health(base)
    return checks if status == 503 and expected <= set(failing(checks)) else None


def _qr_codes(pdf_bytes, tmp_path):
    import zxingcpp
    from PIL import Image

    source = tmp_path / "labels.pdf"
    source.write_bytes(pdf_bytes)
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(source), str(tmp_path / "page")], check=True, timeout=120)
    found = set()
    for page in sorted(tmp_path.glob("page*.png")):
        for result in zxingcpp.read_barcodes(Image.open(page), formats=zxingcpp.BarcodeFormat.QRCode):
            found.add(result.text.upper())
    return found
