"""Residents' personal data (phone numbers, addresses): the one masking module.

Shown in full only to the people who must call (accounts.permissions.may_call_resident,
can_handle_booking); everyone else, the public scan page and logs get the masked form.
"""


def mask_phone(phone):
    """138****5678: first three and last four digits only."""
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}****{digits[-4:]}"


def mask_address(address):
    """Keep the first few characters (street), hide the rest (building and flat)."""
    address = address or ""
    if len(address) <= 6:
        return address[:2] + "*" * max(0, len(address) - 2)
    return address[:6] + "****"


def phone_for(phone, *, may_call):
    return phone if may_call else mask_phone(phone)


def address_for(address, *, may_call):
    return address if may_call else mask_address(address)
