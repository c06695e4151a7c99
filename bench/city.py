"""Shared by bench/stats.py and bench/scan.py: a city of N labels on PostgreSQL, loaded set-based.

Import after django.setup() (the bench scripts set Django up first, so the models import here).
Organisations, models, batches and permits are made through the ORM (a few thousand rows); the
labels, installations, ignitions, scans and remediation cases with INSERT … SELECT generate_series.

Field rows and scans are inserted in time order, as a live city appends them: a day's records share
heap pages, so a figure reading the last days touches few (in id order each day's rows would sit on
thousands of pages, one row each).

Label number g (1, 2, …) gets the serial `serial_for(g)`: a real serial (core.serials: 65 bits in
Crockford base32 plus the mod-37 check symbol, a letter or digit), so the scan path accepts it and
reaches the database; SQL computes the same serial with `bench_serial(g)`.
Its state follows g % 100 (STATE_CASE), so a script can tell genuine labels from g alone.
"""

import time
from decimal import Decimal

import base32_crockford
from django.contrib.auth.models import Group
from django.db import connection, transaction

from accounts import roles
from accounts.models import Organization, User
from cases.models import ApplianceModel, Declaration, LabelBatch
from core import serials
from field.models import WorkPermit
from remediation.models import RemediationCase
from workflows.remediation.flow import RemediationFlow

MANUFACTURERS, MODELS_EACH, DEALERS, INSTALLERS, SUPPLIERS = 40, 25, 100, 150, 6
CHUNK = 1_000_000
PREFIX = "BENCH"

# Label g's number is 2**64 + g * MULTIPLIER * 37 + offset, offset in [0, 37) chosen so that the number
# mod 37 (the check value) is g % 32: one-to-one in g, and like core.serials.new_serial every check
# symbol is a letter or digit. Below 2**60 for g < 100 000 000, so the first symbol is always "G".
MULTIPLIER = 308_411_193
SYMBOLS = serials.ALPHABET
TOP_MOD_37 = 2**64 % serials.CHECK_MODULUS

SERIAL_FUNCTION = f"""
CREATE OR REPLACE FUNCTION bench_serial(g bigint) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT 'G' || {" || ".join(f"substr('{SYMBOLS}', (((g * {MULTIPLIER * 37} + ((g % 32 - {TOP_MOD_37}) % 37 + 37) % 37) >> {5 * k}) & 31)::int + 1, 1)" for k in range(11, -1, -1))}
         || substr('{SYMBOLS}', (g % 32)::int + 1, 1)
$$"""

# State by g % 100: the shape of a city a few years in.
STATE_CASE = """CASE
  WHEN g % 100 < 3 THEN 'declared' WHEN g % 100 < 6 THEN 'printed' WHEN g % 100 < 20 THEN 'activated'
  WHEN g % 100 < 35 THEN 'sold' WHEN g % 100 < 60 THEN 'installed' WHEN g % 100 < 95 THEN 'ignited'
  WHEN g % 100 < 98 THEN 'suspended' ELSE 'void' END"""
DISTRICTS = "ARRAY['futian','luohu','nanshan','yantian','baoan','longgang','longhua','pingshan','guangming','dapeng']"


def serial_for(g: int) -> str:
    """The serial of bench label number g (what `bench_serial(g)` computes in SQL)."""
    offset = (g % 32 - TOP_MOD_37) % 37
    return base32_crockford.encode(2**64 + g * MULTIPLIER * 37 + offset, checksum=True)


def is_genuine(g: int) -> bool:
    """Whether bench label number g is activated or later and not void (the scan answers 200)."""
    return 6 <= g % 100 < 98


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


_loaded = []  # what load() inserted in this run: ANALYZE only then


def timed(label, func):
    _loaded.append(label)
    started = time.perf_counter()
    result = func()
    say(f"  {label}: {time.perf_counter() - started:.1f} s")
    return result


def array(values):
    return "ARRAY[" + ",".join(str(v) for v in values) + "]::bigint[]"


def make_city():
    """Organisations, models, batches, permit holders: small, through the ORM. Returns (reviewer, models, batches, permits)."""
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


