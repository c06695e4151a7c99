"""Label serials: 64 random bits in Crockford base32 plus its mod-37 check symbol.

The serial is printed under the QR code for manual entry, so reading it back
forgives what people mistype (case, I/L for 1, O for 0, spaces and hyphens)
and the check symbol catches a wrong or swapped character.
"""

import secrets

import base32_crockford

RANDOM_BITS = 64
BODY_LENGTH = 13  # 65 bits of room: the top bit is fixed so every serial has the same length
SERIAL_LENGTH = BODY_LENGTH + 1


class InvalidSerial(ValueError):
    """The text is not a well-formed serial (wrong length, characters or check symbol)."""


def new_serial():
    number = secrets.randbits(RANDOM_BITS) | (1 << RANDOM_BITS)
    return base32_crockford.encode(number, checksum=True)


def normalize(text):
    """Canonical form of a typed or scanned serial; raises InvalidSerial when it is not one."""
    if not isinstance(text, str):
        raise InvalidSerial("serial must be text")
    try:
        cleaned = base32_crockford.normalize("".join(text.split()), strict=False)
    except ValueError as exc:
        raise InvalidSerial(str(exc)) from None
    if len(cleaned) != SERIAL_LENGTH:
        raise InvalidSerial(f"serial must have {SERIAL_LENGTH} characters, got {len(cleaned)}")
    try:
        base32_crockford.decode(cleaned, checksum=True)
    except ValueError as exc:
        raise InvalidSerial(str(exc)) from None
    return cleaned


def parse_code(text):
    """The serial in what a person typed or a scanner read: a bare serial or a label URL (`…/q/<serial>`).

    The one parser every entry point uses (scan, sell/install/ignite, booking, problem reports,
    relabelling), so a code that works in one place works in all; raises InvalidSerial.
    """
    if not isinstance(text, str):
        raise InvalidSerial("code must be text")
    text = text.strip()
    if "/q/" in text.lower():  # a scanned label URL; the scheme and host may be upper case (see cases.qr)
        text = text[text.lower().rindex("/q/") + 3 :].split("?", 1)[0].split("#", 1)[0].strip("/")
    return normalize(text)


def is_valid(text):
    try:
        normalize(text)
    except InvalidSerial:
        return False
    return True
