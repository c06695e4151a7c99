"""django-filter filter sets for the back-office lists."""

import django_filters
from django.utils.translation import gettext_lazy as _

from core.serials import InvalidSerial, parse_code

from .constants import APPLIANCE_CATEGORIES, GAS_CATEGORIES
from .models import ApplianceModel, Declaration, Label, LabelBatch, LabelState


class ApplianceModelFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("品牌/型号"), method="search")
    category = django_filters.ChoiceFilter(label=_("产品类别"), choices=APPLIANCE_CATEGORIES)
    gas_category = django_filters.ChoiceFilter(label=_("适用气源"), choices=GAS_CATEGORIES)

    class Meta:
        model = ApplianceModel
        fields = ["q", "category", "gas_category", "is_recalled"]

    def search(self, queryset, name, value):
        from django.db.models import Q

        return queryset.filter(Q(brand__icontains=value) | Q(model_number__icontains=value) | Q(gtin=value))


class DeclarationFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("状态"), choices=Declaration.Status.choices)
    brand = django_filters.CharFilter(label=_("品牌"), field_name="appliance_model__brand", lookup_expr="icontains")
    model_number = django_filters.CharFilter(
        label=_("型号"), field_name="appliance_model__model_number", lookup_expr="icontains"
    )
    submitted = django_filters.DateFromToRangeFilter(label=_("申报日期"), field_name="submitted_at")

    class Meta:
        model = Declaration
        fields = ["status", "brand", "model_number", "submitted"]


class LabelBatchFilter(django_filters.FilterSet):
    stage = django_filters.ChoiceFilter(label=_("阶段"), choices=LabelBatch.Stage.choices)
    brand = django_filters.CharFilter(label=_("品牌"), field_name="appliance_model__brand", lookup_expr="icontains")
    model_number = django_filters.CharFilter(
        label=_("型号"), field_name="appliance_model__model_number", lookup_expr="icontains"
    )

    class Meta:
        model = LabelBatch
        fields = ["stage", "brand", "model_number"]


class LabelFilter(django_filters.FilterSet):
    serial = django_filters.CharFilter(label=_("标识编码"), method="by_serial")
    state = django_filters.ChoiceFilter(label=_("状态"), choices=LabelState.choices)
    brand = django_filters.CharFilter(label=_("品牌"), field_name="appliance_model__brand", lookup_expr="icontains")
    model_number = django_filters.CharFilter(
        label=_("型号"), field_name="appliance_model__model_number", lookup_expr="icontains"
    )
    # Bounded like the id column (a bigint): a bigger number was a database error, a 500.
    batch = django_filters.NumberFilter(label=_("批次"), field_name="batch_id", min_value=1, max_value=2**63 - 1)

    class Meta:
        model = Label
        fields = ["serial", "state", "brand", "model_number", "batch"]

    def by_serial(self, queryset, name, value):
        try:
            return queryset.filter(serial=parse_code(value))
        except InvalidSerial:
            return queryset.filter(serial__icontains="".join(value.split()).upper())


class StatsFilter(django_filters.FilterSet):
    brand = django_filters.CharFilter(label=_("品牌"), field_name="appliance_model__brand", lookup_expr="icontains")
    category = django_filters.ChoiceFilter(
        label=_("产品类别"), field_name="appliance_model__category", choices=APPLIANCE_CATEGORIES
    )

    class Meta:
        model = Label
        fields = ["brand", "category"]
