"""Remediation admin: case stage and level, deadlines and escalations are the services' (read-only here)."""

import chinese_calendar
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.pii import MaskedPersonalDataAdmin
from audit.admin import AuditedAdmin
from cases.services.labels import Origin
from core.admin import ReadOnlyAdmin

from .clock import package_knows
from .models import (
    CalendarDay,
    CalendarYear,
    CaseEvent,
    Deadline,
    DeadlinePolicy,
    Escalation,
    Notification,
    RemediationCase,
)
from .notifications import settle_unknown

WEEKDAYS = [_("周一"), _("周二"), _("周三"), _("周四"), _("周五"), _("周六"), _("周日")]


@admin.register(DeadlinePolicy)
class DeadlinePolicyAdmin(AuditedAdmin):
    list_display = ["step", "level", "hours", "clock", "note"]
    list_editable = ["hours", "clock"]


class YearFilter(admin.SimpleListFilter):
    title = _("年份")
    parameter_name = "year"

    def lookups(self, request, model_admin):
        return [(str(d.year), str(d.year)) for d in CalendarDay.objects.dates("day", "year", order="DESC")]

    def queryset(self, request, queryset):
        value = self.value() or ""
        # Four digits only: a year past 9999 in the URL would fail the date bounds of the lookup.
        return queryset.filter(day__year=int(value)) if len(value) == 4 and value.isdigit() else queryset


@admin.register(CalendarDay)
class CalendarDayAdmin(AuditedAdmin):
    """The State Council's holidays and make-up working days, entered by the association (remediation/clock.py)."""

    list_display = ["day", "weekday", "is_working_day", "note", "package_says"]
    list_filter = [YearFilter, "is_working_day"]
    search_fields = ["note"]
    ordering = ["-day"]

    @admin.display(description=_("星期"))
    def weekday(self, row):
        return WEEKDAYS[row.day.weekday()]

    @admin.display(description=_("chinesecalendar 中"))
    def package_says(self, row):
        # What the row overrides: a row that agrees with the package changes nothing (harmless).
        if not package_knows(row.day.year):
            return _("无该年数据")
        return _("上班") if chinese_calendar.is_workday(row.day) else _("放假")


@admin.register(CalendarYear)
class CalendarYearAdmin(AuditedAdmin):
    list_display = ["year", "complete", "package_knows_year", "note"]
    list_editable = ["complete"]

    @admin.display(description=_("chinesecalendar 已有该年"), boolean=True)
    def package_knows_year(self, row):
        return package_knows(row.year)


@admin.register(RemediationCase)
class RemediationCaseAdmin(MaskedPersonalDataAdmin, ReadOnlyAdmin):
    masked_phone_fields = ["resident_phone"]
    masked_address_fields = ["address"]
    list_display = ["pk", "kind", "stage", "dealer", "escalation_level", "reported_at"]
    list_filter = ["stage", "kind", "escalation_level"]
    # State changes go through remediation.services; the admin only reads.
    readonly_fields = [f.name for f in RemediationCase._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Deadline)
class DeadlineAdmin(ReadOnlyAdmin):
    list_display = ["case", "step", "level", "due_at", "state"]
    list_filter = ["state", "step", "level"]
    readonly_fields = ["case", "step", "level", "due_at", "state", "created_at", "settled_at"]


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyAdmin):
    list_display = ["case", "level", "reason", "created_at", "closed_at"]
    list_filter = ["level", "reason"]


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyAdmin):
    list_display = ["case", "kind", "at"]
    list_select_related = ["case"]


@admin.register(Notification)
class NotificationAdmin(MaskedPersonalDataAdmin, ReadOnlyAdmin):
    # `address` holds a resident's phone for SMS: masked like every other phone in the admin.
    list_display = [
        "pk",
        "case",
        "channel",
        "template",
        "recipient",
        "subject",
        "state",
        "provider_id",
        "created_at",
        "attempts",
    ]
    list_filter = ["state", "channel", "template", "provider"]
    list_select_related = ["case", "recipient"]
    masked_phone_fields = ("address",)
    actions = ["settle_went_out", "settle_not_sent"]

    @admin.action(description=_("已向服务商核实：已发出"))
    def settle_went_out(self, request, queryset):
        self._settle(request, queryset, went_out=True)

    @admin.action(description=_("已向服务商核实：未发出，重新发送"))
    def settle_not_sent(self, request, queryset):
        self._settle(request, queryset, went_out=False)

    def _settle(self, request, queryset, *, went_out):
        # Only "outcome unknown" rows are settled; the service checks that under a lock.
        origin = Origin.from_request(request)
        done = sum(
            settle_unknown(notification_id=pk, went_out=went_out, origin=origin)
            for pk in queryset.values_list("pk", flat=True)
        )
        self.message_user(request, _("已处理 %(n)s 条结果未知的消息。") % {"n": done})
