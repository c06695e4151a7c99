from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import ApplianceModel


class RecallForm(forms.Form):
    appliance_model = forms.ModelChoiceField(
        label=_("燃具型号"),
        queryset=ApplianceModel.objects.select_related("manufacturer").order_by("brand", "model_number"),
    )
    batch = forms.IntegerField(label=_("批次编号（可选）"), required=False, min_value=1, max_value=10**15)
    first_serial = forms.CharField(label=_("起始编码（可选，需同时填写批次）"), required=False, max_length=200)
    last_serial = forms.CharField(label=_("结束编码（可选）"), required=False, max_length=200)
    reason = forms.CharField(label=_("召回原因"), max_length=255)
    recalled_on = forms.DateField(
        label=_("召回日期"), initial=timezone.localdate, widget=forms.DateInput(attrs={"type": "date"})
    )


class LiftForm(forms.Form):
    reason = forms.CharField(label=_("解除原因"), max_length=255)
