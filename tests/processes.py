"""Real processes for integration tests: a Celery worker or beat on the test database, a free port, waiting.

One place for what the worker, fault, print and rehearsal tests each need, so a change (a new queue, a
shutdown rule) is made once.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

BASE_DIR = Path(__file__).resolve().parent.parent
# A worker started by a test consumes every queue (settings.CELERY_TASK_ROUTES sends the sweep to `sweep`,
# e-mail/SMS to `notify`, label generation and print files to `print`).
ALL_QUEUES = ",".join(settings.CELERY_QUEUE_NAMES)


def database_url_of_test_db() -> str:
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def celery_env(**extra: str) -> dict[str, str]:
    """The environment of a Celery process on the test database and this run's Redis broker."""
    broker = settings.CELERY_BROKER_URL
    if not broker.startswith("redis://"):
        pytest.fail("tests with a real Celery worker need CELERY_BROKER_URL=redis://… (a Redis db of their own)")
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "project.settings",
        "DATABASE_URL": database_url_of_test_db(),
        "CELERY_BROKER_URL": broker,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        **extra,
    }


def start(args: list[str], env: dict[str, str], log) -> subprocess.Popen:
    """`celery -A project <args>` in its own process group (so stop() takes its children too)."""
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "project", *args],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


def wait_for(condition, seconds: float, procs=()) -> bool:
    """Poll `condition` until it holds or `seconds` pass; fails at once if one of `procs` died."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        assert all(p.poll() is None for p in procs), "a process the test started died"
        time.sleep(0.2)
    return condition()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
