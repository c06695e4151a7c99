#!/usr/bin/env python
"""Bounded load test on loopback: gunicorn + PostgreSQL, many concurrent scans and label transitions.

    python bench/load.py                         # 60 s, 32 clients, database gaslabel_load (recreated)
    python bench/load.py --seconds 20 --clients 16
    python bench/load.py --procfile              # the server as production runs it: the Procfile's web command
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/other python bench/load.py

Creates (drops and recreates) the database, migrates, seeds qualified companies, workers with permits
and activated labels, starts gunicorn on 127.0.0.1 at a free port (with --procfile, the Procfile's
web command: bench/server.py), then runs `--clients` threads for
`--seconds`: each takes the next label and sells it (dealer token), scans it, installs it (installer
token + permit), scans it, ignites it (igniter token + permit), scans it, plus a scan of an unknown
code. Every 5th sale is sent twice with one Idempotency-Key (the retry must be replayed, not recorded)
and every 7th ignition is sent twice without a key (the second must be a 409). Then it compares the
database with the successful responses — zero lost, zero doubled — and prints requests/s and
p50/p95/p99 latency per call, and last the figure it is judged by: checks failed and unexpected
responses (goal: 0 of each). Exits non-zero on any error or mismatch. Stops by itself.
"""

import argparse
import http.client
import json
import os
import queue
import statistics
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path

from pgdb import setup_django
from server import WebServer, free_port

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/gaslabel_load")


def seed(label_count, workers):
    """Companies, `workers` dealers/installers/igniters with tokens and permits, and activated labels."""
    from rest_framework.authtoken.models import Token

    from accounts.models import Organization
    from cases.models import Label, LabelState
    from core import serials
    from tests.factories import ApplianceModelFactory, LabelBatchFactory
    from tests.factories_field import dealer_user, igniter_with_permit, installer_with_permit, qualified

    installer_co = qualified(Organization.Kind.INSTALLER)
    gas_co = qualified(Organization.Kind.GAS_SUPPLIER)
    dealer_co = qualified(Organization.Kind.DEALER)
    model = ApplianceModelFactory(gas_category="12T")
    model.designated_installers.add(installer_co)
    model.dealers.add(dealer_co)
    batch = LabelBatchFactory(
        declaration__appliance_model=model, declaration__quantity=label_count, quantity=label_count, stage="issued"
    )
    Label.objects.bulk_create(
        [
            Label(serial=serials.new_serial(), batch=batch, appliance_model=model, state=LabelState.ACTIVATED)
            for _ in range(label_count)
        ],
        batch_size=2000,
    )
    crews = []
    for _ in range(workers):
        installer, install_permit = installer_with_permit(installer_co)
        igniter, ignite_permit = igniter_with_permit(gas_co)
        dealer = dealer_user(dealer_co)
        crews.append(
            {
                "dealer": Token.objects.create(user=dealer).key,
                "installer": Token.objects.create(user=installer).key,
                "install_permit": install_permit.number,
                "igniter": Token.objects.create(user=igniter).key,
                "ignite_permit": ignite_permit.number,
            }
        )
    return list(Label.objects.filter(batch=batch).values_list("serial", flat=True)), crews


def server_env():
    return {
        **os.environ,
        "DATABASE_URL": URL,
        "DEBUG": "false",
        "SECURE_SSL_REDIRECT": "false",
        "FIELD_SCAN_RATE": "1000000/m",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "project.settings",
    }


