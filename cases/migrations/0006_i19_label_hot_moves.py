"""Batch moves as HOT updates: no index on a label's state, room on each page for the moved rows.

Printing or activating a batch rewrites `state` and `state_changed_at` of every label in it. While any
index covered `state` (the plain index, its `_like` twin, the (model, state) composite), PostgreSQL could
not update in place (HOT): each moved row wrote a new entry into every one of the table's ten indexes.
No query needs them (EXPLAIN in the i19 report): label look-ups go by serial (unique index), lists by
batch, model or recall (their foreign-key indexes) in id order; statistics read stats_labelstatecount.
The `_like` pattern index on `serial` serves only `LIKE 'x%'`, which nothing asks (the list's search is
`icontains`). The unique index on `serial` stays: the scan path depends on it.

fillfactor 50: a batch's labels are inserted together and fill whole pages, and a move updates every row
on each page in one statement, so a page needs room for as many new versions as it holds rows (at 70 only
45 % of the moves were HOT). The next move prunes the old versions first, so print then activate are both
HOT. The cost is a label heap about twice as large.
"""

import django_fsm
from django.db import migrations

SERIAL_LIKE = "cases_label_serial_11d327ed_like"  # Django's name for the pattern index beside the unique one


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite has no pattern index and no fillfactor
    schema_editor.execute(f"DROP INDEX IF EXISTS {SERIAL_LIKE}")
    schema_editor.execute("ALTER TABLE cases_label SET (fillfactor = 50)")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("ALTER TABLE cases_label RESET (fillfactor)")
    schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {SERIAL_LIKE} ON cases_label (serial varchar_pattern_ops)")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0005_i17_digital_link"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="label",
            name="label_model_state",
        ),
        migrations.AlterField(
            model_name="label",
            name="state",
            field=django_fsm.FSMField(
                choices=[
                    ("declared", "已申报"),
                    ("printed", "已印制"),
                    ("activated", "已激活"),
                    ("sold", "已销售"),
                    ("installed", "已安装"),
                    ("ignited", "已点火通气"),
                    ("suspended", "暂停 (待整改)"),
                    ("void", "已作废"),
                ],
                default="declared",
                max_length=50,
                verbose_name="状态",
            ),
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
