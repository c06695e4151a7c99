"""Supply areas: the gas rule follows the installation address; ignition bookings go to that area's supplier."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.models import Organization
from field.models import Ignition, SupplyArea, WorkRecord
from field.services import supply_areas
from field.services.bookings import booking_companies
from tests.factories import PASSWORD, UserFactory
from tests.factories_field import igniter_with_permit, installer_with_permit, label_for, qualified

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()


@pytest.fixture
def lpg_area():
    """Shenzhen on 12T (the setting), 大鹏 on LPG 20Y from its own supplier."""
    supplier = qualified(Organization.Kind.GAS_SUPPLIER, name="大鹏液化气")
    return SupplyArea.objects.create(supplier=supplier, district="dapeng", gas_category="20Y")


def api_as(user):
    client = APIClient()
    token = client.post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD}).json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def installed_in(district, installer, permit, gas="20Y"):
    """An appliance of `gas` recorded as installed in `district` (as if before the area existed)."""
    label = label_for(permit.company, state="installed", gas=gas)
    WorkRecord.objects.create(
        label=label, kind="installation", worker=installer, permit=permit, company=permit.company, district=district
    )
    return label


def test_gas_category_at_an_address(settings, lpg_area):
    SupplyArea.objects.create(supplier=lpg_area.supplier, district="futian", street="沙头街道", gas_category="20Y")
    assert supply_areas.gas_category_at(district="dapeng") == "20Y"
    assert supply_areas.gas_category_at(district="futian") == settings.CITY_GAS_CATEGORY == "12T"
    assert supply_areas.gas_category_at(district="futian", street="沙头街道") == "20Y"


def test_lpg_appliance_installs_in_the_lpg_area_and_is_refused_in_12t_on_pages(client, lpg_area):
    installer, permit = installer_with_permit()
    client.force_login(installer)
    body = {"permit": permit.number, "nameplate_confirmed": "on"}
    there = label_for(permit.company, state="sold", gas="20Y")
    response = client.post(f"/field/install/{there.serial}/", {**body, "district": "dapeng"})
    assert response.status_code == 302
    there.refresh_from_db()
    assert there.state == "installed"
    elsewhere = label_for(permit.company, state="sold", gas="20Y")
    refused = client.post(f"/field/install/{elsewhere.serial}/", {**body, "district": "futian"})
    html = refused.content.decode()
    assert refused.status_code == 409 and "气源不匹配" in html and "12T" in html
    elsewhere.refresh_from_db()
    assert elsewhere.state == "sold"
    # And the other way round: a 12T cooktop is refused in the LPG area.
    piped = label_for(permit.company, state="sold", gas="12T")
    assert client.post(f"/field/install/{piped.serial}/", {**body, "district": "dapeng"}).status_code == 409


def test_lpg_appliance_installs_and_ignites_in_the_lpg_area_and_is_refused_in_12t_by_api(lpg_area):
    installer, permit = installer_with_permit()
    igniter, ignite_permit = igniter_with_permit(lpg_area.supplier)
    label = label_for(permit.company, state="sold", gas="20Y")
    work = {"kind": "installation", "permit": permit.number, "nameplate_confirmed": True}
    installer_api = api_as(installer)
    assert installer_api.post(f"/api/v1/labels/{label.serial}/work/", {**work, "district": "dapeng"}).status_code == 201
    answer = api_as(igniter).post(f"/api/v1/labels/{label.serial}/ignite/", {"permit": ignite_permit.number})
    assert answer.status_code == 201
    assert Ignition.objects.get(label=label).supply_gas_category == "20Y"

    other = label_for(permit.company, state="sold", gas="20Y")
    refused = installer_api.post(f"/api/v1/labels/{other.serial}/work/", {**work, "district": "nanshan"})
    assert refused.status_code == 409 and refused.json()["code"] == "gas_mismatch"
    # Installed in a 12T district before the rule knew areas: its ignition is refused there.
    old = installed_in("nanshan", installer, permit)
    refused = api_as(igniter).post(f"/api/v1/labels/{old.serial}/ignite/", {"permit": ignite_permit.number})
    assert refused.status_code == 409 and refused.json()["code"] == "gas_mismatch"
    assert not Ignition.objects.filter(label=old).exists()


def test_ignition_page_follows_the_area_and_bookings_go_to_its_supplier(client, lpg_area):
    installer, permit = installer_with_permit()
    city_supplier = qualified(Organization.Kind.GAS_SUPPLIER, name="市燃气")
    igniter, ignite_permit = igniter_with_permit(lpg_area.supplier)
    in_lpg = installed_in("dapeng", installer, permit)
    in_12t = installed_in("luohu", installer, permit)
    assert booking_companies(label=in_lpg, kind="ignition") == [lpg_area.supplier]
    assert set(booking_companies(label=in_12t, kind="ignition")) == {lpg_area.supplier, city_supplier}
    client.force_login(igniter)
    refused = client.post(f"/field/ignite/{in_12t.serial}/", {"permit": ignite_permit.number})
    assert refused.status_code == 409 and "气源不匹配" in refused.content.decode()
    done = client.post(f"/field/ignite/{in_lpg.serial}/", {"permit": ignite_permit.number})
    assert done.status_code in (200, 302)
    assert Ignition.objects.get(label=in_lpg).supply_gas_category == "20Y"


def test_scan_page_shows_the_area_gas_for_an_installed_lpg_appliance(
    client, lpg_area, warm_city, django_assert_max_num_queries
):
    installer, permit = installer_with_permit()
    in_lpg = installed_in("dapeng", installer, permit)
    with django_assert_max_num_queries(4):  # the 3 of every scan + the area, for appliances off the city's gas
        html = client.get(f"/q/{in_lpg.serial}").content.decode()
    assert "适配本地燃气" in html and 'id="gas-warning"' not in html and 'id="book"' in html
    in_12t = installed_in("luohu", installer, permit)
    assert 'id="gas-warning"' in client.get(f"/q/{in_12t.serial}").content.decode()


def test_statistics_show_supply_areas(lpg_area):
    from stats import figures, scoping, selectors

    SupplyArea.objects.create(supplier=lpg_area.supplier, district="futian", street="沙头街道", gas_category="20Y")
    rows = figures.BY_KEY["supply_areas"].rows(scoping.CITY, selectors.Period.last_days(30))
    by_area = {row["area"]: row for row in rows}
    assert by_area["大鹏新区"] == {"area": "大鹏新区", "gas": "20Y", "supplier": "大鹏液化气"}
    assert (by_area["福田区"]["gas"], by_area["福田区"]["supplier"]) == ("12T", "")
    assert by_area["福田区 沙头街道"]["gas"] == "20Y"
    assert [row["area"] for row in rows].index("福田区 沙头街道") == 1  # right after its district
    assert figures.BY_KEY["supply_areas"].rows(scoping.Scope(installer_id=1, sections=("field",)), None) == []


def test_the_admin_offers_the_city_districts_and_refuses_any_other_code(client, lpg_area):
    # A typed code that is no district would save an area no address falls in: the gas rule would ignore it.
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = f"/admin/field/supplyarea/{lpg_area.pk}/change/"
    assert '<option value="dapeng" selected>' in client.get(url).content.decode()
    data = {"supplier": lpg_area.supplier_id, "street": "", "gas_category": "20Y"}
    for typed in ("Dapeng", "大鹏", ""):
        assert client.post(url, {**data, "district": typed}).status_code == 200  # the form again, with its error
    lpg_area.refresh_from_db()
    assert lpg_area.district == "dapeng"
    assert client.post(url, {**data, "district": "pingshan"}).status_code == 302
    assert supply_areas.gas_category_at(district="pingshan") == "20Y"
