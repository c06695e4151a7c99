"""Remediation admin: case stage and level, deadlines and escalations are the services' (read-only here)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.pii import MaskedPersonalDataAdmin
from audit.admin import AuditedAdmin
from cases.services.labels import Origin
from core.admin import ReadOnlyAdmin

from .models import CaseEvent, Deadline, DeadlinePolicy, Escalation, Notification, RemediationCase
from .notifications import settle_unknown


@admin.register(DeadlinePolicy)
class DeadlinePolicyAdmin(AuditedAdmin):
    list_display = ["step", "level", "hours", "clock", "note"]
    list_editable = ["hours", "clock"]


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
