"""GS1 Digital Link URIs for labels: `/01/{gtin}/21/{serial}` (GS1 Digital Link URI syntax 1.x).

Any GS1-aware scanner can read such a code, and our resolver answers it like `/q/{serial}`. GTINs go
into the URI as 14 digits (GTIN-8/12/13 left-padded with zeros, as the standard's canonical form says);
parsing accepts the shorter forms too. Only AI 01 (GTIN) with AI 21 (serial) is meaningful here; a
GTIN alone names the model.
"""

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from django.conf import settings
from stdnum import ean

GTIN_LENGTHS = (8, 12, 13, 14)


class InvalidDigitalLink(ValueError):
    """A path that looks like a Digital Link (`/01/…`) but carries no valid GTIN or serial."""


@dataclass(frozen=True)
class DigitalLink:
    gtin: str  # 14 digits
    serial: str = ""  # as written in the URI (not yet normalised); empty for a GTIN-only link


def gtin14(value: str) -> str:
    """The 14-digit form of a GTIN-8/12/13/14 with a valid check digit; InvalidDigitalLink otherwise."""
    digits = (value or "").strip()
    if not digits.isdigit() or len(digits) not in GTIN_LENGTHS or not ean.is_valid(digits):
        raise InvalidDigitalLink("not a valid GTIN")
    return digits.zfill(14)


def same_gtin(a: str, b: str) -> bool:
    """Whether two GTINs (any length) name the same trade item."""
    try:
        return gtin14(a) == gtin14(b)
    except InvalidDigitalLink:
        return False


def looks_like(text: str) -> bool:
    """Whether `text` (a URL, a path or `01/…`) has the shape of a Digital Link, valid or not."""
    path = urlsplit(text.strip()).path if "://" in text else text.strip().split("?", 1)[0]
    return f"/{path.lstrip('/')}".startswith("/01/") or "/01/" in path


def parse(text: str) -> DigitalLink:
    """The GTIN and serial of a Digital Link URI (absolute, or just its path); InvalidDigitalLink otherwise.

    The primary key may follow a path prefix (`https://host/resolve/01/…`); key qualifiers other than
    the serial (batch 10, variant 22) are skipped; the query string (GS1 data attributes, `linkType`)
    and fragment are ignored.
    """
    if not isinstance(text, str):
        raise InvalidDigitalLink("code must be text")
    text = text.strip()
    path = urlsplit(text).path if "://" in text else text.split("#", 1)[0].split("?", 1)[0]
    path = "/" + path.lstrip("/")
    if "/01/" not in path:
        raise InvalidDigitalLink("no GTIN (AI 01) in the path")
    segments = [unquote(part) for part in path[path.index("/01/") + 4 :].strip("/").split("/")]
    gtin, qualifiers = segments[0], segments[1:]
    if len(qualifiers) % 2:
        raise InvalidDigitalLink("key qualifiers come in pairs")
    pairs = dict(zip(qualifiers[::2], qualifiers[1::2], strict=True))
    if set(pairs) - {"22", "10", "21"}:
        raise InvalidDigitalLink("unknown key qualifier")
    return DigitalLink(gtin=gtin14(gtin), serial=pairs.get("21", ""))


def path(gtin: str, serial: str = "") -> str:
    """The canonical path `/01/{gtin14}[/21/{serial}]` (serials are base32: nothing to percent-encode)."""
    link = f"/01/{gtin14(gtin)}"
    return f"{link}/21/{serial}" if serial else link


def label_gtin(appliance_model) -> str:
    """The GTIN a model's labels carry in a Digital Link, or "" when its labels use `/q/{serial}`.

    A model with a GTIN uses Digital Link when the association turned it on for every model
    (GS1_DIGITAL_LINK) or for this model (ApplianceModel.digital_link).
    """
    if not appliance_model.gtin:
        return ""
    if settings.GS1_DIGITAL_LINK or appliance_model.digital_link:
        return appliance_model.gtin
    return ""
