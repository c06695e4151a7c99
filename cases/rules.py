"""The safety rules every path applies to one appliance: does its gas fit, and is it recalled.

One function per rule, called by the services that record a sale, an installation, an ignition or a
booking (pages, API, admin actions and tasks all go through those services), and by the scan page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from accounts import city

if TYPE_CHECKING:
    # annotations only: cases.models imports this module
    from .models import ApplianceModel, Label, Recall


def city_gas_category() -> str:
    """The gas the current city pipes where no supply area says otherwise (City.gas_category: 12T in Shenzhen)."""
    return city.current_city().gas_category


@dataclass(frozen=True)
class GasMismatch:
    """An appliance that does not burn the gas supplied where it is used."""

    appliance_category: str
    area_category: str

    @property
    def message(self) -> str:
        return _("气源不匹配：该燃具适用 %(model_gas)s，当地供气为 %(supply)s。") % {
            "model_gas": self.appliance_category,
            "supply": self.area_category,
        }


def gas_mismatch(appliance_model: ApplianceModel, *, area_category: str | None = None) -> GasMismatch | None:
    """The mismatch between the appliance's gas and the area's, or None when it fits.

    `area_category` is the gas of the place of installation; it defaults to the city's. Installation and
    ignition refuse a mismatch, a sale only warns the dealer (the buyer may live where that gas is supplied).
    """
    area = area_category or city_gas_category()
    if appliance_model.gas_category == area:
        return None
    return GasMismatch(appliance_category=appliance_model.gas_category, area_category=area)


def active_recall(label: Label) -> Recall | None:
    """The active recall covering this label, else None.

    Its own mark, or, for a label generated after its whole model was recalled, the model's recall
    (`ApplianceModel.is_recalled` is kept by cases.services.recalls, so that costs a query only then).
    """
    if label.recall_id is not None and label.recall.lifted_at is None:
        return label.recall
    model = label.appliance_model
    if not model.is_recalled:
        return None
    recall = model.recalls.filter(scope="model", lifted_at__isnull=True).order_by("pk").first()
    # A model flagged before recalls were rows (or by hand) still counts: fail safe.
    return recall or model.recalls.model(appliance_model=model, scope="model", reason=model.recall_note or "-")


def recall_message(recall: Recall) -> str:
    if recall.recalled_on is None:
        return _("已召回 — 请勿安装或点火（%(reason)s）") % {"reason": recall.reason}
    return _("已召回 — 请勿安装或点火（%(reason)s，%(day)s）") % {"reason": recall.reason, "day": recall.recalled_on}
