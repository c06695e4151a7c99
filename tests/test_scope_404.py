"""Objects outside a user's scope answer 404 on every read and write, whatever their state.

Before, contact/resolve on another dealer's case answered 403, on a closed one 409 and on a missing one 404, so any
signed-in user could enumerate case ids; a permit revoke by a non-reviewer told existing ids from missing ones.
"""

import pytest
from rest_framework.test import APIClient

from accounts import roles
from field.models import WorkPermit
from remediation import services
from remediation.models import RemediationCase, Stage
from tests.factories import UserFactory
from tests.factories_field import WorkPermitFactory
from tests.factories_remediation import make_city, sold_label

pytestmark = pytest.mark.django_db


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def case_in(city, stage):
    label = sold_label(city)
    case = services.report_problem(reporter=city.installer, kind="label_mismatch", serial=label.serial)
    if stage in (Stage.RESOLVE, Stage.CLOSED):
        services.record_contact(case_id=case.pk, user=city.dealer)
    if stage == Stage.CLOSED:
        services.resolve_case(case_id=case.pk, user=city.dealer, resolution="return")
    case.refresh_from_db()
    assert case.stage == stage
    return case.pk


@pytest.fixture
def city():
    return make_city()


def answers(user, pk):
    """What the outsider gets from every read and write on case `pk`, page and API."""
    client = APIClient()
    client.force_login(user)
    return [
        ("api read", api(user).get(f"/api/v1/reports/{pk}/")),
        ("api contact", api(user).post(f"/api/v1/reports/{pk}/contact/", {"note": "x"}, format="json")),
        ("api resolve", api(user).post(f"/api/v1/reports/{pk}/resolve/", {"resolution": "return"}, format="json")),
        ("page", client.get(f"/remediation/{pk}/")),
        ("page contact", client.post(f"/remediation/{pk}/contact/", {"note": "x"})),
        ("page resolve", client.post(f"/remediation/{pk}/resolve/", {"resolution": "return"})),
        ("page note", client.post(f"/remediation/{pk}/note/", {"kind": "note", "text": "x"})),
    ]


@pytest.mark.parametrize("stage", [Stage.CONTACT, Stage.RESOLVE, Stage.CLOSED, "missing"])
def test_another_dealers_case_is_a_404_in_every_state(city, stage):
    pk = 999_999 if stage == "missing" else case_in(city, stage)
    outsider = UserFactory(organization=city.other_dealer, role=roles.DEALER)
    before = list(RemediationCase.objects.values_list("pk", "stage", "contacted_at"))
    for name, response in answers(outsider, pk):
        assert response.status_code == 404, (name, response.status_code)
        if name.startswith("api"):
            assert response.json()["code"] == "not_found", name
    # Nothing changed, and the API's answer is the same text whether the case exists or not.
    assert list(RemediationCase.objects.values_list("pk", "stage", "contacted_at")) == before
    missing = api(outsider).post("/api/v1/reports/999999/contact/", {}, format="json").json()
    assert api(outsider).post(f"/api/v1/reports/{pk}/contact/", {}, format="json").json() == missing


def test_the_responsible_dealer_still_gets_the_state_refusal(city):
    pk = case_in(city, Stage.CLOSED)
    response = api(city.dealer).post(f"/api/v1/reports/{pk}/contact/", {}, format="json")
    assert response.status_code == 409 and "已结案" in response.json()["detail"]


def test_permit_revoke_by_a_non_reviewer_does_not_tell_existing_ids(city):
    permit = WorkPermitFactory()
    answers = {
        pk: api(city.dealer).post(f"/api/v1/permits/{pk}/revoke/", {"reason": "x"}, format="json")
        for pk in (permit.pk, 999_999)
    }
    assert {r.status_code for r in answers.values()} == {403}
    assert answers[permit.pk].json() == answers[999_999].json()
    # A reviewer: a missing permit is a 404 (not a 500 on DoesNotExist), page and API.
    reviewer = api(city.reviewer).post("/api/v1/permits/999999/revoke/", {"reason": "x"}, format="json")
    assert reviewer.status_code == 404 and reviewer.json()["code"] == "not_found"
    client = APIClient()
    client.force_login(city.reviewer)
    assert client.post("/field/permits/999999/revoke/", {"reason": "x"}).status_code == 404
    assert not WorkPermit.objects.filter(revoked_at__isnull=False).exists()
