"""Installation, ignition and rating figures against records built here (local-time months, period bounds)."""

import datetime
import importlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import LabelState
from field.models import Ignition, WorkRecord
from stats import scoping, selectors
from tests.factories import PASSWORD
from tests.factories_field import igniter_with_permit, installer_with_permit, label_for

from .factories_stats import at, make_stats_city

pytestmark = pytest.mark.django_db

PERIOD = selectors.Period(datetime.date(2026, 1, 1), datetime.date(2026, 6, 30))
UTC = datetime.UTC


@pytest.fixture
def city():
    c = make_stats_city()
    l1, l2, l3, l6, l7 = c.labels("A1", LabelState.IGNITED, 5)
    l4, l5 = c.labels("B1", LabelState.INSTALLED, 2)
    c.install(l1, "inst_1", "futian", at(2026, 3, 5), rating=5)
    c.install(l2, "inst_1", "futian", at(2026, 3, 20), rating=4)
    c.install(l3, "inst_1", "nanshan", at(2026, 4, 2))
    c.install(l4, "inst_2", "baoan", at(2026, 4, 10), rating=2)
    # 17:00 UTC on 31 May is 01:00 on 1 June in Shenzhen: a June installation.
    c.install(l5, "inst_2", "nanshan", datetime.datetime(2026, 5, 31, 17, 0, tzinfo=UTC), rating=3)
    c.install(l6, "inst_1", "futian", at(2025, 12, 31, 23), rating=5)  # before the period
    c.install(l1, "inst_1", "futian", at(2026, 5, 1), rating=1, kind=WorkRecord.Kind.REPAIR)  # rated, not an install
    c.ignite(l1, "gas_1", at(2026, 3, 10))
    c.ignite(l3, "gas_1", at(2026, 4, 5))
    c.ignite(l4, "gas_2", at(2026, 4, 12))
    c.ignite(l6, "gas_2", at(2026, 1, 2))  # installed before the period, ignited in it: Futian
    c.ignite(l7, "gas_1", at(2026, 2, 1))  # no installation record: district unknown
    c.ignite(l2, "gas_1", at(2026, 7, 1))  # after the period
    return c


def nonzero(rows, key="district"):
    return {r[key]: r["count"] for r in rows if r["count"]}


def test_installations_per_district_month_and_company(city):
    assert nonzero(selectors.installations_per_district(scoping.CITY, PERIOD)) == {
        "福田区": 2,
        "南山区": 2,
        "宝安区": 1,
    }
    assert len(selectors.installations_per_district(scoping.CITY, PERIOD)) == 10  # every district listed
    assert selectors.installations_per_month(scoping.CITY, PERIOD) == [
        {"month": "2026-03", "count": 2},
        {"month": "2026-04", "count": 2},
        {"month": "2026-06", "count": 1},
    ]
    assert selectors.installations_per_company(scoping.CITY, PERIOD) == [
        {"company": "一号安装公司", "count": 3},
        {"company": "二号安装公司", "count": 2},
    ]


def test_ignitions_per_district_month_and_supplier(city):
    assert nonzero(selectors.ignitions_per_district(scoping.CITY, PERIOD)) == {
        "福田区": 2,
        "南山区": 1,
        "宝安区": 1,
        "未知": 1,
    }
    assert selectors.ignitions_per_month(scoping.CITY, PERIOD) == [
        {"month": "2026-01", "count": 1},
        {"month": "2026-02", "count": 1},
        {"month": "2026-03", "count": 1},
        {"month": "2026-04", "count": 2},
    ]
    assert {r["company"]: r["count"] for r in selectors.ignitions_per_supplier(scoping.CITY, PERIOD)} == {
        "一号燃气公司": 3,
        "二号燃气公司": 2,
    }


