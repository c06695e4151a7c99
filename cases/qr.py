"""QR codes for labels and permits (segno), pointing at the public site."""

import re
from functools import cache
from urllib.parse import urlsplit, urlunsplit

import segno
import zxingcpp
from django.conf import settings
from PIL import Image
from segno import consts as segno_consts

from core import digital_link

# Labels live in kitchens: grease and scratches, so error correction Q (25 %).
ERROR_CORRECTION = "q"


def public_url(path):
    """Absolute URL on the public site for `path` (which starts with a slash)."""
    return f"{settings.PUBLIC_BASE_URL}{path}"


def label_url(serial, gtin=""):
    """The URL a label's QR carries: `/q/{serial}`, or the GS1 Digital Link `/01/{gtin}/21/{serial}`.

    `gtin` is what digital_link.label_gtin(model) says for the label's model ("" for /q/); every
    function below takes it, so printed sheets, single labels and screens all get their URL here.
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
    its modules get bigger on the same label. The path (/q/) keeps its case; a Digital Link's path
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


# --- label codes for print runs: zxing-cpp's encoder -------------------------------
# segno picks each code's mask in pure Python (~150 codes/s on one core); zxing-cpp's
# encoder (zint) does the same in C (~4 500/s) and segments the text by mode itself.
# Every code of a print file gets one fixed version, so all QRs on a sheet are the same size.

_DARK_RUN = re.compile(b"\x00+")
# Only a legacy serial's check symbol can be ~ or = (not in QR's alphanumeric set); they need more room.
WIDE_CHECK_SYMBOLS = "~="


@cache
def _version_for(base_url: str, wide: bool, gtin: str = "") -> int:
    sample = "Z" * 13 + ("~" if wide else "Z")  # letters: no numeric-mode savings, the worst case
    code = zxingcpp.create_barcode(label_qr_text(sample, gtin), zxingcpp.BarcodeFormat.QRCode, ec_level="Q")
    modules = code.to_image(scale=1, add_quiet_zones=False).shape[0]
    return (modules - 17) // 4


def label_qr_version(*, wide: bool = False, gtin: str = "") -> int:
    """The QR version every label of a print file uses (`wide`: some serials end in ~ or =; `gtin`: Digital Link)."""
    return _version_for(settings.PUBLIC_BASE_URL, wide, gtin)


def _label_barcode(serial: str, version: int, gtin: str):
    text = label_qr_text(serial, gtin)
    return zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level="Q", version=version)


def label_qr_runs(serial: str, version: int, gtin: str = "") -> tuple[int, list[tuple[int, int, int]]]:
    """(modules per side, dark runs (row, start, length)) of the serial's label QR at `version`, level Q."""
    code = _label_barcode(serial, version, gtin)
    image = code.to_image(scale=1, add_quiet_zones=False)
    size = image.shape[0]
    pixels = bytes(memoryview(image))  # one byte per module, 0 = dark, row by row
    runs = []
    for match in _DARK_RUN.finditer(pixels):  # one pass over the whole symbol; split runs that wrap a row
        start, end = match.span()
        while start < end:
            row, col = divmod(start, size)
            length = min(end - start, size - col)
            runs.append((row, col, length))
            start += length
    return size, runs


def label_qr_bitmap(serial: str, version: int, gtin: str = "") -> tuple[int, bytes]:
    """(modules per side, rows packed 1 bit per module, 0 = dark) of the serial's label QR: for PDF image masks."""
    code = _label_barcode(serial, version, gtin)
    image = code.to_image(scale=1, add_quiet_zones=False)
    size = image.shape[0]
    packed = Image.frombuffer("L", (size, size), bytes(memoryview(image)), "raw", "L", 0, 1)
    return size, packed.convert("1", dither=Image.Dither.NONE).tobytes()


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
