"""Residents' personal data (phone numbers, addresses): the one masking module.

Shown in full only to the people who must call (accounts.permissions.may_call_resident,
can_handle_booking); everyone else, the public scan page and logs get the masked form.
"""

from __future__ import annotations

from django.db.models import Model
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _


def mask_phone(phone: str | None) -> str:
    """138****5678: first three and last four digits only."""
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}****{digits[-4:]}"


def mask_address(address: str | None) -> str:
    """Keep the first few characters (street), hide the rest (building and flat)."""
    address = address or ""
    if len(address) <= 6:
        return address[:2] + "*" * max(0, len(address) - 2)
    return address[:6] + "****"


def phone_for(phone: str | None, *, may_call: bool) -> str | None:
    return phone if may_call else mask_phone(phone)


def address_for(address: str | None, *, may_call: bool) -> str | None:
    return address if may_call else mask_address(address)


class MaskedPersonalDataAdmin:
    """ModelAdmin mixin: residents' phone/address fields appear masked (the admin is not who calls them)."""

    masked_phone_fields: tuple[str, ...] = ()
    masked_address_fields: tuple[str, ...] = ()

    def get_exclude(self, request: HttpRequest, obj: Model | None = None) -> list[str]:
        return [*(super().get_exclude(request, obj) or ()), *self.masked_phone_fields, *self.masked_address_fields]

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> list[str]:
        hidden = {*self.masked_phone_fields, *self.masked_address_fields}
        kept = [name for name in super().get_readonly_fields(request, obj) if name not in hidden]
        return [*kept, "masked_personal_data"]

    def get_fields(self, request: HttpRequest, obj: Model | None = None) -> list[str]:
        hidden = {*self.masked_phone_fields, *self.masked_address_fields}
        return [name for name in super().get_fields(request, obj) if name not in hidden]

    def masked_personal_data(self, obj: Model) -> str:
        parts = [mask_phone(getattr(obj, name)) for name in self.masked_phone_fields]
        parts += [mask_address(getattr(obj, name)) for name in self.masked_address_fields]
        return " / ".join(part for part in parts if part) or "—"

    masked_personal_data.short_description = _("联系方式（已隐去）")
