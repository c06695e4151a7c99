"""The remediation queues as django-tables2 tables (sortable, paged, exportable) and their filters."""

import django_filters
import django_tables2 as tables
from django.db.models import Case, Q, When
from django.db.models.functions import Length, Substr
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts import city
from accounts.models import Organization

from .models import Level, ProblemKind, RemediationCase, Stage


def time_left_text(due, now=None):
    """'剩余 1小时05分' or '超时 0小时45分' (None when no clock runs)."""
    if due is None:
        return None, False
    delta = due - (now or timezone.now())
    overdue = delta.total_seconds() < 0
    minutes = int(abs(delta.total_seconds()) // 60)
    span = _("%(h)d小时%(m)02d分") % {"h": minutes // 60, "m": minutes % 60}
    return (_("超时 %s") % span if overdue else _("剩余 %s") % span), overdue


class CaseTable(tables.Table):
    pk = tables.Column(verbose_name=_("编号"), linkify=lambda record: reverse("remediation:case", args=[record.pk]))
    kind = tables.Column(verbose_name=_("问题类型"))
    code = tables.Column(verbose_name=_("标识编码"), accessor="label__serial", default="", order_by=("label__serial",))
    district = tables.Column(verbose_name=_("区"))
    dealer = tables.Column(verbose_name=_("责任代理商"), default=_("待指派"))
    stage = tables.Column(verbose_name=_("阶段"))
    escalation_level = tables.Column(verbose_name=_("督办级别"))
    reported_at = tables.DateTimeColumn(verbose_name=_("报告时间"), format="Y-m-d H:i")
    next_due = tables.Column(verbose_name=_("剩余时间"), empty_values=(), order_by=("next_due",))

    class Meta:
        model = RemediationCase
        fields = ()
        sequence = ("pk", "kind", "code", "district", "dealer", "stage", "escalation_level", "reported_at", "next_due")
        order_by = ("next_due",)
        attrs = {"class": "queue"}
        row_attrs = {"data-case": lambda record: record.pk}

    def render_code(self, record):
        return record.code

    def render_next_due(self, record):
        text, overdue = time_left_text(record.next_due)
        if text is None:
            return "—"
        return format_html(
            '<span class="{}" data-overdue="{}">{}</span>', "overdue" if overdue else "", int(overdue), text
        )

    def value_next_due(self, record):
        text, _overdue = time_left_text(record.next_due)
        return text or ""

    def value_code(self, record):
        return record.code


class CaseFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label=_("问题类型"), choices=ProblemKind.choices)
    stage = django_filters.ChoiceFilter(label=_("阶段"), choices=Stage.choices)
    escalation_level = django_filters.ChoiceFilter(label=_("督办级别"), choices=Level.choices)
    district = django_filters.ChoiceFilter(label=_("区"), choices=city.district_choices)
    dealer = django_filters.ModelChoiceFilter(
        label=_("责任代理商"), queryset=Organization.objects.filter(kind=Organization.Kind.DEALER)
    )
    overdue = django_filters.BooleanFilter(label=_("只看超时"), method="filter_overdue")
    q = django_filters.CharFilter(label=_("编码/地址"), method="filter_text")

    class Meta:
        model = RemediationCase
        fields = ["kind", "stage", "escalation_level", "district", "dealer"]

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        now = timezone.now()
        return queryset.filter(next_due__lt=now) if value else queryset.filter(Q(next_due__gte=now) | Q(next_due=None))

    # What the search may match in the address: only the part the page shows (accounts.pii.mask_address), or a
    # masked address could be recovered by guessing. The dealer's own queue (they call the resident) sees it whole.
    address_in_full = False

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        if self.address_in_full:
            address = Q(address__icontains=value)
        else:
            queryset = queryset.annotate(address_length=Length("address")).annotate(
                shown_address=Case(
                    When(address_length__lte=6, then=Substr("address", 1, 2)), default=Substr("address", 1, 6)
                )
            )
            address = Q(shown_address__icontains=value)
        return queryset.filter(Q(label__serial__icontains=value) | Q(typed_code__icontains=value) | address)


class DealerCaseFilter(CaseFilter):
    """The dealer sees only its own cases: no dealer filter; addresses in full (the dealer calls the resident)."""

    address_in_full = True

    class Meta(CaseFilter.Meta):
        fields = ["kind", "stage", "escalation_level", "district"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters.pop("dealer", None)
