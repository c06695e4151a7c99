"""Ignition (点火通气): only an installed, genuine, unrecalled appliance whose gas fits the supply."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from accounts import roles
from accounts.models import User
from cases import lifecycle, rules
from cases.models import Label, LabelState
from cases.services.labels import Origin

from ..models import Booking, Ignition, WorkPermit
from . import supply_areas
from .errors import FieldError, require_role
from .labels import find_label, refuse_if_gas_mismatch, refuse_if_recalled, refuse_if_suspended, transition
from .permits import check_permit
from .work import close_bookings


def supply_gas_category() -> str:
    """The gas the supply pipes (a setting: 12T for Shenzhen)."""
    return rules.city_gas_category()


def installed_district(label: Label) -> str:
    """The district of the label's first installation ('' when none was recorded): where it is ignited."""
    return supply_areas.installation_district(label)


def ignite(*, user: User, code: str, permit_code: str, origin: Origin, area_category: str | None = None) -> Ignition:
    """Record the ignition of the appliance `code`; exactly one of two racing workers wins.

    Lock order: permit, then label (as in record_work); revoke_permit locks only the permit.
    """
    require_role(user, roles.IGNITION_WORKER)
    with transaction.atomic():
        permit = check_permit(user=user, code=permit_code, kind=WorkPermit.Kind.IGNITION, lock=True)
        # The row lock serialises two workers on one appliance: the second sees "ignited" below.
        label = find_label(code, lock=True)
        refuse_if_suspended(label)
        refuse_if_recalled(label)
        if not lifecycle.may_ignite(label):
            if label.state == LabelState.IGNITED:
                raise FieldError("already_done", _("该燃具已点火通气，不能重复登记。"))
            raise FieldError("wrong_state", _("该燃具尚未登记安装，不能点火通气。请先由安装维修工安装。"))
        district = installed_district(label)
        # The gas of the supply area where it was installed (the city's where no area is set up).
        supply = area_category or supply_areas.gas_category_at(district=district)
        refuse_if_gas_mismatch(label, area_category=supply, action_message=_("禁止点火！请上报问题。"))
        transition(label=label, name="ignite", origin=origin, note=permit.number)
        ignition = Ignition.objects.create(
            label=label,
            worker=user,
            permit=permit,
            company=permit.company,
            supply_gas_category=supply,
            district=district,
        )
        close_bookings(label=label, kind=Booking.Kind.IGNITION)
    return ignition
