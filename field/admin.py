"""Read-mostly admin views of field records; changes go through the field pages and services."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.pii import MaskedPersonalDataAdmin
from audit.admin import AuditedAdmin
from core.admin import ReadOnlyAdmin

from .forms import district_choices
from .models import (
    Booking,
    CloneSignal,
    Ignition,
    Sale,
    ScanLog,
    SupplyArea,
    SuspectedClone,
    WorkPermit,
    WorkRecord,
)


@admin.register(WorkPermit)
class WorkPermitAdmin(ReadOnlyAdmin):
    list_display = ["number", "holder_name", "company", "kind", "valid_from", "valid_until", "revoked_at"]
    list_filter = ["kind", "company"]
    search_fields = ["number", "holder_name"]
    list_select_related = ["company"]


@admin.register(ScanLog)
class ScanLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "code", "verdict", "channel", "role", "network", "device"]
    list_filter = ["verdict", "channel", "device"]
    search_fields = ["code"]
    date_hierarchy = "at"


@admin.register(Sale)
class SaleAdmin(ReadOnlyAdmin):
    list_display = ["label", "dealer", "district", "at"]
    list_select_related = ["label", "dealer"]


@admin.register(WorkRecord)
class WorkRecordAdmin(MaskedPersonalDataAdmin, ReadOnlyAdmin):
    masked_phone_fields = ["resident_phone"]
    list_display = ["label", "kind", "company", "permit", "district", "at", "rating"]
    list_filter = ["kind", "district", "rating"]
    list_select_related = ["label", "company", "permit"]


@admin.register(Ignition)
class IgnitionAdmin(ReadOnlyAdmin):
    list_display = ["label", "company", "permit", "supply_gas_category", "at"]
    list_select_related = ["label", "company", "permit"]


@admin.register(Booking)
class BookingAdmin(MaskedPersonalDataAdmin, ReadOnlyAdmin):
    masked_phone_fields = ["resident_phone"]
    masked_address_fields = ["address"]
    list_display = ["label", "kind", "company", "district", "preferred_date", "status", "scheduled_for"]
    list_filter = ["kind", "status"]
    list_select_related = ["label", "company"]


class CloneSignalInline(admin.TabularInline):
    model = CloneSignal
    extra = 0
    can_delete = False
    readonly_fields = ["kind", "at", "evidence"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(SuspectedClone)
class SuspectedCloneAdmin(ReadOnlyAdmin):
    """Read-only here: reviewers close cases on /field/clones/ (field.services.clones.close_case, audited)."""

    list_display = ["label", "status", "opened_at", "closed_at"]
    list_filter = ["status"]
    search_fields = ["label__serial"]
    list_select_related = ["label"]
    inlines = [CloneSignalInline]


class SupplyAreaForm(forms.ModelForm):
    # District codes are data, not model choices: a typed "Dapeng" or "大鹏" saved an area no address ever falls in,
    # and the gas rule silently fell back to the city's gas there.
    district = forms.ChoiceField(label=_("区"), choices=district_choices)

    class Meta:
        model = SupplyArea
        fields = "__all__"


@admin.register(SupplyArea)
class SupplyAreaAdmin(AuditedAdmin):
    """City data an administrator sets up: which supplier pipes which gas where (the gas rule reads it; audited)."""

    form = SupplyAreaForm

    list_display = ["district", "street", "gas_category", "supplier"]
    list_filter = ["gas_category", "district", "supplier"]
    list_select_related = ["supplier"]
