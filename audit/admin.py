"""The admin and the audit log: every admin change is logged; the log itself is read-only in the admin."""

from types import SimpleNamespace

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyAdmin
from core.client import client_ip

from . import services
from .models import AuditEntry


def _origin(request):
    return SimpleNamespace(actor=request.user, source=AuditEntry.Source.WEB, ip_address=client_ip(request) or None)


class AuditedAdmin(admin.ModelAdmin):
    """A ModelAdmin whose additions, changes and deletions go to the audit log (action `admin.<verb>`).

    Django writes its own LogEntry at the same points, inside the same transaction; this adds our
    append-only row with the organisation and the client address. tests/test_admin_back_door.py checks
    that every registered admin is audited or read-only.
    """

    def _audit(self, request, verb, obj, detail):
        services.record(
            action=f"admin.{verb}",
            obj=obj,
            object_type=f"{obj._meta.app_label}.{obj._meta.model_name}",
            origin=_origin(request),
            detail=detail,
        )

    def log_addition(self, request, obj, message):
        self._audit(request, "add", obj, self._message_text(message))
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        self._audit(request, "change", obj, self._message_text(message))
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        for obj in queryset:
            self._audit(request, "delete", obj, "")
        return super().log_deletions(request, queryset)

    @staticmethod
    def _message_text(message):
        # Django's change message: a list of {"changed": {"fields": [...]}} etc.; keep it readable.
        return str(message)[:2000]


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "at",
        "action_label",
        "object_type_label",
        "object_id",
        "object_repr",
        "from_state_label",
        "to_state_label",
        "actor_name",
        "source",
        "ip_address",
    ]
    list_filter = ["source", "object_type", "action"]

    @admin.display(description=_("操作"), ordering="action")
    def action_label(self, entry):
        return entry.action_name

    @admin.display(description=_("对象类型"), ordering="object_type")
    def object_type_label(self, entry):
        return entry.object_type_name

    @admin.display(description=_("原状态"))
    def from_state_label(self, entry):
        return entry.from_state_name

    @admin.display(description=_("新状态"))
    def to_state_label(self, entry):
        return entry.to_state_name

    search_fields = ["object_id", "object_repr", "actor_name", "action"]
    date_hierarchy = "at"
