import pytest
from django.urls import resolve, reverse

from accounts import roles
from accounts.models import Organization
from tests.factories import OrganizationFactory, UserFactory

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


@pytest.mark.parametrize(
    "url_name", ["remediation:case", "cases:batch_detail", "cases:document", "field:permit-card", "field:rate"]
)
def test_ids_beyond_64_bits_are_a_404_not_a_500(client, url_name):
    association = OrganizationFactory(kind=Organization.Kind.ASSOCIATION)
    client.force_login(UserFactory(role=roles.REVIEWER, is_superuser=True, organization=association))
    path = reverse(url_name, kwargs={"pk": 1})
    assert resolve(path).url_name == url_name.split(":")[1]
    huge = path.replace("/1", "/" + "9" * 30, 1)
    response = client.get(huge)
    assert response.status_code == 404


def test_unknown_stats_section_is_a_404(client):
    association = OrganizationFactory(kind=Organization.Kind.ASSOCIATION)
    client.force_login(UserFactory(role=roles.REVIEWER, organization=association))
    assert client.get("/stats/nosuch/").status_code == 404
    assert client.get("/stats/reports/99999999999999999999999.pdf").status_code == 404
