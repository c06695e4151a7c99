"""Which buttons a genuine label's page offers, per role and label state (field.selectors.scan_actions)."""

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts import roles
from cases.models import LabelState
from field.selectors import resolve_scan, scan_actions
from tests.factories import LabelFactory, UserFactory

pytestmark = pytest.mark.django_db


def keys(user, state, gas="12T"):
    label = LabelFactory(state=state, batch__declaration__appliance_model__gas_category=gas)
    return [a.key for a in scan_actions(user, resolve_scan(label.serial))]


@pytest.mark.parametrize(
    "role,state,expected",
    [
        (None, LabelState.ACTIVATED, ["book"]),
        (None, LabelState.INSTALLED, ["book"]),
        (None, LabelState.IGNITED, []),
        (None, LabelState.SUSPENDED, []),
        (roles.DEALER, LabelState.ACTIVATED, ["book", "do-sell"]),
        (roles.DEALER, LabelState.SOLD, ["book"]),
        (roles.INSTALLER, LabelState.SOLD, ["book", "do-install"]),
        (roles.INSTALLER, LabelState.IGNITED, ["do-repair"]),
        (roles.IGNITION_WORKER, LabelState.INSTALLED, ["book", "do-ignite"]),
        (roles.IGNITION_WORKER, LabelState.SOLD, ["book"]),
        (roles.REGULATOR, LabelState.ACTIVATED, ["book"]),
    ],
)
def test_actions_per_role_and_state(role, state, expected):
    user = UserFactory(role=role) if role else AnonymousUser()
    assert keys(user, state) == expected


def test_no_ignition_booking_for_an_appliance_that_does_not_fit_the_city_gas():
    assert keys(AnonymousUser(), LabelState.INSTALLED, gas="20Y") == []
