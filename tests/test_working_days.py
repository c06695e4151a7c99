"""The association's own holidays (remediation.models.CalendarDay / CalendarYear) over chinesecalendar's.

EVERY 2027, 2098 AND 2099 DATE ENTERED BELOW IS MADE UP FOR THE TEST, not the State Council's schedule (unknown to us
when this was written). Rows in 2025 contradict the real 2025 schedule on purpose, to show that a row wins.
2098/2099 stand for "a year the package does not know" (it never will); tests crossing into 2027 pin every day
they count with a row, so they hold once a later chinesecalendar knows 2027.
"""

import logging
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import User
from audit.models import AuditEntry
from remediation import clock
from remediation.clock import add_service_hours, is_working_day, years_to_enter
from remediation.models import CalendarDay, CalendarYear, DeadlinePolicy, Step
from tests.factories_remediation import make_city

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = timedelta(hours=9)  # SERVICE_HOURS 09:00-18:00


@pytest.fixture(autouse=True)
def service_window(settings):
    settings.SERVICE_HOURS = "09:00-18:00"


def local(*args):
    return datetime(*args, tzinfo=SHANGHAI)


def rows(*days):
    """(date, is_working_day) pairs, all made up (see the module's docstring)."""
    for day, working in days:
        CalendarDay.objects.create(day=day, is_working_day=working, note="虚构（测试用）")


def no_data_warnings(caplog):
    return [r for r in caplog.records if r.levelno == logging.WARNING and "No holiday schedule" in r.getMessage()]


def test_a_year_the_package_knows_is_counted_as_before(caplog):
    # 2025: Oct 1–8 holidays, Sat Oct 11 a make-up working day (chinesecalendar's data, real).
    assert is_working_day(date(2025, 10, 1)) is False
    assert is_working_day(date(2025, 10, 11)) is True
    assert is_working_day(date(2025, 10, 12)) is False  # an ordinary Sunday
    assert is_working_day(date(2025, 10, 13)) is True  # an ordinary Monday
    assert add_service_hours(local(2025, 9, 30, 17, 0), timedelta(hours=2)) == local(2025, 10, 9, 10, 0)
    assert no_data_warnings(caplog) == []


def test_a_row_beats_the_package_both_ways(caplog):
    rows(
        (date(2025, 10, 1), True),  # made up: the National Day holiday worked
        (date(2025, 10, 11), False),  # made up: the make-up Saturday given back
        (date(2025, 10, 13), False),  # made up: an ordinary Monday off
    )
    assert is_working_day(date(2025, 10, 1)) is True
    assert is_working_day(date(2025, 10, 11)) is False
    assert is_working_day(date(2025, 10, 13)) is False
    assert is_working_day(date(2025, 10, 2)) is False  # no row: the package's holiday stands
    # Tue Sep 30 17:00 + 2 h: 1 h then, 1 h on the (now working) Oct 1.
    assert add_service_hours(local(2025, 9, 30, 17, 0), timedelta(hours=2)) == local(2025, 10, 1, 10, 0)
    # Fri Oct 10 17:00 + 2 h: Sat 11 off now, Sun 12, Mon 13 off: Tue Oct 14.
    assert add_service_hours(local(2025, 10, 10, 17, 0), timedelta(hours=2)) == local(2025, 10, 14, 10, 0)
    assert no_data_warnings(caplog) == []


def test_an_unknown_year_without_rows_counts_monday_to_friday_and_warns_once(caplog):
    assert not clock.package_knows(2099)
    assert is_working_day(date(2099, 1, 5)) is True  # a Monday
    assert is_working_day(date(2099, 1, 3)) is False  # a Saturday
    assert is_working_day(date(2099, 1, 1)) is True  # a Thursday: the fallback cannot know it is New Year's Day
    # A week of service hours, day after day: still the one warning.
    assert add_service_hours(local(2099, 1, 2, 17, 0), DAY * 5) == local(2099, 1, 9, 17, 0)
    warnings = no_data_warnings(caplog)
    assert len(warnings) == 1
    message = warnings[0].getMessage()
    assert "2099" in message and "Monday to Friday" in message
    assert "admin" in message and "法定节假日与调休" in message and "load_holidays" in message  # how to fix it
    is_working_day(date(2098, 6, 1))  # another year: its own warning, once
    is_working_day(date(2098, 6, 2))
    assert len(no_data_warnings(caplog)) == 2 and "2098" in no_data_warnings(caplog)[1].getMessage()


