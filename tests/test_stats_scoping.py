"""Role scoping: each company sees only its own figures; the association and the regulator the city."""

import datetime

import pytest
from django.urls import reverse

from accounts import roles
from cases.models import LabelState
from stats import scoping, selectors
from tests.factories import PASSWORD, UserFactory

from .factories_stats import at, make_stats_city, populate_labels
from .test_stats_remediation import build_cases, build_scans

pytestmark = pytest.mark.django_db
PERIOD = selectors.Period(datetime.date(2025, 1, 1), datetime.date(2026, 12, 31))


@pytest.fixture
def city():
    c = make_stats_city()
    populate_labels(c)
    a, b = c.labels("A1", LabelState.IGNITED, 1)[0], c.labels("B1", LabelState.IGNITED, 1)[0]
    c.install(a, "inst_1", "futian", at(2026, 3, 1), rating=5)
    c.install(b, "inst_2", "luohu", at(2026, 3, 2), rating=1)
    c.ignite(a, "gas_1", at(2026, 3, 3))
    c.ignite(b, "gas_2", at(2026, 3, 4))
    build_cases(c)
    build_scans(c)
    return c


def scope_of(city, username):
    return scoping.scope_for(city.users[username])


def test_scope_for_each_role(city):
    assert scope_of(city, "reviewer") is scoping.CITY
    assert scope_of(city, "regulator") is scoping.CITY
    assert scope_of(city, "maker_a_staff") == scoping.Scope(
        manufacturer_id=city.orgs["maker_a"].pk, sections=(scoping.LABELS, scoping.FIELD, scoping.REMEDIATION)
    )
    assert scope_of(city, "dealer_1_staff").dealer_id == city.orgs["dealer_1"].pk
    assert scope_of(city, "inst_1_worker").installer_id == city.orgs["inst_1"].pk
    assert scope_of(city, "gas_1_worker").gas_supplier_id == city.orgs["gas_1"].pk


def test_a_role_in_the_wrong_kind_of_organisation_sees_nothing(city):
    from django.core.exceptions import PermissionDenied

    misfiled = UserFactory(organization=city.orgs["dealer_1"], role=roles.MANUFACTURER)
    with pytest.raises(PermissionDenied):
        scoping.scope_for(misfiled)


def test_manufacturer_sees_only_its_own_products(city):
    scope = scope_of(city, "maker_a_staff")
    assert {r["model"] for r in selectors.labels_by_model(scope)} == {"A-100", "A-200"}
    assert sum(r["count"] for r in selectors.label_totals(scope)) == 15 + 1
    assert [r["company"] for r in selectors.installations_per_company(scope, PERIOD)] == ["一号安装公司"]
    assert [r["company"] for r in selectors.ignitions_per_supplier(scope, PERIOD)] == ["一号燃气公司"]
    assert sum(r["count"] for r in selectors.cases_by_kind(scope, PERIOD)) == 2  # cases on A1 and A2
    assert selectors.installer_ratings(scope, PERIOD) == []
    assert selectors.suspicious_scans_per_day(scope, PERIOD) == []


def test_dealer_sees_only_its_own_cases(city):
    scope = scope_of(city, "dealer_2_staff")
    assert [r["dealer"] for r in selectors.cases_by_dealer(scope, PERIOD)] == ["二号代理商"]
    assert [r["dealer"] for r in selectors.compliance_per_dealer(scope, PERIOD)] == ["二号代理商"]
    assert sum(r["count"] for r in selectors.open_escalations(scope)) == 2  # c3 to the regulator, c5 to the association
    assert selectors.labels_by_model(scope) == [] and selectors.installations_per_company(scope, PERIOD) == []


def test_installer_sees_only_its_own_installs_and_ratings(city):
    scope = scope_of(city, "inst_2_worker")
    assert selectors.installations_per_company(scope, PERIOD) == [{"company": "二号安装公司", "count": 1}]
    assert [r["company"] for r in selectors.installer_ratings(scope, PERIOD)] == ["二号安装公司"]
    assert selectors.ignitions_per_supplier(scope, PERIOD) == []
    assert selectors.cases_by_kind(scope, PERIOD) == []


@pytest.mark.parametrize(
    ("username", "allowed", "refused"),
    [
        ("reviewer", ["labels", "field", "remediation", "scans"], []),
        ("regulator", ["labels", "field", "remediation", "scans"], []),
        ("maker_a_staff", ["labels", "field", "remediation"], ["scans"]),
        ("dealer_1_staff", ["remediation"], ["labels", "field", "scans"]),
        ("inst_1_worker", ["field"], ["labels", "remediation", "scans"]),
    ],
)
def test_pages_and_exports_by_role(client, city, username, allowed, refused):
    client.login(username=username, password=PASSWORD)
    for section in allowed:
        assert client.get(reverse("stats:section", args=[section])).status_code == 200
    for section in refused:
        assert client.get(reverse("stats:section", args=[section])).status_code == 403
        assert client.get(reverse("stats:export", args=[section, "label_totals", "csv"])).status_code == 403
    assert client.get(reverse("stats:index")).url == reverse("stats:section", args=[allowed[0]])


def test_exports_are_scoped_too(client, city):
    client.login(username="dealer_1_staff", password=PASSWORD)
    url = reverse("stats:export", args=["remediation", "cases_by_dealer", "csv"]) + "?start=2025-01-01&end=2026-12-31"
    body = client.get(url).content.decode("utf-8-sig")
    assert "一号代理商" in body and "二号代理商" not in body
    client.login(username="inst_1_worker", password=PASSWORD)
    url = reverse("stats:export", args=["field", "installer_ratings", "csv"]) + "?start=2025-01-01&end=2026-12-31"
    body = client.get(url).content.decode("utf-8-sig")
    assert "一号安装公司" in body and "二号安装公司" not in body


def test_anonymous_is_sent_to_login_and_reports_are_for_association_and_regulator(client, city):
    response = client.get(reverse("stats:section", args=["labels"]))
    assert response.status_code == 302 and reverse("login") in response.url
    for username, status in [("dealer_1_staff", 403), ("maker_a_staff", 403), ("regulator", 200), ("reviewer", 200)]:
        client.login(username=username, password=PASSWORD)
        assert client.get(reverse("stats:reports")).status_code == status


def test_navigation_offers_statistics_to_the_scoped_roles(client, city):
    for username in ["reviewer", "regulator", "maker_a_staff", "dealer_1_staff", "inst_1_worker"]:
        client.login(username=username, password=PASSWORD)
        assert 'data-nav="stats"' in client.get(reverse("home")).content.decode()
