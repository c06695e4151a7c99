"""manage.py load_holidays <file.csv>: enter a year's public holidays and make-up working days (format and rules:
remediation/services/holidays.py), for a year `chinesecalendar` does not know yet or gets wrong."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from remediation.services.holidays import ScheduleError, load_schedule


class Command(BaseCommand):
    help = (
        "Load one year's public holidays and make-up working days from a CSV file (2027-01-01,holiday,元旦 / "
        "2027-02-20,workday,春节调休): the year's rows become the file's lines and the year is marked complete."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        try:
            # utf-8-sig: a file saved from Excel starts with a BOM.
            with open(file, encoding="utf-8-sig", newline="") as f:
                lines = f.read().splitlines()
        except (OSError, UnicodeDecodeError) as e:
            raise CommandError(f"cannot read {file}: {e}") from e
        try:
            loaded = load_schedule(lines=lines)
        except ScheduleError as e:
            raise CommandError(_("%(file)s：%(error)s 未导入任何日期。") % {"file": file, "error": e}) from e

        def days(found):
            return ", ".join(day.isoformat() for day in found) or "-"

        self.stdout.write(
            f"{loaded.year}: marked complete; added {len(loaded.added)} ({days(loaded.added)}), "
            f"changed {len(loaded.changed)} ({days(loaded.changed)}), removed {len(loaded.removed)} "
            f"({days(loaded.removed)}), unchanged {loaded.unchanged}"
        )
