"""Keep stats_labelstatecount in step with cases_label through triggers, and fill it once.

Triggers rather than signals: labels are also written by set-based UPDATEs and bulk
INSERTs (batch print/activate, label generation) that send no signals.
"""

from django.db import migrations

from stats import label_counts_sql


def forwards(apps, schema_editor):
    label_counts_sql.create_triggers(schema_editor.connection)
    label_counts_sql.rebuild(schema_editor.connection)


def backwards(apps, schema_editor):
    label_counts_sql.drop_triggers(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("stats", "0001_initial"), ("cases", "0002_documents_review_process")]

    operations = [migrations.RunPython(forwards, backwards)]
