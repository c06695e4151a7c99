from django import forms
from django.utils.translation import gettext_lazy as _


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    MAX_DAYS = 3 * 366

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if start > end:
                raise forms.ValidationError(_("起始日期不能晚于截止日期。"))
            if (end - start).days > self.MAX_DAYS:
                raise forms.ValidationError(_("统计期最长 3 年。"))
        return data
