"""Issue 14: a complete audit trail. Permits, bookings, ratings, uploads, declaration steps and recalls each leave
an audit row with actor, organisation, web/API origin and the client address (behind TRUSTED_PROXY_HOPS proxies,
the address the proxy saw, not the proxy's). Admin edits: tests/test_admin_back_door.py."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from accounts.models import Organization
from audit.models import AuditEntry
from cases.models import ApplianceModel, Declaration
from field.models import WorkPermit
from tests.factories import UserFactory
from tests.factories_declarations import maker_and_model, pdf_upload, png_upload
from tests.factories_field import installer_with_permit, label_for, qualified, verified_code
from tests.test_field_api import api_as

pytestmark = pytest.mark.django_db

CLIENT = "203.0.113.7"


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXY_HOPS = 1
    return {"HTTP_X_FORWARDED_FOR": f"198.51.100.1, {CLIENT}", "REMOTE_ADDR": "10.0.0.2"}


def only(action):
    return AuditEntry.objects.filter(action=action).get()


def test_permit_issue_and_revoke_on_pages_and_api(client, behind_proxy):
    reviewer = UserFactory(organization__kind=Organization.Kind.ASSOCIATION, role=roles.REVIEWER)
    company = qualified(Organization.Kind.INSTALLER)
    holder = UserFactory(organization=company, role=roles.INSTALLER)
    client.force_login(reviewer)
    today = date.today()
    response = client.post(
        "/field/permits/",
        {"holder": holder.pk, "kind": "installation", "valid_from": today, "valid_until": today + timedelta(days=90)},
        **behind_proxy,
    )
    assert response.status_code == 302, response.content.decode()[:1000]
    permit = WorkPermit.objects.get()
    issued = only("permit.issue")
    assert (issued.object_id, issued.actor_id, issued.organization_id) == (
        permit.number,
        reviewer.pk,
        reviewer.organization_id,
    )
    assert (issued.source, issued.ip_address, issued.to_state) == ("web", CLIENT, "valid")
    response = api_as(reviewer).post(
        f"/api/v1/permits/{permit.pk}/revoke/", {"reason": "离职"}, format="json", **behind_proxy
    )
    assert response.status_code == 200
    revoked = only("permit.revoke")
    assert (revoked.source, revoked.ip_address, revoked.to_state, revoked.detail) == ("api", CLIENT, "revoked", "离职")


def test_booking_schedule_and_rating(client, behind_proxy):
    installer, permit = installer_with_permit()
    label = label_for(permit.company, state="sold")
    response = client.post(
        f"/q/{label.serial}/book/",
        {
            "company": permit.company_id,
            "phone": "13800001111",
            "sms_code": verified_code("13800001111"),
            "district": "futian",
            "preferred_date": date.today(),
        },
        **behind_proxy,
    )
    assert response.status_code == 200, response.content.decode()[:1000]
    booked = only("booking.create")
    assert (booked.source, booked.ip_address, booked.actor_id) == ("web", CLIENT, None)
    assert "13800001111" not in booked.detail and label.serial in booked.detail

    client.force_login(installer)
    booking_id = booked.object_id
    when = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%d %H:%M")
    response = client.post(f"/field/bookings/{booking_id}/schedule/", {"when": when}, **behind_proxy)
    assert response.status_code == 302
    assert only("booking.schedule").actor_id == installer.pk

    body = {"permit": permit.number, "nameplate_confirmed": True, "district": "futian"}
    record = api_as(installer).post(f"/api/v1/labels/{label.serial}/work/", body, format="json").json()
    response = api_as(installer).post(
        f"/api/v1/work/{record['id']}/rating/",
        {"phone": "13900002222", "rating": 4, "sms_code": verified_code("13900002222", "rating")},
        format="json",
        **behind_proxy,
    )
    assert response.status_code == 200, response.json()
    rated = only("work.rate")
    assert (rated.source, rated.ip_address, rated.detail, rated.actor_id) == ("api", CLIENT, "4/5", installer.pk)
    assert "13900002222" not in rated.detail


def test_uploads_and_declaration_steps_carry_the_web_origin(client, behind_proxy):
    maker, _model = maker_and_model()
    client.force_login(maker)
    response = client.post(
        reverse("cases:model_create"),
        {
            "brand": "华焰",
            "model_number": "JZT-AUD",
            "category": "cooktop",
            "gas_category": "12T",
            "rated_heat_input_kw": "4.10",
            "ccc_file": pdf_upload(),
            "nameplate_file": png_upload(),
        },
        **behind_proxy,
    )
    assert response.status_code == 302, response.content.decode()[:1000]
    uploads = AuditEntry.objects.filter(action="document.upload")
    assert uploads.count() == 2 and {e.ip_address for e in uploads} == {CLIENT}
    assert {e.actor_id for e in uploads} == {maker.pk} and only("appliance_model.create").source == "web"

    new_model = ApplianceModel.objects.get(model_number="JZT-AUD")
    client.post(reverse("declarations:create"), {"appliance_model": new_model.pk, "quantity": 5}, **behind_proxy)
    declaration = Declaration.objects.get(appliance_model=new_model)
    submitted = only("declaration.submit")
    assert (submitted.source, submitted.ip_address, submitted.actor_id) == ("web", CLIENT, maker.pk)

    reviewer = UserFactory(organization__kind=Organization.Kind.ASSOCIATION, role=roles.REVIEWER)
    client.force_login(reviewer)
    url = reverse("declarations:step", args=[declaration.pk, "review"])
    assert client.post(url, {"decision": "return", "comment": "缺检测报告"}, **behind_proxy).status_code == 302
    step = only("declaration.review")
    assert (step.source, step.ip_address, step.actor_id, step.detail) == ("web", CLIENT, reviewer.pk, "缺检测报告")
