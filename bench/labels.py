#!/usr/bin/env python
"""Label throughput: allocate + print-ready PDF for a big batch, memory, and the raw segno rate.

    python bench/labels.py                 # 100 000 labels, temporary SQLite database
    python bench/labels.py --count 20000   # smaller run
    DATABASE_URL=postgres://... python bench/labels.py

Prints labels/s for allocation (bulk INSERTs) and for the PDF (QR encode +
drawing + compression, streamed to a file), the peak RSS of this process and
of the QR worker processes, RSS samples while the PDF streams (flat means
memory does not grow with the batch), the raw segno encode rate measured in
the same run (the ceiling for the PDF), and the query counts of printing and
activating the whole batch, and last the ratio judged: each move's time over the goal
(2 s per 100 000 labels; ≤ 1.00 is within).
"""

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL_SECONDS = 2.0
sys.path.insert(0, str(ROOT))


def rss_mb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def setup_django(tmpdir):
    if "DATABASE_URL" not in os.environ:
        os.environ["DATABASE_URL"] = f"sqlite:///{tmpdir}/bench.sqlite3"
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


def segno_rate(sample=1500):
    """Raw segno encodes per second of label URLs (plain byte mode, level Q, best mask) in this process."""
    import segno

    from cases import qr, serials

    urls = [qr.label_url(serials.new_serial()) for _ in range(sample)]
    start = time.perf_counter()
    for url in urls:
        segno.make_qr(url, error="q", boost_error=False)
    raw = sample / (time.perf_counter() - start)
    codes = [serials.new_serial() for _ in range(sample)]
    start = time.perf_counter()
    for code in codes:
        qr.make_label_qr(code)
    ours = sample / (time.perf_counter() - start)
    return raw, ours


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=None, help="QR encoding processes (default LABEL_PDF_WORKERS)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmpdir:
        setup_django(tmpdir)
        from django.conf import settings
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from cases import pdf
        from cases.services.batches import activate_batch, generate_labels, print_batch

        workers = args.workers if args.workers is not None else settings.LABEL_PDF_WORKERS
        print(f"database: {connection.vendor}; labels: {args.count}; QR workers: {workers}; cpus: {os.cpu_count()}")
        raw, ours = segno_rate()
        print(f"segno raw encode (byte mode, level Q): {raw:8.0f} codes/s (one core)")
        print(f"label QR encode (mixed segments):      {ours:8.0f} codes/s (one core)")

        batch = make_batch(args.count)
        start = time.perf_counter()
        generate_labels(batch.pk)
        allocate_s = time.perf_counter() - start
        print(f"allocate: {args.count / allocate_s:10.0f} labels/s ({allocate_s:.1f} s)")

        samples = []
        out = Path(tmpdir) / "labels.pdf"
        start = time.perf_counter()
        size = 0
        with out.open("wb") as handle:
            for index, chunk in enumerate(pdf.render_batch(batch, workers=workers)):
                handle.write(chunk)
                size += len(chunk)
                if index % 500 == 0:
                    samples.append(round(rss_mb()))
        pdf_s = time.perf_counter() - start
        print(
            f"PDF:      {args.count / pdf_s:10.0f} labels/s ({pdf_s:.1f} s, {size / 1e6:.1f} MB, "
            f"{size / args.count:.0f} bytes/label)"
        )
        print(f"allocate + PDF: {args.count / (allocate_s + pdf_s):6.0f} labels/s")
        print(f"RSS while streaming (MB, every 500 pages): {samples}")
        self_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        child_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"peak RSS: {self_peak:.0f} MB (this process), {child_peak:.0f} MB (largest QR worker)")

        # Issue 19's goal: print and activate 100 000 labels in under 2 s each, in a constant number of queries.
        budget = GOAL_SECONDS * args.count / 100_000
        judged = []
        for name, operation in (("print", print_batch), ("activate", activate_batch)):
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                _batch, moved = operation(batch.pk)
                took = time.perf_counter() - start
            print(f"{name} whole batch: {moved} labels in {took:.2f} s, {len(queries.captured_queries)} queries")
            judged.append(f"{name} {took:.2f} s / {budget:.2f} s = {took / budget:.2f}")
        print(
            f"Judged: {'; '.join(judged)} (goal {GOAL_SECONDS:.0f} s per 100 000 labels, ≤ 1.00 within; "
            "the query counts above must not grow with --count)"
        )


if __name__ == "__main__":
    main()
