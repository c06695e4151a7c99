"""Admin for the label domain. Fields the workflows and services own are read-only here (no back door):
declaration status and review, batch stage/quantity/moves, label state, recall flags (cases.services.recalls)."""

from django.contrib import admin
from django.contrib.admin.utils import display_for_value
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from audit.admin import AuditedAdmin
from core.admin import ReadOnlyAdmin

from . import selectors
from .models import (
    ApplianceModel,
    Declaration,
    Document,
    Label,
    LabelBatch,
    LabelBatchTransition,
    LabelTransition,
    Recall,
)


@admin.register(ApplianceModel)
class ApplianceModelAdmin(AuditedAdmin):
    list_display = ["brand", "model_number", "manufacturer", "category", "gas_category", "is_recalled"]
    list_filter = ["category", "gas_category", "is_recalled", "manufacturer"]
    search_fields = ["brand", "model_number", "gtin", "ccc_certificate_number"]
    filter_horizontal = ["designated_installers", "dealers"]
    # A recall is a process with notifications and an audit row: /recalls/, not a checkbox.
    readonly_fields = ["is_recalled", "recall_note"]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.labels.exists():
            # Printed labels state this gas category and the gas rule reads it: no quiet change afterwards.
            readonly.append("gas_category")
        return readonly


@admin.register(Declaration)
class DeclarationAdmin(AuditedAdmin):
    list_display = ["id", "appliance_model", "quantity", "status", "revision", "submitted_at", "reviewed_at"]
    list_filter = ["status"]
    list_select_related = ["appliance_model"]
    readonly_fields = [
        "appliance_model",
        "quantity",
        "status",
        "submitted_by",
        "submitted_at",
        "review_comment",
        "reviewed_by",
        "reviewed_at",
        "revision",
    ]

    def has_add_permission(self, request):
        return False  # declared through the declaration process only


class LabelBatchTransitionInline(admin.TabularInline):
    model = LabelBatchTransition
    extra = 0
    can_delete = False
    fields = readonly_fields = [
        "at",
        "name",
        "from_state",
        "to_state",
        "label_count",
        "first_serial",
        "last_serial",
        "actor",
        "organization",
        "source",
        "ip_address",
        "note",
    ]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(LabelBatch)
class LabelBatchAdmin(ReadOnlyAdmin):
    # Stage, quantity and every move belong to cases.services.batches (locked, checked, logged).
    list_display = ["id", "appliance_model", "quantity", "stage", "printed_at", "activated_at", "issued_to"]
    list_filter = ["stage"]
    list_select_related = ["appliance_model", "issued_to"]
    inlines = [LabelBatchTransitionInline]


@admin.register(Recall)
class RecallAdmin(ReadOnlyAdmin):
    list_display = ["id", "appliance_model", "scope", "batch", "recalled_on", "label_count", "lifted_at"]
    list_filter = ["scope"]
    list_select_related = ["appliance_model", "batch"]


# The columns of a label's history, as the per-label log showed them before batch moves got one row (issue 19).
HISTORY_COLUMNS = ["at", "name", "from_state", "to_state", "actor", "organization", "source", "ip_address", "note"]


@admin.register(Label)
class LabelAdmin(AuditedAdmin):
    # State is read-only here: changes go through the services so they are checked and logged.
    list_display = ["serial", "appliance_model", "state", "state_changed_at"]
    list_filter = ["state"]
    search_fields = ["serial"]
    readonly_fields = [
        "serial",
        "batch",
        "appliance_model",
        "state",
        "state_changed_at",
        "replaces",
        "recall",
        "history",
    ]
    list_select_related = ["appliance_model"]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("状态记录"))
    def history(self, obj):
        """Its own log rows and the batch moves that moved it (cases.selectors.label_history), in one table."""
        if obj is None or obj.pk is None:
            return "-"
        fields = LabelTransition._meta
        head = format_html_join("", "<th>{}</th>", ((fields.get_field(f).verbose_name,) for f in HISTORY_COLUMNS))
        rows = format_html_join(
            "",
            "<tr>{}<td>{}</td></tr>",
            (
                (
                    format_html_join("", "<td>{}</td>", ((_cell(entry, f),) for f in HISTORY_COLUMNS)),
                    _scope(entry),
                )
                for entry in selectors.label_history(obj)
            ),
        )
        return format_html('<table class="label-history"><tr>{}<th>{}</th></tr>{}</table>', head, _("范围"), rows)


def _cell(entry, field):
    value = getattr(entry, f"get_{field}_display", lambda: getattr(entry, field))()
    return display_for_value(value, "-")


def _scope(entry):
    if isinstance(entry, LabelBatchTransition):
        return _("批次 #%(batch)s 整批（%(count)s 个标识）") % {"batch": entry.batch_id, "count": entry.label_count}
    return _("本标识")


@admin.register(Document)
class DocumentAdmin(AuditedAdmin):
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
