"""The queues' search never matches what the page masks: a reviewer sees 深圳市南山区**** and may search that part,
not the hidden building and flat (guessing them one search at a time would unmask the address). The responsible
dealer, who calls the resident and sees the address whole, searches all of it."""

import pytest

from remediation import services
from tests.factories_remediation import make_city

pytestmark = pytest.mark.django_db
ADDRESS = "深圳市南山区科技园路8号3栋1201"


def found(client, url, query):
    response = client.get(url, {"q": query})
    assert response.status_code == 200
    return "data-case=" in response.content.decode()


def test_search_matches_only_the_shown_part_of_the_address(client):
    city = make_city()
    case = services.report_problem(reporter=city.installer, kind="label_missing", district="nanshan", address=ADDRESS)
    services.reassign_dealer(case_id=case.pk, user=city.reviewer, dealer_id=city.dealer_org.pk)
    client.force_login(city.reviewer)
    assert found(client, "/remediation/cases/", "南山区")  # shown: 深圳市南山区****
    assert not found(client, "/remediation/cases/", "3栋1201")  # masked
    assert not found(client, "/remediation/cases/", "科技园")
    client.force_login(city.regulator)
    services.report_to_regulator(case_id=case.pk, user=city.reviewer, note="上报")
    assert found(client, "/remediation/escalated/", "南山区")
    assert not found(client, "/remediation/escalated/", "1201")
    client.force_login(city.dealer)
    assert found(client, "/remediation/mine/", "3栋1201")
