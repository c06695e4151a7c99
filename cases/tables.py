"""django-tables2 tables for the back office (sortable, paged, exportable to CSV/Excel)."""

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from .models import ApplianceModel, Declaration, Label, LabelBatch, LabelState

TEMPLATE = "django_tables2/table.html"


class ApplianceModelTable(tables.Table):
    model_number = tables.LinkColumn("cases:model_detail", args=[tables.A("pk")], verbose_name=_("型号"))
    manufacturer = tables.Column(verbose_name=_("燃具企业"))

    class Meta:
        model = ApplianceModel
        template_name = TEMPLATE
        fields = [
            "brand",
            "model_number",
            "manufacturer",
            "category",
            "gas_category",
            "rated_heat_input_kw",
            "ccc_certificate_number",
            "gtin",
            "is_recalled",
        ]
        attrs = {"class": "table", "id": "models-table"}


class DeclarationTable(tables.Table):
    id = tables.LinkColumn("declarations:detail", args=[tables.A("pk")], verbose_name=_("编号"))
    manufacturer = tables.Column(
        accessor="appliance_model__manufacturer",
        verbose_name=_("燃具企业"),
        order_by="appliance_model__manufacturer__name",
    )

    class Meta:
        model = Declaration
        template_name = TEMPLATE
        fields = [
            "id",
            "appliance_model",
            "manufacturer",
            "quantity",
            "status",
            "revision",
            "submitted_at",
            "reviewed_at",
        ]
        attrs = {"class": "table", "id": "declarations-table"}


class LabelBatchTable(tables.Table):
    id = tables.LinkColumn("cases:batch_detail", args=[tables.A("pk")], verbose_name=_("批次"))

    class Meta:
        model = LabelBatch
        template_name = TEMPLATE
        fields = [
            "id",
            "appliance_model",
            "quantity",
            "stage",
            "created_at",
            "printed_at",
            "activated_at",
            "issued_at",
            "issued_to",
        ]
        attrs = {"class": "table", "id": "batches-table"}


class LabelTable(tables.Table):
    serial = tables.Column(verbose_name=_("标识编码"), attrs={"td": {"class": "serial"}})
    batch = tables.LinkColumn(
        "cases:batch_detail", args=[tables.A("batch_id")], accessor="batch_id", verbose_name=_("批次")
    )

    class Meta:
        model = Label
        template_name = TEMPLATE
        fields = ["serial", "appliance_model", "batch", "state", "state_changed_at"]
        attrs = {"class": "table", "id": "labels-table"}


class StateCountTable(tables.Table):
    """Per brand/model label counts by state (rows are dicts from selectors.state_counts)."""

    appliance_model__brand = tables.Column(verbose_name=_("品牌"))
    appliance_model__model_number = tables.Column(verbose_name=_("型号"))
    total = tables.Column(verbose_name=_("合计"))

    class Meta:
        template_name = TEMPLATE
        attrs = {"class": "table", "id": "stats-table"}
        orderable = False

    def __init__(self, *args, **kwargs):
        extra = [(state, tables.Column(verbose_name=label)) for state, label in LabelState.choices]
        super().__init__(*args, extra_columns=extra, **kwargs)
