"""Ignition: only an installed genuine appliance whose gas equals the supply's, by a permitted igniter."""

import re
from datetime import date
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

from accounts import roles
from accounts.models import City, Organization
from cases.models import Label, LabelTransition
from field.models import Ignition
from tests.factories import UserFactory
from tests.factories_field import EXPIRED, igniter_with_permit, installer_with_permit, label_for

pytestmark = pytest.mark.django_db


def test_ignite_installed_matching_appliance(client):
    user, permit = igniter_with_permit()
    label = label_for(state="installed", gas="12T")
    client.force_login(user)
    page = client.get(f"/field/ignite/{label.serial}/").content.decode()
    assert "本地供气气源：12T" in page and f'value="{permit.number}"' in page
    response = client.post(f"/field/ignite/{label.serial}/", {"permit": permit.number})
    assert response.status_code == 200 and "已点火通气" in response.content.decode()
    assert Label.objects.get(pk=label.pk).state == "ignited"
    ignition = Ignition.objects.get()
    assert (ignition.worker, ignition.company, ignition.supply_gas_category) == (user, permit.company, "12T")
    log = LabelTransition.objects.get(label=label, name="ignite")
    assert (log.actor, log.organization, log.source) == (user, permit.company, "web")
    scan = client.get(f"/q/{label.serial}").content.decode()
    assert permit.company.name in scan and "尚未点火通气" not in scan


def test_gas_mismatch_blocks_and_offers_report(client):
    user, permit = igniter_with_permit()
    label = label_for(state="installed", gas="20Y")
    client.force_login(user)
    response = client.post(f"/field/ignite/{label.serial}/", {"permit": permit.number})
    html = response.content.decode()
    assert response.status_code == 409 and "气源不匹配" in html and "禁止点火" in html
    link = re.search(r'id="report-link" href="([^"]+)"', html).group(1)
    url = urlsplit(unescape(link))
    assert url.path == "/remediation/report/"
    assert parse_qs(url.query) == {"serial": [label.serial], "kind": ["gas_mismatch"]}
    assert Label.objects.get(pk=label.pk).state == "installed" and not Ignition.objects.exists()
    # The link opens the remediation report form, prefilled.
    report_form = client.get(unescape(link))
    assert report_form.status_code == 200 and label.serial in report_form.content.decode()


def test_city_supply_is_the_current_citys_gas(client):
    # The city's gas is data (accounts.City; CITY_GAS_CATEGORY only seeds it): an LPG city ignites a 20Y cooktop.
    current = City.objects.get(is_current=True)
    current.gas_category = "20Y"
    current.save()
    user, permit = igniter_with_permit()
    label = label_for(state="installed", gas="20Y")
    client.force_login(user)
    assert client.post(f"/field/ignite/{label.serial}/", {"permit": permit.number}).status_code == 200


@pytest.mark.parametrize(
    "case, status, text",
    [
        ("wrong_role", 403, "您的角色不能执行该操作"),
        ("installer_permit", 403, "不能用于该作业"),
        ("expired_permit", 403, "不在有效期内"),
        ("lapsed_company", 403, "资质已失效"),
        ("not_installed", 409, "尚未登记安装"),
        ("already_ignited", 409, "不能重复"),
        ("suspended", 409, "暂停使用"),
        ("void", 409, "不是有效标识"),
        ("unknown_code", 404, "未知编码"),
        ("malformed", 404, "编码无效"),
    ],
)
def test_ignition_refusals(client, case, status, text):
    user, permit = igniter_with_permit(**(EXPIRED if case == "expired_permit" else {}))
    state = {"not_installed": "sold", "already_ignited": "ignited", "suspended": "suspended", "void": "void"}
    label = label_for(state=state.get(case, "installed"))
    serial, number = label.serial, permit.number
    if case == "wrong_role":
        user = UserFactory(role=roles.DEALER)
    elif case == "installer_permit":
        user, installer_permit = installer_with_permit()
        user.groups.add(*UserFactory(role=roles.IGNITION_WORKER).groups.all())
        number = installer_permit.number
    elif case == "lapsed_company":
        Organization.objects.filter(pk=permit.company_id).update(licence_valid_until=date(2020, 1, 1))
    elif case == "unknown_code":
        serial = "0" * 14
    elif case == "malformed":
        serial = "ABC"
    client.force_login(user)
    response = client.post(f"/field/ignite/{serial}/", {"permit": number})
    assert response.status_code == status and text in response.content.decode()
    assert not Ignition.objects.exists()
    assert not LabelTransition.objects.filter(name="ignite").exists()
