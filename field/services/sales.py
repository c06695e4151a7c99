"""Sale: a dealer marks a labelled appliance sold."""

from django.db import transaction
from django.utils.translation import gettext as _

from accounts import roles
from accounts.models import Organization

from ..models import Sale
from .common import clean_district
from .errors import FieldError, require_role
from .labels import find_label, refuse_if_suspended, transition


def sell(*, user, code, district="", origin):
    """Record the sale of the appliance labelled `code` by the user's dealer organisation."""
    require_role(user, roles.DEALER)
    dealer = user.organization
    if dealer is None or dealer.kind != Organization.Kind.DEALER:
        raise FieldError("wrong_role", _("只有销售代理商的人员可以登记销售。"))
    district = clean_district(district, required=False)
    with transaction.atomic():
        label = find_label(code, lock=True)
        refuse_if_suspended(label)
        model = label.appliance_model
        if model.dealers.exists() and not model.dealers.filter(pk=dealer.pk).exists():
            raise FieldError(
                "not_designated", _("%(dealer)s 不是型号 %(model)s 的销售代理商。") % {"dealer": dealer, "model": model}
            )
        transition(label, "sell", origin)
        return Sale.objects.create(label=label, dealer=dealer, seller=user, district=district)
