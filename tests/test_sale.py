"""Sale: a dealer marks a labelled appliance sold, by scan URL or typed serial, optionally with the district."""

import pytest

from accounts import roles
from accounts.models import Organization
from cases.models import Label, LabelTransition
from cases.services.labels import Origin
from field.models import Sale
from field.services.errors import FieldError
from field.services.sales import sell
from tests.factories import LabelFactory, UserFactory
from tests.factories_field import dealer_user, label_for, qualified

pytestmark = pytest.mark.django_db


def test_dealer_sells_via_page_with_district_and_transition_logs_dealer(client):
    dealer = dealer_user()
    label = LabelFactory(state="activated")
    client.force_login(dealer)
    page = client.get(f"/field/sell/{label.serial}/")
    assert label.appliance_model.model_number in page.content.decode()
    response = client.post(f"/field/sell/{label.serial}/", {"district": "nanshan"})
    assert response.status_code == 200 and "已登记销售" in response.content.decode()
    # Selling many: the next scan is one tap from here, back on the sell scanner.
    assert 'id="next-scan" href="/field/sell/"' in response.content.decode()
    label.refresh_from_db()
    assert label.state == "sold"
    sale = Sale.objects.get(label=label)
    assert (sale.dealer, sale.seller, sale.district) == (dealer.organization, dealer, "nanshan")
    log = LabelTransition.objects.get(label=label, name="sell")
    assert (log.organization, log.actor, log.source) == (dealer.organization, dealer, "web")


def test_sell_accepts_scanned_url_and_lowercase_serial():
    dealer = dealer_user()
    label = LabelFactory(state="activated")
    sell(user=dealer, code=f"http://example.test/q/{label.serial.lower()}", origin=Origin(actor=dealer))
    assert Label.objects.get(pk=label.pk).state == "sold"


@pytest.mark.parametrize(
    "setup, code",
    [
        ("wrong_role", "wrong_role"),
        ("already_sold", "wrong_state"),
        ("unknown", "unknown_code"),
        ("void", "not_genuine"),
        ("not_model_dealer", "not_designated"),
        ("bad_district", "invalid"),
    ],
)
def test_sale_refusals(client, setup, code):
    dealer = dealer_user()
    user = UserFactory(role=roles.INSTALLER) if setup == "wrong_role" else dealer
    state = {"already_sold": "sold", "void": "void"}.get(setup, "activated")
    label = LabelFactory(state=state)
    if setup == "not_model_dealer":
        label.appliance_model.dealers.add(qualified(Organization.Kind.DEALER))
    serial = "0" * 14 if setup == "unknown" else label.serial
    district = "atlantis" if setup == "bad_district" else ""
    with pytest.raises(FieldError) as exc:
        sell(user=user, code=serial, district=district, origin=Origin(actor=user))
    assert exc.value.code == code
    assert Label.objects.get(pk=label.pk).state == state
    assert not Sale.objects.exists()


def test_sale_page_refusals_are_clear_4xx(client):
    client.force_login(UserFactory(role=roles.IGNITION_WORKER))
    label = LabelFactory(state="activated")
    response = client.post(f"/field/sell/{label.serial}/", {})
    assert response.status_code == 403 and "您的角色不能执行该操作" in response.content.decode()
    dealer = dealer_user()
    client.force_login(dealer)
    sold = label_for(state="sold")
    response = client.post(f"/field/sell/{sold.serial}/", {})
    assert response.status_code == 409 and "不能执行该操作" in response.content.decode()
    assert client.get("/field/sell/NOTASERIAL/").status_code == 404
