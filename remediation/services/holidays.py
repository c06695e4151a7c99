"""Entering a year's public holidays and make-up working days from a file (manage.py load_holidays).

The file is the State Council's notice for one year, one date a line, as CSV (UTF-8, a BOM from Excel is fine):

    # 2027 (comments and blank lines are skipped)
    2027-01-01,holiday,元旦
    2027-02-20,workday,春节调休

`holiday`: no work that day (a weekday off); `workday`: work that day (a weekend day on). The note is optional.
Every line is checked before anything is written: one malformed line and nothing is loaded. The file is the whole
year: afterwards the year's rows are exactly its lines (a date no longer in it is removed, so loading a corrected
file fixes a typo) and the year is marked complete, so the clock stops warning about it. Loading the same file
again changes nothing. One transaction, one audit entry.
"""

import csv
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from audit import services as audit

from ..models import CalendarDay, CalendarYear

KINDS = {"holiday": False, "workday": True}
NOTE_MAX = CalendarDay._meta.get_field("note").max_length


class ScheduleError(ValueError):
    """The file is not a year's schedule; the message names the line and what is wrong with it."""


@dataclass(frozen=True)
class Loaded:
    year: int
    added: list[date]
    changed: list[date]
    removed: list[date]
    unchanged: int


def parse_schedule(lines: list[str]) -> dict[date, tuple[bool, str]]:
    """date → (is a working day, note), from the file's lines; ScheduleError on the first line that is wrong."""
    days: dict[date, tuple[bool, str]] = {}
    for number, row in enumerate(csv.reader(lines), start=1):
        cells = [cell.strip() for cell in row]
        if not cells or not any(cells) or cells[0].startswith("#"):
            continue
        where = _("第 %(n)d 行“%(line)s”") % {"n": number, "line": ",".join(row)}
        if len(cells) not in (2, 3):
            raise ScheduleError(_("%(where)s：应为“日期,holiday 或 workday,说明”。") % {"where": where})
        try:
            day = date.fromisoformat(cells[0])
        except ValueError:
            raise ScheduleError(_("%(where)s：日期应写作 2027-01-01。") % {"where": where}) from None
        if cells[1].lower() not in KINDS:
            raise ScheduleError(_("%(where)s：第二项应为 holiday（放假）或 workday（上班）。") % {"where": where})
        note = cells[2] if len(cells) == 3 else ""
        if len(note) > NOTE_MAX:
            raise ScheduleError(_("%(where)s：说明最多 %(max)d 个字。") % {"where": where, "max": NOTE_MAX})
        if day in days:
            raise ScheduleError(_("%(where)s：日期重复。") % {"where": where})
        if days and day.year != next(iter(days)).year:
            raise ScheduleError(_("%(where)s：一个文件只能包含一个年份。") % {"where": where})
        days[day] = (KINDS[cells[1].lower()], note)
    if not days:
        raise ScheduleError(_("文件中没有日期。"))
    return days


@transaction.atomic
def load_schedule(*, lines: list[str], actor: User | None = None) -> Loaded:
    """Make the year's CalendarDay rows exactly the file's lines and mark the year complete (idempotent)."""
    days = parse_schedule(lines)
    year = next(iter(days)).year
    # Locks the year's row, so two loads of one year take turns.
    year_row, _created = CalendarYear.objects.select_for_update().get_or_create(year=year)
    existing = {row.day: row for row in CalendarDay.objects.filter(day__year=year)}
    added, changed = [], []
    for day, (working, note) in sorted(days.items()):
        row = existing.get(day)
        if row is None:
            CalendarDay.objects.create(day=day, is_working_day=working, note=note)
            added.append(day)
        elif (row.is_working_day, row.note) != (working, note):
            row.is_working_day, row.note = working, note
            row.save(update_fields=["is_working_day", "note"])
            changed.append(day)
    removed = sorted(set(existing) - set(days))
    CalendarDay.objects.filter(day__in=removed).delete()
    marked = not year_row.complete
    if marked:
        year_row.complete = True
        year_row.save(update_fields=["complete"])
    loaded = Loaded(year, added, changed, removed, len(days) - len(added) - len(changed))
    if added or changed or removed or marked:  # loading the same file again writes nothing, not even a log row
        detail = _("新增 %(added)d 天，修改 %(changed)d 天，删除 %(removed)d 天") % {
            "added": len(added),
            "changed": len(changed),
            "removed": len(removed),
        }
        audit.record(action="calendar.loaded", obj=year_row, actor=actor, detail=detail)
    return loaded
