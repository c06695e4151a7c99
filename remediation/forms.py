from django import forms
from django.utils.translation import gettext_lazy as _

from accounts import city
from accounts.models import Organization
from core import limits

from .models import ProblemKind, Resolution


class ReportForm(forms.Form):
    serial = forms.CharField(label=_("标识编码"), required=False, max_length=64)
    kind = forms.ChoiceField(label=_("问题类型"), choices=ProblemKind.choices)
    district = forms.ChoiceField(
        label=_("所在区"), choices=lambda: [("", "—"), *city.district_choices()], required=False
    )
    address = forms.CharField(label=_("安装地址"), required=False, max_length=255)
    resident_phone = forms.CharField(label=_("用户电话"), required=False, max_length=32)
    description = forms.CharField(
        label=_("情况说明"), required=False, max_length=limits.LONG_TEXT, widget=forms.Textarea(attrs={"rows": 3})
    )


class ContactForm(forms.Form):
    note = forms.CharField(label=_("联系情况"), required=False, max_length=500)


class ResolveForm(forms.Form):
    resolution = forms.ChoiceField(label=_("处理方式"), choices=Resolution.choices, widget=forms.RadioSelect)
    new_serial = forms.CharField(label=_("新标识编码 (补贴标识/换货时扫描)"), required=False, max_length=64)
    note = forms.CharField(label=_("说明"), required=False, max_length=500)


class ReassignForm(forms.Form):
    dealer = forms.ModelChoiceField(
        label=_("责任代理商"), queryset=Organization.objects.filter(kind=Organization.Kind.DEALER, is_active=True)
    )


class NoteForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("类型"), choices=[("note", _("备注")), ("comment", _("意见")), ("order", _("责令整改"))]
    )
    text = forms.CharField(label=_("内容"), max_length=limits.LONG_TEXT, widget=forms.Textarea(attrs={"rows": 3}))


class TextForm(forms.Form):
    note = forms.CharField(
        label=_("说明"), required=False, max_length=limits.LONG_TEXT, widget=forms.Textarea(attrs={"rows": 2})
    )
