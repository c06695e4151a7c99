"""POST /api/v1/reports/ and the dealer's steps over the API: same services, 4xx with a message."""

import pytest
from rest_framework.test import APIClient

from cases.models import LabelState
from remediation.models import RemediationCase
from tests.factories_remediation import fresh_label, make_city, sold_label

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    return make_city()


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_report_over_the_api(city):
    label = sold_label(city, LabelState.INSTALLED)
    response = api(city.igniter).post(
        "/api/v1/reports/",
        {"kind": "gas_mismatch", "serial": label.serial, "resident_phone": "13812345678"},
        format="json",
    )
    assert response.status_code == 201, response.data
    case = RemediationCase.objects.get()
    assert response.data["id"] == case.pk and response.data["stage"] == "contact"
    assert response.data["resident_phone"] == "138****5678"  # the reporter does not call
    assert [d["step"] for d in response.data["deadlines"]] == ["contact", "resolve"]
    label.refresh_from_db()
    assert label.state == LabelState.SUSPENDED
    assert label.transitions.last().source == "api"


def test_bad_kind_is_a_400(city):
    response = api(city.installer).post("/api/v1/reports/", {"kind": "nonsense"}, format="json")
    assert response.status_code == 400 and "kind" in response.data["errors"] and response.data["code"] == "invalid"


def test_rule_errors_carry_the_message(city):
    response = api(city.installer).post("/api/v1/reports/", {"kind": "label_missing"}, format="json")
    assert response.status_code == 400
    assert "地址" in response.data["detail"]
    response = api(city.dealer).post("/api/v1/reports/", {"kind": "label_missing"}, format="json")
    assert response.status_code == 403
    assert not RemediationCase.objects.exists()


def test_dealer_contacts_and_relabels_over_the_api(city):
    label = sold_label(city)
    case_id = (
        api(city.installer)
        .post(
            "/api/v1/reports/",
            {"kind": "label_mismatch", "serial": label.serial, "resident_phone": "13812345678"},
            format="json",
        )
        .data["id"]
    )
    dealer = api(city.dealer)
    detail = dealer.get(f"/api/v1/reports/{case_id}/")
    assert detail.data["resident_phone"] == "13812345678"
    assert dealer.post(f"/api/v1/reports/{case_id}/contact/", {"note": "ok"}, format="json").data["stage"] == "resolve"
    new = fresh_label(city.model)
    response = dealer.post(
        f"/api/v1/reports/{case_id}/resolve/", {"resolution": "relabel", "new_serial": new.serial}, format="json"
    )
    assert response.status_code == 200 and response.data["stage"] == "closed"
    new.refresh_from_db()
    assert new.replaces_id == label.pk and new.state == LabelState.SOLD
    again = dealer.post(f"/api/v1/reports/{case_id}/resolve/", {"resolution": "return"}, format="json")
    assert again.status_code == 409 and "已结案" in again.data["detail"]


def test_case_is_invisible_to_unrelated_users(city):
    label = sold_label(city)
    case_id = (
        api(city.installer)
        .post("/api/v1/reports/", {"kind": "label_mismatch", "serial": label.serial}, format="json")
        .data["id"]
    )
    assert api(city.igniter).get(f"/api/v1/reports/{case_id}/").status_code == 404
