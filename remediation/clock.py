"""Whose clock: how a deadline's hours are counted from the moment its step starts.

Calendar hours (the association's 2014 plan: 2 h and 24 h, day and night) are the default. An
association may instead count service hours: only SERVICE_HOURS on working days, skipping nights,
weekends and China's public holidays while counting the make-up working days (调休), as published
by the State Council and packaged by `chinesecalendar`. For a year the package does not know yet,
Monday to Friday are counted and a warning is logged (update the package when the calendar is out).
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import chinese_calendar
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

CALENDAR = "calendar"
SERVICE = "service"


def is_working_day(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        logger.warning("chinesecalendar has no data for %s: counting Monday to Friday", day.year)
        return day.weekday() < 5


def service_window() -> tuple[time, time]:
    start, _sep, end = settings.SERVICE_HOURS.partition("-")
    return time.fromisoformat(start.strip()), time.fromisoformat(end.strip())


def add_service_hours(start: datetime, duration: timedelta) -> datetime:
    """`start` plus `duration` counted only inside the service window of working days (local time)."""
    day_start, day_end = service_window()
    cursor = timezone.localtime(start)
    tz = cursor.tzinfo
    remaining = duration
    while True:
        opens = datetime.combine(cursor.date(), day_start, tzinfo=tz)
        closes = datetime.combine(cursor.date(), day_end, tzinfo=tz)
        if not is_working_day(cursor.date()) or cursor >= closes:
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
