"""Input forms for the field pages: types and choices only; the rules live in services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts import city
from accounts.models import User
from core import limits

from .models import WorkPermit


def district_choices():
    """The current city's districts, read when a form is built (they are data, not code)."""
    return [("", _("请选择")), *city.district_choices()]


class SellForm(forms.Form):
    district = forms.ChoiceField(label=_("销售区域（可选）"), choices=district_choices, required=False)


class WorkForm(forms.Form):
    permit = forms.CharField(label=_("上岗证编号"), max_length=200)
    nameplate_confirmed = forms.BooleanField(label=_("我已核对：标识上的型号与燃具铭牌型号一致"), required=False)
    district = forms.ChoiceField(label=_("安装地址所在区"), choices=district_choices)


class IgniteForm(forms.Form):
    permit = forms.CharField(label=_("上岗证编号"), max_length=200)


class LinkRatingForm(forms.Form):
    """The resident's own phone, through the link it received: the number is the link's."""

    rating = forms.TypedChoiceField(
        label=_("服务评分"), coerce=int, choices=[(i, "★" * i) for i in range(5, 0, -1)], widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("评价（可选）"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class RatingForm(LinkRatingForm):
    """On the installer's phone: the resident's number and the code that number received."""

    phone = forms.CharField(label=_("用户手机号"), max_length=20)
    sms_code = forms.CharField(
        label=_("用户收到的短信验证码"),
        max_length=6,
        required=False,  # the service refuses a rating without it, with the message the page shows
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )
    field_order = ["phone", "sms_code", "rating", "comment"]


class BookingForm(forms.Form):
    company = forms.ChoiceField(label=_("服务单位"))
    phone = forms.CharField(label=_("联系手机"), max_length=20)
    sms_code = forms.CharField(
        label=_("短信验证码"),
        max_length=6,
        required=False,  # the service refuses a booking without it, with the message the page shows
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )
    district = forms.ChoiceField(label=_("所在区"), choices=district_choices)
    address = forms.CharField(label=_("详细地址（街道、小区、门牌号）"), max_length=limits.ADDRESS, required=False)
    preferred_date = forms.DateField(label=_("期望日期"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("备注（可选）"), max_length=255, required=False)

    def __init__(self, *args, companies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["company"].choices = [(c.pk, c.name) for c in companies]


class PermitIssueForm(forms.Form):
    holder = forms.ModelChoiceField(
        label=_("持证人"),
        queryset=User.objects.filter(organization__kind__in=["installer", "gas_supplier"]).select_related(
            "organization"
        ),
    )
    kind = forms.ChoiceField(label=_("类别"), choices=WorkPermit.Kind.choices)
    valid_from = forms.DateField(label=_("有效期起"), widget=forms.DateInput(attrs={"type": "date"}))
    valid_until = forms.DateField(label=_("有效期至"), widget=forms.DateInput(attrs={"type": "date"}))


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("吊销原因"), max_length=255)


class ScheduleForm(forms.Form):
    when = forms.DateTimeField(
        label=_("上门时间"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )


class NotGenuineReportForm(forms.Form):
    """A resident reports a label the scan page called not genuine (all optional; the service checks the rest)."""

    description = forms.CharField(
        label=_("情况说明（可选）"),
        max_length=limits.LONG_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    phone = forms.CharField(label=_("联系电话（可选，方便协会回访）"), max_length=limits.PHONE, required=False)
    district = forms.ChoiceField(label=_("所在区（可选）"), choices=district_choices, required=False)
    photo = forms.FileField(
        label=_("标识或燃具照片（可选）"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png", "capture": "environment"}),
    )
