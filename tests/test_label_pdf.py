"""Batch label PDFs: rasterise with pdftoppm at 150 dpi and decode every QR with zxing-cpp."""

import re
import shutil
import subprocess
from urllib.parse import urlsplit, urlunsplit

import pytest
import zxingcpp
from PIL import Image

from cases import pdf, qr
from cases.models import LabelBatch
from cases.services.batches import generate_labels
from core import serials
from tests.factories import LabelBatchFactory
from tests.factories_declarations import maker_and_model

pytestmark = pytest.mark.django_db

TEXT = pdf.LabelText("华焰", "JZT-2H10", "家用燃气灶具", "GB 16410", "12T", "天然气", "协会")

needs_pdftoppm = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs pdftoppm (poppler-utils)")


def as_url(decoded):
    # The QR carries scheme and host in upper case (alphanumeric mode); they are case-insensitive.
    parts = urlsplit(decoded)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, parts.query, parts.fragment))


def in_reading_order(results, same_row_px=60):
    """Sheet order: rows top to bottom (codes within a few pixels share a row), then left to right."""
    rows = []
    for result in sorted(results, key=lambda r: r.position.top_left.y):
        if rows and result.position.top_left.y - rows[-1][0].position.top_left.y < same_row_px:
            rows[-1].append(result)
        else:
            rows.append([result])
    return [r for row in rows for r in sorted(row, key=lambda r: r.position.top_left.x)]


def rasterise(pdf_bytes, tmp_path):
    source = tmp_path / "labels.pdf"
    source.write_bytes(pdf_bytes)
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(source), str(tmp_path / "page")], check=True, timeout=120)
    return sorted(tmp_path.glob("page-*.png"))


