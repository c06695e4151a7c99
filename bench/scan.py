#!/usr/bin/env python
"""Benchmark: the public scan (/q/<serial>) and the scan API (/api/v1/scan/<serial>/) against a constant view.

    .venv/bin/python bench/scan.py                               # 1 000 000 labels, database gaslabel_bench_scan
    BENCH_LABELS=100000 .venv/bin/python bench/scan.py --seconds 5 --rounds 2
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/other .venv/bin/python bench/scan.py

Creates the database when missing, migrates it and loads (once; kept for the next run) a city of
BENCH_LABELS labels with real serials (bench/city.py), then serves the app with the Procfile's
web command (bench/server.py: same gunicorn, workers and access log; only the bind address is
ours) under bench.settings, whose URLconf adds /bench/constant/, an HttpResponse("ok") through
the same middleware, and three references, reported and not judged: /bench/one-row/<serial>, one label's
state read through the ORM (what an ordinary page reading one row costs), /bench/prepared-row/<serial>, the
same read as one prepared statement, as the scan's look-up runs (the floor of any page reading a row), and
/bench/scan-floor/<serial>, the least any scan does (rate limit, the scan's look-up statement, the log row, a
fixed answer of the page's size: no verdict, no rendering).
`wrk` (Debian package wrk) then drives, at --connections connections, the constant view, the scan page, the scan API and the
three references in turn, --rounds times, --seconds each (interleaved, so drift on the machine hits
all alike), with a random genuine serial per request (bench/scan.lua). FIELD_SCAN_RATE is set
high so the rate limit does not answer instead.

Prints per round and overall: req/s, p50, p99, and the ratio of each scan endpoint's req/s to the
constant view's: the figure issue 19 judges (goal ≥ 50 %, aim 70 %; p99 < 25 ms).
Exits non-zero if any request answered other than 200.
"""

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from pgdb import setup_django
from server import ROOT, WebServer

sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/gaslabel_bench_scan"
URL = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
LABELS = int(os.environ.get("BENCH_LABELS", 1_000_000))
SAMPLE = 20_000  # genuine serials the load generator picks from at random
GOAL_RATIO, AIM_RATIO, GOAL_P99_MS = 0.50, 0.70, 25.0

TARGETS = [  # name, path prefix, suffix, with serials
    ("constant", "/bench/constant/", "", False),
    ("scan page", "/q/", "", True),
    ("scan API", "/api/v1/scan/", "/", True),
    ("one row", "/bench/one-row/", "", True),  # for reference, not judged (bench/urls.py)
    ("prepared row", "/bench/prepared-row/", "", True),  # the same, at its cheapest: not judged either
    ("scan floor", "/bench/scan-floor/", "", True),  # rate limit, look-up, log, fixed answer: not judged
]


def prepare():
    """Database, city and a file of random genuine serials; returns its path."""
    setup_django(URL)
    import city  # needs Django set up
    from django.db import connection

    city.sql("SET synchronous_commit TO off")
    _reviewer, models, batches, permits = city.make_city()
    print(f"Loading up to {LABELS:,} labels …", flush=True)
    city.load(models, batches, permits, labels=LABELS, scans=0, cases=0)
    print(f"  cases_label: {city.scalar('SELECT count(*) FROM cases_label'):,} rows", flush=True)
    rng = random.Random(19)
    genuine = [g for g in rng.sample(range(1, LABELS + 1), min(LABELS, SAMPLE * 2)) if city.is_genuine(g)][:SAMPLE]
    serials = [city.serial_for(g) for g in genuine]
    found = city.scalar("SELECT count(*) FROM cases_label WHERE serial = ANY(%s)", [serials[:1000]])
    if found != min(1000, len(serials)):
        sys.exit(f"only {found} of 1000 sampled serials are in the database: load it again (drop {URL})")
    connection.close()
    path = Path(tempfile.mkstemp(prefix="bench-scan-", suffix=".txt")[1])
    path.write_text("\n".join(serials) + "\n")
    return path, serials