def test_an_unknown_year_marked_complete_uses_its_rows_and_monday_to_friday_silently(caplog):
    CalendarYear.objects.create(year=2099, complete=True)
    rows((date(2099, 1, 1), False), (date(2099, 1, 2), False), (date(2099, 1, 10), True))  # made up
    assert is_working_day(date(2099, 1, 1)) is False
    assert is_working_day(date(2099, 1, 5)) is True  # no row, a Monday
    assert is_working_day(date(2099, 1, 3)) is False  # no row, a Saturday
    assert is_working_day(date(2099, 1, 10)) is True  # the made-up working Saturday
    assert add_service_hours(local(2099, 1, 1, 9, 0), timedelta(hours=2)) == local(2099, 1, 5, 11, 0)
    assert add_service_hours(local(2099, 1, 9, 17, 0), timedelta(hours=2)) == local(2099, 1, 10, 10, 0)
    assert no_data_warnings(caplog) == []
    # Rows without the year marked complete: used, but the year still warns (the rest may be missing).
    CalendarYear.objects.filter(year=2099).update(complete=False)
    assert is_working_day(date(2099, 1, 1)) is False
    assert is_working_day(date(2099, 1, 5)) is True
    assert len(no_data_warnings(caplog)) == 1


def pin_new_year_2027():
    """Every day from 2027-01-01 to 01-07 a deadline below counts, as a row: ALL MADE UP (the real 2027 schedule
    is not known to us); pinned so the test holds whatever a later chinesecalendar says about 2027."""
    CalendarYear.objects.create(year=2027, complete=True, note="虚构（测试用）")
    rows(
        (date(2027, 1, 1), False),
        (date(2027, 1, 2), False),
        (date(2027, 1, 3), False),
        (date(2027, 1, 4), False),  # made up: a Monday off, the day the deadline must skip
        (date(2027, 1, 5), True),
        (date(2027, 1, 6), True),
        (date(2027, 1, 7), True),
    )


def test_a_deadline_across_new_year_skips_an_entered_weekday_holiday(caplog):
    pin_new_year_2027()
    reported = local(2026, 12, 31, 17, 0)  # a Thursday, a working day in the package's 2026
    # 2 h: 1 h on Dec 31, then Jan 1–4 are off: 1 h on Tue Jan 5.
    assert add_service_hours(reported, timedelta(hours=2)) == local(2027, 1, 5, 10, 0)
    # 24 h: 1 + 9 (Jan 5) + 9 (Jan 6) + 5 (Jan 7).
    assert add_service_hours(reported, timedelta(hours=24)) == local(2027, 1, 7, 14, 0)
    assert no_data_warnings(caplog) == []
    # The Monday worked after all (a row edited in the admin): the next computation counts it, no cache to drop.
    CalendarDay.objects.filter(day=date(2027, 1, 4)).update(is_working_day=True)
    assert add_service_hours(reported, timedelta(hours=2)) == local(2027, 1, 4, 10, 0)


def test_one_deadline_reads_each_year_once(django_assert_num_queries, django_assert_max_num_queries):
    # Two years the package does not know: rows and the complete flag of each, once, however many days are counted.
    with django_assert_num_queries(4):
        assert add_service_hours(local(2098, 12, 31, 17, 0), DAY * 20) == local(2099, 1, 28, 17, 0)
    with django_assert_num_queries(1):  # a known year: its rows only
        add_service_hours(local(2025, 9, 1, 9, 0), DAY * 40)
    pin_new_year_2027()
    with django_assert_max_num_queries(3):  # 2026 known; 2027 known or not, depending on the package's version
        add_service_hours(local(2026, 12, 31, 17, 0), DAY * 30)


