"""Issue 14: the gas rule and recalls hold on every path (pages and API, every role), one code parser.

Recall pages, notifications and the follow-up list: tests/test_recalls.py.
"""

from datetime import date

import pytest

from accounts import roles
from accounts.models import City, Organization
from cases import rules
from cases.models import Label, LabelState, Recall
from cases.qr import label_qr_text
from cases.services import recalls
from cases.services.labels import SYSTEM
from core import serials
from field.models import Booking, Ignition, Sale, WorkRecord
from field.services.sales import sell
from remediation import services as remediation
from tests.factories import LabelFactory, UserFactory
from tests.factories_field import dealer_user, igniter_with_permit, installer_with_permit, label_for
from tests.factories_remediation import fresh_label, make_city, sold_label
from tests.test_field_api import api_as

pytestmark = pytest.mark.django_db


def reviewer():
    return UserFactory(organization__kind=Organization.Kind.ASSOCIATION, role=roles.REVIEWER)


def recall_model(label, **kwargs):
    return recalls.recall(
        user=reviewer(),
        appliance_model_id=label.appliance_model_id,
        reason="阀门缺陷",
        recalled_on=date(2026, 11, 30),
        **kwargs,
    )


# --- one gas rule -------------------------------------------------------------------------------------


def test_gas_rule_takes_the_area_category_and_defaults_to_the_city():
    label = label_for(gas="20Y")
    assert rules.gas_mismatch(label.appliance_model).area_category == "12T"
    assert rules.gas_mismatch(label.appliance_model, area_category="20Y") is None
    # The city's default gas is data (accounts.City, admin: 城市); a change is seen at once.
    current = City.objects.get(is_current=True)
    current.gas_category = "20Y"
    current.save()
    assert rules.gas_mismatch(label.appliance_model) is None


def test_installation_of_a_gas_mismatch_is_refused_on_page_and_api(client):
    user, permit = installer_with_permit()
    label = label_for(permit.company, state="sold", gas="20Y")
    client.force_login(user)
    page = client.post(
        f"/field/install/{label.serial}/",
        {"permit": permit.number, "nameplate_confirmed": "on", "district": "futian"},
    )
    assert page.status_code == 409 and "气源不匹配" in page.content.decode() and "禁止安装" in page.content.decode()
    body = {"permit": permit.number, "nameplate_confirmed": True, "district": "futian"}
    api = api_as(user).post(f"/api/v1/labels/{label.serial}/work/", body, format="json")
    assert api.status_code == 409 and api.json()["code"] == "gas_mismatch"
    assert "kind=gas_mismatch" in api.json()["report_url"]
    assert not WorkRecord.objects.exists() and Label.objects.get(pk=label.pk).state == LabelState.SOLD
    # A repair of an appliance already installed is history, not a new installation: allowed.
    Label.objects.filter(pk=label.pk).update(state=LabelState.INSTALLED)
    api = api_as(user).post(f"/api/v1/labels/{label.serial}/work/", {**body, "kind": "repair"}, format="json")
    assert api.status_code == 201


def test_sale_of_a_gas_mismatch_warns_the_dealer_on_page_and_api(client):
    user = dealer_user()
    first, second = label_for(gas="20Y"), label_for(gas="20Y")
    client.force_login(user)
    page = client.post(f"/field/sell/{first.serial}/", {"district": "futian"})
    assert page.status_code == 200 and 'id="gas-warning"' in page.content.decode()
    assert "20Y" in page.content.decode() and "12T" in page.content.decode()
    api = api_as(user).post(f"/api/v1/labels/{second.serial}/sell/", {}, format="json")
    assert api.status_code == 201 and "气源不匹配" in api.json()["warning"]
    assert Sale.objects.count() == 2
    fitting = label_for()
    assert api_as(user).post(f"/api/v1/labels/{fitting.serial}/sell/", {}, format="json").json()["warning"] == ""


def test_ignition_of_a_gas_mismatch_is_refused_on_page_and_api(client):
    user, permit = igniter_with_permit()
    label = label_for(state="installed", gas="20Y")
    client.force_login(user)
    page = client.post(f"/field/ignite/{label.serial}/", {"permit": permit.number})
    assert page.status_code == 409 and "禁止点火" in page.content.decode()
    api = api_as(user).post(f"/api/v1/labels/{label.serial}/ignite/", {"permit": permit.number}, format="json")
    assert api.status_code == 409 and api.json()["code"] == "gas_mismatch"
    assert not Ignition.objects.exists()


# --- recalls block sale, installation, ignition and booking ------------------------------------------------


