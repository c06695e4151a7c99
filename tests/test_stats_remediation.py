"""Remediation figures (kind, dealer, outcome, deadline compliance, open escalations) and the
counterfeit signal (scans of unknown codes), against cases and scans built here."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from field.models import ScanLog
from remediation.models import Deadline, Level, ProblemKind, Resolution, Stage, Step
from stats import scoping, selectors
from tests.factories import PASSWORD

from .factories_stats import at, make_stats_city

pytestmark = pytest.mark.django_db

PERIOD = selectors.Period(datetime.date(2026, 1, 1), datetime.date(2026, 6, 30))
NOW = at(2026, 6, 20, 12)
MET, MISSED, PENDING, CANCELLED = (
    Deadline.State.MET,
    Deadline.State.MISSED,
    Deadline.State.PENDING,
    Deadline.State.CANCELLED,
)


def build_cases(c):
    c1 = c.case(
        ProblemKind.LABEL_MISSING,
        "dealer_1",
        at(2026, 3, 1),
        model_key="A1",
        stage=Stage.CLOSED,
        resolution=Resolution.RELABEL,
        closed=at(2026, 3, 2),
    )
    c.deadline(c1, Step.CONTACT, MET, at(2026, 3, 1, 11))
    c.deadline(c1, Step.RESOLVE, MET, at(2026, 3, 2))
    c2 = c.case(
        ProblemKind.LABEL_MISMATCH,
        "dealer_1",
        at(2026, 3, 5),
        model_key="A2",
        stage=Stage.RESOLVE,
        escalation_level=Level.ASSOCIATION,
    )
    c.deadline(c2, Step.CONTACT, MISSED, at(2026, 3, 5, 12))
    c.deadline(c2, Step.RESOLVE, PENDING)
    c.deadline(c2, Step.FOLLOWUP, PENDING)
    c.escalate(c2, Level.ASSOCIATION, at(2026, 3, 5, 12))
    c3 = c.case(
        ProblemKind.GAS_MISMATCH,
        "dealer_2",
        at(2026, 4, 1),
        model_key="B1",
        stage=Stage.CLOSED,
        resolution=Resolution.EXCHANGE,
        closed=at(2026, 4, 2),
        escalation_level=Level.REGULATOR,
    )
    c.deadline(c3, Step.CONTACT, MET, at(2026, 4, 1, 11))
    c.deadline(c3, Step.RESOLVE, MISSED, at(2026, 4, 2, 11))
    c.deadline(c3, Step.FOLLOWUP, MET, at(2026, 4, 3))
    c.escalate(c3, Level.ASSOCIATION, at(2026, 4, 2, 11), closed=at(2026, 4, 3))
    c.escalate(c3, Level.REGULATOR, at(2026, 4, 3))
    c4 = c.case(ProblemKind.COUNTERFEIT, None, at(2026, 4, 10), stage=Stage.CLOSED, closed=at(2026, 4, 10, 15))
    c.deadline(c4, Step.CONTACT, CANCELLED, at(2026, 4, 10, 15))
    c5 = c.case(
        ProblemKind.LABEL_MISSING, "dealer_2", at(2025, 12, 20), model_key="B1", escalation_level=Level.ASSOCIATION
    )
    c.deadline(c5, Step.CONTACT, MISSED, at(2025, 12, 20, 12))  # settled before the period
    c.escalate(c5, Level.ASSOCIATION, at(2025, 12, 20, 12))
    c6 = c.case(ProblemKind.LABEL_MISSING, "dealer_2", at(2026, 5, 1), model_key="B1")
    c.deadline(c6, Step.CONTACT, PENDING)
    return [c1, c2, c3, c4, c5, c6]


@pytest.fixture
def city():
    c = make_stats_city()
    build_cases(c)
    return c


def test_cases_by_kind_dealer_and_outcome(city):
    assert {r["kind"]: r["count"] for r in selectors.cases_by_kind(scoping.CITY, PERIOD)} == {
        "标识缺失": 2,
        "标识与燃具型号不符": 1,
        "气源类别不适配": 1,
        "疑似假冒标识": 1,
    }
    dealers = {r["dealer"]: r for r in selectors.cases_by_dealer(scoping.CITY, PERIOD)}
    assert dealers["一号代理商"] == {"dealer": "一号代理商", "total": 2, "open": 1, "closed": 1, "escalated": 1}
    assert dealers["二号代理商"] == {"dealer": "二号代理商", "total": 2, "open": 1, "closed": 1, "escalated": 1}
    assert dealers["未指派"]["total"] == 1 and dealers["未指派"]["closed"] == 1
    assert {r["outcome"]: r["count"] for r in selectors.cases_by_outcome(scoping.CITY, PERIOD)} == {
        "补贴标识": 1,
        "退货": 0,
        "换货": 1,
        "结案 (无需处理)": 1,
        "处理中": 2,
    }


def test_cases_by_kind_reads_the_case_table_alone(city):
    """The case's default ordering (viewflow's `-created`) once joined the process table into the GROUP BY."""
    with CaptureQueriesContext(connection) as queries:
        selectors.cases_by_kind(scoping.CITY, PERIOD)
    assert len(queries.captured_queries) == 1
    assert "viewflow_process" not in queries.captured_queries[0]["sql"]


@pytest.mark.postgres
def test_the_compliance_figures_read_settled_deadlines_by_time(city):
    """Through stats_deadline_settled_at (its predicate is the figures' `state IN ('met', 'missed')`), not by
    reading every deadline ever made."""
    with CaptureQueriesContext(connection) as queries:
        selectors.compliance_per_step(scoping.CITY, PERIOD)
        selectors.compliance_per_dealer(scoping.CITY, PERIOD)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for query in queries.captured_queries:
            cursor.execute("EXPLAIN " + query["sql"])
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "stats_deadline_settled_at" in plan, plan


def test_deadline_compliance_per_step_and_per_dealer(city):
    steps = {r["step"]: r for r in selectors.compliance_per_step(scoping.CITY, PERIOD)}
    assert steps["联系用户"] == {"step": "联系用户", "met": 2, "missed": 1, "pct_met": 66.7}
    assert steps["完成整改"] == {"step": "完成整改", "met": 1, "missed": 1, "pct_met": 50.0}
    assert steps["协会督办"] == {"step": "协会督办", "met": 1, "missed": 0, "pct_met": 100.0}
    dealers = {r["dealer"]: r for r in selectors.compliance_per_dealer(scoping.CITY, PERIOD)}
    assert dealers == {
        "一号代理商": {"dealer": "一号代理商", "met": 2, "missed": 1, "pct_met": 66.7},
        "二号代理商": {"dealer": "二号代理商", "met": 1, "missed": 1, "pct_met": 50.0},
    }
    # Nothing settled in a quiet period: no percentage rather than a fake 0 %.
    quiet = selectors.Period(datetime.date(2026, 6, 1), datetime.date(2026, 6, 30))
    assert all(r["pct_met"] is None for r in selectors.compliance_per_step(scoping.CITY, quiet))


@time_machine.travel(NOW, tick=False)
def test_open_escalations_per_level_with_the_oldest_wait(city):
    rows = {r["level"]: r for r in selectors.open_escalations(scoping.CITY)}
    oldest = (NOW - at(2025, 12, 20, 12)).total_seconds() / 3600
    assert rows["协会"]["count"] == 2 and rows["协会"]["oldest_hours"] == round(oldest, 1)
    assert rows["行业主管部门"]["count"] == 1
    listed = selectors.open_escalation_list(scoping.CITY)
    assert [(r["dealer"], r["level"]) for r in listed] == [
        ("二号代理商", "协会"),
        ("一号代理商", "协会"),
        ("二号代理商", "行业主管部门"),
    ]


def test_remediation_page_one_query_per_figure(client, city, django_assert_num_queries):
    client.login(username="reviewer", password=PASSWORD)
    client.get(reverse("home"))
    with django_assert_num_queries(3 + 6 + 1 + 1):  # last +1: the header's unread count
        response = client.get(reverse("stats:section", args=["remediation"]) + "?start=2026-01-01&end=2026-06-30")
    panels = {p["figure"].key: p for p in response.context["panels"]}
    pct = {dict(c)["step"]: dict(c)["pct_met"] for c in panels["compliance_per_step"]["cells"]}
    assert pct == {"联系用户": 66.7, "完成整改": 50.0, "协会督办": 100.0}


def build_scans(c):
    U, M, V, G = ScanLog.Verdict.UNKNOWN, ScanLog.Verdict.MALFORMED, ScanLog.Verdict.VOID, ScanLog.Verdict.GENUINE
    c.scan("FAKE1", U, at(2026, 6, 1, 9), network="10.0.1.0/24")
    c.scan("FAKE1", U, at(2026, 6, 1, 10), network="10.0.1.0/24")
    c.scan("FAKE1", U, at(2026, 6, 1, 11), network="10.0.2.0/24")
    c.scan("GOOD", G, at(2026, 6, 1, 11))
    c.scan("GOOD", G, at(2026, 6, 1, 12))
    c.scan("FAKE2", U, at(2026, 6, 2, 9))
    c.scan("???", M, at(2026, 6, 2, 9))
    c.scan("FAKE3", U, at(2026, 6, 3, 23, 30))
    c.scan("OLD1", V, at(2026, 6, 3, 8))
    c.scan("FAKE1", U, at(2026, 5, 31, 23, 59))  # the day before


def test_suspicious_scans_per_day_and_most_scanned_unknown_codes(city):
    build_scans(city)
    period = selectors.Period(datetime.date(2026, 6, 1), datetime.date(2026, 6, 3))
    assert selectors.suspicious_scans_per_day(scoping.CITY, period) == [
        {"day": "2026-06-01", "unknown": 3, "malformed": 0, "void": 0, "gtin_mismatch": 0},
        {"day": "2026-06-02", "unknown": 1, "malformed": 1, "void": 0, "gtin_mismatch": 0},
        {"day": "2026-06-03", "unknown": 1, "malformed": 0, "void": 1, "gtin_mismatch": 0},
    ]
    top = selectors.top_unknown_codes(scoping.CITY, period)
    assert [(r["code"], r["scans"], r["networks"]) for r in top] == [("FAKE1", 3, 2), ("FAKE2", 1, 1), ("FAKE3", 1, 1)]
    assert top[0]["last"] == "2026-06-01 11:00"


def test_scans_page_one_query_per_figure(client, city, warm_city, django_assert_num_queries):
    build_scans(city)
    client.login(username="reviewer", password=PASSWORD)
    client.get(reverse("home"))
    # session, user, groups; suspicious scans 1, suspected clones 2 (cases, signals), unknown codes 1; the
    # header's org; last +1: the header's unread count
    with django_assert_num_queries(3 + 4 + 1 + 1):
        response = client.get(reverse("stats:section", args=["scans"]) + "?start=2026-06-01&end=2026-06-03")
    panels = {p["figure"].key: p for p in response.context["panels"]}
    assert [dict(c)["scans"] for c in panels["top_unknown_codes"]["cells"]] == [3, 1, 1]
    assert [dict(c)["unknown"] for c in panels["suspicious_scans_per_day"]["cells"]] == [3, 1, 1]


SUSPICIOUS_INDEX = "stats_scanlog_suspicious"


def test_the_suspicious_scans_index_covers_every_verdict_the_figures_read(db):
    """A partial index is used only when the query's verdicts imply its predicate: adding a suspicious verdict
    without it (as gtin_mismatch was) sends the counterfeit trend through every scan of the period."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [SUSPICIOUS_INDEX])
        else:
            cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = %s", [SUSPICIOUS_INDEX])
        definition = cursor.fetchone()[0]
    predicate = definition.split("WHERE", 1)[1]
    assert sorted(v for v in ScanLog.Verdict.values if f"'{v}'" in predicate) == sorted(selectors.SUSPICIOUS_VERDICTS)


@pytest.mark.postgres
def test_the_suspicious_scan_figures_can_read_that_index_alone(city):
    """With the plain `at` index out of the way, the planner answers both scan figures from the partial index;
    no column it lacks is read (an index-only scan)."""
    build_scans(city)
    period = selectors.Period(datetime.date(2026, 6, 1), datetime.date(2026, 6, 3))
    plain = [
        name
        for name, c in connection.introspection.get_constraints(connection.cursor(), "field_scanlog").items()
        if c["index"] and c["columns"] == ["at"]
    ]
    with CaptureQueriesContext(connection) as queries:
        selectors.suspicious_scans_per_day(scoping.CITY, period)
        selectors.top_unknown_codes(scoping.CITY, period)
    with connection.cursor() as cursor:
        for name in plain:
            cursor.execute(f'DROP INDEX "{name}"')  # rolled back with the test's transaction
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        for query in queries.captured_queries:
            cursor.execute("EXPLAIN " + query["sql"])
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert f"Index Only Scan using {SUSPICIOUS_INDEX}" in plan, plan
