"""Remediation admin: case stage and level, deadlines and escalations are the services' (read-only here)."""

from django.contrib import admin

from accounts.pii import MaskedPersonalDataAdmin
from audit.admin import AuditedAdmin
from project.admin import ReadOnlyAdmin

from .models import CaseEvent, Deadline, DeadlinePolicy, Escalation, Notification, RemediationCase


@admin.register(DeadlinePolicy)
class DeadlinePolicyAdmin(AuditedAdmin):
    list_display = ["step", "level", "hours", "note"]
    list_editable = ["hours"]


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
    list_display = ["case", "channel", "recipient", "subject", "created_at", "sent_at", "attempts"]
    list_filter = ["channel"]
    list_select_related = ["case", "recipient"]
    masked_phone_fields = ("address",)
