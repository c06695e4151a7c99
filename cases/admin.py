from django.contrib import admin

from .models import ApplianceModel, Declaration, Document, Label, LabelBatch, LabelTransition


@admin.register(ApplianceModel)
class ApplianceModelAdmin(admin.ModelAdmin):
    list_display = ["brand", "model_number", "manufacturer", "category", "gas_category", "is_recalled"]
    list_filter = ["category", "gas_category", "is_recalled", "manufacturer"]
    search_fields = ["brand", "model_number", "gtin", "ccc_certificate_number"]
    filter_horizontal = ["designated_installers", "dealers"]


@admin.register(Declaration)
class DeclarationAdmin(admin.ModelAdmin):
    list_display = ["id", "appliance_model", "quantity", "status", "revision", "submitted_at", "reviewed_at"]
    list_filter = ["status"]
    list_select_related = ["appliance_model"]


@admin.register(LabelBatch)
class LabelBatchAdmin(admin.ModelAdmin):
    list_display = ["id", "appliance_model", "quantity", "stage", "printed_at", "activated_at", "issued_to"]
    list_filter = ["stage"]
    list_select_related = ["appliance_model", "issued_to"]


class LabelTransitionInline(admin.TabularInline):
    model = LabelTransition
    extra = 0
    can_delete = False
    readonly_fields = ["at", "name", "from_state", "to_state", "actor", "organization", "source", "ip_address", "note"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Label)
class LabelAdmin(admin.ModelAdmin):
    # State is read-only here: changes go through the services so they are checked and logged.
    list_display = ["serial", "appliance_model", "state", "state_changed_at"]
    list_filter = ["state"]
    search_fields = ["serial"]
    readonly_fields = ["serial", "batch", "appliance_model", "state", "state_changed_at", "replaces"]
    list_select_related = ["appliance_model"]
    inlines = [LabelTransitionInline]

    def has_add_permission(self, request):
        return False


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    # Uploads go through the back-office forms (sniffed and size-checked); the admin only lists them.
    list_display = ["original_name", "kind", "appliance_model", "declaration", "content_type", "size", "uploaded_at"]
    list_filter = ["kind", "content_type"]
    readonly_fields = [
        "appliance_model",
        "declaration",
        "kind",
        "file",
        "original_name",
        "content_type",
        "size",
        "sha256",
        "uploaded_by",
        "uploaded_at",
    ]

    def has_add_permission(self, request):
        return False