def load(models, batches, permits, *, labels, scans, cases):
    """Labels 1..`labels` (those missing), then installations, ignitions, scans and cases when their tables are empty."""
    sql(SERIAL_FUNCTION)
    have = scalar(f"SELECT count(*) FROM cases_label WHERE batch_id = ANY({array(batches)})")
    m = len(models)
    for lo in range(have + 1, labels + 1, CHUNK):
        hi = min(lo + CHUNK - 1, labels)
        timed(
            f"labels {lo:,}–{hi:,}",
            lambda lo=lo, hi=hi: sql(f"""
            INSERT INTO cases_label (serial, batch_id, appliance_model_id, state, state_before_suspension, state_changed_at)
            SELECT bench_serial(g), ({array(batches)})[g % {m} + 1], ({array(models)})[g % {m} + 1],
                   {STATE_CASE}, '', now() - (g % 1000) * interval '1 day'
            FROM generate_series({lo}, {hi}) AS g"""),
        )
    mine = f"l.batch_id = ANY({array(batches)})"
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
                   ({DISTRICTS})[l.id % 10 + 1], true,
                   now() - (l.id % 1095) * interval '1 day' - (l.id % 86400) * interval '1 second' AS at,
                   '', CASE WHEN l.id % 5 < 3 THEN 1 + (l.id / 7) % 5 END, '',
                   CASE WHEN l.id % 5 < 3 THEN now() - (l.id % 1095) * interval '1 day' + interval '1 hour' END
            FROM cases_label l WHERE {mine} AND l.state IN ('installed', 'ignited', 'suspended') ORDER BY at"""),
        )
    if not scalar("SELECT count(*) FROM field_ignition"):
        s = len(suppliers)
        timed(
            "ignitions (one per ignited label, in its installation's district)",
            lambda: sql(f"""
            INSERT INTO field_ignition (label_id, worker_id, permit_id, company_id, supply_gas_category, at, district)
            SELECT l.id, ({array(p.holder_id for p in suppliers)})[l.id % {s} + 1], ({array(p.pk for p in suppliers)})[l.id % {s} + 1],
                   ({array(p.company_id for p in suppliers)})[l.id % {s} + 1], '12T',
                   now() - (l.id % 1095) * interval '1 day' + interval '2 hours' AS at, ({DISTRICTS})[l.id % 10 + 1]
            FROM cases_label l WHERE {mine} AND l.state = 'ignited' ORDER BY at"""),
        )
    if scans and not scalar("SELECT count(*) FROM field_scanlog"):
        timed(
            f"{scans:,} scans over 120 days",
            lambda: sql(f"""
            INSERT INTO field_scanlog (label_id, code, verdict, channel, role, network, device, at)
            SELECT NULL, CASE WHEN g % 200 < 10 THEN 'FAKE' || (g % 500) ELSE bench_serial(g % {labels} + 1) END,
                   CASE WHEN g % 200 < 10 THEN 'unknown' WHEN g % 200 < 12 THEN 'malformed' WHEN g % 200 < 13 THEN 'void'
                        ELSE 'genuine' END,
                   'web', '', '10.' || (g % 250) || '.0.0/24', 'phone', now() - (g % 172800) * interval '1 minute' AS at
            FROM generate_series(1, {scans}) AS g ORDER BY at"""),
        )
    if cases and not scalar("SELECT count(*) FROM remediation_remediationcase"):
        flow = RemediationCase._meta.get_field("flow_class").get_prep_value(RemediationFlow)
        dealers = ids(f"SELECT id FROM accounts_organization WHERE kind = 'dealer' AND name LIKE '{PREFIX}%%'")
        d = len(dealers)

        def make_cases():
            with transaction.atomic():
                sql(f"""
                WITH p AS (
                  INSERT INTO viewflow_process (flow_class, status, created, data)
                  SELECT '{flow}', 'NEW', now() - (g % 365) * interval '1 day', '{{}}' FROM generate_series(1, {cases}) g
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
                INSERT INTO remediation_deadline (case_id, step, level, due_at, state, created_at, settled_at, rule)
                SELECT c.process_ptr_id, s.step, 'dealer', c.reported_at + s.hours * interval '1 hour',
                       CASE WHEN c.process_ptr_id % 7 = 0 THEN 'missed' ELSE 'met' END, c.reported_at,
                       c.reported_at + s.hours * interval '1 hour', ''
                FROM remediation_remediationcase c CROSS JOIN (VALUES ('contact', 2), ('resolve', 24)) AS s(step, hours)""")
                sql("""
                INSERT INTO remediation_escalation (case_id, level, reason, note, created_at, closed_at)
                SELECT process_ptr_id, escalation_level, 'missed', '', reported_at + interval '2 hours',
                       CASE WHEN stage = 'closed' THEN closed_at END
                FROM remediation_remediationcase WHERE escalation_level <> 'dealer'""")

        timed(f"{cases:,} remediation cases with deadlines and escalations", make_cases)
    if _loaded:
        # As autovacuum keeps a live city's tables: statistics, and the visibility map index-only scans need.
        timed("VACUUM ANALYZE", lambda: sql("VACUUM ANALYZE"))


def report_counts():
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
