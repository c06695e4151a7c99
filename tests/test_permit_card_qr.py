"""The printed work-permit card's QR in real chromium: the whole symbol shows in its 26 mm box and zxing-cpp
decodes the screenshot to the permit's public URL (it used to be clipped to one finder pattern)."""

import io
import os
import shutil

import pytest
import zxingcpp
from django.core.cache import cache
from django.db import connections
from django.test import Client
from PIL import Image

from accounts import roles
from accounts.models import Organization
from field.services.permits import permit_url
from tests.factories import OrganizationFactory, UserFactory
from tests.factories_field import installer_with_permit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def decode(png: bytes) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


@pytest.mark.parametrize("media,scale", [("screen", 1), ("print", 2)])
def test_permit_card_qr_shows_whole_and_decodes_to_the_permit_url(live_server, media, scale):
    if not shutil.which(CHROMIUM):
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright

    cache.clear()
    reviewer = UserFactory(organization=OrganizationFactory(kind=Organization.Kind.ASSOCIATION), role=roles.REVIEWER)
    _installer, permit = installer_with_permit()
    client = Client()
    client.force_login(reviewer)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(device_scale_factor=scale)
            context.add_cookies(
                [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
            )
            page = context.new_page()
            page.emulate_media(media=media)
            page.goto(f"{live_server.url}/field/permits/{permit.pk}/card/")
            svg = page.locator("#permit-qr svg")
            assert svg.get_attribute("viewBox")  # scales into its box instead of being clipped by it
            box = svg.bounding_box()
            # 26 mm at 96 CSS px per inch, square: the box the card gives the symbol.
            assert abs(box["width"] - 26 / 25.4 * 96) < 1 and abs(box["height"] - box["width"]) < 0.5
            # The whole card, as it is printed or shown on screen.
            assert decode(page.locator("#permit-card").screenshot()) == [permit_url(permit.number)]
        finally:
            browser.close()
            connections.close_all()
