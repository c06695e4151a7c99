"""Schemathesis against /api/schema/: generated requests (valid and invalid) to every operation of the mobile
API, through the Django WSGI app, as anonymous and as every role, with a few real objects in the database.

Every check schemathesis has runs (server errors, status codes, content types, headers, response schemas,
negative-data rejection, positive-data acceptance as configured in schemathesis.toml, ignored auth, use after
free, …), in the per-operation phase and in the stateful phase (sequences of calls linked by the ids they
return). Randomized with a fixed seed, so CI runs the same cases every time and a failure reproduces;
SCHEMATHESIS_SEED / SCHEMATHESIS_MAX_EXAMPLES explore further. Bounded: a few examples per operation and role.
"""

import os

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, seed
from hypothesis import settings as hypothesis_settings
from rest_framework.authtoken.models import Token

from accounts import roles
from accounts.models import Organization
from project.wsgi import application
from tests.factories import UserFactory
from tests.factories_field import dealer_user, igniter_with_permit, installer_with_permit, label_for

SEED = int(os.environ.get("SCHEMATHESIS_SEED", 20261202))
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", 5))
STATEFUL_EXAMPLES = int(os.environ.get("SCHEMATHESIS_STATEFUL_EXAMPLES", 3))
ROLES = ["anonymous", "superuser", "reviewer", "manufacturer", "dealer", "installer", "ignition_worker", "regulator"]
SUPPRESSED = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much]


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """Schemathesis calls the WSGI app directly; like Django's test client, keep request signals from closing
    the test's database connection (on PostgreSQL that would end the test transaction)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def no_rate_limits(settings):
    # The limits are tested elsewhere (tests/test_abuse_limits.py); here they would only hide bugs.
    settings.FIELD_SCAN_RATE = "100000/m"
    settings.ANONYMOUS_WRITE_RATE = "100000/m"


def user_for(role):
    installer, _permit = installer_with_permit()
    for state in ("activated", "sold", "installed"):
        label_for(installer.organization, state=state)
    if role == "anonymous":
        return None
    if role == "installer":
        return installer
    if role == "ignition_worker":
        return igniter_with_permit()[0]
    if role == "dealer":
        return dealer_user()
    if role == "superuser":
        return UserFactory(is_superuser=True, is_staff=True, organization__kind=Organization.Kind.ASSOCIATION)
    kinds = {
        "reviewer": (roles.REVIEWER, Organization.Kind.ASSOCIATION),
        "manufacturer": (roles.MANUFACTURER, Organization.Kind.MANUFACTURER),
        "regulator": (roles.REGULATOR, Organization.Kind.REGULATOR),
    }
    role_name, kind = kinds[role]
    return UserFactory(role=role_name, organization__kind=kind)


# Loaded at collection through the WSGI app (the schema view needs no database). Not from_fixture: its lazy
# loader renames pytest nodes through a private attribute pytest 9 no longer has.
schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
CURRENT = {"authorization": None}  # the running test's role token, set by the `headers` fixture


@schema.auth()
class RoleToken:
    """The role's real token, given to schemathesis as the API's auth, so its auth checks (ignored auth, invalid
    tokens) know which credential is the valid one and probe without it."""

    def get(self, case, context):
        return CURRENT["authorization"]

    def set(self, case, data, context):
        if data:
            case.headers = {**(case.headers or {}), "Authorization": data}


@pytest.fixture(params=ROLES)
def headers(request, db):
    """Each role's token (anonymous: none), with a few labels in every state to reach deep into the services."""
    user = user_for(request.param)
    CURRENT["authorization"] = None if user is None else f"Token {Token.objects.create(user=user).key}"
    yield
    CURRENT["authorization"] = None


@schema.parametrize()
@seed(SEED)
@hypothesis_settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=SUPPRESSED)
@pytest.mark.django_db
def test_api_keeps_its_schema_under_every_check(case, headers):
    case.call_and_validate()  # no `checks=`: all of them; the token comes from RoleToken


@pytest.mark.django_db
def test_stateful_sequences_keep_the_schema(headers):
    """Chains of calls linked by the ids responses return (a report, then its contact and resolve; a booking,
    then its schedule), all checks on every response."""

    Calls = schema.as_state_machine()
    Calls.run(
        settings=hypothesis_settings(
            max_examples=STATEFUL_EXAMPLES,
            stateful_step_count=6,
            deadline=None,
            derandomize=True,  # the stateful runner takes no seed: a fixed one derived from the test
            suppress_health_check=SUPPRESSED,
            database=None,
        )
    )
