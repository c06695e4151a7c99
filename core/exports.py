"""CSV/XLSX exports that a spreadsheet opens safely and readably.

- A cell a spreadsheet would run as a formula (text starting with = + - @, a tab or a carriage return) is
  neutralised with a leading apostrophe (OWASP's CSV-injection advice): a brand typed as `=HYPERLINK(…)` stays text.
- Times are local (TIME_ZONE) and to the second, as people read them: "2026-12-02 08:15:03".
- CSV starts with a UTF-8 byte-order mark, or Excel on a Chinese Windows reads UTF-8 as GBK and shows mojibake.

Every export goes through here: the back-office and queue tables (django-tables2's ExportMixin with
`export_class = TableExport`), the statistics exports and the periodic XLSX reports (`safe_cell`).
"""

import datetime
import re

from django.utils import timezone
from django_tables2.export import TableExport as BaseTableExport

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# django-tables2 hands DateTimeColumn values to exports as isoformat() text in UTC ("2026-12-02 00:39:43.79+00:00").
ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)$")


def safe_cell(value):
    """One cell's value, safe for a spreadsheet: formulas neutralised, times local without microseconds."""
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(microsecond=0, tzinfo=None).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, str) and ISO_DATETIME.match(value):
        return safe_cell(datetime.datetime.fromisoformat(value))
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class TableExport(BaseTableExport):
    def table_to_dataset(self, table, exclude_columns, dataset_kwargs=None):
        dataset = super().table_to_dataset(table, exclude_columns, dataset_kwargs)
        rows = [[safe_cell(value) for value in row] for row in dataset]
        headers = [safe_cell(str(header)) for header in dataset.headers or []]
        dataset.wipe()
        dataset.headers = headers
        for row in rows:
            dataset.append(row)
        return dataset

    def export(self):
        data = super().export()
        if self.format == "csv":
            return "\ufeff" + data
        return data
