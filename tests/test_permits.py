"""Work permits: issuing, the printable card's QR, revocation, and the one check refusing bad permits."""

from datetime import date, timedelta

import pytest
import zxingcpp
from django.utils import timezone
from PIL import Image

from accounts import roles
from accounts.models import Organization
from cases.qr import qr_png_bytes
from field.models import WorkPermit
from field.services import permits
from field.services.errors import FieldError
from tests.factories import UserFactory
from tests.factories_field import EXPIRED, installer_with_permit, qualified

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer():
    return UserFactory(role=roles.REVIEWER)


def test_reviewer_issues_permit_to_worker_of_qualified_company(reviewer):
    company = qualified(Organization.Kind.INSTALLER)
    worker = UserFactory(organization=company, role=roles.INSTALLER, first_name="师傅", last_name="张")
    today = timezone.localdate()
    permit = permits.issue_permit(
        issued_by=reviewer,
        holder=worker,
        kind=WorkPermit.Kind.INSTALLATION,
        valid_from=today,
        valid_until=today + timedelta(days=365),
    )
    assert permit.number.startswith(f"AZ{today.year}-") and permit.company == company
    assert permits.check_permit(user=worker, code=permit.number, kind=WorkPermit.Kind.INSTALLATION) == permit
    # The scanned QR text works as well as the typed number.
    assert (
        permits.check_permit(user=worker, code=permits.permit_url(permit.number), kind=WorkPermit.Kind.INSTALLATION)
        == permit
    )


@pytest.mark.parametrize("case", ["not_reviewer", "wrong_company_kind", "unqualified_company"])
def test_issue_refusals(reviewer, case):
    today = timezone.localdate()
    issuer = reviewer
    if case == "not_reviewer":
        issuer = UserFactory(role=roles.DEALER)
        company = qualified(Organization.Kind.INSTALLER)
    elif case == "wrong_company_kind":
        company = qualified(Organization.Kind.DEALER)
    else:
        company = Organization.objects.create(name="过期公司", kind="installer", licence_valid_until=date(2020, 1, 1))
    worker = UserFactory(organization=company)
    with pytest.raises(FieldError) as exc:
        permits.issue_permit(
            issued_by=issuer,
            holder=worker,
            kind=WorkPermit.Kind.INSTALLATION,
            valid_from=today,
            valid_until=today + timedelta(days=30),
        )
    assert (
        exc.value.code
        == {
            "not_reviewer": "wrong_role",
            "wrong_company_kind": "invalid",
            "unqualified_company": "company_unqualified",
        }[case]
    )
    assert not WorkPermit.objects.exists()


def test_check_refuses_expired_revoked_foreign_wrong_kind_and_lapsed_company(reviewer):
    user, permit = installer_with_permit()
    other, _ = installer_with_permit()
    with pytest.raises(FieldError, match="不属于当前登录"):
        permits.check_permit(user=other, code=permit.number, kind=WorkPermit.Kind.INSTALLATION)
    with pytest.raises(FieldError, match="类别"):
        permits.check_permit(user=user, code=permit.number, kind=WorkPermit.Kind.IGNITION)
    with pytest.raises(FieldError, match="不存在"):
        permits.check_permit(user=user, code="AZ0000-000000", kind=WorkPermit.Kind.INSTALLATION)

    expired_user, expired = installer_with_permit(**EXPIRED)
    with pytest.raises(FieldError, match="不在有效期内") as exc:
        permits.check_permit(user=expired_user, code=expired.number, kind=WorkPermit.Kind.INSTALLATION)
    assert exc.value.code == "bad_permit"

    permits.revoke_permit(permit_id=permit.pk, revoked_by=reviewer, reason="违规操作")
    with pytest.raises(FieldError, match="已被吊销"):
        permits.check_permit(user=user, code=permit.number, kind=WorkPermit.Kind.INSTALLATION)

    lapsed_user, lapsed = installer_with_permit()
    Organization.objects.filter(pk=lapsed.company_id).update(licence_valid_until=date(2020, 1, 1))
    with pytest.raises(FieldError, match="资质已失效") as exc:
        permits.check_permit(user=lapsed_user, code=lapsed.number, kind=WorkPermit.Kind.INSTALLATION)
    assert exc.value.code == "company_unqualified"


def test_a_permit_number_typed_in_full_width_or_lower_case_is_the_permit():
    user, permit = installer_with_permit()
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in permit.number)  # 全角: ＡＺ２０２６－…
    for typed in (full_width, permit.number.lower(), f" {permit.number} ", permits.permit_url(permit.number)):
        assert permits.check_permit(user=user, code=typed, kind=WorkPermit.Kind.INSTALLATION) == permit


def test_permit_pages_issue_card_with_decodable_qr_and_revoke(client, reviewer, tmp_path):
    company = qualified(Organization.Kind.GAS_SUPPLIER)
    worker = UserFactory(organization=company, role=roles.IGNITION_WORKER)
    client.force_login(reviewer)
    today = timezone.localdate()
    response = client.post(
        "/field/permits/",
        {"holder": worker.pk, "kind": "ignition", "valid_from": today, "valid_until": today + timedelta(days=200)},
    )
    permit = WorkPermit.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/field/permits/{permit.pk}/card/"
    card = client.get(response["Location"]).content.decode()
    assert permit.number in card and 'id="permit-qr"' in card
    # Render the card's QR (same data) and decode it back with a real decoder.
    png = tmp_path / "permit.png"
    png.write_bytes(qr_png_bytes(permits.permit_url(permit.number)))
    decoded = zxingcpp.read_barcodes(Image.open(png))[0].text
    assert decoded.endswith(f"/p/{permit.number}")
    public = client.get(f"/p/{permit.number}")
    assert "上岗证有效" in public.content.decode()

    client.post(f"/field/permits/{permit.pk}/revoke/", {"reason": "离职"})
    permit.refresh_from_db()
    assert permit.revoked_at and permit.revoked_reason == "离职" and permit.revoked_by == reviewer
    assert "已被吊销" in client.get(f"/p/{permit.number}").content.decode()
    again = client.post(f"/field/permits/{permit.pk}/revoke/", {"reason": "x"})
    assert again.status_code == 409


def test_permit_pages_refuse_other_roles(client):
    client.force_login(UserFactory(role=roles.INSTALLER))
    response = client.get("/field/permits/")
    assert response.status_code == 403 and "您的角色不能执行该操作" in response.content.decode()


def test_demo_workers_have_usable_permits_printed_by_seed_demo():
    from io import StringIO

    from django.core.management import call_command

    from accounts.models import User

    out = StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=StringIO())  # idempotent
    assert "AZ2026-000001" in out.getvalue() and "DH2026-000001" in out.getvalue()
    installer = User.objects.get(username="installer")
    igniter = User.objects.get(username="igniter")
    assert (
        permits.check_permit(user=installer, code="AZ2026-000001", kind=WorkPermit.Kind.INSTALLATION).company
        == installer.organization
    )
    assert (
        permits.check_permit(user=igniter, code="DH2026-000001", kind=WorkPermit.Kind.IGNITION).company
        == igniter.organization
    )
    assert WorkPermit.objects.count() == 3


def test_permit_list_search(client, reviewer):
    _user, permit = installer_with_permit()
    _other, other = installer_with_permit()
    client.force_login(reviewer)
    html = client.get("/field/permits/", {"q": permit.number}).content.decode()
    assert f'data-permit="{permit.number}"' in html and f'data-permit="{other.number}"' not in html
