"""Print-ready label PDFs: rectangular labels on A4 sheets, streamed page by page.

reportlab's Canvas keeps every page in memory until save(), which for a
100 000-label batch (5 500+ pages) means hundreds of megabytes. So the pages
are written here by a small streaming PDF writer: each page's content stream
is compressed and sent as soon as it is drawn, and only the byte offsets of
the objects (two integers per page) are kept for the cross-reference table.
reportlab still supplies what it is good at: the built-in CID font
STSong-Light (no font file needed) and its metrics to fit Chinese text.
"""

import functools
import zlib
from dataclasses import dataclass

from django.conf import settings
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont

from . import digital_link, qr

CJK_FONT = "STSong-Light"
SERIAL_FONT = "Courier-Bold"
pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))


@dataclass(frozen=True)
class LabelText:
    """What is printed next to the QR (the same for every label of a batch)."""

    brand: str
    model_number: str
    category: str
    gas_category: str
    association: str
    title: str = "燃气具气源适配性标识"
    gtin: str = ""  # set when the model's labels carry a GS1 Digital Link (digital_link.label_gtin)


@dataclass(frozen=True)
class Sheet:
    """Label size and grid on the A4 sheet, in points."""

    width: float
    height: float
    gap: float
    margin: float
    columns: int
    rows: int

    @classmethod
    def from_settings(cls):
        width, height = settings.LABEL_WIDTH_MM * mm, settings.LABEL_HEIGHT_MM * mm
        gap, margin = settings.LABEL_GAP_MM * mm, settings.LABEL_SHEET_MARGIN_MM * mm
        page_w, page_h = A4
        columns = settings.LABEL_COLUMNS or max(1, int((page_w - 2 * margin + gap) // (width + gap)))
        rows = settings.LABEL_ROWS or max(1, int((page_h - 2 * margin + gap) // (height + gap)))
        return cls(width, height, gap, margin, columns, rows)

    @property
    def per_page(self):
        return self.columns * self.rows

    def origin(self, index):
        """Bottom-left corner of the index-th label on a page (filled row by row from the top)."""
        page_w, page_h = A4
        grid_w = self.columns * self.width + (self.columns - 1) * self.gap
        grid_h = self.rows * self.height + (self.rows - 1) * self.gap
        left = (page_w - grid_w) / 2
        top = (page_h + grid_h) / 2
        row, column = divmod(index, self.columns)
        return left + column * (self.width + self.gap), top - (row + 1) * self.height - row * self.gap


def group_serial(serial):
    """8T3YX63JTV5TS3 → 8T3Y X63J TV5T S3: easier to read out and type (spaces are ignored on entry)."""
    return " ".join(serial[i : i + 4] for i in range(0, len(serial), 4))


# --- drawing one label into a content stream ---------------------------------


def _num(value):
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _cjk_hex(text):
    # UniGB-UCS2-H takes UCS-2 big-endian code units.
    return "<" + text.encode("utf-16-be").hex().upper() + ">"


def _latin(text):
    return "(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def _fit(text, font, size, max_width, min_size=4.0):
    """The font size at which `text` fits `max_width` (shrinking from `size`), cutting the text as last resort."""
    width = pdfmetrics.stringWidth(text, font, size)
    if width <= max_width:
        return text, size
    size = max(min_size, size * max_width / width)
    while text and pdfmetrics.stringWidth(text, font, size) > max_width:
        text = text[:-1]
    return text, size


def qr_runs(matrix):
    """Dark modules as horizontal runs (row, start, length): a few dozen rectangles per code instead of hundreds."""
    for y, row in enumerate(matrix):
        start = None
        for x, dark in enumerate(row):
            if dark and start is None:
                start = x
            elif not dark and start is not None:
                yield y, start, x - start
                start = None
        if start is not None:
            yield y, start, len(row) - start


def encode(serial, gtin=""):
    """(serial, modules per side, dark runs) of the label's QR: the slow part, so it can run in worker processes."""
    code = qr.make_label_qr(serial, gtin)
    return serial, code.symbol_size(border=0)[0], list(qr_runs(code.matrix))


def draw_label(ops, x, y, sheet, encoded, text, *, border=True):
    """Append the PDF operators of one label at (x, y) to the list `ops`."""
    serial, modules, runs = encoded
    pad = 1.8 * mm
    serial_h = 3.6 * mm
    qr_box = min(sheet.height - 2 * pad - serial_h, sheet.width * 0.5)
    module = qr_box / (modules + 4)  # 2-module quiet zone each side inside the box
    qx, qy = x + pad, y + pad + serial_h
    if border:  # cut line
        ops.append(f"q 0.7 G 0.3 w {_num(x)} {_num(y)} {_num(sheet.width)} {_num(sheet.height)} re S Q")
    ops.append("0 g")
    top = qy + qr_box - 2 * module
    rects = [
        f"{_num(qx + (2 + col) * module)} {_num(top - (row + 1) * module)} {_num(length * module)} {_num(module)} re"
        for row, col, length in runs
    ]
    ops.append(" ".join(rects) + " f")

    # Serial under the QR, in a monospaced font, centred on the QR.
    grouped = group_serial(serial)
    grouped, size = _fit(grouped, SERIAL_FONT, 9, qr_box)
    width = pdfmetrics.stringWidth(grouped, SERIAL_FONT, size)
    ops.append(
        f"BT /F2 {_num(size)} Tf {_num(qx + (qr_box - width) / 2)} {_num(y + pad + 0.6 * mm)} Td "
        f"{_latin(grouped)} Tj ET"
    )

    # Text column right of the QR.
    tx = qx + qr_box + 1.5 * mm
    max_w = x + sheet.width - pad - tx
    lines = [
        (text.title, 7.5),
        (f"{text.brand} {text.model_number}", 9),
        (text.category, 6.5),
        (f"适用气源：{text.gas_category}", 8),
    ]
    cursor = y + sheet.height - pad - 3 * mm
    for line, size in lines:
        line, size = _fit(line, CJK_FONT, size, max_w)
        ops.append(f"BT /F1 {_num(size)} Tf {_num(tx)} {_num(cursor)} Td {_cjk_hex(line)} Tj ET")
        cursor -= size * 1.45
    association, size = _fit(text.association, CJK_FONT, 6.5, max_w)
    ops.append(f"BT /F1 {_num(size)} Tf {_num(tx)} {_num(y + pad + 0.6 * mm)} Td {_cjk_hex(association)} Tj ET")


# --- the streaming PDF writer ------------------------------------------------


class _Writer:
    """Writes numbered PDF objects to a byte stream, remembering only their offsets."""

    def __init__(self):
        self.offsets = {}
        self.position = 0

    def emit(self, data):
        self.position += len(data)
        return data

    def obj(self, number, body):
        self.offsets[number] = self.position
        if isinstance(body, str):
            body = body.encode("latin-1")
        return self.emit(b"%d 0 obj\n" % number + body + b"\nendobj\n")

    def stream(self, number, content):
        compressed = zlib.compress(content, 6)
        head = f"<< /Length {len(compressed)} /Filter /FlateDecode >>\nstream\n".encode()
        return self.obj(number, head + compressed + b"\nendstream")


# Fixed object numbers; pages take 2 objects each from FIRST_PAGE_OBJECT on.
CATALOG, PAGES, FONT_CJK, FONT_CJK_DESC, FONT_CJK_DESCRIPTOR, FONT_SERIAL, INFO = range(1, 8)
FIRST_PAGE_OBJECT = 8


def _pdf_value(value):
    """Serialise reportlab's font data (dicts, lists, names, numbers) as PDF syntax."""
    if isinstance(value, dict):
        return "<< " + " ".join(f"/{key} {_pdf_value(item)}" for key, item in value.items()) + " >>"
    if isinstance(value, (list, tuple)):
        return "[" + " ".join(_pdf_value(item) for item in value) + "]"
    return str(value)


def _font_objects(writer):
    # reportlab ships the descriptor and glyph widths of its built-in CID fonts.
    from reportlab.pdfbase._cidfontdata import CIDFontInfo

    info = CIDFontInfo[CJK_FONT]
    descendant = dict(info["DescendantFonts"][0])
    descriptor = descendant.pop("FontDescriptor")
    descendant["FontDescriptor"] = f"{FONT_CJK_DESCRIPTOR} 0 R"
    yield writer.obj(
        FONT_CJK,
        f"<< /Type /Font /Subtype /Type0 /BaseFont /{CJK_FONT}-UniGB-UCS2-H /Encoding /UniGB-UCS2-H "
        f"/DescendantFonts [{FONT_CJK_DESC} 0 R] >>",
    )
    yield writer.obj(FONT_CJK_DESC, _pdf_value(descendant))
    yield writer.obj(FONT_CJK_DESCRIPTOR, _pdf_value(descriptor))
    yield writer.obj(
        FONT_SERIAL, f"<< /Type /Font /Subtype /Type1 /BaseFont /{SERIAL_FONT} /Encoding /WinAnsiEncoding >>"
    )


def _encoded(serials, workers, gtin=""):
    """QR runs for each serial, in order; with workers > 1 encoded in a process pool, a chunk at a time.

    Chunks are read from `serials` in this process (it may be a database
    cursor) so memory stays bounded by the chunk size.
    """
    encode_one = functools.partial(encode, gtin=gtin)
    if workers <= 1:
        yield from map(encode_one, serials)
        return
    import multiprocessing
    from itertools import islice

    iterator = iter(serials)
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        while chunk := list(islice(iterator, 2000)):
            yield from pool.map(encode_one, chunk, chunksize=100)


def render_labels(serials, text, sheet=None, workers=1):
    """Yield the bytes of a PDF with one label per serial; memory stays flat however many there are."""
    sheet = sheet or Sheet.from_settings()
    writer = _Writer()
    yield writer.emit(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    yield from _font_objects(writer)
    resources = f"<< /Font << /F1 {FONT_CJK} 0 R /F2 {FONT_SERIAL} 0 R >> >>"
    page_objects = []
    ops, on_page = [], 0

    def flush():
        number = FIRST_PAGE_OBJECT + 2 * len(page_objects)
        content = "\n".join(ops).encode("latin-1")
        out = writer.stream(number + 1, content)
        out += writer.obj(
            number,
            f"<< /Type /Page /Parent {PAGES} 0 R /MediaBox [0 0 {_num(A4[0])} {_num(A4[1])}] "
            f"/Resources {resources} /Contents {number + 1} 0 R >>",
        )
        page_objects.append(number)
        return out

    for encoded in _encoded(serials, workers, text.gtin):
        x, y = sheet.origin(on_page)
        draw_label(ops, x, y, sheet, encoded, text)
        on_page += 1
        if on_page == sheet.per_page:
            yield flush()
            ops, on_page = [], 0
    if on_page or not page_objects:
        yield flush()

    kids = " ".join(f"{n} 0 R" for n in page_objects)
    yield writer.obj(PAGES, f"<< /Type /Pages /Kids [{kids}] /Count {len(page_objects)} >>")
    yield writer.obj(CATALOG, f"<< /Type /Catalog /Pages {PAGES} 0 R >>")
    yield writer.obj(INFO, "<< /Producer (GasLabel) /Creator (GasLabel label sheets) >>")
    size = max(writer.offsets) + 1
    xref_at = writer.position
    rows = ["0000000000 65535 f \n"]
    rows += [
        f"{writer.offsets[n]:010d} 00000 n \n" if n in writer.offsets else "0000000000 65535 f \n"
        for n in range(1, size)
    ]
    yield writer.emit(f"xref\n0 {size}\n{''.join(rows)}".encode())
    yield writer.emit(
        f"trailer\n<< /Size {size} /Root {CATALOG} 0 R /Info {INFO} 0 R >>\nstartxref\n{xref_at}\n%%EOF\n".encode()
    )


def label_text_for(appliance_model):
    from .constants import GAS_CATEGORIES

    gas = dict(GAS_CATEGORIES).get(appliance_model.gas_category, appliance_model.gas_category)
    return LabelText(
        brand=appliance_model.brand,
        model_number=appliance_model.model_number,
        category=str(appliance_model.get_category_display()),
        gas_category=str(gas),
        association=settings.ASSOCIATION_NAME,
        gtin=digital_link.label_gtin(appliance_model),
    )


def batch_serials(batch):
    """The batch's serials in print order, read in chunks (never all rows at once)."""
    return batch.labels.order_by("pk").values_list("serial", flat=True).iterator(chunk_size=2000)


def render_batch(batch, workers=None):
    """The batch's label sheets; big batches encode their QR codes on several cores (LABEL_PDF_WORKERS)."""
    if workers is None:
        workers = settings.LABEL_PDF_WORKERS if batch.quantity >= 2000 else 1
    return render_labels(batch_serials(batch), label_text_for(batch.appliance_model), workers=workers)


def label_svg(serial, text):
    """One label as SVG (QR as a path plus the printed text), e.g. for a single replacement label."""
    from xml.sax.saxutils import escape

    w, h = settings.LABEL_WIDTH_MM, settings.LABEL_HEIGHT_MM
    code = qr.make_label_qr(serial, text.gtin)
    modules = code.symbol_size(border=0)[0]
    box = min(h - 2 * 1.8 - 3.6, w * 0.5)
    m = box / (modules + 4)
    path = "".join(
        f"M{1.8 + (2 + c) * m:.3f} {1.8 + (2 + r) * m:.3f}h{n * m:.3f}v{m:.3f}h{-n * m:.3f}z"
        for r, c, n in qr_runs(code.matrix)
    )
    tx = 1.8 + box + 1.5
    lines = [
        (text.title, 2.6),
        (f"{text.brand} {text.model_number}", 3.1),
        (text.category, 2.3),
        (f"适用气源：{text.gas_category}", 2.8),
    ]
    y, texts = 4.5, []
    for line, size in lines:
        texts.append(f'<text x="{tx:.2f}" y="{y:.2f}" font-size="{size}">{escape(line)}</text>')
        y += size * 1.45
    texts.append(f'<text x="{tx:.2f}" y="{h - 2.2:.2f}" font-size="2.2">{escape(text.association)}</text>')
    texts.append(
        f'<text x="{1.8 + box / 2:.2f}" y="{h - 2.2:.2f}" font-size="3" text-anchor="middle" '
        f'font-family="monospace" font-weight="bold">{escape(group_serial(serial))}</text>'
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}mm" height="{h}mm" viewBox="0 0 {w} {h}" '
        f'font-family="sans-serif">'
        f'<rect width="{w}" height="{h}" fill="#fff" stroke="#bbb" stroke-width="0.2"/>'
        f'<path d="{path}" fill="#000"/>{"".join(texts)}</svg>'
    )


def label_png(serial, scale=8, gtin=""):
    """The label's QR (same payload as printed) as PNG, for screens and ad-hoc printing."""
    import io

    buffer = io.BytesIO()
    qr.make_label_qr(serial, gtin).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()
