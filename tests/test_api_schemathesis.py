"""Schemathesis against /api/schema/: generated requests (valid and invalid) to every operation of the mobile
API, through the Django WSGI app, as a token-authenticated superuser with a few real objects in the database.
No response may be a 500 or break the documented schema. Bounded: a few examples per operation."""

import os

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.models import Organization
from project.wsgi import application
from tests.factories import UserFactory
from tests.factories_field import installer_with_permit, label_for

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", 20))


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
def no_scan_limit(settings):
    settings.FIELD_SCAN_RATE = "100000/m"  # the rate limit is tested elsewhere; here it would only hide bugs


@pytest.fixture(params=["superuser", "installer"])
def token(request, db):
    """A superuser reaches every service; an installer with a valid permit goes deep into the field ones."""
    installer, _permit = installer_with_permit()
    for state in ("activated", "sold", "installed"):
        label_for(installer.organization, state=state)
    if request.param == "installer":
        return Token.objects.create(user=installer).key
    admin = UserFactory(is_superuser=True, is_staff=True, organization__kind=Organization.Kind.ASSOCIATION)
    return Token.objects.create(user=admin).key


# Loaded at collection through the WSGI app (the schema view needs no database). Not from_fixture: its lazy
# loader renames pytest nodes through a private attribute pytest 9 no longer has.
schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


@schema.parametrize()
@hypothesis_settings(
    # Derandomized: CI runs the same examples every time (a failure reproduces); SCHEMATHESIS_RANDOM=1 explores.
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=not os.environ.get("SCHEMATHESIS_RANDOM"),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@pytest.mark.django_db
def test_api_has_no_server_errors_and_keeps_its_schema(case, token):
    case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)
