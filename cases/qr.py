"""QR codes for labels and permits (segno), pointing at the public site."""

from urllib.parse import urlsplit, urlunsplit

import segno
from django.conf import settings
from segno import consts as segno_consts

from . import digital_link

# Labels live in kitchens: grease and scratches, so error correction Q (25 %).
ERROR_CORRECTION = "q"


def public_url(path):
    """Absolute URL on the public site for `path` (which starts with a slash)."""
    return f"{settings.PUBLIC_BASE_URL}{path}"


def label_url(serial, gtin=""):
    """The URL a label's QR carries: `/q/{serial}`, or the GS1 Digital Link `/01/{gtin}/21/{serial}`.

    `gtin` is what digital_link.label_gtin(model) says for the label's model ("" for /q/), so every
    printed label, PDF and screen gets its URL from here.
    """
    if gtin:
        return public_url(digital_link.path(gtin, serial))
    return public_url(f"/q/{serial}")


# QR alphanumeric mode packs 2 characters into 11 bits instead of 16, but knows
# only these characters (no lower case).
_ALNUM = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
_MIN_ALNUM_RUN = 7
_MODES = {
    "alphanumeric": segno_consts.MODE_ALPHANUMERIC,
    "byte": segno_consts.MODE_BYTE,
}  # shorter runs cost more in segment headers than they save


def label_qr_text(serial, gtin=""):
    """What the label's QR encodes: label_url(serial, gtin) with scheme and host in upper case.

    Scheme and host are case-insensitive, so the URL stays the same URL, and
    together with the upper-case serial most of it fits QR's compact
    alphanumeric mode: the code drops a version (e.g. 4 to 3 at level Q) and
    its modules get bigger on the same label. The path (/q/) keeps its case; a Digital Link path
    (/01/…/21/…) is digits and upper case already.
    """
    parts = urlsplit(label_url(serial, gtin))
    return urlunsplit((parts.scheme.upper(), parts.netloc.upper(), parts.path, parts.query, parts.fragment))


def _segments(text):
    """Split text into (chunk, mode) runs: long alphanumeric runs in alphanumeric mode, the rest in byte mode."""
    runs = []
    for char in text:
        kind = "alphanumeric" if char in _ALNUM else "byte"
        if runs and runs[-1][1] == kind:
            runs[-1][0].append(char)
        else:
            runs.append(([char], kind))
    merged = []
    for chars, kind in runs:
        if kind == "alphanumeric" and len(chars) < _MIN_ALNUM_RUN:
            kind = "byte"
        if merged and merged[-1][1] == kind:
            merged[-1] = (merged[-1][0] + "".join(chars), kind)
        else:
            merged.append(("".join(chars), kind))
    return merged


def _mixed_segments_win(base_url, gtin=""):
    """Whether mixed segments give a smaller symbol than plain byte mode for this site's label URLs.

    Every serial has the same length and alphabet, so the answer depends only
    on the base URL: decide once, with a sample serial, instead of encoding
    every label twice.
    """
    key = (base_url, bool(gtin))  # a Digital Link's path has one length whatever the GTIN
    cached = _DECISION.get(key)
    if cached is None:
        sample = "0" * 14
        plain = make_qr(label_url(sample, gtin))
        try:
            mixed = segno.make_qr(_label_segments(sample, gtin), error=ERROR_CORRECTION, boost_error=False)
            cached = mixed.version < plain.version
        except segno.DataOverflowError:
            cached = False
        _DECISION[key] = cached
    return cached


_DECISION = {}


def _label_segments(serial, gtin=""):
    return [(chunk, _MODES[kind]) for chunk, kind in _segments(label_qr_text(serial, gtin))]


def make_label_qr(serial, gtin=""):
    """The label's QR code: mixed segments when that gives a smaller symbol, else plain byte mode."""
    if _mixed_segments_win(settings.PUBLIC_BASE_URL, gtin):
        return segno.make_qr(_label_segments(serial, gtin), error=ERROR_CORRECTION, boost_error=False)
    return make_qr(label_url(serial, gtin))


def make_qr(data):
    # boost_error=False keeps exactly the level we chose; segno picks the smallest version.
    return segno.make_qr(data, error=ERROR_CORRECTION, boost_error=False)


def qr_svg(data, scale=4):
    return make_qr(data).svg_inline(scale=scale, border=2)


def qr_png_bytes(data, scale=6):
    import io

    buffer = io.BytesIO()
    make_qr(data).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()
