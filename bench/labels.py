#!/usr/bin/env python
"""The print run at scale: allocate + render a batch as the print job does, memory, start and activation times.

    python bench/labels.py                        # 10 000 then 100 000 labels, temporary SQLite database
    python bench/labels.py --counts 2000 20000    # smaller run
    python bench/labels.py --no-pdf --counts 100000   # allocation, job start and activation only
    DATABASE_URL=postgres://... python bench/labels.py   # activation is judged on PostgreSQL

For each size it prints, measured in this one run on this machine:
- the raw segno encode rate (label payloads, level Q, one core): the ceiling the issue compares against;
- allocate (generate_labels) + render the A4 PDF through the print job (cases.services.print_jobs.run_print_job,
  into Django's storage), in labels/s, and its ratio to the segno rate (goal: at least 0.5);
- peak RSS of this process after each size (goal: the same for 10 000 and 100 000 labels) and of the QR
  worker processes;
- how long starting a print job takes (goal: under 200 ms whatever the size);
- printing and activating the whole batch: queries, seconds and the ratio to the goal (constant queries, under
  2 s on PostgreSQL: ratio ≤ 1.00), and on PostgreSQL how many label updates were HOT (all, when nothing
  indexes the label's state and the pages have room for both moves: cases migrations 0006 and 0008) and how
  many log rows the move wrote (one LabelBatchTransition row per move, none per label: cases migration 0007).

On PostgreSQL use a database of your own (it is migrated and keeps its rows), e.g.
    createdb gl_bench_labels && DATABASE_URL=postgres://postgres@127.0.0.1:5432/gl_bench_labels \
        python bench/labels.py --no-pdf --counts 100000
"""

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django(tmpdir):
    if "DATABASE_URL" not in os.environ:
        os.environ["DATABASE_URL"] = f"sqlite:///{tmpdir}/bench.sqlite3"
    os.environ.setdefault("CELERY_BROKER_URL", "memory://")  # the job is run here, as the worker would
    os.environ["MEDIA_ROOT"] = str(Path(tmpdir) / "media")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def make_batch(count):
    from decimal import Decimal

    from accounts.models import Organization
    from cases.models import ApplianceModel, Declaration, LabelBatch

    maker, _ = Organization.objects.get_or_create(
        name="基准测试燃具企业", defaults={"kind": Organization.Kind.MANUFACTURER}
    )
    model, _ = ApplianceModel.objects.get_or_create(
        manufacturer=maker,
        brand="华焰",
        model_number=f"BENCH-{time.time_ns()}",
        defaults={"category": "cooktop", "gas_category": "12T", "rated_heat_input_kw": Decimal("4.2")},
    )
    declaration = Declaration.objects.create(appliance_model=model, quantity=count, status=Declaration.Status.APPROVED)
    return LabelBatch.objects.create(declaration=declaration, appliance_model=model, quantity=count)


def segno_rate(sample=600):
    """Raw segno encodes per second of the labels' QR payloads (level Q, best mask) on one core."""
    import segno

    from cases import qr
    from core import serials

    payloads = [qr.label_qr_text(serials.new_serial()) for _ in range(sample)]
    start = time.perf_counter()
    for payload in payloads:
        segno.make_qr(payload, error="q", boost_error=False)
    return sample / (time.perf_counter() - start)


def peak_mb(who=resource.RUSAGE_SELF):
    return resource.getrusage(who).ru_maxrss / 1024


