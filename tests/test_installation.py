"""Installation and repair by a permitted installer, then the resident's phone number and rating."""

from datetime import date

import pytest

from accounts import roles
from accounts.models import Organization
from cases.models import Label, LabelTransition
from field.models import Booking, WorkRecord
from tests.factories import UserFactory
from tests.factories_field import EXPIRED, installer_with_permit, label_for, qualified, verified_code

pytestmark = pytest.mark.django_db


def post_work(client, label, permit_number, kind="install", **extra):
    data = {"permit": permit_number, "nameplate_confirmed": "on", "district": "futian", **extra}
    return client.post(f"/field/{kind}/{label.serial}/", data)


def test_install_with_permit_then_rating_shows_on_scan_page(client):
    user, permit = installer_with_permit()
    label = label_for(permit.company, state="sold")
    Booking.objects.create(
        label=label,
        kind="installation",
        company=permit.company,
        resident_phone="13800001111",
        district="futian",
        preferred_date=date.today(),
    )
    client.force_login(user)
    form = client.get(f"/field/install/{label.serial}/").content.decode()
    assert f'value="{permit.number}"' in form  # the worker's own permit is prefilled
    assert 'id="report-mismatch"' in form and "kind=label_mismatch" in form
    response = post_work(client, label, permit.number)
    record = WorkRecord.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/field/work/{record.pk}/rate/"
    assert Label.objects.get(pk=label.pk).state == "installed"
    assert LabelTransition.objects.get(label=label, name="install").note == permit.number
    assert Booking.objects.get().status == "done"

    rated = client.post(
        response["Location"],
        {
            "phone": "138 0013 5678",
            "rating": "5",
            "comment": "很专业",
            "sms_code": verified_code("13800135678", "rating"),
        },
    )
    assert rated.status_code == 200 and "感谢您的评价" in rated.content.decode()
    record.refresh_from_db()
    assert (record.resident_phone, record.rating, record.comment) == ("13800135678", 5, "很专业")
    again = client.post(response["Location"], {"phone": "13800135678", "rating": "1"})
    assert again.status_code == 409 and "已评价" in again.content.decode()

    html = client.get(f"/q/{label.serial}").content.decode()
    assert permit.company.name in html and "5★" in html


def test_repair_is_recorded_in_history_without_state_change(client):
    user, permit = installer_with_permit()
    label = label_for(permit.company, state="ignited")
    client.force_login(user)
    response = post_work(client, label, permit.number, kind="repair")
    assert response.status_code == 302
    assert Label.objects.get(pk=label.pk).state == "ignited"
    assert WorkRecord.objects.get().kind == "repair"
    assert "维修" in client.get(f"/q/{label.serial}").content.decode()


def refusal(response):
    return response.status_code, response.content.decode()


@pytest.mark.parametrize(
    "case, status, text",
    [
        ("wrong_role", 403, "您的角色不能执行该操作"),
        ("expired_permit", 403, "不在有效期内"),
        ("revoked_permit", 403, "已被吊销"),
        ("lapsed_company", 403, "资质已失效"),
        ("someone_elses_permit", 403, "不属于当前登录"),
        ("not_designated", 403, "不是型号"),
        ("nameplate_unconfirmed", 400, "核对标识上的型号"),
        ("already_installed", 409, "同一编码不能安装两次"),  # and a suspected-clone case (test_clones.py)
        ("suspended", 409, "暂停使用"),
        ("unknown_code", 404, "未知编码"),
        ("repair_before_install", 409, "尚未安装"),
    ],
)
def test_installation_refusals(client, case, status, text):
    from django.utils import timezone

    user, permit = installer_with_permit(**(EXPIRED if case == "expired_permit" else {}))
    state = {"already_installed": "installed", "suspended": "suspended"}.get(case, "sold")
    label = label_for(permit.company, state=state)
    kind, extra = "install", {}
    if case == "wrong_role":
        user = UserFactory(role=roles.DEALER)
    elif case == "revoked_permit":
        permit.revoked_at = timezone.now()
        permit.save()
    elif case == "lapsed_company":
        Organization.objects.filter(pk=permit.company_id).update(licence_valid_until=date(2020, 1, 1))
    elif case == "someone_elses_permit":
        user, _mine = installer_with_permit(permit.company)
    elif case == "not_designated":
        label = label_for(qualified(Organization.Kind.INSTALLER), state="sold")
    elif case == "nameplate_unconfirmed":
        extra = {"nameplate_confirmed": ""}
    elif case == "unknown_code":
        label.serial = "0" * 14
    elif case == "repair_before_install":
        kind = "repair"
    client.force_login(user)
    code, html = refusal(post_work(client, label, permit.number, kind=kind, **extra))
    assert code == status and text in html
    assert not WorkRecord.objects.exists()
    assert not LabelTransition.objects.filter(name="install").exists()


def test_rating_refusals(client):
    user, permit = installer_with_permit()
    label = label_for(permit.company, state="sold")
    client.force_login(user)
    record_url = post_work(client, label, permit.number)["Location"]
    assert client.post(record_url, {"phone": "12345", "rating": "5"}).status_code == 400
    assert client.post(record_url, {"phone": "13800135678", "rating": "9"}).status_code == 400
    other, _ = installer_with_permit(permit.company)
    client.force_login(other)
    assert client.post(record_url, {"phone": "13800135678", "rating": "4"}).status_code == 404
    assert WorkRecord.objects.get().rated_at is None
