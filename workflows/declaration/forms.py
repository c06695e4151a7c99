"""Forms of the declaration review: declare, review, resubmit, issue."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from cases.forms import DocumentsMixin
from cases.models import ApplianceModel
from cases.services.declarations import MAX_QUANTITY, Decision
from core import limits


class DeclarationForm(DocumentsMixin):
    appliance_model = forms.ModelChoiceField(label=_("燃具型号"), queryset=ApplianceModel.objects.none())
    quantity = forms.IntegerField(label=_("标识数量"), min_value=1, max_value=MAX_QUANTITY)

    def __init__(self, *args, manufacturer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["appliance_model"].queryset = ApplianceModel.objects.filter(
            manufacturer=manufacturer, is_recalled=False
        )
        self.order_fields(["appliance_model", "quantity"])


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("审核结论"),
        choices=[(Decision.APPROVE, _("批准")), (Decision.RETURN, _("退回修改")), (Decision.REJECT, _("驳回"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("审核意见 (退回/驳回时必填)"),
        required=False,
        max_length=limits.LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ResubmitForm(DocumentsMixin):
    quantity = forms.IntegerField(label=_("标识数量"), min_value=1, max_value=MAX_QUANTITY)


class IssueForm(forms.Form):
    issued_to = forms.ModelChoiceField(label=_("发放给"), queryset=Organization.objects.none())

    def __init__(self, *args, recipients=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["issued_to"].queryset = Organization.objects.filter(pk__in=[o.pk for o in recipients])