def run_size(count, raw, render=True):
    from django.conf import settings
    from django.core.files.storage import default_storage
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from cases.models import LabelBatchTransition, LabelTransition
    from cases.services import print_jobs
    from cases.services.batches import activate_batch, generate_labels, print_batch
    from cases.services.labels import Origin

    batch = make_batch(count)
    start = time.perf_counter()
    generate_labels(batch_id=batch.pk)
    allocate_s = time.perf_counter() - start

    start = time.perf_counter()
    with transaction.atomic():
        job, _queued = print_jobs.start_print_job(batch_id=batch.pk, kind="sheets", origin=Origin())
    start_ms = (time.perf_counter() - start) * 1000

    print(f"--- {count} labels (QR workers: {settings.LABEL_PDF_WORKERS})")
    print(f"allocate:       {count / allocate_s:8.0f} labels/s ({allocate_s:.1f} s)")
    if render:
        start = time.perf_counter()
        name = print_jobs.run_print_job(job.pk)
        render_s = time.perf_counter() - start
        size = default_storage.size(name)
        rate = count / (allocate_s + render_s)
        print(f"render PDF job: {count / render_s:8.0f} labels/s ({render_s:.1f} s, {size / 1e6:.1f} MB)")
        print(f"allocate + PDF: {rate:8.0f} labels/s = {rate / raw:.2f} × raw segno (goal ≥ 0.50)")
    print(f"start a print job: {start_ms:.0f} ms (goal < 200 ms)")
    print(f"peak RSS so far: {peak_mb():.0f} MB this process, {peak_mb(resource.RUSAGE_CHILDREN):.0f} MB QR workers")
    for label, operation in (("print", print_batch), ("activate", activate_batch)):
        updates = label_updates()
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            _batch, moved = operation(batch_id=batch.pk)
            took = time.perf_counter() - start
        hot = ""
        if updates:
            (updated, hot_updated), (before, hot_before) = label_updates(), updates
            hot = f", {hot_updated - hot_before} of {updated - before} label updates HOT"
        logged = LabelBatchTransition.objects.filter(batch_id=batch.pk, name=label).count()
        logged_per_label = LabelTransition.objects.filter(label__batch_id=batch.pk, name=label).count()
        print(
            f"{label} whole batch: {moved} labels in {took:.2f} s = {took / 2:.2f} × goal (2 s), "
            f"{len(queries.captured_queries)} queries{hot}; log rows: {logged} for the batch, {logged_per_label} per label"
        )
        # Where the time goes: each statement, and what is left (the commit runs the deferred foreign-key checks).
        spent = [(float(q["time"]), q["sql"].split()[0]) for q in queries.captured_queries]
        parts = ", ".join(f"{verb} {seconds:.2f}" for seconds, verb in spent if seconds >= 0.05)
        print(f"    statements ≥ 50 ms: {parts or 'none'}; commit and Python: {took - sum(t for t, _ in spent):.2f} s")


def label_updates():
    """PostgreSQL's (updates, HOT updates) of cases_label so far, or None elsewhere.

    HOT (heap-only) updates write no index entry: what keeps a batch move cheap (cases migrations 0006, 0008).
    """
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")  # this backend's counters, flushed when it idles
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'cases_label'")
        return cursor.fetchone()


def oldest_xact():
    """On PostgreSQL, the oldest other write transaction in the cluster: while it runs no page is pruned.

    (Cases migration 0008: the pages keep room for both moves, so they stay HOT even then.)
    """
    from django.db import connection

    if connection.vendor != "postgresql":
        return ""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(max(extract(epoch FROM now() - xact_start)), 0) FROM pg_stat_activity "
            "WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid()"
        )
        return f"; oldest other write transaction in the cluster: {cursor.fetchone()[0]:.0f} s"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--counts", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--no-pdf", action="store_true", help="allocation, job start and activation only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmpdir:
        setup_django(tmpdir)
        from django.db import connection

        raw = segno_rate()
        print(f"database: {connection.vendor}; cpus: {os.cpu_count()}; load: {os.getloadavg()[0]:.1f}{oldest_xact()}")
        print(f"segno raw encode (label payloads, level Q): {raw:8.0f} codes/s (one core)")
        for count in args.counts:
            run_size(count, raw, render=not args.no_pdf)


if __name__ == "__main__":
    main()
