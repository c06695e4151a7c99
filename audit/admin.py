"""The admin and the audit log: every admin change is logged; the log itself is read-only in the admin."""

from types import SimpleNamespace

from django.contrib import admin

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
            f"admin.{verb}",
            obj,
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
        "action",
        "object_type",
        "object_id",
        "object_repr",
        "from_state",
        "to_state",
        "actor_name",
        "source",
        "ip_address",
    ]
    list_filter = ["source", "object_type", "action"]
    search_fields = ["object_id", "object_repr", "actor_name", "action"]
    date_hierarchy = "at"