def test_installer_ratings_count_installs_and_repairs_rated_in_the_period(city):
    rows = {r["company"]: r for r in selectors.installer_ratings(scoping.CITY, PERIOD)}
    assert rows["一号安装公司"]["rated"] == 3
    assert rows["一号安装公司"]["average"] == pytest.approx(3.33, abs=0.01)  # 5, 4, 1
    assert [rows["一号安装公司"][f"stars_{n}"] for n in range(1, 6)] == [1, 0, 0, 1, 1]
    assert rows["二号安装公司"]["rated"] == 2 and rows["二号安装公司"]["average"] == 2.5
    assert [r["company"] for r in selectors.installer_ratings(scoping.CITY, PERIOD)] == ["一号安装公司", "二号安装公司"]


def test_field_page_filters_by_period_in_one_query_per_figure(client, city, warm_city, django_assert_num_queries):
    client.login(username="regulator", password=PASSWORD)
    client.get(reverse("home"))
    url = reverse("stats:section", args=["field"]) + "?start=2026-03-01&end=2026-03-31"
    # session, user, groups; the summary watermark; 8 figures (all live: nothing summarised; supply areas one
    # query); the header's org.
    with django_assert_num_queries(3 + 1 + 8 + 1 + 1):  # last +1: the header's unread count
        response = client.get(url)
    assert response.status_code == 200
    panels = {p["figure"].key: dict(p) for p in response.context["panels"]}
    assert [dict(c) for c in panels["installations_per_company"]["cells"]] == [{"company": "一号安装公司", "count": 2}]
    assert [dict(c) for c in panels["ignitions_per_month"]["cells"]] == [{"month": "2026-03", "count": 1}]
    assert panels["installations_per_month"]["chart"]["datasets"][0]["data"] == [2]
    # The export uses the same period.
    csv_url = (
        reverse("stats:export", args=["field", "installations_per_company", "csv"]) + "?start=2026-03-01&end=2026-03-31"
    )
    body = client.get(csv_url).content.decode("utf-8-sig")
    assert "一号安装公司,2" in body and "二号安装公司" not in body


def test_a_reversed_period_is_refused_with_a_message(client, city):
    client.login(username="regulator", password=PASSWORD)
    response = client.get(reverse("stats:section", args=["field"]) + "?start=2026-05-01&end=2026-04-01")
    assert response.status_code == 400
    assert "起始日期不能晚于截止日期" in response.content.decode()
    export = client.get(reverse("stats:export", args=["field", "installations_per_company", "csv"]) + "?start=x")
    assert export.status_code == 400


ALL_FIGURES = [
    selectors.installations_per_district,
    selectors.installations_per_month,
    selectors.installations_per_company,
    selectors.ignitions_per_district,
    selectors.ignitions_per_month,
    selectors.ignitions_per_supplier,
    selectors.installer_ratings,
]


@pytest.mark.parametrize("today", [datetime.date(2026, 3, 20), datetime.date(2026, 4, 12), datetime.date(2026, 8, 1)])
def test_summary_for_closed_days_plus_live_counts_give_the_same_figures(city, today):
    from stats import summaries
    from stats.models import DailyFieldCount

    installer = scoping.scope_for(city.users["inst_1_worker"])
    gas = scoping.scope_for(city.users["gas_1_worker"])
    before = {
        (f.__name__, s): f(scope, PERIOD)
        for f in ALL_FIGURES
        for s, scope in [("city", scoping.CITY), ("inst", installer), ("gas", gas)]
    }
    assert summaries.refresh(today=today) == today - datetime.timedelta(days=2)
    assert DailyFieldCount.objects.exists()
    assert summaries.summarised_through() == today - datetime.timedelta(days=2)
    after = {
        (f.__name__, s): f(scope, PERIOD.with_watermark())
        for f in ALL_FIGURES
        for s, scope in [("city", scoping.CITY), ("inst", installer), ("gas", gas)]
    }
    assert after == before
    assert summaries.refresh(today=today) is None  # nothing new to summarise