def own_gunicorn_argv(port, workers):
    """Our load shape: more workers and threads than the Procfile's, so the clients, not the server, queue."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "project.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        "4",
        "--timeout",
        "60",
        "--log-level",
        "warning",
    ]


class Client:
    """One keep-alive HTTP connection; records (call, status, seconds, replayed) per request."""

    def __init__(self, port, results):
        self.port = port
        self.results = results
        self.conn = None

    def call(self, name, method, path, token=None, body=None, headers=None, expect=(200,)):
        hdrs = {"Accept": "application/json", **(headers or {})}
        if token:
            hdrs["Authorization"] = f"Token {token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            hdrs["Content-Type"] = "application/json"
        for attempt in (1, 2):  # one reconnect if the server closed a kept-alive connection
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            started = time.perf_counter()
            try:
                self.conn.request(method, path, body=data, headers=hdrs)
                response = self.conn.getresponse()
                payload = response.read()
            except (ConnectionError, http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt == 2 or body is not None:
                    self.results.append((name, 0, time.perf_counter() - started, False, False))
                    return 0, None, {}
                continue
            elapsed = time.perf_counter() - started
            replayed = response.getheader("Idempotent-Replayed") == "true"
            ok = response.status in expect
            self.results.append((name, response.status, elapsed, replayed, ok))
            try:
                parsed = json.loads(payload) if payload else None
            except ValueError:
                parsed = None
            return response.status, parsed, dict(response.getheaders())
        return 0, None, {}


def lifecycle(client, serial, crew, n):
    """One appliance from shop to gas: sell, install, ignite, with scans in between; returns what was recorded."""
    done = Counter()
    base = f"/api/v1/labels/{serial}"
    sale = {"district": "futian"}
    if n % 5 == 0:  # a flaky network: the same sale sent twice with one key
        key = {"Idempotency-Key": str(uuid.uuid4())}
        first, _, _ = client.call("sell", "POST", f"{base}/sell/", crew["dealer"], sale, key, expect=(201,))
        second, _, _ = client.call("sell (retry)", "POST", f"{base}/sell/", crew["dealer"], sale, key, expect=(201,))
        done["sell"] += first == 201
        done["replayed"] += second == 201
    else:
        status, _, _ = client.call("sell", "POST", f"{base}/sell/", crew["dealer"], sale, expect=(201,))
        done["sell"] += status == 201
    client.call("scan", "GET", f"/api/v1/scan/{serial}/", expect=(200,))
    done["scan"] += 1
    work = {"permit": crew["install_permit"], "nameplate_confirmed": True, "district": "futian"}
    status, _, _ = client.call("install", "POST", f"{base}/work/", crew["installer"], work, expect=(201,))
    done["install"] += status == 201
    client.call("scan", "GET", f"/api/v1/scan/{serial}/", expect=(200,))
    done["scan"] += 1
    ignite = {"permit": crew["ignite_permit"]}
    status, _, _ = client.call("ignite", "POST", f"{base}/ignite/", crew["igniter"], ignite, expect=(201,))
    done["ignite"] += status == 201
    if n % 7 == 0:  # a second worker (or a retry without a key): refused, not recorded
        client.call("ignite (again)", "POST", f"{base}/ignite/", crew["igniter"], ignite, expect=(409,))
    client.call("scan", "GET", f"/api/v1/scan/{serial}/", expect=(200,))
    client.call("scan unknown", "GET", "/api/v1/scan/0000000000000Z/", expect=(404,))
    done["scan"] += 2
    return done


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--labels", type=int, default=20000, help="upper bound on lifecycles")
    parser.add_argument("--gunicorn-workers", type=int, default=min(8, (os.cpu_count() or 2) * 2))
    parser.add_argument(
        "--procfile", action="store_true", help="serve with the Procfile's web command (not our workers × threads)"
    )
    args = parser.parse_args()
    if not URL.startswith(("postgres://", "postgresql://")):
        sys.exit("bench/load.py needs PostgreSQL: set BENCH_DATABASE_URL=postgres://…")

    setup_django(URL, recreate=True)
    from django.db import connection

    started = time.perf_counter()
    serials, crews = seed(args.labels, args.clients)
    connection.close()
    print(f"seeded {len(serials):,} activated labels and {len(crews)} crews in {time.perf_counter() - started:.1f} s")

    log_path = ROOT / "var" / "bench-load-gunicorn.log"
    port = free_port()
    argv = None if args.procfile else own_gunicorn_argv(port, args.gunicorn_workers)
    with WebServer(server_env(), log_path, argv=argv, port=port) as server:
        print(f"server: {' '.join(server.argv[1:])}")
        from field.models import ScanLog

        # The start-up probe scans "X"; the workers batch their rows (field/scan_log_buffer.py) and write the rest
        # when the server stops, before the report counts: probes are left out of both counts.
        scans_before = ScanLog.objects.exclude(code="X").count()
        connection.close()
        results, totals = run(server.port, serials, crews, args)
        totals["scans_before"] = scans_before
    sys.exit(report(results, totals, args, log_path))


def run(port, serials, crews, args):
    todo = queue.Queue()
    for n, serial in enumerate(serials):
        todo.put((n, serial))
    results, totals, lock = [], Counter(), threading.Lock()
    stop_at = time.monotonic() + args.seconds

    def worker(index):
        client, local, done = Client(port, []), Counter(), 0
        while time.monotonic() < stop_at:
            try:
                n, serial = todo.get_nowait()
            except queue.Empty:
                break
            local += lifecycle(client, serial, crews[index], n)
            done += 1
        with lock:
            results.extend(client.results)
            totals.update(local)
            totals["lifecycles"] += done

    print(f"server on 127.0.0.1:{port}; {args.clients} clients for {args.seconds:.0f} s …")
    began = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(args.clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(args.seconds + 120)
    totals["elapsed"] = time.monotonic() - began
    return results, totals


def report(results, totals, args, log_path):
    from django.db.models import Count

    from audit.models import AuditEntry
    from cases.models import LabelTransition
    from field.models import Ignition, Sale, ScanLog, WorkRecord

    elapsed = totals["elapsed"]
    by_call = defaultdict(list)
    for name, _status, seconds, _replayed, _ok in results:
        by_call[name].append(seconds)
    unexpected = [(name, status) for name, status, _s, _r, ok in results if not ok]
    replayed = sum(1 for name, _st, _s, rep, _ok in results if name == "sell (retry)" and rep)
    print(
        f"\n{len(results):,} requests in {elapsed:.1f} s = {len(results) / elapsed:,.0f} req/s; "
        f"{totals['lifecycles']:,} appliances sold, installed and ignited"
    )
    print(f"{'call':<16}{'count':>8}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'max ms':>10}")
    for name in sorted(by_call):
        times = sorted(by_call[name])
        q = statistics.quantiles(times, n=100, method="inclusive") if len(times) > 1 else [times[0]] * 99
        print(
            f"{name:<16}{len(times):>8,}{q[49] * 1000:>10.1f}{q[94] * 1000:>10.1f}{q[98] * 1000:>10.1f}"
            f"{times[-1] * 1000:>10.1f}"
        )

    checks = {
        "errors (unexpected status, 5xx, connection)": (len(unexpected), 0),
        "sales in DB vs 201s": (Sale.objects.count(), totals["sell"]),
        "retried sales replayed (not recorded)": (replayed, totals["replayed"]),
        "installations in DB vs 201s": (WorkRecord.objects.count(), totals["install"]),
        "ignitions in DB vs 201s": (Ignition.objects.count(), totals["ignite"]),
        "scan log rows vs scans": (ScanLog.objects.exclude(code="X").count() - totals["scans_before"], totals["scan"]),
        "label transitions vs 201s": (
            LabelTransition.objects.filter(name__in=["sell", "install", "ignite"]).count(),
            totals["sell"] + totals["install"] + totals["ignite"],
        ),
        "audit entries vs 201s": (
            AuditEntry.objects.filter(action__in=["label.sell", "label.install", "label.ignite"]).count(),
            totals["sell"] + totals["install"] + totals["ignite"],
        ),
        "labels with a doubled transition": (
            LabelTransition.objects.values("label", "name").annotate(n=Count("pk")).filter(n__gt=1).count(),
            0,
        ),
    }
    print()
    failed = 0
    for what, (actual, expected) in checks.items():
        ok = actual == expected
        failed += not ok
        print(f"{'OK ' if ok else 'BAD'} {what}: {actual:,} (expected {expected:,})")
    if unexpected:
        print("unexpected:", Counter(unexpected).most_common(10), f"(gunicorn log: {log_path})")
    print(
        f"\nJudged: {failed} of {len(checks)} checks failed, {len(unexpected):,} of {len(results):,} responses "
        f"unexpected ({len(unexpected) / max(len(results), 1):.2%}); goal 0 and 0"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    main()
