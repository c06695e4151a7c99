"""The city as data: Shenzhen migrated from the old constant, a second city set up from a fixture and walked
end to end (sale, installation, ignition, a remediation report, statistics by district), on pages and API."""

import datetime
import json
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from accounts import city, city_setup
from accounts.models import City, District, Organization
from api.fields import DistrictField
from audit.models import AuditEntry
from cases import pdf
from core import serials
from field.models import Ignition, Sale, WorkRecord
from remediation import notifications
from remediation.models import RemediationCase
from stats import scoping, selectors
from tests.factories import UserFactory
from tests.factories_field import dealer_user, igniter_with_permit, installer_with_permit, label_for

pytestmark = pytest.mark.django_db

FOSHAN = Path(__file__).resolve().parent.parent / "docs" / "cities" / "foshan.json"
SHENZHEN_CODES = [
    "futian",
    "luohu",
    "nanshan",
    "yantian",
    "baoan",
    "longgang",
    "longhua",
    "pingshan",
    "guangming",
    "dapeng",
]


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_migration_made_shenzhen_the_current_city_with_the_old_codes(settings):
    shenzhen = City.objects.get(is_current=True)
    assert shenzhen.name == "深圳市" and shenzhen.association_name == settings.ASSOCIATION_NAME
    assert shenzhen.gas_category == "12T"
    assert list(shenzhen.districts.values_list("code", flat=True)) == SHENZHEN_CODES
    assert city.district_name("dapeng") == "大鹏新区" and city.is_district("futian") and not city.is_district("nanhai")


def test_the_city_is_read_once_then_from_the_cache_and_a_change_is_seen_at_once():
    with CaptureQueriesContext(connection) as cold:
        city.current_city()
    with CaptureQueriesContext(connection) as warm:
        assert city.current_city().hotline == ""
    assert (len(cold), len(warm)) == (2, 0)
    shenzhen = City.objects.get(is_current=True)
    shenzhen.hotline = "0755-12319"
    shenzhen.save()  # as the admin does: the signal drops the cached copy
    assert city.current_city().hotline == "0755-12319"
    District.objects.filter(code="dapeng").get().delete()
    assert not city.is_district("dapeng")


def test_a_bad_fixture_is_refused_and_writes_nothing(tmp_path):
    data = json.loads(FOSHAN.read_text(encoding="utf-8"))
    for broken in (
        {**data, "gas_category": "99Z"},
        {**data, "districts": [{"code": "a", "name": "甲"}, {"code": "a", "name": "乙"}]},
        {**data, "districts": [{"code": "Not A Slug", "name": "甲"}]},
        {**data, "districts": [{"code": "Shunde", "name": "顺德区"}]},  # a slug, but the API takes lower case only
        {**data, "districts": []},
    ):
        path = tmp_path / "city.json"
        path.write_text(json.dumps(broken), encoding="utf-8")
        with pytest.raises(CommandError):
            call_command("load_city", str(path))
    assert list(City.objects.values_list("name", flat=True)) == ["深圳市"]
    assert not Organization.objects.filter(kind="regulator").exists()
    assert city.current_city().name == "深圳市"


