from django.contrib import admin

from audit.admin import AuditedAdmin

from .models import Report


@admin.register(Report)
class ReportAdmin(AuditedAdmin):
    """Reports are made by the daily task; the admin only lists them (downloads are on /stats/reports/)."""

    list_display = ("kind", "period_start", "period_end", "generated_at")
    list_filter = ("kind",)
    fields = ("kind", "period_start", "period_end", "generated_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False
