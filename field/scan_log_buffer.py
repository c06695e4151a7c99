"""Scan-log rows batched per web process, so the resident never waits for the row (issue 19).

A scan used to pay its own INSERT round trip (and PostgreSQL a statement and a commit per row). Here the row is
appended to this process's buffer and the answer goes out at once; a background thread of the same process writes
the buffer as one COPY when it holds SCAN_LOG_BATCH rows or its oldest row is SCAN_LOG_FLUSH_SECONDS old, in a
normal (durable) commit. A graceful stop (deploy, gunicorn's max-requests, Ctrl-C) writes what is left at exit.

What a fault can cost, on purpose: a process killed outright (SIGKILL, out of memory, the machine) loses its
unwritten rows, at most about SCAN_LOG_FLUSH_SECONDS of its scans. It can never change an answer: the answer is
read before the row exists and nothing reads the row to answer. A scan log is evidence and statistics (clone
signals, the dashboards), which tolerate that loss; no other write goes this way. While the database refuses the
batch the rows are kept and tried again each period, up to MAX_ROWS (then the oldest are dropped, loudly): the
page keeps answering from the same database's reads or not at all, so this only bites in a partial outage.

SCAN_LOG_BATCH=0 writes each row in the request instead (field/scan_sql.py, commit without waiting for the disk):
the default on SQLite, whose one writer a second thread would only contend with, and in the test suite.
"""

import atexit
import logging
import os
import threading
import time

from django.conf import settings
from django.db import connection, transaction

from .scan_sql import LOG_FIELDS, copy_scan_logs, insert_scan_log

logger = logging.getLogger(__name__)
MAX_ROWS = 100_000  # about 20 MB of rows: a long outage must not take the web process's memory with it


class _Buffer:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.rows: list[tuple] = []
        self.oldest = 0.0  # monotonic time of the oldest row waiting
        self.wake = threading.Event()
        self.pid = 0  # the process whose thread writes this buffer (a forked child starts its own)

    def add(self, row: tuple, *, batch: int) -> None:
        with self.lock:
            if self.pid != os.getpid():
                self._start()
            if not self.rows:
                self.oldest = time.monotonic()
            self.rows.append(row)
            full = len(self.rows) >= batch
        if full:
            self.wake.set()

    def _start(self) -> None:
        self.pid = os.getpid()
        self.rows, self.wake = [], threading.Event()  # a fork copies the parent's rows: they are the parent's to write
        threading.Thread(target=self._run, name="scan-log-writer", daemon=True).start()

    def _run(self) -> None:
        period = float(settings.SCAN_LOG_FLUSH_SECONDS)
        while True:
            self.wake.wait(timeout=period / 2)
            self.wake.clear()
            with self.lock:
                due = self.rows and (
                    len(self.rows) >= settings.SCAN_LOG_BATCH or time.monotonic() - self.oldest >= period
                )
            if due:
                self.flush()
            elif not self.rows:
                connection.close()  # idle: hold no database connection (a no-op when none is open)

    def take(self) -> list[tuple]:
        with self.lock:
            rows, self.rows = self.rows, []
            return rows

    def flush(self) -> int:
        """Write every waiting row now (one COPY, one commit); returns how many were written."""
        rows = self.take()
        if not rows:
            return 0
        try:
            with transaction.atomic():
                copy_scan_logs(rows)
        except Exception:
            connection.close()  # a connection the server closed is replaced on the next try
            self._give_back(rows)
            logger.warning("scan log: %d rows not written yet; trying again", len(rows), exc_info=True)
            return 0
        return len(rows)

    def _give_back(self, rows: list[tuple]) -> None:
        with self.lock:
            self.rows[:0] = rows
            self.oldest = time.monotonic()
            if len(self.rows) > MAX_ROWS:
                dropped = len(self.rows) - MAX_ROWS
                del self.rows[:dropped]
                logger.error("scan log: %d oldest rows dropped, the database refused them too long", dropped)


_buffer = _Buffer()


def record(values: dict) -> None:
    """Log one scan: into the buffer when batching (PostgreSQL, SCAN_LOG_BATCH > 0), else written now."""
    batch = settings.SCAN_LOG_BATCH
    if batch <= 0 or connection.vendor != "postgresql" or connection.in_atomic_block:
        # Inside an outer transaction the row belongs to it (and must not outlive its rollback).
        insert_scan_log(**values)
        return
    _buffer.add(tuple(values[name] for name in LOG_FIELDS), batch=batch)


def flush() -> int:
    """Write this process's waiting rows now (at exit; tests)."""
    return _buffer.flush()


def waiting() -> int:
    with _buffer.lock:
        return len(_buffer.rows)


@atexit.register
def _flush_at_exit() -> None:
    if _buffer.pid == os.getpid() and waiting():
        flushed = flush()
        logger.info("scan log: %d rows written at exit", flushed)