def test_a_second_city_from_a_fixture_works_end_to_end(client, tmp_path):
    call_command("load_city", str(FOSHAN), stdout=open(tmp_path / "out.txt", "w"))  # noqa: SIM115
    foshan = City.objects.get(is_current=True)
    assert foshan.name == "佛山市" and foshan.regulator.kind == "regulator"
    assert not City.objects.get(name="深圳市").is_current
    assert AuditEntry.objects.filter(action="city.created", object_id=str(foshan.pk)).exists()
    # Loading again changes nothing but the audit log: a city is found by name, a district by code.
    call_command("load_city", str(FOSHAN), stdout=open(tmp_path / "out.txt", "w"))  # noqa: SIM115
    assert foshan.districts.count() == 5 and City.objects.count() == 2

    # Sale: on the page with a Foshan district; a Shenzhen district is no longer offered nor accepted.
    dealer = dealer_user()
    label = label_for(None, state="activated")
    client.force_login(dealer)
    form = client.get(f"/field/sell/{label.serial}/").content.decode()
    assert 'value="shunde"' in form and "顺德区" in form and 'value="futian"' not in form
    assert client.post(f"/field/sell/{label.serial}/", {"district": "futian"}).status_code in (400, 409)
    assert client.post(f"/field/sell/{label.serial}/", {"district": "shunde"}).status_code == 200
    assert Sale.objects.get(label=label).district == "shunde"

    # Installation by API: a Shenzhen code is a 400 naming the valid codes, a Foshan code is recorded.
    installer, permit = installer_with_permit()
    label.appliance_model.designated_installers.add(permit.company)
    work = {"kind": "installation", "permit": permit.number, "nameplate_confirmed": True}
    refused = api(installer).post(f"/api/v1/labels/{label.serial}/work/", {**work, "district": "futian"})
    assert refused.status_code == 400 and "nanhai" in json.dumps(refused.json())
    done = api(installer).post(f"/api/v1/labels/{label.serial}/work/", {**work, "district": "nanhai"})
    assert done.status_code == 201, done.content
    assert WorkRecord.objects.get(label=label).get_district_display() == "南海区"

    # Ignition: the city's default gas (12T) fits; the ignition counts in the installation's district.
    igniter, ignite_permit = igniter_with_permit()
    ignited = api(igniter).post(f"/api/v1/labels/{label.serial}/ignite/", {"permit": ignite_permit.number})
    assert ignited.status_code == 201, ignited.content
    assert Ignition.objects.get(label=label).district == "nanhai"

    # A remediation report over the API in a Foshan district; the case page names it.
    reported = api(igniter).post(
        "/api/v1/reports/", {"kind": "label_missing", "district": "chancheng", "address": "祖庙路1号"}, format="json"
    )
    assert reported.status_code == 201, reported.content
    case = RemediationCase.objects.get()
    assert case.district == "chancheng" and case.get_district_display() == "禅城区"
    wrong = api(igniter).post("/api/v1/reports/", {"kind": "label_missing", "district": "luohu"}, format="json")
    assert wrong.status_code == 400 and RemediationCase.objects.count() == 1

    # Statistics by district: Foshan's five districts by name, in the fixture's order.
    period = selectors.Period(datetime.date.today() - datetime.timedelta(days=1), datetime.date.today())
    installs = selectors.installations_per_district(scoping.CITY, period)
    assert [r["district"] for r in installs] == ["禅城区", "南海区", "顺德区", "高明区", "三水区"]
    assert {r["district"]: r["count"] for r in selectors.ignitions_per_district(scoping.CITY, period)}["南海区"] == 1
    regulator = UserFactory(organization=foshan.regulator, role="regulator")
    client.force_login(regulator)
    page = client.get(reverse("stats:section", args=["field"])).content.decode()
    assert "南海区" in page and "福田区" not in page

    # The association's name and hotline on the scan page and on the printed label are Foshan's.
    client.logout()
    fake = client.get(f"/q/{serials.new_serial()}").content.decode()
    assert 'href="tel:0757-12319"' in fake and "佛山市燃气行业协会" in fake
    assert pdf.label_text_for(label.appliance_model).association == "佛山市燃气行业协会"