def service_policy():
    DeadlinePolicy.objects.filter(step=Step.CONTACT).update(clock="service")


def test_years_to_enter_from_december(django_assert_num_queries):
    service_policy()
    assert years_to_enter(date(2098, 11, 30)) == [2098]  # the current year, unknown: late, but still said
    assert years_to_enter(date(2098, 12, 1)) == [2098, 2099]
    CalendarYear.objects.create(year=2098, complete=True)
    CalendarYear.objects.create(year=2099, complete=False)
    assert years_to_enter(date(2098, 12, 1)) == [2099]
    CalendarYear.objects.filter(year=2099).update(complete=True)
    assert years_to_enter(date(2098, 12, 1)) == []
    with django_assert_num_queries(0):  # both years in the package: nothing to read
        assert years_to_enter(date(2025, 12, 1)) == []


def test_no_year_to_enter_while_every_deadline_counts_calendar_hours():
    assert not DeadlinePolicy.objects.filter(clock="service").exists()
    assert years_to_enter(date(2098, 12, 1)) == []


def test_the_association_queue_says_which_year_to_enter(client):
    city = make_city()
    service_policy()
    CalendarYear.objects.create(year=2098, complete=True)
    url = reverse("remediation:association-queue")
    with time_machine.travel(local(2098, 12, 2, 10, 0), tick=False):
        client.force_login(city.reviewer)  # inside the travel: a session from today would have expired by 2098
        page = client.get(url).content.decode()
        assert 'id="holidays-missing"' in page and "2099 年的法定节假日和调休安排尚未录入" in page
        assert "remediation/calendarday/" not in page  # no admin link for a reviewer who may not add days
        city.reviewer.user_permissions.add(
            *Permission.objects.filter(content_type__app_label="remediation", codename__endswith="calendarday")
        )
        assert reverse("admin:remediation_calendarday_changelist") in client.get(url).content.decode()
        CalendarYear.objects.create(year=2099, complete=True)
        assert 'id="holidays-missing"' not in client.get(url).content.decode()
    with time_machine.travel(local(2098, 11, 30, 10, 0), tick=False):
        assert 'id="holidays-missing"' not in client.get(url).content.decode()


# --- manage.py load_holidays ------------------------------------------------------------------------------------

# Made up, not 2099's schedule (there is none): the format, a comment, a blank line, a line without a note.
SCHEDULE = """\ufeff# 2099: 虚构的测试数据
2099-01-01,holiday,元旦（虚构）
2099-01-02,holiday,元旦（虚构）

2099-01-10,workday,调休（虚构）
2099-02-02,holiday
"""


