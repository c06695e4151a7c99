"""Settled deadlines by time, for the compliance figures (issue 19; owned by remediation, added here as 0004 adds
the field tables' read indexes).

Both compliance figures and the periodic report read deadlines met or missed in a period; without an index they
read every deadline ever made (100 000 at 10 M labels, and the table only grows). The predicate is exactly the
figures' `state IN ('met', 'missed')`; pending deadlines (no settled_at) stay out of it.
"""

from django.db import migrations

SETTLED = (
    "CREATE INDEX IF NOT EXISTS stats_deadline_settled_at ON remediation_deadline (settled_at) "
    "WHERE state IN ('met', 'missed')"
)


class Migration(migrations.Migration):
    dependencies = [("stats", "0007_i19_suspicious_scans_index"), ("remediation", "0001_initial")]

    operations = [migrations.RunSQL(SETTLED, "DROP INDEX IF EXISTS stats_deadline_settled_at")]
