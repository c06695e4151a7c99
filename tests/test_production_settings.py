"""Production configuration: storage and SMTP from the environment, every task limited in time and routed to
one of the four queues, and a warning when QR codes would point at a loopback address."""

import logging
import os
import re
import subprocess
import sys
from pathlib import Path

from celery import current_app
from celery.signals import worker_ready
from django.conf import settings
from django.core import checks

from ops.public_url import is_loopback, warn_if_loopback
from project import env

ROOT = Path(__file__).resolve().parent.parent


def test_storage_is_the_filesystem_unless_a_bucket_is_named():
    assert env.default_storage({}) == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    s3 = env.default_storage(
        {
            "AWS_STORAGE_BUCKET_NAME": "gaslabel-docs",
            "AWS_S3_ENDPOINT_URL": "https://oss-cn-shenzhen.aliyuncs.com",
            "AWS_S3_REGION_NAME": "cn-shenzhen",
            "AWS_LOCATION": "/prod/",
        }
    )
    assert s3["BACKEND"] == "storages.backends.s3.S3Storage"
    options = s3["OPTIONS"]
    assert options["bucket_name"] == "gaslabel-docs"
    assert options["endpoint_url"] == "https://oss-cn-shenzhen.aliyuncs.com"
    assert options["location"] == "prod"
    assert options["default_acl"] is None and options["file_overwrite"] is False
    assert "access_key" not in options  # the machine's role, when no key is given


def settings_in_subprocess(extra_env, expression):
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("EMAIL_", "PORT"))}
    environ.update(extra_env)
    script = f"import django; django.setup(); from django.conf import settings as s; print(repr({expression}))"
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=environ, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return eval(result.stdout.strip().splitlines()[-1])  # noqa: S307  (our own repr of plain values)


def test_smtp_from_the_environment():
    smtp = settings_in_subprocess(
        {
            "DJANGO_SETTINGS_MODULE": "project.settings",
            "EMAIL_HOST": "smtp.example.org",
            "EMAIL_PORT": "587",
            "EMAIL_HOST_USER": "gaslabel",
            "EMAIL_HOST_PASSWORD": "s3cret",
            "EMAIL_USE_TLS": "true",
        },
        "(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_HOST_USER, s.EMAIL_HOST_PASSWORD, s.EMAIL_USE_TLS)",
    )
    assert smtp == ("django.core.mail.backends.smtp.EmailBackend", "smtp.example.org", 587, "gaslabel", "s3cret", True)
    default = settings_in_subprocess({"DJANGO_SETTINGS_MODULE": "project.settings"}, "s.EMAIL_BACKEND")
    assert default == "django.core.mail.backends.console.EmailBackend"


def test_every_task_has_a_time_limit_and_a_known_queue():
    current_app.loader.import_default_modules()
    ours = {name: task for name, task in current_app.tasks.items() if not name.startswith("celery.")}
    assert "remediation.tasks.sweep_deadlines" in ours and "ops.tasks.queue_heartbeat" in ours
    for name, task in ours.items():
        soft = task.soft_time_limit or settings.CELERY_TASK_SOFT_TIME_LIMIT
        hard = task.time_limit or settings.CELERY_TASK_TIME_LIMIT
        assert soft and hard and soft < hard, name
        queue = settings.CELERY_TASK_ROUTES.get(name, {}).get("queue") or getattr(task, "queue", None) or "celery"
        assert queue in settings.CELERY_QUEUE_NAMES, name
        if getattr(task, "queue", None):  # a decorator's queue= (deprecated by Celery) must agree with the table
            assert settings.CELERY_TASK_ROUTES.get(name) == {"queue": task.queue}, name
    # A renamed task must not silently fall back to the default queue.
    assert set(settings.CELERY_TASK_ROUTES) <= set(ours), set(settings.CELERY_TASK_ROUTES) - set(ours)
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled <= set(ours), scheduled - set(ours)
    assert settings.CELERY_TASK_ROUTES["remediation.tasks.sweep_deadlines"] == {"queue": "sweep"}
    assert settings.CELERY_TASK_ROUTES["remediation.tasks.deliver_notifications"] == {"queue": "notify"}
    assert settings.CELERY_TASK_ROUTES["cases.tasks.generate_batch_labels"] == {"queue": "print"}


def test_every_queue_gets_a_heartbeat_from_beat():
    entries = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "ops.tasks.queue_heartbeat"]
    assert sorted(e["options"]["queue"] for e in entries) == sorted(settings.CELERY_QUEUE_NAMES)
    assert all(e["args"] == (e["options"]["queue"],) for e in entries)


def test_procfile_workers_consume_every_queue_and_web_takes_port():
    lines = dict(line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line.strip())
    consumed = set()
    for command in lines.values():
        if " worker " in command:
            consumed |= set(command.split("--queues ")[1].split()[0].split(","))
    assert consumed == set(settings.CELERY_QUEUE_NAMES)
    assert "${PORT:-8000}" in lines["web"]
    assert sum(" beat " in command for command in lines.values()) == 1


def test_loopback_public_base_url_is_warned_about(settings, caplog):
    assert is_loopback("http://127.0.0.1:8000") and is_loopback("http://localhost:8080")
    assert is_loopback("http://[::1]:8000") and not is_loopback("https://gas.example.org")
    assert not is_loopback("http://10.0.0.5")
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8000"
    warnings = [m for m in checks.run_checks() if m.id == "gaslabel.W001"]
    assert len(warnings) == 1 and "127.0.0.1:8000" in warnings[0].msg
    with caplog.at_level(logging.WARNING, logger="ops.public_url"):
        assert warn_if_loopback("batch B1")
    assert "batch B1" in caplog.text and "PUBLIC_BASE_URL=http://127.0.0.1:8000" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="ops.public_url"):
        worker_ready.send(sender=None)  # what a Celery worker sends once it consumes
    assert "labels made by this worker" in caplog.text
    settings.PUBLIC_BASE_URL = "https://gas.example.org"
    assert not [m for m in checks.run_checks() if m.id == "gaslabel.W001"]
    assert not warn_if_loopback("batch B1")


def pins(path):
    """{name: version} of the `name==version` lines of a requirements or lock file (extras dropped)."""
    found = {}
    for line in path.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==([^\s;\\#]+)", line)
        if match:
            found[re.sub(r"[-_.]+", "-", match.group(1)).lower()] = match.group(2)
    return found


def test_the_lock_files_hold_every_direct_pin_with_its_version():
    # make run and CI install from the locks only: a pin added to requirements*.txt needs `make lock`.
    runtime, dev = pins(ROOT / "requirements.lock"), pins(ROOT / "requirements-dev.lock")
    for name, version in pins(ROOT / "requirements.txt").items():
        assert runtime.get(name) == version, f"{name}=={version} is not in requirements.lock: run `make lock`"
    for name, version in pins(ROOT / "requirements-dev.txt").items():
        assert dev.get(name) == version, f"{name}=={version} is not in requirements-dev.lock: run `make lock`"
    assert {name: dev[name] for name in runtime} == runtime  # the same version of everything make run installs
    assert "--hash=sha256:" in (ROOT / "requirements.lock").read_text()
