"""A rating counts only from a confirmed resident: the code their phone received typed on the installer's
phone, or the one-time link their phone received. The installer alone can never produce one."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from field.models import WorkRecord
from remediation.models import Notification
from tests.factories import PASSWORD
from tests.factories_field import installer_with_permit, label_for, rating_token

pytestmark = pytest.mark.django_db
RESIDENT = "13912345678"


@pytest.fixture
def installed(client):
    cache.clear()
    installer, permit = installer_with_permit()
    label = label_for(permit.company, state="sold")
    client.force_login(installer)
    response = client.post(
        f"/field/install/{label.serial}/",
        {"permit": permit.number, "nameplate_confirmed": "on", "district": "futian"},
    )
    assert response.status_code == 302
    return installer, WorkRecord.objects.get(), response["Location"]


def last_sms(template):
    return Notification.objects.filter(template=template, address=RESIDENT).latest("pk")


def test_the_installer_alone_cannot_rate(client, installed):
    installer, record, rate_url = installed
    for code in ("", "000000"):
        refused = client.post(rate_url, {"phone": RESIDENT, "rating": "5", "sms_code": code})
        assert refused.status_code == 400 and "验证码" in refused.content.decode()
    api = APIClient()
    api.login(username=installer.username, password=PASSWORD)
    by_api = api.post(f"/api/v1/work/{record.pk}/rating/", {"phone": RESIDENT, "rating": 5}, format="json")
    assert by_api.status_code == 400 and "验证码" in by_api.json()["detail"]
    record.refresh_from_db()
    assert record.rated_at is None and record.rating is None


def test_code_sent_to_the_resident_confirms_the_rating_on_the_installers_phone(client, installed):
    _installer, record, rate_url = installed
    sent = client.post(rate_url, {"phone": RESIDENT, "action": "send_code"})
    assert sent.status_code == 200 and 'id="code-sent"' in sent.content.decode()
    code = last_sms("verify_code").params["code"]
    assert code not in sent.content.decode()
    rated = client.post(rate_url, {"phone": RESIDENT, "rating": "4", "sms_code": code})
    assert rated.status_code == 200 and "感谢您的评价" in rated.content.decode()
    record.refresh_from_db()
    assert (record.rating, record.resident_phone) == (4, RESIDENT)


def test_a_one_time_link_lets_the_resident_rate_later_on_their_own_phone(client, installed):
    _installer, record, rate_url = installed
    sent = client.post(rate_url, {"phone": RESIDENT, "action": "send_link"})
    assert sent.status_code == 200 and "评价链接已发送" in sent.content.decode()
    record.refresh_from_db()
    assert record.rated_at is None  # sending the link rates nothing
    link = last_sms("rating_link").params["link"]
    path = link.removeprefix("http://127.0.0.1:8000")
    client.logout()
    assert "提交评价" in client.get(path).content.decode()
    rated = client.post(path, {"rating": "3", "comment": "准时"})
    assert rated.status_code == 200 and "感谢您的评价" in rated.content.decode()
    record.refresh_from_db()
    assert (record.rating, record.comment, record.resident_phone) == (3, "准时", RESIDENT)
    again = client.post(path, {"rating": "1"})
    assert "已评价" in again.content.decode()
    record.refresh_from_db()
    assert record.rating == 3
    forged = rating_token(record.pk, RESIDENT)[:-2] + "xx"
    assert client.get(f"/r/{forged}/").status_code == 404
