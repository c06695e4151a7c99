"""Label pages keep room for two new versions of each row: print then activate are both HOT, always.

0006 set fillfactor 50 and counted on the activation pruning the versions the print left behind. PostgreSQL prunes
a page only when those versions are older than every transaction running in the whole cluster, not just this
database (the visibility horizon's fast test uses the snapshot's xmin): one long transaction anywhere (a report, a
backup, another database's bulk load) and the activation found no room, wrote every index entry again and took
4.2 s instead of 0.5 s for 100 000 labels (bench/labels.py, issue 19). At 30 a page is filled to under a third by
label generation, which leaves room for the printed and the activated version of every row without any pruning.
The cost: the label heap is about 1.7 times its size at 50 (3.3 times a full page); look-ups go by index.
Only pages filled from now on use it (no rewrite).
"""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":  # SQLite has no fillfactor
        schema_editor.execute("ALTER TABLE cases_label SET (fillfactor = 30)")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE cases_label SET (fillfactor = 50)")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0007_i19_batch_transitions"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
