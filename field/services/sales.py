"""Sale: a dealer marks a labelled appliance sold."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from accounts import roles
from accounts.models import Organization, User
from cases import rules
from cases.services.labels import Origin

from ..models import Sale
from .common import clean_district
from .errors import FieldError, require_role
from .labels import find_label, refuse_if_recalled, refuse_if_suspended, transition


def sell(*, user: User, code: str, district: str = "", origin: Origin) -> Sale:
    """Record the sale of the appliance labelled `code` by the user's dealer organisation.

    The returned Sale carries `warning` (not stored): the gas-mismatch notice the dealer must see.
    """
    require_role(user, roles.DEALER)
    dealer = user.organization
    if dealer is None or dealer.kind != Organization.Kind.DEALER:
        raise FieldError("wrong_role", _("只有销售代理商的人员可以登记销售。"))
    district = clean_district(district, required=False)
    with transaction.atomic():
        label = find_label(code, lock=True)
        refuse_if_suspended(label)
        refuse_if_recalled(label)
        model = label.appliance_model
        if model.dealers.exists() and not model.dealers.filter(pk=dealer.pk).exists():
            raise FieldError(
                "not_designated", _("%(dealer)s 不是型号 %(model)s 的销售代理商。") % {"dealer": dealer, "model": model}
            )
        transition(label=label, name="sell", origin=origin)
        sale = Sale.objects.create(label=label, dealer=dealer, seller=user, district=district)
    # A sale is not refused for the gas (the buyer may live where that gas is supplied), only warned.
    mismatch = rules.gas_mismatch(model)
    sale.warning = mismatch.message + _("请提醒用户：该燃具不能在本市管道燃气区域安装使用。") if mismatch else ""
    return sale
