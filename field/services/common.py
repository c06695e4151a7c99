"""Small checks shared by the field services."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from django.utils.translation import gettext as _

from accounts import city
from core.typed import fold_width

from .errors import FieldError

MOBILE_RE = re.compile(r"^1[3-9][0-9]{9}$")  # ASCII digits: \d would also take ３ and ٣


def clean_district(district: str | None, *, required: bool) -> str:
    district = (district or "").strip()
    if not district and not required:
        return ""
    if not city.is_district(district):
        raise FieldError("invalid", _("请选择有效的行政区。"))
    return district


def clean_mobile(phone: str | None) -> str:
    # Full-width digits become ASCII: one number, one spelling, one SMS limit.
    phone = fold_width("".join((phone or "").split()))
    if not MOBILE_RE.match(phone):
        raise FieldError("invalid", _("请输入 11 位手机号码。"))
    return phone


def report_url(*, code: str, kind: str) -> str:
    """Where a field worker reports a problem with this appliance (the remediation app's report page)."""
    # A plain path keeps field independent of remediation's URL names.
    return "/remediation/report/?" + urlencode({"serial": code, "kind": kind})
