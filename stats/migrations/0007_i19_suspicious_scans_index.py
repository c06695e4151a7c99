"""The suspicious-scans index covers every verdict the counterfeit figures read (issue 19).

0004 made it for ('unknown', 'malformed', 'void'); the figures then added 'gtin_mismatch', and a partial
index whose predicate the query's IN list does not imply is never used: the trend fell back to the plain
`at` index and read every scan of the period (~770 000 at 10 M labels, 230 ms) to keep 5 % of them.
The key now also carries the columns the figures read (verdict, code, network), so a vacuumed log answers
from the index alone. tests/test_stats_remediation.py pins the predicate to stats.selectors.SUSPICIOUS_VERDICTS.
"""

from django.db import migrations

OLD = (
    "CREATE INDEX IF NOT EXISTS stats_scanlog_suspicious_at ON field_scanlog (at) "
    "WHERE verdict IN ('unknown', 'malformed', 'void')"
)
NEW = (
    "CREATE INDEX IF NOT EXISTS stats_scanlog_suspicious ON field_scanlog (at, verdict, code, network) "
    "WHERE verdict IN ('unknown', 'malformed', 'void', 'gtin_mismatch')"
)


class Migration(migrations.Migration):
    dependencies = [("stats", "0006_i14_rollup_deltas"), ("field", "0001_initial")]

    operations = [
        migrations.RunSQL("DROP INDEX IF EXISTS stats_scanlog_suspicious_at", OLD),
        migrations.RunSQL(NEW, "DROP INDEX IF EXISTS stats_scanlog_suspicious"),
    ]
