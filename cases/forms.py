"""Back-office forms: models with their documents, declarations, and the review steps."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization

from .models import ApplianceModel, Document
from .services.declarations import MAX_QUANTITY, Decision

DOCUMENT_FIELDS = [
    ("ccc_file", Document.Kind.CCC, _("CCC 认证证书 (PDF/JPEG/PNG)")),
    ("report_file", Document.Kind.TEST_REPORT, _("检测报告 (PDF/JPEG/PNG)")),
    ("nameplate_file", Document.Kind.NAMEPLATE, _("铭牌照片 (JPEG/PNG)")),
]
ACCEPT = "application/pdf,image/jpeg,image/png"


class DocumentsMixin(forms.Form):
    """Optional upload fields, one per document kind; checked by services.documents on save."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, _kind, label in DOCUMENT_FIELDS:
            self.fields[name] = forms.FileField(
                label=label, required=False, widget=forms.ClearableFileInput(attrs={"accept": ACCEPT})
            )

    def documents(self):
        return [
            (kind, self.cleaned_data[name]) for name, kind, _label in DOCUMENT_FIELDS if self.cleaned_data.get(name)
        ]


class ApplianceModelForm(DocumentsMixin, forms.ModelForm):
    class Meta:
        model = ApplianceModel
        fields = [
            "brand",
            "model_number",
            "category",
            "gas_category",
            "rated_heat_input_kw",
            "ccc_certificate_number",
            "other_certificates",
            "gtin",
            "designated_installers",
            "dealers",
        ]
        widgets = {"designated_installers": forms.CheckboxSelectMultiple, "dealers": forms.CheckboxSelectMultiple}

    def __init__(self, *args, manufacturer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.manufacturer = manufacturer
        self.fields["designated_installers"].queryset = Organization.objects.filter(
            kind=Organization.Kind.INSTALLER, is_active=True
        )
        self.fields["dealers"].queryset = Organization.objects.filter(kind=Organization.Kind.DEALER, is_active=True)
        self.instance.manufacturer = manufacturer

    def clean(self):
        cleaned = super().clean()
        if (
            self.manufacturer
            and ApplianceModel.objects.filter(
                manufacturer=self.manufacturer, brand=cleaned.get("brand"), model_number=cleaned.get("model_number")
            )
            .exclude(pk=self.instance.pk)
            .exists()
        ):
            raise forms.ValidationError(_("本企业已登记该品牌型号。"))
        return cleaned


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
        label=_("审核意见 (退回/驳回时必填)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ResubmitForm(DocumentsMixin):
    quantity = forms.IntegerField(label=_("标识数量"), min_value=1, max_value=MAX_QUANTITY)


class IssueForm(forms.Form):
    issued_to = forms.ModelChoiceField(label=_("发放给"), queryset=Organization.objects.none())

    def __init__(self, *args, recipients=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["issued_to"].queryset = Organization.objects.filter(pk__in=[o.pk for o in recipients])
