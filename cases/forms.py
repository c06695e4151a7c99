"""Back-office forms: appliance models with their documents (the declaration steps' forms live in workflows/declaration/)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization

from .models import ApplianceModel, Document, PrintJob

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
            "digital_link",
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


class PrintJobForm(forms.Form):
    """Make a print file of a batch: the whole batch, or a reprint of a page range or a serial range."""

    kind = forms.ChoiceField(label=_("文件类型"), choices=PrintJob.Kind.choices)
    first_page = forms.IntegerField(label=_("重印：起始页"), required=False, min_value=1)
    last_page = forms.IntegerField(label=_("重印：结束页"), required=False, min_value=1)
    first_serial = forms.CharField(label=_("重印：起始编码"), required=False, max_length=40)
    last_serial = forms.CharField(label=_("重印：结束编码"), required=False, max_length=40)

    def clean(self):
        data = super().clean()
        pages = data.get("first_page") is not None or data.get("last_page") is not None
        if pages and (data.get("first_serial") or data.get("last_serial")):
            raise forms.ValidationError(_("重印请只填页码范围或编码范围之一。"))
        return data
