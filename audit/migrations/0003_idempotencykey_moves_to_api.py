from django.db import migrations


class Migration(migrations.Migration):
    """The Idempotency-Key store belongs to the API: drop it from audit's state only (the table stays)."""

    dependencies = [("audit", "0002_append_only_trigger")]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="IdempotencyKey")]),
    ]
