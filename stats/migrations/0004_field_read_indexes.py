"""Indexes the statistics read on field tables (owned by the field app, added here with IF NOT EXISTS).

- scans of suspicious codes by time: the counterfeit trend reads ~5 % of a large log;
- ignitions by time: every ignition figure filters on `at`, which has no index of its own.
"""

from django.db import migrations

SCANS = (
    "CREATE INDEX IF NOT EXISTS stats_scanlog_suspicious_at ON field_scanlog (at) "
    "WHERE verdict IN ('unknown', 'malformed', 'void')"
)
IGNITIONS = "CREATE INDEX IF NOT EXISTS stats_ignition_at ON field_ignition (at)"


class Migration(migrations.Migration):
    dependencies = [("stats", "0003_daily_field_counts"), ("field", "0001_initial")]

    operations = [
        migrations.RunSQL(SCANS, "DROP INDEX IF EXISTS stats_scanlog_suspicious_at"),
        migrations.RunSQL(IGNITIONS, "DROP INDEX IF EXISTS stats_ignition_at"),
    ]
