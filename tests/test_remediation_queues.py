"""The three queues (dealer, association, regulator), exports, masking, and the case timeline page."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from remediation import services
from remediation.services.sla import sweep_due_deadlines
from tests.factories_remediation import make_city, sold_label

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    return make_city()


def new_case(city, phone="13812345678"):
    label = sold_label(city)
    return services.report_problem(
        reporter=city.installer,
        kind="label_mismatch",
        serial=label.serial,
        resident_phone=phone,
        district="nanshan",
        address="南山区科技园南区8栋1203",
    )


def test_dealer_queue_shows_own_open_cases_with_time_left_and_red_overdue(client, city):
    fresh = new_case(city)
    late = new_case(city)
    late.deadlines.filter(step="contact").update(due_at=timezone.now() - timedelta(minutes=5))
    closed = new_case(city)
    services.record_contact(case_id=closed.pk, user=city.dealer)
    services.resolve_case(case_id=closed.pk, user=city.dealer, resolution="return")
    client.force_login(city.dealer)
    page = client.get(reverse("remediation:dealer-queue")).content.decode()
    assert f'data-case="{fresh.pk}"' in page and f'data-case="{late.pk}"' in page
    assert f'data-case="{closed.pk}"' not in page
    assert '<span class="overdue" data-overdue="1">超时 0小时05分</span>' in page
    assert "剩余 1小时59分" in page or "剩余 2小时00分" in page


def test_dealer_queue_filter_overdue(client, city):
    new_case(city)
    late = new_case(city)
    late.deadlines.filter(step="contact").update(due_at=timezone.now() - timedelta(minutes=5))
    client.force_login(city.dealer)
    page = client.get(reverse("remediation:dealer-queue") + "?overdue=true").content.decode()
    assert page.count("data-case=") == 1 and f'data-case="{late.pk}"' in page


def test_dealer_queue_is_one_query_set_whatever_the_size(client, city, django_assert_max_num_queries):
    for _ in range(5):
        new_case(city)
    client.force_login(city.dealer)
    url = reverse("remediation:dealer-queue")
    client.get(url)
    with django_assert_max_num_queries(8):
        client.get(url)


def test_other_dealers_do_not_see_the_case(client, city):
    case = new_case(city)
    from accounts import roles
    from tests.factories import UserFactory

    stranger = UserFactory(organization=city.other_dealer, role=roles.DEALER)
    client.force_login(stranger)
    assert f'data-case="{case.pk}"' not in client.get(reverse("remediation:dealer-queue")).content.decode()
    assert client.get(reverse("remediation:case", args=[case.pk])).status_code == 404


def test_association_and_regulator_queues_follow_escalation(client, city):
    case = new_case(city)
    client.force_login(city.reviewer)
    assert f'data-case="{case.pk}"' not in client.get(reverse("remediation:association-queue")).content.decode()
    sweep_due_deadlines(now=timezone.now() + timedelta(hours=3))
    assert f'data-case="{case.pk}"' in client.get(reverse("remediation:association-queue")).content.decode()
    client.force_login(city.regulator)
    assert f'data-case="{case.pk}"' not in client.get(reverse("remediation:regulator-queue")).content.decode()
    services.report_to_regulator(case_id=case.pk, user=city.reviewer, note="上报")
    assert f'data-case="{case.pk}"' in client.get(reverse("remediation:regulator-queue")).content.decode()
    assert client.get(reverse("remediation:association-queue")).status_code == 403


def test_export_csv(client, city):
    case = new_case(city)
    client.force_login(city.reviewer)
    response = client.get(reverse("remediation:all-cases") + "?_export=csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "编号" and rows[1][0] == str(case.pk)
    assert case.label.serial in rows[1]
    assert "13812345678" not in response.content.decode("utf-8-sig")


def test_phone_and_address_masked_except_for_the_dealer(client, city):
    case = new_case(city)
    client.force_login(city.reviewer)
    page = client.get(reverse("remediation:case", args=[case.pk])).content.decode()
    assert "138****5678" in page and "13812345678" not in page
    assert "8栋1203" not in page
    client.force_login(city.dealer)
    page = client.get(reverse("remediation:case", args=[case.pk])).content.decode()
    assert "13812345678" in page and "南山区科技园南区8栋1203" in page


def test_case_page_timeline_shows_who_did_what(client, city):
    case = new_case(city)
    services.record_contact(case_id=case.pk, user=city.dealer, note="电话已通")
    sweep_due_deadlines(now=timezone.now() + timedelta(days=2))
    services.add_note(case_id=case.pk, user=city.regulator, kind="comment", text="请协会跟进")
    client.force_login(city.reviewer)
    page = client.get(reverse("remediation:case", args=[case.pk])).content.decode()
    for kind in (
        "reported",
        "assigned",
        "deadline_set",
        "contacted",
        "deadline_met",
        "deadline_missed",
        "escalated",
        "comment",
    ):
        assert f'data-kind="{kind}"' in page, kind
    assert "电话已通" in page and "请协会跟进" in page
    assert 'data-task="contact"' in page and 'data-escalation="association"' in page
    assert 'data-step="resolve" data-state="missed"' in page


def test_dealer_acts_through_the_case_page(client, city):
    case = new_case(city)
    client.force_login(city.dealer)
    response = client.post(reverse("remediation:contact", args=[case.pk]), {"note": "已联系"})
    assert response.status_code == 302
    response = client.post(reverse("remediation:resolve", args=[case.pk]), {"resolution": "relabel", "new_serial": ""})
    assert response.status_code == 400
    assert "新标识编码无效" in response.content.decode()
    case.refresh_from_db()
    assert case.stage == "resolve"
    response = client.post(reverse("remediation:resolve", args=[case.pk]), {"resolution": "return"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.stage == "closed"


def test_association_reports_to_the_regulator_from_the_case_page(client, city):
    case = new_case(city)
    client.force_login(city.reviewer)
    url = reverse("remediation:report-regulator", args=[case.pk])
    response = client.post(url, {"regulator-note": ""})
    assert response.status_code == 400 and "请填写上报说明" in response.content.decode()
    response = client.post(url, {"regulator-note": "代理商拒不整改"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.escalation_level == "regulator"
    assert case.escalations.get(level="regulator").note == "代理商拒不整改"


def test_navigation_entries_per_role(city):
    from accounts.navigation import items_for

    def keys(user):
        return {item.key for item in items_for(user) if item.key.startswith("remediation_")}

    assert keys(city.installer) >= {"remediation_report"} and "remediation_mine" not in keys(city.installer)
    assert "remediation_report" in keys(city.igniter)
    assert "remediation_mine" in keys(city.dealer)
    assert {"remediation_escalations", "remediation_all"} <= keys(city.reviewer)
    assert "remediation_escalated" in keys(city.regulator) and "remediation_all" not in keys(city.regulator)


@pytest.mark.parametrize("per_page", ["-1", "0", "1000000"])
def test_queues_take_any_page_size_in_the_query(client, city, per_page):
    new_case(city)
    client.force_login(city.dealer)
    response = client.get(reverse("remediation:dealer-queue"), {"per_page": per_page})
    assert response.status_code == 200 and 'data-case="' in response.content.decode()
