"""The audit log page: reviewers and the regulator read it (filtered, paged, fixed query count); others cannot."""

import pytest

from accounts import roles
from cases.models import LabelState
from cases.services.labels import Origin, apply_transition
from tests.factories import LabelFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "role, status",
    [
        (roles.REVIEWER, 200),
        (roles.REGULATOR, 200),
        (roles.DEALER, 403),
        (roles.MANUFACTURER, 403),
        (roles.INSTALLER, 403),
    ],
)
def test_who_may_read_the_log(client, role, status):
    client.force_login(UserFactory(role=role))
    assert client.get("/audit/").status_code == status


def test_anonymous_is_sent_to_login(client):
    response = client.get("/audit/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_filter_by_serial_as_typed_and_by_action(client, django_assert_max_num_queries):
    dealer = UserFactory(role=roles.DEALER)
    labels = [LabelFactory(state=LabelState.ACTIVATED) for _ in range(3)]
    for label in labels:
        apply_transition(label_id=label.pk, name="sell", origin=Origin(actor=dealer, source="api"))
    apply_transition(label_id=labels[0].pk, name="void", origin=Origin(actor=dealer))
    client.force_login(UserFactory(role=roles.REVIEWER))
    with django_assert_max_num_queries(7):  # session, user, groups, count, page, unread: not one per row
        page = client.get("/audit/").content.decode()
    # Shown by name (audit/actions.py), filtered by code.
    assert page.split("<tbody>")[1].count("标识：销售") == 3 and dealer.username in page
    typed = labels[0].serial.lower()
    mine = client.get("/audit/", {"object_id": typed}).content.decode().split("<tbody>")[1]
    assert "标识：作废" in mine and mine.count("标识：销售") == 1
    voids = client.get("/audit/", {"action": "label.void"}).content.decode().split("<tbody>")[1]
    assert voids.count("标识：作废") == 1 and "标识：销售" not in voids
