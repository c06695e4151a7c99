from django.db import migrations, models


class Migration(migrations.Migration):
    """IdempotencyKey, moved from audit/: state only, on the table audit created (audit_idempotencykey)."""

    initial = True

    dependencies = [("audit", "0003_idempotencykey_moves_to_api")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="IdempotencyKey",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        (
                            "scope",
                            models.CharField(help_text="u<user id>, or a<client address> for public writes", max_length=40),
                        ),
                        ("key", models.CharField(max_length=255)),
                        ("method", models.CharField(max_length=10)),
                        ("path", models.CharField(max_length=255)),
                        ("fingerprint", models.CharField(help_text="sha256 of method, path and body", max_length=64)),
                        ("status_code", models.PositiveSmallIntegerField(null=True)),
                        ("response", models.JSONField(null=True)),
                        ("created_at", models.DateTimeField(db_index=True)),
                    ],
                    options={
                        "db_table": "audit_idempotencykey",
                        "constraints": [
                            models.UniqueConstraint(fields=("scope", "key"), name="idempotency_scope_key_unique")
                        ],
                    },
                ),
            ]
        ),
    ]
