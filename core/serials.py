"""Label serials: 64 random bits in Crockford base32 plus its mod-37 check symbol.

The serial is printed under the QR code for manual entry, so reading it back
forgives what people mistype (case, I/L for 1, O for 0, spaces and hyphens)
and the check symbol catches a wrong or swapped character.

Crockford's check symbol is the number mod 37, and values 32-36 are written
`* ~ $ = U`: not on a phone's default keyboard, hard to read aloud, and `~`/`=`
are outside QR's alphanumeric set (a bigger code). New serials draw random
numbers until the check value is below 32, so every character is a letter or a
digit; the check itself is unchanged (mod 37, prime, so any single wrong
character and any swap of neighbours is still caught), and labels already
issued with those symbols keep resolving.
"""

import secrets
from dataclasses import dataclass

import base32_crockford

from core.typed import fold_width

from . import digital_link

RANDOM_BITS = 64
BODY_LENGTH = 13  # 65 bits of room: the top bit is fixed so every serial has the same length
SERIAL_LENGTH = BODY_LENGTH + 1


class InvalidSerial(ValueError):
    """The text is not a well-formed serial (wrong length, characters or check symbol)."""


CHECK_MODULUS = 37
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # what new serials use: on every phone keyboard


def new_serial():
    while True:  # 5 in 37 draws are rejected: 0.2 of the 64 random bits
        number = secrets.randbits(RANDOM_BITS) | (1 << RANDOM_BITS)
        if number % CHECK_MODULUS < len(ALPHABET):
            return base32_crockford.encode(number, checksum=True)


def normalize(text):
    """Canonical form of a typed or scanned serial; raises InvalidSerial when it is not one."""
    if not isinstance(text, str):
        raise InvalidSerial("serial must be text")
    text = fold_width(text)  # typed in full width (全角)
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


@dataclass(frozen=True)
class LabelCode:
    """What a typed or scanned code names: a serial, and the GTIN when it was a GS1 Digital Link."""

    serial: str
    gtin: str = ""  # 14 digits, to be checked against the label's model (digital_link.same_gtin)


def parse_label_code(text):
    """The serial (and GTIN) in what a person typed or a scanner read; raises InvalidSerial.

    Accepted: a bare serial, a label URL (`…/q/<serial>`), a GS1 Digital Link (`…/01/<gtin>/21/<serial>`,
    see core.digital_link). The one parser every entry point uses (scan, sell/install/ignite, booking,
    problem reports, relabelling), so a code that works in one place works in all.
    """
    if not isinstance(text, str):
        raise InvalidSerial("code must be text")
    text = text.strip()
    if "/q/" in text.lower():  # a scanned label URL; the scheme and host may be upper case (see cases.qr)
        text = text[text.lower().rindex("/q/") + 3 :].split("?", 1)[0].split("#", 1)[0].strip("/")
    elif text.startswith("01/") or "/01/" in text:  # a GS1 Digital Link, or just its path
        try:
            link = digital_link.parse(text)
        except digital_link.InvalidDigitalLink as exc:
            raise InvalidSerial(str(exc)) from None
        if not link.serial:
            raise InvalidSerial("a GTIN-only Digital Link names a model, not a label")
        return LabelCode(serial=normalize(link.serial), gtin=link.gtin)
    return LabelCode(serial=normalize(text))


def parse_code(text):
    """The serial in what a person typed or a scanner read (parse_label_code without the GTIN)."""
    return parse_label_code(text).serial


def is_valid(text):
    try:
        normalize(text)
    except InvalidSerial:
        return False
    return True