def test_summary_rows_hold_the_daily_counts(city):
    from stats import summaries
    from stats.models import DailyFieldCount

    summaries.refresh(today=datetime.date(2026, 7, 1))
    rows = DailyFieldCount.objects.filter(metric="installation", day=datetime.date(2026, 6, 1))
    assert sorted((r.grain, r.district, r.company.name if r.company else None, r.n) for r in rows) == [
        ("c", "", "二号安装公司", 1),
        ("d", "nanshan", None, 1),
        ("f", "nanshan", "二号安装公司", 1),
    ]
    march = DailyFieldCount.objects.filter(metric="installation", grain="d", day__month=3).values_list("district", "n")
    assert sorted(march) == [("futian", 1), ("futian", 1)]  # 5 and 20 March, one row a day
    ignition = DailyFieldCount.objects.get(metric="ignition", grain="f", day=datetime.date(2026, 1, 2))
    assert (ignition.district, ignition.n) == ("futian", 1)
    stars = DailyFieldCount.objects.filter(metric="rating", company=city.orgs["inst_1"]).values_list("rating", "n")
    assert sorted(stars) == [(1, 1), (4, 1), (5, 1), (5, 1)]  # 5 on 31 Dec 2025 and 5 March 2026


def test_field_page_reads_summary_and_live_rows_two_queries_a_figure(
    client, city, warm_city, django_assert_num_queries
):
    from stats import summaries

    summaries.refresh(today=datetime.date(2026, 4, 12))
    client.login(username="reviewer", password=PASSWORD)
    client.get(reverse("home"))
    # 7 figures read summary + live rows, the supply areas one query; last +1: the header's unread count
    with django_assert_num_queries(3 + 1 + 7 * 2 + 1 + 1 + 1):
        response = client.get(reverse("stats:section", args=["field"]) + "?start=2026-01-01&end=2026-06-30")
    panels = {p["figure"].key: p for p in response.context["panels"]}
    assert [dict(c) for c in panels["installations_per_company"]["cells"]] == [
        {"company": "一号安装公司", "count": 3},
        {"company": "二号安装公司", "count": 2},
    ]


def test_an_ignition_counts_where_the_appliance_was_installed(client):
    """Through the real pages: the ignition row carries the installation's district, the figure reads it."""
    installer, install_permit = installer_with_permit()
    igniter, ignite_permit = igniter_with_permit()
    label = label_for(install_permit.company, state="sold", gas="12T")
    client.force_login(installer)
    data = {"permit": install_permit.number, "nameplate_confirmed": "on", "district": "longgang"}
    assert client.post(f"/field/install/{label.serial}/", data).status_code == 302
    # A later repair elsewhere does not move the appliance's district.
    data = {**data, "district": "futian"}
    assert client.post(f"/field/repair/{label.serial}/", data).status_code == 302
    client.force_login(igniter)
    assert client.post(f"/field/ignite/{label.serial}/", {"permit": ignite_permit.number}).status_code == 200
    assert Ignition.objects.get(label=label).district == "longgang"
    today = selectors.Period.last_days(1)
    assert nonzero(selectors.ignitions_per_district(scoping.CITY, today)) == {"龙岗区": 1}


def test_ignitions_per_district_is_one_query_on_ignitions_alone(city, warm_city):
    """No look-up of each ignition's installation (the correlated subquery that was slow at 10 M labels)."""
    period = PERIOD.with_watermark()
    with CaptureQueriesContext(connection) as queries:
        rows = selectors.ignitions_per_district(scoping.CITY, period)
    assert nonzero(rows) == {"福田区": 2, "南山区": 1, "宝安区": 1, "未知": 1}
    assert len(queries.captured_queries) == 1
    assert "field_workrecord" not in queries.captured_queries[0]["sql"]


def test_the_migration_backfills_each_ignition_with_its_first_installation_district(city):
    backfill = importlib.import_module("field.migrations.0002_i19_ignition_district").BACKFILL
    expected = dict(Ignition.objects.values_list("label__serial", "district"))
    assert sorted(expected.values()) == ["", "baoan", "futian", "futian", "futian", "nanshan"]
    Ignition.objects.update(district="")
    with connection.cursor() as cursor:
        cursor.execute(backfill)
    assert dict(Ignition.objects.values_list("label__serial", "district")) == expected