def test_recalled_label_refused_for_every_role_on_pages_and_api(client):
    dealer = dealer_user()
    installer, install_permit = installer_with_permit()
    igniter, ignite_permit = igniter_with_permit()
    for_sale = label_for(installer.organization, state="activated")
    recall_model(for_sale)
    to_install = LabelFactory(batch__declaration__appliance_model=for_sale.appliance_model, state="sold")
    to_ignite = LabelFactory(batch__declaration__appliance_model=for_sale.appliance_model, state="installed")

    attempts = [
        (
            dealer,
            f"/field/sell/{for_sale.serial}/",
            {"district": "futian"},
            f"/api/v1/labels/{for_sale.serial}/sell/",
            {},
        ),
        (
            installer,
            f"/field/install/{to_install.serial}/",
            {"permit": install_permit.number, "nameplate_confirmed": "on", "district": "futian"},
            f"/api/v1/labels/{to_install.serial}/work/",
            {"permit": install_permit.number, "nameplate_confirmed": True, "district": "futian"},
        ),
        (
            igniter,
            f"/field/ignite/{to_ignite.serial}/",
            {"permit": ignite_permit.number},
            f"/api/v1/labels/{to_ignite.serial}/ignite/",
            {"permit": ignite_permit.number},
        ),
    ]
    for user, page_url, form, api_url, body in attempts:
        client.force_login(user)
        shown = client.get(page_url)
        assert shown.status_code == 409 and "已召回 — 请勿安装或点火" in shown.content.decode(), page_url
        posted = client.post(page_url, form)
        assert posted.status_code == 409 and 'data-code="recalled"' in posted.content.decode(), page_url
        api = api_as(user).post(api_url, body, format="json")
        assert api.status_code == 409 and api.json()["code"] == "recalled" and "阀门缺陷" in api.json()["detail"]
    assert not (Sale.objects.exists() or WorkRecord.objects.exists() or Ignition.objects.exists())
    assert [label.state for label in Label.objects.order_by("pk")] == ["activated", "sold", "installed"]

    client.logout()
    book = client.get(f"/q/{to_install.serial}/book/")
    assert book.status_code == 409 and "已召回" in book.content.decode()
    api = api_as().post(
        f"/api/v1/labels/{to_install.serial}/bookings/",
        {
            "kind": "installation",
            "company": installer.organization_id,
            "phone": "13800001111",
            "district": "futian",
            "preferred_date": str(date.today()),
        },
        format="json",
    )
    assert api.status_code == 409 and api.json()["code"] == "recalled", api.json()
    assert not Booking.objects.exists()


def test_scan_page_says_recalled_first_in_red_and_offers_no_booking(client):
    label = label_for(state="sold")
    before = client.get(f"/q/{label.serial}").content.decode()
    assert 'data-verdict="genuine"' in before and 'id="book"' in before
    recall = recall_model(label)
    html = client.get(f"/q/{label.serial}").content.decode()
    assert html.index('data-verdict="recalled"') < html.index("<h1>")  # the main message, before the product
    assert 'class="verdict invalid big"' in html and "已召回 — 请勿安装或点火" in html and "阀门缺陷" in html
    assert "真品标识" not in html and 'id="book"' not in html
    data = api_as().get(f"/api/v1/scan/{label.serial}/").json()
    assert data["recalled"] is True and data["recall_reason"] == "阀门缺陷" and data["recalled_on"] == "2026-11-30"

    recalls.lift_recall(user=reviewer(), recall_id=recall.pk, reason="已更换阀门")
    html = client.get(f"/q/{label.serial}").content.decode()
    assert 'data-verdict="genuine"' in html and 'id="book"' in html


def test_batch_and_serial_range_recall_cover_only_their_labels():
    first = label_for(state="activated")
    model, batch = first.appliance_model, first.batch
    run = [first] + [LabelFactory(batch=batch, state="activated") for _ in range(4)]
    other_batch = LabelFactory(batch__declaration__appliance_model=model, state="activated")
    ranged = recall_model(
        first, batch_id=batch.pk, first_serial=label_qr_text(run[3].serial), last_serial=run[1].serial
    )
    assert ranged.scope == Recall.Scope.RANGE and ranged.label_count == 3
    assert set(Label.objects.filter(recall=ranged)) == set(run[1:4])
    whole_batch = recall_model(first, batch_id=batch.pk)
    assert whole_batch.label_count == 2  # run[0] and run[4]; the range keeps its own three
    assert Label.objects.get(pk=other_batch.pk).recall is None
    # Lifting the range hands its labels to the batch recall that also covers them.
    recalls.lift_recall(user=reviewer(), recall_id=ranged.pk, reason="误报")
    assert set(Label.objects.filter(recall=whole_batch)) == set(run)
    assert not model.__class__.objects.get(pk=model.pk).is_recalled  # no whole-model recall


