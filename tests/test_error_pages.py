import pytest
from django.urls import reverse

from accounts import roles
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_unknown_page_is_our_own_chinese_404(client):
    response = client.get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "页面不存在" in html
    assert "Django Material" not in html  # not viewflow's bundled page
    assert reverse("home") in html


def test_forbidden_page_explains_and_keeps_navigation(client):
    client.force_login(UserFactory(role=roles.DEALER))
    response = client.get(reverse("cases:declaration_list"))
    html = response.content.decode()
    assert response.status_code == 403
    assert "无权访问" in html
    assert 'id="main-nav"' in html
