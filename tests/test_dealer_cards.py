"""The dealer's queue on a phone: one card per case, time left as the largest text (red under 30 minutes),
tap to call the resident, one tap "contacted"; the filters and the table fold away."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from remediation import services
from tests.factories_remediation import make_city, sold_label

pytestmark = pytest.mark.django_db


def card(page, pk):
    match = re.search(rf'<article class="card case-card" data-card="{pk}">(.*?)</article>', page, flags=re.S)
    assert match, f"no card for case {pk}"
    return match.group(1)


def test_cards_show_time_left_call_and_one_tap_contacted(client):
    city = make_city()
    report = lambda: services.report_problem(  # noqa: E731
        reporter=city.installer, kind="label_mismatch", serial=sold_label(city).serial, resident_phone="13812345678"
    )
    calm, urgent = report(), report()
    urgent.deadlines.filter(step="contact").update(due_at=timezone.now() + timedelta(minutes=20))
    client.force_login(city.dealer)
    page = client.get("/remediation/mine/").content.decode()
    assert page.index('id="case-cards"') < page.index('<details class="card" id="queue-more">')  # filters folded
    assert 'data-urgent="0">剩余 1小时59分' in card(page, calm.pk) or 'data-urgent="0">剩余 2小时00分' in card(
        page, calm.pk
    )
    assert 'class="time-left urgent" data-urgent="1">剩余 0小时1' in card(page, urgent.pk)
    assert 'href="tel:13812345678"' in card(page, urgent.pk)  # the responsible dealer sees the whole number
    assert f'action="/remediation/{urgent.pk}/contact/"' in card(page, urgent.pk)
    tapped = client.post(f"/remediation/{urgent.pk}/contact/")
    assert tapped.status_code == 302
    urgent.refresh_from_db()
    assert urgent.stage == "resolve" and urgent.contacted_at is not None
    page = client.get("/remediation/mine/").content.decode()
    assert "data-contacted" not in card(page, urgent.pk) and "完成整改" in card(page, urgent.pk)
