"""The label-count rollup becomes append-only deltas (issue 14: no deadlock between label changes of one model).

The (model, state) key is no longer unique: triggers insert delta rows, readers sum them, compaction folds them.
Irreversible: the old upserting triggers are gone from stats/label_counts_sql.py.
"""

from django.db import migrations, models

from stats import label_counts_sql


def drop_triggers(apps, schema_editor):
    # First: SQLite rebuilds the table to drop the constraint, which the old triggers would break.
    label_counts_sql.drop_triggers(schema_editor.connection)


def create_triggers(apps, schema_editor):
    label_counts_sql.create_triggers(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0003_i14_recall"),
        ("stats", "0005_summary_grains"),
    ]

    operations = [
        migrations.RunPython(drop_triggers),
        migrations.RemoveConstraint(model_name="labelstatecount", name="stats_label_count_key"),
        migrations.AddIndex(
            model_name="labelstatecount",
            index=models.Index(fields=["appliance_model", "state"], name="stats_label_count_key_idx"),
        ),
        migrations.RunPython(create_triggers),
    ]