def wrk(port, target, serials_path, args, seconds):
    _name, prefix, suffix, with_serials = target
    command = [
        "wrk",
        f"--threads={args.threads}",
        f"--connections={args.connections}",
        f"--duration={seconds}s",
        "--timeout=10s",
        f"--script={ROOT / 'bench' / 'scan.lua'}",
        f"http://127.0.0.1:{port}",
        "--",
        prefix,
        suffix,
        *([str(serials_path)] if with_serials else []),
    ]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(line for line in out.splitlines() if line.startswith("BENCH "))
    result = json.loads(line[len("BENCH ") :])
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    result["errors"] = sum(result[k] for k in ("connect", "read", "write", "status", "timeout"))
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10, help="per target per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--warmup", type=int, default=3, help="seconds per target before measuring")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("bench/scan.py needs wrk: apt-get install wrk")
    if not URL.startswith(("postgres://", "postgresql://")):
        sys.exit("bench/scan.py needs PostgreSQL: set BENCH_DATABASE_URL=postgres://…")

    serials_path, serials = prepare()
    env = {
        **os.environ,
        "DATABASE_URL": URL,
        "DJANGO_SETTINGS_MODULE": "bench.settings",  # the project's settings plus /bench/constant/
        "DEBUG": "false",
        "SECURE_SSL_REDIRECT": "false",
        "FIELD_SCAN_RATE": "100000000/m",  # the limit is not the subject; the scan's work is
    }
    log_path = ROOT / "var" / "bench-scan-server.log"
    log_path.parent.mkdir(exist_ok=True)
    results = {name: [] for name, *_ in TARGETS}
    try:
        with WebServer(env, log_path, probe="/bench/constant/") as server:
            print(f"server: {' '.join(server.argv[1:])}  (log: {log_path})")
            for name, path in (
                ("constant", "/bench/constant/"),
                ("scan page", f"/q/{serials[0]}"),
                ("scan API", f"/api/v1/scan/{serials[0]}/"),
                ("one row", f"/bench/one-row/{serials[0]}"),
                ("prepared row", f"/bench/prepared-row/{serials[0]}"),
                ("scan floor", f"/bench/scan-floor/{serials[0]}"),
            ):
                status, body = server.get(path)
                if status != 200 or (name == "constant" and body != b"ok"):
                    sys.exit(f"{name}: GET {path} answered {status}, not 200; see {log_path}")
            print(
                f"wrk: {args.connections} connections, {args.threads} threads; "
                f"{args.rounds} rounds × {len(TARGETS)} targets × {args.seconds} s, interleaved; "
                f"{len(serials):,} random genuine serials"
            )
            for target in TARGETS:
                wrk(server.port, target, serials_path, args, args.warmup)
            print(f"\n{'round':<7}{'target':<14}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}")
            for round_no in range(1, args.rounds + 1):
                for target in TARGETS:
                    r = wrk(server.port, target, serials_path, args, args.seconds)
                    results[target[0]].append(r)
                    print(
                        f"{round_no:<7}{target[0]:<14}{r['rps']:>10.0f}{r['p50_us'] / 1000:>10.1f}"
                        f"{r['p99_us'] / 1000:>10.1f}{r['errors']:>8}",
                        flush=True,
                    )
    finally:
        serials_path.unlink(missing_ok=True)
    return report(results, args)


def report(results, args):
    summary = {}
    for name, runs in results.items():
        requests = sum(r["requests"] for r in runs)
        seconds = sum(r["duration_us"] for r in runs) / 1e6
        summary[name] = {
            "rps": requests / seconds,
            "p50": statistics.median(r["p50_us"] for r in runs) / 1000,
            "p99": statistics.median(r["p99_us"] for r in runs) / 1000,
            "errors": sum(r["errors"] for r in runs),
            "requests": requests,
        }
    base = summary["constant"]["rps"]
    print(f"\nOverall at {LABELS:,} labels (req/s over all rounds; p50, p99: median of the rounds):")
    print(f"{'target':<14}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}{'ratio':>9}")
    for name, s in summary.items():
        print(f"{name:<14}{s['rps']:>10.0f}{s['p50']:>10.1f}{s['p99']:>10.1f}{s['errors']:>8}{s['rps'] / base:>9.1%}")
    print(
        f"\nJudged (issue 19): req/s as a share of the constant view's, goal ≥ {GOAL_RATIO:.0%} "
        f"(aim {AIM_RATIO:.0%}), p99 < {GOAL_P99_MS:.0f} ms:"
    )
    failed = False
    for name in ("scan page", "scan API"):
        s = summary[name]
        ok = s["rps"] / base >= GOAL_RATIO and s["p99"] < GOAL_P99_MS
        print(
            f"  {name:<10} ratio {s['rps'] / base:.1%}, p99 {s['p99']:.1f} ms: {'within' if ok else 'outside'} the goal"
        )
    for name, s in summary.items():
        if s["errors"]:
            failed = True
            print(f"  {name}: {s['errors']:,} of {s['requests']:,} requests failed or answered other than 200")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