def load(tmp_path, text, name="2099.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "out.txt"
    with out.open("w", encoding="utf-8") as stdout:
        call_command("load_holidays", str(path), stdout=stdout)
    return out.read_text(encoding="utf-8")


def table():
    return list(CalendarDay.objects.order_by("day").values_list("day", "is_working_day", "note"))


def test_the_command_loads_a_year_and_marks_it_complete_idempotently(tmp_path, caplog):
    output = load(tmp_path, SCHEDULE)
    assert "2099: marked complete; added 4" in output
    loaded = table()
    assert loaded == [
        (date(2099, 1, 1), False, "元旦（虚构）"),
        (date(2099, 1, 2), False, "元旦（虚构）"),
        (date(2099, 1, 10), True, "调休（虚构）"),
        (date(2099, 2, 2), False, ""),
    ]
    assert CalendarYear.objects.get(year=2099).complete
    entry = AuditEntry.objects.get(action="calendar.loaded")
    assert (entry.object_type, entry.object_id) == ("calendaryear", str(CalendarYear.objects.get(year=2099).pk))
    assert entry.detail == "新增 4 天，修改 0 天，删除 0 天"

    assert "added 0" in load(tmp_path, SCHEDULE) and "unchanged 4" in load(tmp_path, SCHEDULE)
    assert table() == loaded
    assert AuditEntry.objects.filter(action="calendar.loaded").count() == 1  # nothing changed, nothing logged

    # A corrected file: the year becomes exactly its lines.
    output = load(tmp_path, SCHEDULE.replace("2099-02-02,holiday\n", "").replace("workday,调休", "holiday,调休"))
    assert "changed 1 (2099-01-10)" in output and "removed 1 (2099-02-02)" in output
    assert [day for day, *_rest in table()] == [date(2099, 1, 1), date(2099, 1, 2), date(2099, 1, 10)]
    assert AuditEntry.objects.filter(action="calendar.loaded").count() == 2
    # The clock uses it: the loaded year counts silently.
    assert is_working_day(date(2099, 1, 1)) is False and is_working_day(date(2099, 1, 5)) is True
    assert no_data_warnings(caplog) == []


@pytest.mark.parametrize(
    "bad, says",
    [
        ("2099-02-30,holiday,虚构", "第 3 行“2099-02-30,holiday,虚构”：日期应写作 2027-01-01"),
        ("2099-02-03,holliday,虚构", "第 3 行“2099-02-03,holliday,虚构”：第二项应为 holiday（放假）或 workday（上班）"),
        ("2099-02-03", "第 3 行“2099-02-03”：应为“日期,holiday 或 workday,说明”"),
        ("2099-01-01,workday,虚构", "第 3 行“2099-01-01,workday,虚构”：日期重复"),
        ("2100-01-01,holiday,虚构", "一个文件只能包含一个年份"),
        ("2099-02-03,holiday," + "长" * 101, "说明最多 100 个字"),
    ],
    ids=["no-such-date", "unknown-kind", "missing-kind", "duplicate", "two-years", "note-too-long"],
)
def test_a_malformed_line_loads_nothing_and_says_which(tmp_path, bad, says):
    text = "2099-01-01,holiday,元旦（虚构）\n2099-01-02,holiday,元旦（虚构）\n" + bad + "\n2099-01-10,workday,虚构\n"
    with pytest.raises(CommandError) as refused:
        load(tmp_path, text)
    message = str(refused.value)
    assert says in message and "未导入任何日期" in message and "2099.csv" in message
    assert not CalendarDay.objects.exists() and not CalendarYear.objects.exists()
    assert not AuditEntry.objects.filter(action="calendar.loaded").exists()


def test_an_empty_or_missing_file_is_refused(tmp_path):
    with pytest.raises(CommandError, match="文件中没有日期"):
        load(tmp_path, "# nothing yet\n")
    with pytest.raises(CommandError, match="cannot read"):
        call_command("load_holidays", str(tmp_path / "absent.csv"))


# --- the admin --------------------------------------------------------------------------------------------------


def test_the_admin_lists_filters_and_searches_the_days(client):
    rows((date(2099, 1, 1), False), (date(2098, 12, 26), True))  # made up
    CalendarYear.objects.create(year=2099, complete=True)
    client.force_login(User.objects.create_superuser("boss", password="x"))
    changelist = reverse("admin:remediation_calendarday_changelist")
    page = client.get(changelist).content.decode()
    assert "2099-01-01" in page or "2099年1月1日" in page
    page = client.get(changelist, {"year": "2098"}).content.decode()
    assert "?year=2099" in page  # the year filter offers each year entered
    assert "2098年12月26日" in page or "Dec. 26, 2098" in page or "2098-12-26" in page
    assert "2099年1月1日" not in page and "2099-01-01" not in page
    assert client.get(changelist, {"q": "虚构"}).status_code == 200
    years = client.get(reverse("admin:remediation_calendaryear_changelist"))
    assert years.status_code == 200 and "2099" in years.content.decode()
    response = client.post(
        reverse("admin:remediation_calendarday_add"),
        {"day": "2099-03-02", "is_working_day": "", "note": "虚构（测试用）"},
    )
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="admin.add", object_type="remediation.calendarday").exists()
