"""Whose clock: how a deadline's hours are counted from the moment its step starts.

Calendar hours (the association's 2014 plan: 2 h and 24 h, day and night) are the default. An
association may instead count service hours: only SERVICE_HOURS on working days, skipping nights,
weekends and China's public holidays while counting the make-up working days (调休), as published
by the State Council and packaged by `chinesecalendar`.

The State Council publishes a year's schedule around November and the package follows later, so the association
enters the published days itself (remediation.models.CalendarDay, in the admin or with `manage.py load_holidays`).
A day is a working day by, in order: the association's row for that date; `chinesecalendar`; Monday to Friday.
The last is a guess (1 January on a Friday would count), so it is logged once per process and year, unless the
association has marked that year complete (CalendarYear): then its rows plus Monday to Friday are the schedule.

Rows are read once per year per computation (one query, two for a year the package does not know) and never kept
across computations: a day saved in the admin counts from the next deadline in every process, with no cache to
drop. Deadlines are computed when a step starts, not per request, so this costs nothing that matters.
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import chinese_calendar
from django.apps import apps
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

CALENDAR = "calendar"
SERVICE = "service"


# Years already warned about in this process: the warning is for the operator, once, not for every day counted.
_warned_years: set[int] = set()


def package_knows(year: int) -> bool:
    """Whether `chinesecalendar` has the State Council's schedule for `year` (it raises for any other year)."""
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def _model(name: str):
    # By app label, not import: remediation.models imports this module (Rule, the clock names).
    return apps.get_model("remediation", name)


@dataclass(frozen=True)
class _Year:
    overrides: dict[date, bool]  # the association's rows: date → is a working day
    known: bool  # chinesecalendar has the year
    complete: bool  # the association marked the year's rows complete (read only when the package does not know it)


def _load_year(year: int) -> _Year:
    rows = _model("CalendarDay").objects.filter(day__year=year).values_list("day", "is_working_day")
    known = package_knows(year)
    complete = not known and _model("CalendarYear").objects.filter(year=year, complete=True).exists()
    return _Year(overrides=dict(rows), known=known, complete=complete)


def _warn_once(year: int) -> None:
    if year in _warned_years:
        return
    _warned_years.add(year)
    logger.warning(
        "No holiday schedule for %s: chinesecalendar does not know the year and the association has not marked it "
        "complete, so service hours count Monday to Friday (public holidays count as working days, make-up working "
        "days do not). Enter the State Council's holidays and make-up working days for %s in the admin "
        "(法定节假日与调休) or with `manage.py load_holidays <file>`, which marks the year complete (节假日年度).",
        year,
        year,
    )


def forget_warnings() -> None:
    """Warn again about every year (tests: each starts as a fresh process would)."""
    _warned_years.clear()


class WorkingDays:
    """Which days are working days, for one computation: each year's rows are read once, on first use."""

    def __init__(self) -> None:
        self._years: dict[int, _Year] = {}

    def _year(self, year: int) -> _Year:
        if year not in self._years:
            self._years[year] = _load_year(year)
        return self._years[year]

    def is_working_day(self, day: date) -> bool:
        info = self._year(day.year)
        if day in info.overrides:
            return info.overrides[day]
        if info.known:
            return chinese_calendar.is_workday(day)
        if not info.complete:
            _warn_once(day.year)
        return day.weekday() < 5


def is_working_day(day: date) -> bool:
    """One day on its own (a loop over days uses one WorkingDays, which reads each year once)."""
    return WorkingDays().is_working_day(day)


def years_to_enter(today: date) -> list[int]:
    """Years whose holidays the association should enter now: this year and, from December, the next, when a
    deadline counts service hours and neither chinesecalendar nor the association (a complete year) has them.

    No query at all while the package knows both years (most of the year, once it is updated).
    """
    years = [today.year, today.year + 1] if today.month == 12 else [today.year]
    unknown = [year for year in years if not package_knows(year)]
    if not unknown or not _model("DeadlinePolicy").objects.filter(clock=SERVICE).exists():
        return []
    complete = set(
        _model("CalendarYear").objects.filter(year__in=unknown, complete=True).values_list("year", flat=True)
    )
    return [year for year in unknown if year not in complete]


def service_window() -> tuple[time, time]:
    start, _sep, end = settings.SERVICE_HOURS.partition("-")
    return time.fromisoformat(start.strip()), time.fromisoformat(end.strip())


def add_service_hours(start: datetime, duration: timedelta) -> datetime:
    """`start` plus `duration` counted only inside the service window of working days (local time)."""
    day_start, day_end = service_window()
    cursor = timezone.localtime(start)
    tz = cursor.tzinfo
    remaining = duration
    working_days = WorkingDays()
    while True:
        opens = datetime.combine(cursor.date(), day_start, tzinfo=tz)
        closes = datetime.combine(cursor.date(), day_end, tzinfo=tz)
        if not working_days.is_working_day(cursor.date()) or cursor >= closes:
            cursor = datetime.combine(cursor.date() + timedelta(days=1), day_start, tzinfo=tz)
            continue
        cursor = max(cursor, opens)
        if cursor + remaining <= closes:
            return cursor + remaining
        remaining -= closes - cursor
        cursor = datetime.combine(cursor.date() + timedelta(days=1), day_start, tzinfo=tz)


@dataclass(frozen=True)
class Rule:
    """One step's deadline rule: so many hours on one clock (from the DeadlinePolicy table)."""

    hours: int
    clock: str = CALENDAR

    def due_from(self, start: datetime) -> datetime:
        if self.clock == SERVICE:
            return add_service_hours(start, timedelta(hours=self.hours))
        return start + timedelta(hours=self.hours)

    def describe(self) -> str:
        """What the case page says made the due time."""
        if self.clock == SERVICE:
            day_start, day_end = service_window()
            return _("%(hours)s 个服务小时（工作日 %(start)s–%(end)s，不含夜间、周末和法定节假日，调休上班日计入）") % {
                "hours": self.hours,
                "start": day_start.strftime("%H:%M"),
                "end": day_end.strftime("%H:%M"),
            }
        return _("%(hours)s 小时（日历时间，昼夜连续计算）") % {"hours": self.hours}
