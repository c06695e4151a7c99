"""The print run in chromium, at production scale: a reviewer approves a declaration of 5 000 labels, watches
generation and the print job's progress bar reach done (a real Celery worker on the `print` queue), downloads
the PDF through the served app, and every page rasterised at 150 dpi decodes to exactly its labels' URLs.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import zxingcpp
from django.conf import settings
from django.core.files.storage import default_storage
from django.urls import reverse
from PIL import Image

from cases import qr
from cases.models import LabelBatch
from cases.services.declarations import create_declaration
from tests.factories_declarations import maker_and_model, reviewer
from tests.processes import start, stop
from tests.test_browser_field import PHONE, launch, login  # noqa: F401  (fixture)
from tests.test_label_pdf import as_url, in_reading_order
from tests.test_print_worker import PRINT_WORKER, print_env, purge
from workflows.declaration import services as steps

pytestmark = [
    pytest.mark.browser,
    pytest.mark.integration,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs pdftoppm and pdffonts (poppler-utils)"),
]

QUANTITY = 5000
DESKTOP = {**PHONE, "viewport": {"width": 1280, "height": 900}, "is_mobile": False, "has_touch": False}


def test_reviewer_approves_watches_progress_downloads_and_every_qr_decodes(live_server, launch, tmp_path):  # noqa: F811
    settings.MEDIA_ROOT = tmp_path / "media"
    # The served app (this process) and the worker share one folder: the worker writes where the app's storage
    # reads, whatever an earlier test left the storage pointing at.
    media = Path(default_storage.path(""))
    maker, model = maker_and_model(brand="华焰", model_number="JZT-W64")
    declaration = create_declaration(appliance_model=model, quantity=QUANTITY, user=maker)
    steps.submit(declaration=declaration)
    boss = reviewer(username="print-reviewer")

    env = print_env(media)
    log = open(tmp_path / "celery.log", "w")
    purge(env, log)
    worker = start(PRINT_WORKER, env, log)
    try:
        browser = launch()
        page = browser.new_context(**DESKTOP, accept_downloads=True).new_page()
        page.set_default_timeout(240_000)
        login(page, live_server.url, boss.username)
        page.goto(live_server.url + reverse("declarations:detail", args=[declaration.pk]))
        page.check("input[name=decision][value=approve]")
        page.click("#step-review button[type=submit]")
        # Right after approval: generation progress (never a 500); print.js reloads the page when it is done.
        page.wait_for_selector("#step-print")
        batch = LabelBatch.objects.get(declaration=declaration)
        assert batch.stage == "generated" and batch.labels.count() == QUANTITY

        page.goto(live_server.url + reverse("cases:batch_detail", args=[batch.pk]))
        page.select_option("#id_kind", "sheets")
        page.click("#print-form button[type=submit]")
        row = page.locator("tr[data-job]")
        bar = row.locator('[data-role="bar"]')
        # The bar moves without a reload (same document) until the job is done and the link appears.
        page.wait_for_function(
            "() => { const r = document.querySelector('tr[data-job]');"
            " return r && r.dataset.state === 'done' && !r.querySelector('[data-role=download]').hidden; }"
        )
        assert bar.get_attribute("value") is not None
        assert page.evaluate("document.querySelector('[data-role=bar]').value") == QUANTITY
        assert row.locator('[data-role="count"]').inner_text() == f"{QUANTITY} / {QUANTITY}"
        with page.expect_download() as download_info:
            row.locator('[data-role="download"]').click()
        source = tmp_path / "labels.pdf"
        download_info.value.save_as(source)
    finally:
        stop(worker)
        log.close()

    data = source.read_bytes()
    assert data.startswith(b"%PDF-1.4") and data.rstrip().endswith(b"%%EOF")
    fonts = subprocess.run(["pdffonts", str(source)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in fonts.splitlines()[2:]]
    assert rows and all(row[-5:-2] == ["yes", "yes", "yes"] for row in rows), fonts  # emb, sub, uni

    # 1-bit pages without anti-aliasing: what a label printer prints, and half poppler's time for 278 pages.
    raster = ["pdftoppm", "-r", "150", "-png", "-mono", "-aa", "no", "-aaVector", "no"]
    subprocess.run([*raster, str(source), str(tmp_path / "page")], check=True, timeout=900)
    pages = sorted(tmp_path.glob("page-*.png"))
    decoded = []
    for path in pages:
        results = zxingcpp.read_barcodes(Image.open(path), formats=zxingcpp.BarcodeFormat.QRCode)
        decoded += [as_url(r.text) for r in in_reading_order(results)]
        os.unlink(path)
    expected = [qr.label_url(serial) for serial in batch.labels.order_by("pk").values_list("serial", flat=True)]
    assert len(decoded) == QUANTITY
    assert decoded == expected  # each label's own URL, in print order
