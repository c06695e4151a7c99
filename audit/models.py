"""One append-only audit log for every label transition, batch move, declaration step and case action,
and the stored responses of idempotent API writes.

An AuditEntry is written by the service that makes the change, in the same transaction, so
the log holds exactly what was committed. It refuses UPDATE and DELETE here (model and
queryset) and, on PostgreSQL, in the database itself (trigger in migration 0002).
Actor and organisation are plain ids with a name snapshot (no FK constraint): the log
must outlive whatever it mentions.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from . import actions


class AppendOnlyError(Exception):
    """Raised on any attempt to change or remove an audit entry."""


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("audit entries are append-only")

    def delete(self):
        raise AppendOnlyError("audit entries are append-only")

    def bulk_update(self, *args, **kwargs):
        raise AppendOnlyError("audit entries are append-only")


class AuditEntry(models.Model):
    class Source(models.TextChoices):
        WEB = "web", _("网页")
        API = "api", _("接口")
        SYSTEM = "system", _("系统")

    at = models.DateTimeField(_("时间"), db_index=True)
    action = models.CharField(_("操作"), max_length=60)  # indexed by audit_action
    object_type = models.CharField(_("对象类型"), max_length=40)
    object_id = models.CharField(_("对象编号"), max_length=64)
    object_repr = models.CharField(_("对象"), max_length=120, blank=True)
    from_state = models.CharField(_("原状态"), max_length=30, blank=True)
    to_state = models.CharField(_("新状态"), max_length=30, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # no constraint, nothing deleted with it, and the log is searched by actor_name
    )
    actor_name = models.CharField(_("操作人账号"), max_length=150, blank=True)
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("操作单位"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # likewise: no query looks entries up by organisation
    )
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices, default=Source.SYSTEM)
    ip_address = models.GenericIPAddressField(_("IP"), null=True, blank=True)
    detail = models.TextField(_("说明"), blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "at"], name="audit_object_idx"),
            # One index for the action filter, exact or by prefix ("label."): the pattern operator class
            # answers both; db_index=True made two (a plain one and a LIKE one) for every entry written.
            models.Index(fields=["action"], opclasses=["varchar_pattern_ops"], name="audit_action"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"

    # Names for people (audit.actions): the codes stay in the row, the page and the admin show these.
    @property
    def action_name(self) -> str:
        return actions.action_name(self.action)

    @property
    def object_type_name(self) -> str:
        return actions.object_type_name(self.object_type)

    @property
    def from_state_name(self) -> str:
        return actions.state_name(self.object_type, self.from_state)

    @property
    def to_state_name(self) -> str:
        return actions.state_name(self.object_type, self.to_state)

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError("audit entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit entries are append-only")