def test_recall_refusals():
    label = label_for()
    manufacturer_staff = UserFactory(organization=label.appliance_model.manufacturer, role=roles.MANUFACTURER)
    with pytest.raises(recalls.RecallError) as refused:
        recalls.recall(
            user=manufacturer_staff, appliance_model_id=label.appliance_model_id, reason="x", recalled_on=date.today()
        )
    assert refused.value.status == 403
    with pytest.raises(recalls.RecallError, match="原因"):
        recalls.recall(
            user=reviewer(), appliance_model_id=label.appliance_model_id, reason=" ", recalled_on=date.today()
        )
    with pytest.raises(recalls.RecallError, match="批次"):
        recall_model(label, first_serial=label.serial, last_serial=label.serial)
    stranger = LabelFactory(state="activated")
    with pytest.raises(recalls.RecallError, match="不属于"):
        recall_model(label, batch_id=label.batch_id, first_serial=label.serial, last_serial=stranger.serial)
    assert not Recall.objects.exists()


# --- one code parser ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "{serial}",
        "  {lower}  ",
        "https://gas.example.cn/q/{serial}",
        "HTTPS://GAS.EXAMPLE.CN/q/{serial}/",
        "https://gas.example.cn/q/{serial}?utm=x",
    ],
)
def test_one_parser_reads_serials_and_scanned_urls(text):
    serial = serials.new_serial()
    assert serials.parse_code(text.format(serial=serial, lower=serial.lower())) == serial


def test_report_with_the_scanned_url_finds_and_suspends_the_label():
    installer, _permit = installer_with_permit()
    label = label_for(state="sold")
    case = remediation.report_problem(reporter=installer, kind="label_mismatch", serial=label_qr_text(label.serial))
    assert case.label_id == label.pk and case.typed_code == ""
    assert Label.objects.get(pk=label.pk).state == LabelState.SUSPENDED


def test_sale_service_accepts_the_scanned_url():
    label = label_for()
    sale = sell(user=dealer_user(), code=label_qr_text(label.serial), origin=SYSTEM)
    assert sale.label_id == label.pk


# --- exchange only with a label the dealer may sell -------------------------------------------------------


def test_exchange_only_with_a_label_the_dealer_may_sell():
    city = make_city()
    old = sold_label(city)
    case = remediation.report_problem(reporter=city.installer, kind="label_mismatch", serial=old.serial)
    remediation.record_contact(case_id=case.pk, user=city.dealer)
    foreign = fresh_label(label_for().appliance_model)
    foreign.appliance_model.dealers.add(city.other_dealer)
    with pytest.raises(remediation.RemediationError) as refused:
        remediation.resolve_case(case_id=case.pk, user=city.dealer, resolution="exchange", new_serial=foreign.serial)
    assert refused.value.status == 403 and Label.objects.get(pk=foreign.pk).replaces_id is None
    ours = fresh_label(city.model)
    recall_model(ours, batch_id=ours.batch_id)
    with pytest.raises(remediation.RemediationError, match="已召回"):
        remediation.resolve_case(case_id=case.pk, user=city.dealer, resolution="exchange", new_serial=ours.serial)
    fine = fresh_label(city.model)
    remediation.resolve_case(case_id=case.pk, user=city.dealer, resolution="exchange", new_serial=fine.serial)
    assert Label.objects.get(pk=fine.pk).replaces_id == old.pk


@pytest.mark.parametrize(
    "role",
    [None, roles.REVIEWER, roles.MANUFACTURER, roles.DEALER, roles.INSTALLER, roles.IGNITION_WORKER, roles.REGULATOR],
)
def test_no_role_gets_a_recalled_appliance_sold_installed_or_ignited_through_the_api(role):
    """Whatever the caller (anonymous included), a recalled label leaves every write endpoint unchanged."""
    if role == roles.INSTALLER:
        user, permit = installer_with_permit()
    elif role == roles.IGNITION_WORKER:
        user, permit = igniter_with_permit()
    else:
        user, permit = (UserFactory(role=role) if role else None), None
    labels = {
        state: label_for(user.organization if role == roles.INSTALLER else None, state=state)
        for state in ("activated", "sold", "installed")
    }
    for label in labels.values():
        recall_model(label)
    number = permit.number if permit else "AZ2026-000000"
    client = api_as(user)
    calls = [
        (f"/api/v1/labels/{labels['activated'].serial}/sell/", {}),
        (
            f"/api/v1/labels/{labels['sold'].serial}/work/",
            {"permit": number, "nameplate_confirmed": True, "district": "futian"},
        ),
        (f"/api/v1/labels/{labels['installed'].serial}/ignite/", {"permit": number}),
    ]
    for url, body in calls:
        response = client.post(url, body, format="json")
        assert response.status_code in (401, 403, 409), (role, url, response.status_code)
    assert [Label.objects.get(pk=label.pk).state for label in labels.values()] == ["activated", "sold", "installed"]
    assert not (Sale.objects.exists() or WorkRecord.objects.exists() or Ignition.objects.exists())