def test_the_openapi_schema_describes_district_as_a_code_not_a_shenzhen_enum(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "futian" not in schema and "district code of the current city" in schema


def test_escalations_reach_the_current_citys_regulator_only(tmp_path):
    other = UserFactory(
        organization=Organization.objects.create(name="邻市主管部门", kind="regulator"), role="regulator"
    )
    assert other in notifications.regulator_users()  # no regulator named yet: every regulator hears
    call_command("load_city", str(FOSHAN), stdout=open(tmp_path / "out.txt", "w"))  # noqa: SIM115
    ours = UserFactory(organization=City.objects.get(is_current=True).regulator, role="regulator")
    assert notifications.regulator_users() == [ours]


def test_an_unreachable_cache_reads_the_city_from_the_database(settings, caplog):
    # A port nothing listens on: every cache call fails, as when Redis is down.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    assert city.current_city().name == "深圳市" and city.is_district("futian")
    shenzhen = City.objects.get(is_current=True)
    shenzhen.hotline = "0755-12319"
    shenzhen.save()  # the signal's cache delete fails quietly; the save stands
    assert City.objects.get(pk=shenzhen.pk).hotline == city.current_city().hotline == "0755-12319"
    assert "city cache unreachable" in caplog.text


def test_the_admin_switches_the_current_city_with_its_action(client, tmp_path):
    foshan = city_setup.load_city(data={**json.loads(FOSHAN.read_text(encoding="utf-8")), "current": False})
    assert city.current_city().name == "深圳市"
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    changelist = reverse("admin:accounts_city_changelist")
    both = {"action": "make_current", "_selected_action": [foshan.pk, City.objects.get(name="深圳市").pk]}
    client.post(changelist, both)
    assert city.current_city().name == "深圳市"  # two chosen: nothing changes
    response = client.post(changelist, {"action": "make_current", "_selected_action": [foshan.pk]})
    assert response.status_code == 302
    assert list(City.objects.filter(is_current=True).values_list("name", flat=True)) == ["佛山市"]
    assert city.current_city().name == "佛山市" and city.is_district("shunde") and not city.is_district("futian")
    entry = AuditEntry.objects.get(action="city.made_current")
    assert (entry.object_id, entry.actor, entry.source) == (str(foshan.pk), admin_user, "web")


def test_only_a_superuser_changes_the_city_in_the_admin(client):
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="accounts", codename__contains="city")
    )
    client.force_login(staff)
    shenzhen = City.objects.get(is_current=True)
    assert client.post(reverse("admin:accounts_city_change", args=[shenzhen.pk]), {"name": "X"}).status_code == 403
    assert City.objects.get(pk=shenzhen.pk).name == "深圳市"


def test_the_admin_refuses_a_district_code_the_api_could_never_send(client):
    # SlugField alone let "Xinqu" in; DistrictField (the API) takes ^[-a-z0-9_]+$, so the phones could not use it.
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    shenzhen = City.objects.get(is_current=True)
    url = reverse("admin:accounts_city_change", args=[shenzhen.pk])
    page = client.get(url)
    data = {k: v for k, v in page.context["adminform"].form.initial.items() if v is not None}
    data.update(name=shenzhen.name, gas_category=shenzhen.gas_category, regulator=shenzhen.regulator_id or "")
    rows = list(shenzhen.districts.order_by("pk"))
    data.update({"districts-TOTAL_FORMS": len(rows) + 1, "districts-INITIAL_FORMS": len(rows)})
    for i, row in enumerate(rows):
        data.update({f"districts-{i}-id": row.pk, f"districts-{i}-city": shenzhen.pk, f"districts-{i}-code": row.code})
        data.update({f"districts-{i}-name": row.name, f"districts-{i}-order": row.order})
    new = len(rows)
    data.update({f"districts-{new}-city": shenzhen.pk, f"districts-{new}-name": "新区", f"districts-{new}-order": 99})
    response = client.post(url, {**data, f"districts-{new}-code": "Xinqu"})
    assert response.status_code == 200 and not District.objects.filter(code="Xinqu").exists()
    assert client.post(url, {**data, f"districts-{new}-code": "xinqu"}).status_code == 302
    assert city.is_district("xinqu") and DistrictField().run_validation("xinqu") == "xinqu"  # the phones can send it


def test_a_code_that_is_no_district_is_refused_in_the_users_language():
    # The API speaks Chinese like the pages (this was its one English message), and English after the switch.
    dealer = api(dealer_user())
    url = f"/api/v1/labels/{serials.new_serial()}/sell/"  # the body is checked before the label is looked up
    codes = ", ".join(d.code for d in city.districts())
    body = dealer.post(url, {"district": "nowhere"}, format="json").json()
    assert body["errors"]["district"] == [f"“nowhere”不是当前城市的行政区代码；可用的代码：{codes}"]
    dealer.cookies["django_language"] = "en"
    body = dealer.post(url, {"district": "nowhere"}, format="json").json()
    assert body["errors"]["district"] == [f'"nowhere" is not a district of the current city; valid codes: {codes}']
