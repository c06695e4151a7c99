"""Whose clock, with time travel: calendar hours (the default) and service hours (09:00–18:00 on working
days) across a night, a weekend, and the 2025 National Day holiday with its make-up working day.

2025: Oct 1–8 are public holidays; Sat Oct 11 is a make-up working day (chinesecalendar says so, not us).
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from remediation import services
from remediation.clock import add_service_hours, is_working_day
from remediation.models import Deadline, DeadlinePolicy, Escalation, Step
from remediation.services.sla import sweep_due_deadlines
from tests.factories_remediation import make_city, sold_label

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(*args):
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def city(settings):
    settings.SERVICE_HOURS = "09:00-18:00"
    return make_city()


def service_clock():
    DeadlinePolicy.objects.filter(step__in=[Step.CONTACT, Step.RESOLVE]).update(clock="service")


def report_at(city, when):
    with time_machine.travel(when, tick=False):
        label = sold_label(city)
        case = services.report_problem(reporter=city.installer, kind="label_mismatch", serial=label.serial)
    return {d.step: d for d in Deadline.objects.filter(case=case)}, case


def test_calendar_hours_run_through_the_night_and_say_so(city):
    deadlines, _case = report_at(city, local(2025, 9, 30, 23, 0))
    assert deadlines[Step.CONTACT].due_at == local(2025, 10, 1, 1, 0)
    assert deadlines[Step.RESOLVE].due_at == local(2025, 10, 1, 23, 0)
    assert "日历时间" in deadlines[Step.CONTACT].rule and "2" in deadlines[Step.CONTACT].rule


@pytest.mark.parametrize(
    "reported, contact_due, resolve_due",
    [
        # A night: 1 h left on Monday, 1 h on Tuesday morning; 24 service hours = 1 + 9 + 9 + 5.
        (local(2025, 9, 15, 17, 0), local(2025, 9, 16, 10, 0), local(2025, 9, 18, 14, 0)),
        # Reported at night: the clock starts when service opens.
        (local(2025, 9, 15, 23, 0), local(2025, 9, 16, 11, 0), local(2025, 9, 18, 15, 0)),
        # A weekend: Friday 17:00 → Monday (Sep 20–21 are an ordinary weekend).
        (local(2025, 9, 19, 17, 0), local(2025, 9, 22, 10, 0), local(2025, 9, 24, 14, 0)),
        # The National Day holiday: Tue Sep 30 17:00 → Thu Oct 9 (Oct 1–8 skipped).
        # (24 h: 1 on Sep 30, 9 on Oct 9, 9 on Oct 10, 5 on Sat Oct 11, a make-up working day.)
        (local(2025, 9, 30, 17, 0), local(2025, 10, 9, 10, 0), local(2025, 10, 11, 14, 0)),
        # Its make-up working day: Fri Oct 10 17:00 → Sat Oct 11 counts; Sun Oct 12 does not.
        (local(2025, 10, 10, 17, 0), local(2025, 10, 11, 10, 0), local(2025, 10, 14, 14, 0)),
    ],
    ids=["night", "reported-at-night", "weekend", "public-holiday", "make-up-working-day"],
)
def test_service_hours_skip_nights_weekends_and_holidays(city, reported, contact_due, resolve_due):
    service_clock()
    deadlines, _case = report_at(city, reported)
    assert deadlines[Step.CONTACT].due_at == contact_due
    assert deadlines[Step.RESOLVE].due_at == resolve_due
    assert "服务小时" in deadlines[Step.CONTACT].rule and "09:00–18:00" in deadlines[Step.CONTACT].rule


def test_the_sweep_follows_the_service_clock_across_the_holiday(city):
    service_clock()
    deadlines, case = report_at(city, local(2025, 9, 30, 17, 0))
    # Calendar-wise the case is a week old; on the service clock it is not due until Oct 9 10:00.
    assert sweep_due_deadlines(now=local(2025, 10, 8, 23, 59)) == 0
    assert sweep_due_deadlines(now=local(2025, 10, 9, 10, 0)) == 0  # on time up to due_at itself
    assert sweep_due_deadlines(now=local(2025, 10, 9, 10, 1)) == 1
    assert Escalation.objects.filter(case=case).count() == 1


def test_the_calendar_clock_would_have_escalated_during_the_holiday(city):
    _deadlines, case = report_at(city, local(2025, 9, 30, 17, 0))
    assert sweep_due_deadlines(now=local(2025, 9, 30, 19, 1)) == 1
    assert Escalation.objects.filter(case=case).count() == 1


def test_case_page_shows_the_due_time_and_the_rule(client, city):
    service_clock()
    deadlines, case = report_at(city, local(2025, 9, 19, 17, 0))
    client.force_login(city.dealer)
    with time_machine.travel(local(2025, 9, 19, 17, 5), tick=False):
        page = client.get(f"/remediation/{case.pk}/").content.decode()
    assert "2025-09-22 10:00" in page and "2 个服务小时" in page and "调休上班日计入" in page
    # viewflow's own words never reach the Chinese page: tasks and their statuses are named in Chinese.
    assert "报告问题 · 已完成" in page and "联系用户 · 待办理" in page
    assert "Start ·" not in page and "· Done" not in page and "· New" not in page


def test_unknown_years_fall_back_to_monday_to_friday(city, caplog):
    assert is_working_day(datetime(2099, 1, 5).date()) is True  # a Monday
    assert is_working_day(datetime(2099, 1, 3).date()) is False  # a Saturday
    assert "no data" in caplog.text or "Monday to Friday" in caplog.text
    assert add_service_hours(local(2099, 1, 2, 17, 0), timedelta(hours=2)) == local(2099, 1, 5, 10, 0)
