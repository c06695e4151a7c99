"""Supply areas: which gas is supplied at an installation address, and by whom (field.models.SupplyArea).

The gas rule itself is cases.rules.gas_mismatch; this module only says which category to hand it: the
street's area, else the district's, else the city's (CITY_GAS_CATEGORY).
"""

from __future__ import annotations

from cases import rules
from cases.models import Label

from ..models import SupplyArea, WorkRecord


def area_for(*, district: str, street: str = "") -> SupplyArea | None:
    """The supply area of an address: its street's when one is set up, else its district's (one query)."""
    if not district:
        return None
    areas = {area.street: area for area in SupplyArea.objects.filter(district=district, street__in={street, ""})}
    return areas.get(street) or areas.get("")


def gas_category_at(*, district: str, street: str = "") -> str:
    """The gas category supplied at this address: its area's, or the city's when no area covers it."""
    area = area_for(district=district, street=street)
    return area.gas_category if area is not None else rules.city_gas_category()


def installation_district(label: Label) -> str:
    """Where the label's appliance was installed (its first installation record), '' when none was."""
    first = WorkRecord.objects.filter(label=label, kind=WorkRecord.Kind.INSTALLATION).order_by("at", "pk")
    return first.values_list("district", flat=True).first() or ""