@needs_pdftoppm
def test_every_label_of_a_batch_decodes_to_its_own_url(tmp_path):
    _maker, model = maker_and_model(brand="华焰", model_number="JZT-2H10")
    batch = LabelBatchFactory(
        declaration__appliance_model=model, declaration__quantity=40, declaration__status="approved"
    )
    generate_labels(batch_id=batch.pk)
    batch = LabelBatch.objects.get(pk=batch.pk)
    sheet = pdf.Sheet.from_settings()
    data = b"".join(pdf.render_batch(batch))
    assert data.startswith(b"%PDF-1.4") and data.rstrip().endswith(b"%%EOF")

    pages = rasterise(data, tmp_path)
    assert len(pages) == -(-40 // sheet.per_page)  # ceil
    expected = list(batch.labels.order_by("pk").values_list("serial", flat=True))
    decoded = []
    for page in pages:
        results = zxingcpp.read_barcodes(Image.open(page), formats=zxingcpp.BarcodeFormat.QRCode)
        decoded += [r.text for r in in_reading_order(results)]
    assert [as_url(text) for text in decoded] == [qr.label_url(serial) for serial in expected]
    assert len(set(decoded)) == 40


@needs_pdftoppm
def test_label_size_and_grid_come_from_settings(settings, tmp_path):
    settings.LABEL_WIDTH_MM, settings.LABEL_HEIGHT_MM = 50, 30
    sheet = pdf.Sheet.from_settings()
    assert (sheet.columns, sheet.rows) == (3, 8)  # 50 × 30 mm with 2 mm gaps and 8 mm margins on A4
    codes = [serials.new_serial() for _ in range(sheet.per_page + 1)]
    text = pdf.LabelText("安泰", "JZY-A20", "家用燃气灶具", "GB 16410", "20Y", "液化石油气", "深圳市燃气行业协会")
    pages = rasterise(b"".join(pdf.render_labels(codes, text)), tmp_path)
    assert len(pages) == 2
    found = zxingcpp.read_barcodes(Image.open(pages[1]), formats=zxingcpp.BarcodeFormat.QRCode)
    assert [as_url(r.text) for r in found] == [qr.label_url(codes[-1])]


def test_qr_stays_small_at_level_q_and_keeps_the_url():
    serial = serials.new_serial()
    code = qr.make_label_qr(serial)
    assert code.error == "Q"
    assert code.version <= 3  # default PUBLIC_BASE_URL; byte mode alone would need version 4
    assert as_url(qr.label_qr_text(serial)) == qr.label_url(serial)
    # The print files' encoder (zxing-cpp) fits the same payload in the same version.
    assert qr.label_qr_version() <= 3
    modules, _runs = qr.label_qr_runs(serial, qr.label_qr_version())
    assert modules == 17 + 4 * qr.label_qr_version()


def test_serial_is_printed_in_groups_that_normalise_back():
    serial = serials.new_serial()
    grouped = pdf.group_serial(serial)
    assert " " in grouped and serials.normalize(grouped) == serial


def test_single_label_png_and_svg_carry_the_same_qr(tmp_path):
    serial = serials.new_serial()
    png = tmp_path / "label.png"
    png.write_bytes(pdf.label_png(serial))
    [result] = zxingcpp.read_barcodes(Image.open(png))
    assert as_url(result.text) == qr.label_url(serial)
    svg = pdf.label_svg(serial, TEXT)
    assert svg.startswith("<svg") and ">12T<" in svg and ">天然气<" in svg and pdf.group_serial(serial) in svg


def test_pdf_is_produced_as_a_stream_of_pages():
    codes = (serials.new_serial() for _ in range(60))  # a generator: never materialised as a list
    text = TEXT
    chunks = list(pdf.render_labels(codes, text))
    per_page = pdf.Sheet.from_settings().per_page
    pages = -(-60 // per_page)
    # header, 3 fonts × 4 objects (one subset each), resources, one chunk per page, pages/catalog/info, xref, trailer
    assert len(chunks) == 1 + 12 + 1 + pages + 3 + 2
    assert max(len(c) for c in chunks) < 64 * 1024


def test_pdf_from_worker_processes_is_identical_to_in_process():
    codes = [serials.new_serial() for _ in range(45)]
    text = TEXT
    assert b"".join(pdf.render_labels(codes, text, workers=2)) == b"".join(pdf.render_labels(codes, text))


def legacy_serial(check):
    """A serial as issued before new serials avoided Crockford's * ~ $ = U check symbols."""
    import base32_crockford

    number = next(n for n in range((1 << 64) + 5, (1 << 64) + 10_000) if base32_crockford.encode(n, True)[-1] == check)
    return base32_crockford.encode(number, checksum=True)


@needs_pdftoppm
def test_every_qr_on_a_sheet_has_one_version_and_size_even_with_legacy_serials(tmp_path):
    codes = [serials.new_serial() for _ in range(8)] + [legacy_serial("~"), legacy_serial("=")]
    pages = rasterise(b"".join(pdf.render_labels(codes, TEXT, wide=True)), tmp_path)
    found = zxingcpp.read_barcodes(Image.open(pages[0]), formats=zxingcpp.BarcodeFormat.QRCode)
    assert sorted(as_url(r.text) for r in found) == sorted(qr.label_url(c) for c in codes)
    assert {r.extra["Version"] for r in found} == {str(qr.label_qr_version(wide=True))}
    widths = [r.position.top_right.x - r.position.top_left.x for r in found]
    assert max(widths) - min(widths) <= 2  # pixels at 150 dpi


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="needs pdffonts (poppler-utils)")
def test_every_font_is_an_embedded_truetype_subset(tmp_path):
    source = tmp_path / "labels.pdf"
    source.write_bytes(b"".join(pdf.render_labels([serials.new_serial()], TEXT)))
    listing = subprocess.run(["pdffonts", str(source)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in listing.splitlines()[2:]]
    assert {row[0].split("+")[1] for row in rows} == {
        "DroidSansFallback",
        "BitstreamVeraSans-Roman",
        "BitstreamVeraSans-Bold",
    }
    # type TrueType, then emb / sub / uni all "yes"
    assert all(row[1] == "TrueType" and row[-5:-2] == ["yes", "yes", "yes"] for row in rows), listing


def test_gas_category_is_the_largest_text_on_the_label():
    fonts = pdf.FontSet()
    for string, style in TEXT.strings():
        fonts.register(string, style)
    layout = pdf.LabelLayout(pdf.Sheet.from_settings(), TEXT, fonts)
    gas_size = layout.gas_code[1]
    others = [layout.gas_name, layout.title, layout.category, layout.standard, layout.model, layout.association]
    assert all(gas_size > size for _text, size in others)
    assert layout.gas_code[0] == "12T" and layout.gas_name[0] == "天然气"


@needs_pdftoppm
def test_roll_printer_pdf_has_one_label_per_page_at_the_label_size(settings, tmp_path):
    settings.LABEL_WIDTH_MM, settings.LABEL_HEIGHT_MM = 50, 30
    codes = [serials.new_serial() for _ in range(3)]
    data = b"".join(pdf.render_labels(codes, TEXT, pdf.Sheet.roll_from_settings()))
    media = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", data)
    assert len(media) == 3
    assert {(round(float(w) / 72 * 25.4), round(float(h) / 72 * 25.4)) for w, h in media} == {(50, 30)}
    pages = rasterise(data, tmp_path)
    decoded = [zxingcpp.read_barcodes(Image.open(page), formats=zxingcpp.BarcodeFormat.QRCode) for page in pages]
    assert [[as_url(r.text) for r in found] for found in decoded] == [[qr.label_url(c)] for c in codes]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext (poppler-utils)")
def test_printed_text_is_whole_and_searchable(tmp_path):
    codes = [serials.new_serial() for _ in range(20)]
    source = tmp_path / "labels.pdf"
    source.write_bytes(b"".join(pdf.render_labels(codes, TEXT)))
    text = subprocess.run(["pdftotext", str(source), "-"], capture_output=True, text=True, check=True).stdout
    # Every serial in full (never cut to fit), and the Chinese text maps back to Unicode.
    assert all(pdf.group_serial(code) in text for code in codes)
    assert "天然气" in text and "华焰 JZT-2H10" in text and "燃气具气源适配性标识" in text
