"""Read-only admin of the audit log (nobody may add, change or delete entries)."""

from django.contrib import admin

from project.admin import ReadOnlyAdmin

from .models import AuditEntry


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
