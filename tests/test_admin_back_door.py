"""Issue 14: the Django admin is no back door. A reviewer logged in to the admin cannot make anyone a superuser
or staff, grant groups or permissions, touch a superuser, or move a workflow field; every admin change is in
the audit log with the client address."""

from datetime import date

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from accounts import roles
from accounts.models import Organization, User
from audit.admin import AuditedAdmin
from audit.models import AuditEntry
from cases.models import Declaration, Label, LabelBatch
from cases.services import recalls
from core.admin import ReadOnlyAdmin
from tests.factories import PASSWORD, DeclarationFactory, LabelFactory, UserFactory

pytestmark = pytest.mark.django_db

REVIEWER_ADMIN_MODELS = [
    "accounts.organization",
    "accounts.user",
    "cases.appliancemodel",
    "cases.declaration",
    "cases.labelbatch",
    "cases.label",
]


def admin_reviewer():
    """A reviewer as the demo city sets one up: staff, with its role's admin permissions (not a superuser)."""
    user = UserFactory(organization__kind=Organization.Kind.ASSOCIATION, role=roles.REVIEWER, is_staff=True)
    group = Group.objects.get(name=roles.REVIEWER)
    for label in REVIEWER_ADMIN_MODELS:
        app_label, model = label.split(".")
        group.permissions.add(*Permission.objects.filter(content_type__app_label=app_label, content_type__model=model))
    return user


def login(client, user):
    # The real admin login form (axes and all), as a person would.
    response = client.post("/admin/login/?next=/admin/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]


def change_form_data(client, url):
    """The change form's own values, as the browser would send them back."""
    form = client.get(url).context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            data[name] = [getattr(item, "pk", item) for item in value]
        elif hasattr(field.widget, "widgets"):  # split date/time
            value = timezone.localtime(value)
            data[f"{name}_0"], data[f"{name}_1"] = value.date().isoformat(), value.time().isoformat()
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = getattr(value, "pk", value)
    return data


def test_reviewer_cannot_grant_power_to_anyone_itself_included(client):
    reviewer = admin_reviewer()
    other = UserFactory(organization=reviewer.organization)
    login(client, reviewer)
    everything = list(Permission.objects.values_list("pk", flat=True))
    for target in (other, reviewer):
        url = f"/admin/accounts/user/{target.pk}/change/"
        data = change_form_data(client, url)
        data.update(
            first_name="改名",
            is_superuser="on",
            is_staff="on",
            groups=list(Group.objects.values_list("pk", flat=True)),
            user_permissions=everything,
        )
        response = client.post(url, data)
        assert response.status_code == 302, response.content.decode()[:800]
        target = User.objects.get(pk=target.pk)
        assert target.first_name == "改名"  # an ordinary field still changes
        assert not target.is_superuser and not target.user_permissions.exists()
    assert not User.objects.get(pk=other.pk).is_staff
    assert list(User.objects.get(pk=other.pk).groups.all()) == list(other.groups.all())
    entry = AuditEntry.objects.filter(action="admin.change", object_id=str(other.pk)).get()
    assert entry.actor_id == reviewer.pk and entry.organization_id == reviewer.organization_id
    assert entry.source == "web" and entry.ip_address == "127.0.0.1" and "First name" in entry.detail


def test_reviewer_cannot_touch_a_superuser_or_the_groups(client):
    reviewer = admin_reviewer()
    boss = User.objects.create_superuser("boss", password=PASSWORD)
    login(client, reviewer)
    assert (
        client.post(
            f"/admin/accounts/user/{boss.pk}/password/", {"password1": "x1!Abcdefg", "password2": "x1!Abcdefg"}
        ).status_code
        == 403
    )
    page = client.get(f"/admin/accounts/user/{boss.pk}/change/").content.decode()
    assert 'name="email"' not in page  # view-only at most
    assert client.post(f"/admin/accounts/user/{boss.pk}/delete/", {"post": "yes"}).status_code == 403
    group = Group.objects.get(name=roles.REVIEWER)
    before = set(group.permissions.values_list("pk", flat=True))
    client.post(
        f"/admin/auth/group/{group.pk}/change/",
        {"name": group.name, "permissions": list(Permission.objects.values_list("pk", flat=True))},
    )
    assert set(group.permissions.values_list("pk", flat=True)) == before
    assert User.objects.get(pk=boss.pk).check_password(PASSWORD)


def test_reviewer_cannot_move_a_workflow_field(client):
    reviewer = admin_reviewer()
    declaration = DeclarationFactory(status=Declaration.Status.SUBMITTED)
    label = LabelFactory(state="activated", batch__declaration=declaration)
    batch = label.batch
    login(client, reviewer)

    url = f"/admin/cases/declaration/{declaration.pk}/change/"
    data = change_form_data(client, url)
    client.post(url, {**data, "status": "approved", "quantity": 999999})
    declaration.refresh_from_db()
    assert (declaration.status, declaration.quantity) == ("submitted", 10)

    url = f"/admin/cases/labelbatch/{batch.pk}/change/"
    assert client.post(url, {"stage": "issued", "quantity": 1}).status_code == 403
    batch.refresh_from_db()
    assert (batch.stage, batch.quantity) == (LabelBatch.Stage.GENERATING, 10)

    url = f"/admin/cases/label/{label.pk}/change/"
    client.post(url, {"state": "ignited", "recall": ""})
    assert Label.objects.get(pk=label.pk).state == "activated"

    recalls.recall(user=reviewer, appliance_model_id=label.appliance_model_id, reason="阀门", recalled_on=date.today())
    url = f"/admin/cases/appliancemodel/{label.appliance_model_id}/change/"
    data = change_form_data(client, url)
    response = client.post(url, {**data, "is_recalled": "", "brand": "新品牌", "gas_category": "20Y"})
    assert response.status_code == 302
    model = type(label.appliance_model).objects.get(pk=label.appliance_model_id)
    assert model.brand == "新品牌" and model.is_recalled and model.gas_category == "12T"  # unticking does nothing
    assert AuditEntry.objects.filter(action="admin.change", object_type="cases.appliancemodel").exists()


def test_superuser_can_still_grant_staff(client):
    boss = User.objects.create_superuser("boss", password=PASSWORD)
    other = UserFactory()
    login(client, boss)
    url = f"/admin/accounts/user/{other.pk}/change/"
    client.post(url, {**change_form_data(client, url), "is_staff": "on"})
    assert User.objects.get(pk=other.pk).is_staff


def test_every_registered_admin_is_audited_or_read_only():
    for model, model_admin in admin.site._registry.items():
        if isinstance(model_admin, AuditedAdmin):
            continue
        assert isinstance(model_admin, ReadOnlyAdmin) or not any(
            getattr(model_admin, f"has_{verb}_permission").__func__
            is getattr(admin.ModelAdmin, f"has_{verb}_permission")
            for verb in ("add", "change", "delete")
        ), f"{model._meta.label} is editable in the admin without an audit row"
