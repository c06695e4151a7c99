"""The API's own store: the first response to each write sent with an Idempotency-Key (api/idempotency.py)."""

from django.db import models


class IdempotencyKey(models.Model):
    """The first response to an API write sent with an `Idempotency-Key` header, replayed on retries."""

    scope = models.CharField(max_length=40, help_text="u<user id>, or a<client address> for public writes")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="sha256 of method, path and body")
    status_code = models.PositiveSmallIntegerField(null=True)
    response = models.JSONField(null=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        # The table kept its name when the model moved here from audit/ (state-only migrations).
        db_table = "audit_idempotencykey"
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="idempotency_scope_key_unique")]
