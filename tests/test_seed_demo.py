from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from accounts import roles
from accounts.models import Organization, User
from cases.models import ApplianceModel
from demo.city import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def counts():
    return (
        Organization.objects.count(),
        User.objects.count(),
        ApplianceModel.objects.count(),
        sum(u.groups.count() for u in User.objects.all()),
    )


def test_seed_demo_is_idempotent_and_prints_logins():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    first = counts()
    User.objects.filter(username="dealer").update(first_name="changed")
    call_command("seed_demo", stdout=StringIO())
    assert counts() == first
    assert User.objects.get(username="dealer").first_name == "陈销售"
    assert DEMO_PASSWORD in out.getvalue()
    for username in ["reviewer", "maker", "dealer", "installer", "igniter", "regulator", "admin"]:
        assert username in out.getvalue()


def test_demo_city_has_every_role_and_org_kind():
    call_command("seed_demo", stdout=StringIO())
    kinds = set(Organization.objects.values_list("kind", flat=True))
    assert kinds == set(Organization.Kind.values)
    for role in roles.ALL_ROLES:
        user = User.objects.filter(groups__name=role).first()
        assert user is not None, role
        assert authenticate(username=user.username, password=DEMO_PASSWORD) == user
    # One model does not fit the city's 12T gas, so the mismatch path can be shown.
    assert ApplianceModel.objects.exclude(gas_category="12T").exists()
    assert all(m.designated_installers.exists() for m in ApplianceModel.objects.all())
