"""Issue 14: recall as a process from the back office. A reviewer recalls (model, batch or range) and lifts; the
manufacturer, the model's dealers and designated installers and the gas suppliers are notified; the association
sees the recalled appliances already installed or ignited, with their district. Refusals: test_safety_rules.py."""

import pytest
from django.urls import reverse

from accounts import roles
from accounts.models import Organization
from audit.models import AuditEntry
from cases.models import Label, LabelState, Recall
from cases.services.labels import Origin
from field.services.ignition import ignite
from field.services.work import record_work
from remediation.models import Notification
from tests.factories import LabelFactory, OrganizationFactory, UserFactory
from tests.factories_field import igniter_with_permit, installer_with_permit, label_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def town():
    """A model with its maker, a dealer and a designated installer (each with staff), a gas supplier, a stranger."""
    installer, permit = installer_with_permit()
    igniter, ignite_permit = igniter_with_permit()
    label = label_for(permit.company, state="sold")
    model = label.appliance_model
    dealer_org = OrganizationFactory(kind=Organization.Kind.DEALER)
    model.dealers.add(dealer_org)
    people = {
        "maker": UserFactory(organization=model.manufacturer, role=roles.MANUFACTURER, email="m@example.com"),
        "dealer": UserFactory(organization=dealer_org, role=roles.DEALER, phone="13900000002"),
        "installer": installer,
        "igniter": igniter,
        "stranger": UserFactory(organization=OrganizationFactory(kind=Organization.Kind.DEALER), role=roles.DEALER),
        "reviewer": UserFactory(organization__kind=Organization.Kind.ASSOCIATION, role=roles.REVIEWER),
    }
    return {"label": label, "model": model, "permit": permit, "ignite_permit": ignite_permit, **people}


def test_reviewer_recalls_from_the_back_office_and_everyone_concerned_is_told(client, town):
    client.force_login(town["reviewer"])
    page = client.get(reverse("recalls:list"))
    assert page.status_code == 200 and 'id="recall-form"' in page.content.decode()
    response = client.post(
        reverse("recalls:list"),
        {"appliance_model": town["model"].pk, "reason": "点火针缺陷", "recalled_on": "2026-12-01"},
    )
    assert response.status_code == 302
    recall = Recall.objects.get()
    assert (recall.scope, recall.label_count, str(recall.recalled_on)) == ("model", 1, "2026-12-01")
    assert Label.objects.get(pk=town["label"].pk).recall == recall
    inbox = set(
        Notification.objects.filter(recall=recall, channel="inbox").values_list("recipient__username", flat=True)
    )
    expected = {town[k].username for k in ("maker", "dealer", "installer", "igniter")}
    assert inbox == expected  # not the stranger, not the association
    assert Notification.objects.filter(recall=recall, channel="email", address="m@example.com").exists()
    assert Notification.objects.filter(recall=recall, channel="sms", address="13900000002").exists()
    created = AuditEntry.objects.get(action="recall.create")
    assert (created.actor_id, created.source, created.ip_address) == (town["reviewer"].pk, "web", "127.0.0.1")

    # The recipients read it in their inbox (no case link).
    client.force_login(town["dealer"])
    assert "召回：" in client.get(reverse("remediation:inbox")).content.decode()

    client.force_login(town["reviewer"])
    response = client.post(reverse("recalls:lift", args=[recall.pk]), {"reason": "已更换点火针"})
    assert response.status_code == 302
    recall.refresh_from_db()
    assert recall.lifted_at and recall.lift_reason == "已更换点火针"
    assert Label.objects.get(pk=town["label"].pk).recall is None
    assert Notification.objects.filter(recall=recall, channel="inbox", subject__startswith="召回解除").count() == 4
    again = client.post(reverse("recalls:lift", args=[recall.pk]), {"reason": "再次"})
    assert again.status_code == 409 and "已解除" in again.content.decode()


def test_recall_form_refusals_are_clear_4xx(client, town):
    client.force_login(town["reviewer"])
    other = LabelFactory(state="activated")
    response = client.post(
        reverse("recalls:list"),
        {
            "appliance_model": town["model"].pk,
            "batch": other.batch_id,
            "reason": "x",
            "recalled_on": "2026-12-01",
        },
    )
    assert response.status_code == 400 and "该批次不属于这个型号" in response.content.decode()
    response = client.post(reverse("recalls:list"), {"appliance_model": town["model"].pk, "reason": ""})
    assert response.status_code == 400
    assert not Recall.objects.exists()


@pytest.mark.parametrize("who", ["maker", "dealer", "installer", "igniter"])
def test_only_the_association_manages_recalls(client, town, who):
    client.force_login(town[who])
    assert client.get(reverse("recalls:list")).status_code == 403
    response = client.post(reverse("recalls:list"), {"appliance_model": town["model"].pk, "reason": "x"})
    assert response.status_code == 403 and not Recall.objects.exists()
    assert client.get(reverse("recalls:in-service")).status_code == 403


def test_follow_up_list_of_recalled_appliances_in_homes_with_district(client, town):
    installer, igniter = town["installer"], town["igniter"]
    installed, ignited, still_sold = (
        town["label"],
        *[LabelFactory(batch=town["label"].batch, state="sold") for _ in range(2)],
    )
    for label, district in ((installed, "nanshan"), (ignited, "futian")):
        record_work(
            user=installer,
            code=label.serial,
            kind="installation",
            permit_code=town["permit"].number,
            nameplate_confirmed=True,
            district=district,
            origin=Origin(actor=installer),
        )
    ignite(user=igniter, code=ignited.serial, permit_code=town["ignite_permit"].number, origin=Origin(actor=igniter))
    client.force_login(town["reviewer"])
    client.post(
        reverse("recalls:list"),
        {
            "appliance_model": town["model"].pk,
            "batch": installed.batch_id,
            "reason": "阀门",
            "recalled_on": "2026-12-01",
        },
    )
    assert Recall.objects.get().label_count == 3
    html = client.get(reverse("recalls:in-service")).content.decode()
    assert f'data-serial="{installed.serial}"' in html and f'data-serial="{ignited.serial}"' in html
    assert f'data-serial="{still_sold.serial}"' not in html  # not in a home yet: sale is refused instead
    assert "南山区" in html and "福田区" in html
    assert Label.objects.get(pk=ignited.pk).state == LabelState.IGNITED
