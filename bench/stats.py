"""Benchmark: the statistics dashboard over 10 000 000 labels on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gaslabel_bench .venv/bin/python bench/stats.py

Loads (once; skipped when the database already holds enough labels) a city with
BENCH_LABELS labels (default 10 000 000) through set-based INSERT … SELECT
generate_series, with installations, ignitions, scans and remediation cases in
proportion, then prints each dashboard page's response time (median of BENCH_RUNS
requests through the Django test client, cold first request shown apart) and
each figure's query time. Takes several minutes on first run.
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

LABELS = int(os.environ.get("BENCH_LABELS", 10_000_000))
RUNS = int(os.environ.get("BENCH_RUNS", 7))
CHUNK = 1_000_000
MANUFACTURERS, MODELS_EACH, DEALERS, INSTALLERS, SUPPLIERS = 40, 25, 100, 150, 6
CASES = 50_000
SCANS = 3_000_000
PREFIX = "BENCH"


def say(*args):
    print(*args, flush=True)


def sql(statement, params=None):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def scalar(statement, params=None):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchone()[0]


def ids(statement):
    with connection.cursor() as cursor:
        cursor.execute(statement)
        return [row[0] for row in cursor.fetchall()]


def timed(label, func):
    started = time.perf_counter()
    result = func()
    say(f"  {label}: {time.perf_counter() - started:.1f} s")
    return result


def make_city():
    """Organisations, models, batches, permit holders: small, through the ORM."""
    from decimal import Decimal

    from django.contrib.auth.models import Group

    from accounts import roles
    from accounts.models import Organization, User
    from cases.models import ApplianceModel, Declaration, LabelBatch
    from field.models import WorkPermit

    K = Organization.Kind

    def orgs(kind, count, name):
        Organization.objects.bulk_create(
            [Organization(kind=kind, name=f"{PREFIX}{name}{i:03d}") for i in range(count)], ignore_conflicts=True
        )
        return list(Organization.objects.filter(kind=kind, name__startswith=PREFIX).order_by("pk"))

    makers = orgs(K.MANUFACTURER, MANUFACTURERS, "燃具")
    orgs(K.DEALER, DEALERS, "代理商")
    installers = orgs(K.INSTALLER, INSTALLERS, "安装")
    suppliers = orgs(K.GAS_SUPPLIER, SUPPLIERS, "燃气")
    association = orgs(K.ASSOCIATION, 1, "协会")[0]
    reviewer, _ = User.objects.get_or_create(username=f"{PREFIX}-reviewer", defaults={"organization": association})
    reviewer.groups.add(Group.objects.get_or_create(name=roles.REVIEWER)[0])
    models = []
    for m, maker in enumerate(makers):
        for i in range(MODELS_EACH):
            models.append(
                ApplianceModel(
                    manufacturer=maker,
                    brand=f"品牌{m:02d}-{i % 5}",
                    model_number=f"M{m:02d}-{i:03d}",
                    category="cooktop",
                    gas_category="12T",
                    rated_heat_input_kw=Decimal("4.2"),
                )
            )
    ApplianceModel.objects.bulk_create(models, ignore_conflicts=True)
    models = list(ApplianceModel.objects.filter(model_number__regex=r"^M\d\d-\d{3}$").order_by("pk"))
    for model in models:
        if not LabelBatch.objects.filter(appliance_model=model).exists():
            declaration = Declaration.objects.create(appliance_model=model, quantity=1, status="approved")
            LabelBatch.objects.create(declaration=declaration, appliance_model=model, quantity=1, stage="issued")
    batches = dict(LabelBatch.objects.filter(appliance_model__in=models).values_list("appliance_model_id", "pk"))
    permits = []
    for kind, companies in ((WorkPermit.Kind.INSTALLATION, installers), (WorkPermit.Kind.IGNITION, suppliers)):
        for company in companies:
            holder, _ = User.objects.get_or_create(
                username=f"{PREFIX}-w{company.pk}", defaults={"organization": company}
            )
            permit, _ = WorkPermit.objects.get_or_create(
                number=f"{PREFIX}{company.pk:06d}",
                defaults=dict(
                    holder=holder,
                    holder_name=holder.username,
                    company=company,
                    kind=kind,
                    valid_from="2020-01-01",
                    valid_until="2030-12-31",
                ),
            )
            permits.append(permit)
    return reviewer, [m.pk for m in models], [batches[m.pk] for m in models], permits


def array(values):
    return "ARRAY[" + ",".join(str(v) for v in values) + "]::bigint[]"


# State by g % 100: the shape of a city a few years in.
STATE_CASE = """CASE
  WHEN g % 100 < 3 THEN 'declared' WHEN g % 100 < 6 THEN 'printed' WHEN g % 100 < 20 THEN 'activated'
  WHEN g % 100 < 35 THEN 'sold' WHEN g % 100 < 60 THEN 'installed' WHEN g % 100 < 95 THEN 'ignited'
  WHEN g % 100 < 98 THEN 'suspended' ELSE 'void' END"""
DISTRICTS = "ARRAY['futian','luohu','nanshan','yantian','baoan','longgang','longhua','pingshan','guangming','dapeng']"


def load(models, batches, permits):
    from field.models import WorkPermit

    have = scalar("SELECT count(*) FROM cases_label WHERE serial LIKE %s", [PREFIX[:1] + "%"])
    m = len(models)
    start = have + 1
    for lo in range(start, LABELS + 1, CHUNK):
        hi = min(lo + CHUNK - 1, LABELS)
        timed(
            f"labels {lo:,}–{hi:,}",
            lambda lo=lo, hi=hi: sql(f"""
            INSERT INTO cases_label (serial, batch_id, appliance_model_id, state, state_before_suspension, state_changed_at)
            SELECT 'B' || lpad(g::text, 13, '0'), ({array(batches)})[g % {m} + 1], ({array(models)})[g % {m} + 1],
                   {STATE_CASE}, '', now() - (g % 1000) * interval '1 day'
            FROM generate_series({lo}, {hi}) AS g"""),
        )
    installers = [p for p in permits if p.kind == WorkPermit.Kind.INSTALLATION]
    suppliers = [p for p in permits if p.kind == WorkPermit.Kind.IGNITION]
    if not scalar("SELECT count(*) FROM field_workrecord"):
        i = len(installers)
        timed(
            "installations (one per installed/ignited/suspended label)",
            lambda: sql(f"""
            INSERT INTO field_workrecord (label_id, kind, worker_id, permit_id, company_id, district, nameplate_confirmed,
                                          at, resident_phone, rating, comment, rated_at)
            SELECT l.id, 'installation', ({array(p.holder_id for p in installers)})[l.id % {i} + 1],
                   ({array(p.pk for p in installers)})[l.id % {i} + 1], ({array(p.company_id for p in installers)})[l.id % {i} + 1],
                   ({DISTRICTS})[l.id % 10 + 1], true, now() - (l.id % 1095) * interval '1 day' - (l.id % 86400) * interval '1 second',
                   '', CASE WHEN l.id % 5 < 3 THEN 1 + (l.id / 7) % 5 END, '',
                   CASE WHEN l.id % 5 < 3 THEN now() - (l.id % 1095) * interval '1 day' + interval '1 hour' END
            FROM cases_label l WHERE l.serial LIKE 'B%%' AND l.state IN ('installed', 'ignited', 'suspended')"""),
        )
    if not scalar("SELECT count(*) FROM field_ignition"):
        s = len(suppliers)
        timed(
            "ignitions (one per ignited label)",
            lambda: sql(f"""
            INSERT INTO field_ignition (label_id, worker_id, permit_id, company_id, supply_gas_category, at)
            SELECT l.id, ({array(p.holder_id for p in suppliers)})[l.id % {s} + 1], ({array(p.pk for p in suppliers)})[l.id % {s} + 1],
                   ({array(p.company_id for p in suppliers)})[l.id % {s} + 1], '12T',
                   now() - (l.id % 1095) * interval '1 day' + interval '2 hours'
            FROM cases_label l WHERE l.serial LIKE 'B%%' AND l.state = 'ignited'"""),
        )
    if not scalar("SELECT count(*) FROM field_scanlog"):
        timed(
            f"{SCANS:,} scans over 120 days",
            lambda: sql(f"""
            INSERT INTO field_scanlog (label_id, code, verdict, channel, role, network, device, at)
            SELECT NULL, CASE WHEN g % 200 < 10 THEN 'FAKE' || (g % 500) ELSE 'B' || lpad(g::text, 13, '0') END,
                   CASE WHEN g % 200 < 10 THEN 'unknown' WHEN g % 200 < 12 THEN 'malformed' WHEN g % 200 < 13 THEN 'void'
                        ELSE 'genuine' END,
                   'web', '', '10.' || (g % 250) || '.0.0/24', 'phone', now() - (g % 172800) * interval '1 minute'
            FROM generate_series(1, {SCANS}) AS g"""),
        )
    if not scalar("SELECT count(*) FROM remediation_remediationcase"):
        from remediation.models import RemediationCase
        from workflows.remediation.flow import RemediationFlow

        flow = RemediationCase._meta.get_field("flow_class").get_prep_value(RemediationFlow)
        dealers = ids(f"SELECT id FROM accounts_organization WHERE kind = 'dealer' AND name LIKE '{PREFIX}%%'")
        d = len(dealers)

        def cases():
            with transaction.atomic():
                sql(f"""
                WITH p AS (
                  INSERT INTO viewflow_process (flow_class, status, created, data)
                  SELECT '{flow}', 'NEW', now() - (g % 365) * interval '1 day', '{{}}' FROM generate_series(1, {CASES}) g
                  RETURNING id, created)
                INSERT INTO remediation_remediationcase (process_ptr_id, kind, typed_code, district, address, resident_phone,
                    description, reported_at, dealer_id, stage, resolution, escalation_level, closed_at)
                SELECT id, (ARRAY['label_missing','label_mismatch','gas_mismatch','counterfeit'])[id % 4 + 1], '', 'futian', '',
                       '', '', created, ({array(dealers)})[id % {d} + 1],
                       CASE WHEN id % 10 < 8 THEN 'closed' ELSE 'resolve' END,
                       CASE WHEN id % 10 < 8 THEN (ARRAY['relabel','return','exchange'])[id % 3 + 1] ELSE '' END,
                       CASE WHEN id % 20 = 0 THEN 'regulator' WHEN id % 10 = 1 THEN 'association' ELSE 'dealer' END,
                       CASE WHEN id % 10 < 8 THEN created + interval '20 hours' END
                FROM p""")
                sql("""
                INSERT INTO remediation_deadline (case_id, step, level, due_at, state, created_at, settled_at)
                SELECT c.process_ptr_id, s.step, 'dealer', c.reported_at + s.hours * interval '1 hour',
                       CASE WHEN c.process_ptr_id % 7 = 0 THEN 'missed' ELSE 'met' END, c.reported_at,
                       c.reported_at + s.hours * interval '1 hour'
                FROM remediation_remediationcase c CROSS JOIN (VALUES ('contact', 2), ('resolve', 24)) AS s(step, hours)""")
                sql("""
                INSERT INTO remediation_escalation (case_id, level, reason, note, created_at, closed_at)
                SELECT process_ptr_id, escalation_level, 'missed', '', reported_at + interval '2 hours',
                       CASE WHEN stage = 'closed' THEN closed_at END
                FROM remediation_remediationcase WHERE escalation_level <> 'dealer'""")

        timed(f"{CASES:,} remediation cases with deadlines and escalations", cases)
    timed("ANALYZE", lambda: sql("ANALYZE"))


def measure(reviewer):
    from stats import figures, scoping, summaries
    from stats.selectors import Period

    started = time.perf_counter()
    through = summaries.refresh()
    say(
        f"\nDaily field summary refreshed through {through or summaries.summarised_through()}: "
        f"{time.perf_counter() - started:.1f} s (the daily task's first step)"
    )
    client = Client()
    client.force_login(reviewer)
    say("\nDashboard pages (reviewer, city-wide; default periods):")
    say(f"  {'page':<34}{'first':>9}{'median':>9}{'max':>9}   (ms, {RUNS} runs)")
    for section in figures.SECTIONS:
        url = reverse("stats:section", args=[section])
        started = time.perf_counter()
        response = client.get(url)
        first = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, response.status_code
        times = []
        for _ in range(RUNS):
            started = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        say(f"  {url:<34}{first:>9.0f}{statistics.median(times):>9.0f}{max(times):>9.0f}")
    say("\nFigure queries (median ms):")
    for section, days in figures.DEFAULT_DAYS.items():
        period = Period.last_days(days).with_watermark()
        for figure in figures.for_section(section):
            times = []
            for _ in range(3):
                started = time.perf_counter()
                rows = figure.rows(scoping.CITY, period)
                times.append((time.perf_counter() - started) * 1000)
            say(f"  {section:<12}{figure.key:<30}{statistics.median(times):>8.0f}  ({len(rows)} rows)")


def main():
    if connection.vendor != "postgresql":
        sys.exit("bench/stats.py needs PostgreSQL: set DATABASE_URL=postgres://...")
    call_command("migrate", "stats", verbosity=0)  # stats and what it depends on
    sql("SET synchronous_commit TO off")  # a bulk load: no need to wait for each commit's flush
    reviewer, models, batches, permits = make_city()
    say(f"Loading up to {LABELS:,} labels ({len(models)} models) …")
    load(models, batches, permits)
    for table in (
        "cases_label",
        "field_workrecord",
        "field_ignition",
        "field_scanlog",
        "remediation_remediationcase",
        "remediation_deadline",
        "remediation_escalation",
        "stats_labelstatecount",
    ):
        say(f"  {table}: {scalar(f'SELECT count(*) FROM {table}'):,} rows")
    say(f"  rollup total = {scalar('SELECT sum(n) FROM stats_labelstatecount'):,}")
    if "--load-only" not in sys.argv:
        measure(reviewer)


if __name__ == "__main__":
    main()
