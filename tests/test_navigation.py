import re

import pytest
from django.urls import reverse

from accounts import roles
from accounts.navigation import NAV_ITEMS, items_for
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def nav_keys(client):
    html = client.get(reverse("home")).content.decode()
    nav = html[html.index('id="main-nav"') : html.index("</nav>")]
    return set(re.findall(r'data-nav="([^"]+)"', nav))


def expected_keys(role):
    return {item.key for item in NAV_ITEMS if {"anyone", "signed_in", role} & set(item.allowed)}


def test_anonymous_sees_public_entries_and_login(client):
    keys = nav_keys(client)
    assert keys == {item.key for item in NAV_ITEMS if "anyone" in item.allowed}
    assert reverse("login") in client.get(reverse("home")).content.decode()


@pytest.mark.parametrize("role", roles.ALL_ROLES)
def test_each_role_sees_exactly_its_entries(client, role):
    user = UserFactory(role=role)
    client.login(username=user.username, password=PASSWORD)
    assert nav_keys(client) == expected_keys(role)


def test_admin_entry_only_for_reviewers(client):
    dealer = UserFactory(role=roles.DEALER)
    reviewer = UserFactory(role=roles.REVIEWER)
    assert "admin" not in {i.key for i in items_for(dealer)}
    assert "admin" in {i.key for i in items_for(reviewer)}


def test_page_is_chinese_by_default_and_english_on_request(client):
    assert "燃气具气源适配性标识查询" in client.get(reverse("home")).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("home")).content.decode()
    assert 'lang="en"' in html
    assert "Gas appliance label look-up" in html


def test_no_external_assets_in_base_page(client):
    html = client.get(reverse("home")).content.decode()
    assert not re.search(r'(src|href)="(https?:)?//', html)


def test_english_browser_still_gets_chinese_until_the_user_switches(client):
    html = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert 'lang="zh-hans"' in html
    assert "燃气具气源适配性标识查询" in html


def test_unknown_language_cookie_falls_back_to_chinese(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    html = client.get(reverse("home")).content.decode()
    assert 'lang="zh-hans"' in html
