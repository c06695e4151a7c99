"""QR codes for labels and permits (segno), pointing at the public site."""

import segno
from django.conf import settings

# Labels live in kitchens: grease and scratches, so error correction Q (25 %).
ERROR_CORRECTION = "q"


def public_url(path):
    """Absolute URL on the public site for `path` (which starts with a slash)."""
    return f"{settings.PUBLIC_BASE_URL}{path}"


def label_url(serial):
    return public_url(f"/q/{serial}")


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
