"""Draw the field app's home-screen icons (static/field/icons/*.png) with Pillow; the PNGs are committed.

A flame over a QR-like finder square on the brand colour. The maskable variant keeps the drawing inside the
centre 80 % (the safe zone launchers crop to circles and squircles).
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from PIL import Image, ImageDraw

BRAND = (194, 65, 12)  # --brand in static/css/app.css
SIZES = [(192, False), (512, False), (512, True)]


def draw_icon(size: int, *, maskable: bool) -> Image.Image:
    image = Image.new("RGB", (size, size), BRAND)
    draw = ImageDraw.Draw(image)
    inset = size * (0.2 if maskable else 0.1)
    unit = (size - 2 * inset) / 10

    def box(x0, y0, x1, y1):
        return [inset + x0 * unit, inset + y0 * unit, inset + x1 * unit, inset + y1 * unit]

    # A QR finder pattern at the bottom right: white ring, brand gap, white eye.
    draw.rectangle(box(5.5, 5.5, 10, 10), fill="white")
    draw.rectangle(box(6.2, 6.2, 9.3, 9.3), fill=BRAND)
    draw.rectangle(box(7, 7, 8.5, 8.5), fill="white")
    # A flame: a circle with a pointed top, and its inner tongue.
    draw.ellipse(box(0.5, 3.5, 5.5, 8.5), fill="white")
    draw.polygon(
        [tuple(box(0.7, 5.2, 0, 0)[:2]), tuple(box(3, 0, 0, 0)[:2]), tuple(box(5.3, 5.2, 0, 0)[:2])], fill="white"
    )
    draw.ellipse(box(1.9, 5.6, 4.1, 7.8), fill=BRAND)
    return image


class Command(BaseCommand):
    help = "Draw the field app's icons into static/field/icons/ (commit the PNGs)."

    def handle(self, *args, **options):
        folder = Path(settings.BASE_DIR) / "static" / "field" / "icons"
        folder.mkdir(parents=True, exist_ok=True)
        for size, maskable in SIZES:
            name = f"icon-{size}{'-maskable' if maskable else ''}.png"
            draw_icon(size, maskable=maskable).save(folder / name, optimize=True)
            self.stdout.write(name)
        draw_icon(180, maskable=False).save(folder / "apple-touch-icon.png", optimize=True)  # iOS home screen
