"""Print-ready label PDFs: A4 sheets or one label per page (roll printers), streamed page by page.

reportlab's Canvas keeps every page in memory until save(), which for a
100 000-label batch (5 500+ pages) means hundreds of megabytes. So the pages
are written here by a small streaming PDF writer: each page's content stream
is compressed and sent as soon as it is drawn, and only the byte offsets of
the objects (two integers per page) are kept for the cross-reference table.
Fonts are TrueType subsets embedded by cases.pdf_fonts; QR codes come from
zxing-cpp's encoder at one fixed version per file (cases.qr.label_qr_runs).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.utils import translation
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm

from accounts import city
from core import digital_link, serials

from . import qr
from .constants import APPLIANCE_CATEGORIES, GAS_CATEGORIES
from .pdf_fonts import BOLD, REGULAR, FontSet


@dataclass(frozen=True)
class LabelText:
    """What is printed next to the QR (the same for every label of a batch)."""

    brand: str
    model_number: str
    category: str  # e.g. 家用燃气灶具
    standard: str  # e.g. GB 16410
    gas_code: str  # e.g. 12T: the largest text on the label
    gas_name: str  # e.g. 天然气
    association: str
    title: str = "燃气具气源适配性标识"
    gtin: str = ""  # set when the model's labels carry a GS1 Digital Link (digital_link.label_gtin)

    def strings(self) -> list[tuple[str, str]]:
        """Every (text, style) the label draws apart from the serial: registered with the fonts up front."""
        return [
            (self.title, REGULAR),
            (self.gas_code, BOLD),
            (self.gas_name, BOLD),
            (self.category, REGULAR),
            (self.standard, REGULAR),
            (f"{self.brand} {self.model_number}", BOLD),
            (self.association, REGULAR),
        ]


@dataclass(frozen=True)
class Sheet:
    """Page size, label size and grid, in points."""

    width: float
    height: float
    gap: float
    margin: float
    columns: int
    rows: int
    page_width: float = A4[0]
    page_height: float = A4[1]
    cut_lines: bool = True

    @classmethod
    def from_settings(cls) -> Sheet:
        """A4 sheets, grid from LABEL_COLUMNS/LABEL_ROWS or as many labels as fit."""
        width, height = settings.LABEL_WIDTH_MM * mm, settings.LABEL_HEIGHT_MM * mm
        gap, margin = settings.LABEL_GAP_MM * mm, settings.LABEL_SHEET_MARGIN_MM * mm
        page_w, page_h = A4
        columns = settings.LABEL_COLUMNS or max(1, int((page_w - 2 * margin + gap) // (width + gap)))
        rows = settings.LABEL_ROWS or max(1, int((page_h - 2 * margin + gap) // (height + gap)))
        return cls(width, height, gap, margin, columns, rows)

    @classmethod
    def roll_from_settings(cls) -> Sheet:
        """One label per page at the label's own size, for roll-fed label printers (no cut lines)."""
        width, height = settings.LABEL_WIDTH_MM * mm, settings.LABEL_HEIGHT_MM * mm
        return cls(width, height, 0, 0, 1, 1, page_width=width, page_height=height, cut_lines=False)

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    def origin(self, index: int) -> tuple[float, float]:
        """Bottom-left corner of the index-th label on a page (filled row by row from the top)."""
        grid_w = self.columns * self.width + (self.columns - 1) * self.gap
        grid_h = self.rows * self.height + (self.rows - 1) * self.gap
        left = (self.page_width - grid_w) / 2
        top = (self.page_height + grid_h) / 2
        row, column = divmod(index, self.columns)
        return left + column * (self.width + self.gap), top - (row + 1) * self.height - row * self.gap


def group_serial(serial: str) -> str:
    """8T3YX63JTV5TS3 → 8T3Y X63J TV5T S3: easier to read out and type (spaces are ignored on entry)."""
    return " ".join(serial[i : i + 4] for i in range(0, len(serial), 4))


# --- drawing one label into a content stream ---------------------------------


def _num(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def qr_runs(matrix):
    """Dark modules as horizontal runs (row, start, length) of a segno matrix (single-label PNG/SVG)."""
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


def encode(job: tuple[str, int, str]) -> tuple[str, int, bytes]:
    """(serial, modules per side, 1-bit rows) of the label's QR: the slow part, so it can run in worker processes."""
    serial, version, gtin = job
    modules, bitmap = qr.label_qr_bitmap(serial, version, gtin)
    return serial, modules, bitmap


PAD = 1.8 * mm
TITLE_H = 3.2 * mm
SERIAL_H = 3.4 * mm


class LabelLayout:
    """Where everything of a label goes for one sheet and one label text: computed once per file."""

    def __init__(self, sheet: Sheet, text: LabelText, fonts: FontSet):
        self.sheet, self.text, self.fonts = sheet, text, fonts
        w, h = sheet.width, sheet.height
        self.qr_box = min(h - 2 * PAD - TITLE_H - SERIAL_H, w * 0.48)
        self.column_x = PAD + self.qr_box + 1.4 * mm
        column_w = w - PAD - self.column_x
        self.title = fonts.fit(text.title, 7, w - 2 * PAD)
        # The gas category is what the label is for: the biggest text, then its name.
        self.gas_code = fonts.fit(text.gas_code, 26, column_w, BOLD)
        self.gas_name = fonts.fit(text.gas_name, min(13, self.gas_code[1] * 0.6), column_w, BOLD)
        self.category = fonts.fit(text.category, 7, column_w)
        self.standard = fonts.fit(text.standard, 7, column_w)
        self.model = fonts.fit(f"{text.brand} {text.model_number}", 8, column_w, BOLD)
        self.association = fonts.fit(text.association, 5.5, column_w)
        self.column_w = column_w

        self.static = self._static_ops()

    def _static_ops(self) -> str:
        """Everything but the QR and the serial, drawn at (0, 0): the same for every label of the file."""
        sheet, fonts = self.sheet, self.fonts
        w, h = sheet.width, sheet.height
        ops = []
        if sheet.cut_lines:
            ops.append(f"q 0.7 G 0.3 w 0 0 {_num(w)} {_num(h)} re S Q")
        ops.append("0 g 0 G")
        title, size = self.title
        ops.append(fonts.show(title, PAD, h - PAD - size * 0.85, size))
        cursor = h - PAD - TITLE_H
        for (line, size), style, gap in (
            (self.gas_code, BOLD, 0.1),
            (self.gas_name, BOLD, 0.35),
            (self.category, REGULAR, 0.25),
            (self.standard, REGULAR, 0.25),
            (self.model, BOLD, 0.25),
        ):
            cursor -= size * 0.9
            ops.append(fonts.show(line, self.column_x, cursor, size, style))
            cursor -= size * gap
        line, size = self.association
        ops.append(fonts.show(line, self.column_x, PAD + 0.4 * mm, size))
        return " ".join(ops)

    def draw(self, ops: list[str], x: float, y: float, modules: int, bitmap: bytes, serial: str) -> None:
        """Append the PDF operators of one label at (x, y) to `ops`."""
        fonts = self.fonts
        module = self.qr_box / (modules + 4)  # 2-module quiet zone each side inside the box
        side = module * modules
        # The QR as a 1-bit image mask, one sample per module: every module a sharp square at any
        # resolution (no interpolation), and ~30x less to write than a rectangle per run of modules.
        qr_ops = (
            f"q {side:.3f} 0 0 {side:.3f} {PAD + 2 * module:.3f} {PAD + SERIAL_H + 2 * module:.3f} cm "
            f"BI /W {modules} /H {modules} /IM true /BPC 1 /F /AHx ID {bitmap.hex()}> EI Q"
        )
        grouped, size = fonts.fit(group_serial(serial), 8.5, self.qr_box, BOLD)
        width = fonts.width(grouped, size, BOLD)
        serial_ops = fonts.show(grouped, PAD + (self.qr_box - width) / 2, PAD + 0.4 * mm, size, BOLD)
        ops.append(f"q 1 0 0 1 {x:.2f} {y:.2f} cm {self.static} {qr_ops} {serial_ops} Q")


# --- the streaming PDF writer ------------------------------------------------


class _Writer:
    """Writes numbered PDF objects to a byte stream, remembering only their offsets."""

    def __init__(self):
        self.offsets = {}
        self.position = 0

    def emit(self, data: bytes) -> bytes:
        self.position += len(data)
        return data

    def obj(self, number: int, body) -> bytes:
        self.offsets[number] = self.position
        if isinstance(body, str):
            body = body.encode("latin-1")
        return self.emit(b"%d 0 obj\n" % number + body + b"\nendobj\n")

    def stream(self, number: int, content: bytes) -> bytes:
        compressed = zlib.compress(content, 6)
        head = f"<< /Length {len(compressed)} /Filter /FlateDecode >>\nstream\n".encode()
        return self.obj(number, head + compressed + b"\nendstream")


# Fixed object numbers; fonts follow, then the shared resources, then 2 objects per page.
CATALOG, PAGES, INFO = 1, 2, 3
FIRST_FONT_OBJECT = 4


def _encoded(serials_: Iterable[str], version: int, workers: int, gtin: str = "") -> Iterator[tuple[str, int, list]]:
    """QR runs for each serial, in order; with workers > 1 encoded in a process pool, a chunk at a time.

    Chunks are read from `serials_` in this process (it may be a database
    cursor) so memory stays bounded by the chunk size.
    """
    jobs = ((serial, version, gtin) for serial in serials_)
    if workers <= 1:
        yield from map(encode, jobs)
        return
    import multiprocessing  # noqa: PLC0415  (only big batches use a pool)
    from itertools import islice  # noqa: PLC0415

    with multiprocessing.get_context("fork").Pool(workers) as pool:
        while chunk := list(islice(jobs, 2000)):
            yield from pool.map(encode, chunk, chunksize=100)


def render_labels(
    serials_: Iterable[str],
    text: LabelText,
    sheet: Sheet | None = None,
    workers: int = 1,
    *,
    wide: bool = False,
    on_page: Callable[[int], None] | None = None,
) -> Iterator[bytes]:
    """Yield the bytes of a PDF with one label per serial; memory stays flat however many there are.

    `wide`: some serials end in ~ or = (legacy check symbols); every code then takes the
    version those need, so all codes of the file stay the same size. `on_page(labels_done)`
    is called after each page is written (progress).
    """
    sheet = sheet or Sheet.from_settings()
    fonts = FontSet()
    for string, style in text.strings():
        fonts.register(string, style)
    fonts.register(serials.ALPHABET + "*~$=U ", BOLD)
    layout = LabelLayout(sheet, text, fonts)
    version = qr.label_qr_version(wide=wide, gtin=text.gtin)

    writer = _Writer()
    yield writer.emit(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    for number, body in fonts.objects(FIRST_FONT_OBJECT):
        yield writer.obj(number, body)
    resources_no = fonts.next_number
    yield writer.obj(resources_no, fonts.resources())
    first_page_object = resources_no + 1
    page_objects: list[int] = []
    ops: list[str] = []
    placed = done = 0

    def flush() -> bytes:
        number = first_page_object + 2 * len(page_objects)
        content = "\n".join(ops).encode("latin-1")
        out = writer.stream(number + 1, content)
        out += writer.obj(
            number,
            f"<< /Type /Page /Parent {PAGES} 0 R /MediaBox [0 0 {_num(sheet.page_width)} {_num(sheet.page_height)}] "
            f"/Resources {resources_no} 0 R /Contents {number + 1} 0 R >>",
        )
        page_objects.append(number)
        return out

    for serial, modules, bitmap in _encoded(serials_, version, workers, text.gtin):
        x, y = sheet.origin(placed)
        layout.draw(ops, x, y, modules, bitmap, serial)
        placed += 1
        done += 1
        if placed == sheet.per_page:
            yield flush()
            ops, placed = [], 0
            if on_page:
                on_page(done)
    if placed or not page_objects:
        yield flush()
        if on_page:
            on_page(done)

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


def _split_display(label: str, code: str) -> tuple[str, str]:
    """'家用燃气灶具 (GB 16410)' → ('家用燃气灶具', 'GB 16410'); '天然气 12T' minus the code → '天然气'."""
    if code:
        return label.replace(code, "").strip(), code
    name, _sep, rest = label.partition(" (")
    return name.strip(), rest.rstrip(")").strip()


def label_text_for(appliance_model) -> LabelText:
    """The printed text of a model's labels (always Chinese: the label is the same whoever prints it)."""
    with translation.override("zh-hans"):
        gas = str(dict(GAS_CATEGORIES).get(appliance_model.gas_category, appliance_model.gas_category))
        category = str(dict(APPLIANCE_CATEGORIES).get(appliance_model.category, appliance_model.category))
    gas_name, gas_code = _split_display(gas, appliance_model.gas_category)
    category_name, standard = _split_display(category, "")
    return LabelText(
        brand=appliance_model.brand,
        model_number=appliance_model.model_number,
        category=category_name,
        standard=standard,
        gas_code=gas_code,
        gas_name=gas_name,
        association=city.current_city().association_name,
        gtin=digital_link.label_gtin(appliance_model),
    )


def has_wide_serials(labels) -> bool:
    """Whether any of these labels' serials ends in a check symbol outside QR's alphanumeric set."""
    condition = Q()
    for symbol in qr.WIDE_CHECK_SYMBOLS:
        condition |= Q(serial__endswith=symbol)
    return labels.filter(condition).exists()


def default_workers(count: int) -> int:
    return settings.LABEL_PDF_WORKERS if count >= 2000 else 1


def batch_serials(batch):
    """The batch's serials in print order, read in chunks (never all rows at once)."""
    return batch.labels.order_by("pk").values_list("serial", flat=True).iterator(chunk_size=2000)


def render_batch(batch, workers=None, sheet=None, on_page=None):
    """The batch's label sheets; big batches encode their QR codes on several cores (LABEL_PDF_WORKERS)."""
    if workers is None:
        workers = default_workers(batch.quantity)
    return render_labels(
        batch_serials(batch),
        label_text_for(batch.appliance_model),
        sheet=sheet,
        workers=workers,
        wide=has_wide_serials(batch.labels.all()),
        on_page=on_page,
    )


def label_svg(serial: str, text: LabelText) -> str:
    """One label as SVG (QR as a path plus the printed text), e.g. for a single replacement label."""
    from xml.sax.saxutils import escape  # noqa: PLC0415

    w, h = settings.LABEL_WIDTH_MM, settings.LABEL_HEIGHT_MM
    pad, title_h, serial_h = 1.8, 3.2, 3.4
    version = qr.label_qr_version(wide=serial[-1] in qr.WIDE_CHECK_SYMBOLS, gtin=text.gtin)
    modules, runs = qr.label_qr_runs(serial, version, text.gtin)
    box = min(h - 2 * pad - title_h - serial_h, w * 0.48)
    m = box / (modules + 4)
    top = pad + title_h
    path = "".join(
        f"M{pad + (2 + c) * m:.3f} {top + (2 + r) * m:.3f}h{n * m:.3f}v{m:.3f}h{-n * m:.3f}z" for r, c, n in runs
    )
    tx = pad + box + 1.4
    lines = [
        (text.gas_code, 8.5, "bold"),
        (text.gas_name, 4.3, "bold"),
        (text.category, 2.5, "normal"),
        (text.standard, 2.5, "normal"),
        (f"{text.brand} {text.model_number}", 2.8, "bold"),
    ]
    y, texts = top, [f'<text x="{pad}" y="{pad + 2.3:.2f}" font-size="2.4">{escape(text.title)}</text>']
    for line, size, weight in lines:
        y += size * 0.95
        texts.append(f'<text x="{tx:.2f}" y="{y:.2f}" font-size="{size}" font-weight="{weight}">{escape(line)}</text>')
        y += size * 0.3
    texts.append(f'<text x="{tx:.2f}" y="{h - pad:.2f}" font-size="1.9">{escape(text.association)}</text>')
    texts.append(
        f'<text x="{pad + box / 2:.2f}" y="{h - pad:.2f}" font-size="3" text-anchor="middle" '
        f'font-weight="bold">{escape(group_serial(serial))}</text>'
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}mm" height="{h}mm" viewBox="0 0 {w} {h}" '
        f'font-family="sans-serif">'
        f'<rect width="{w}" height="{h}" fill="#fff" stroke="#bbb" stroke-width="0.2"/>'
        f'<path d="{path}" fill="#000"/>{"".join(texts)}</svg>'
    )


def label_png(serial: str, scale: int = 8, gtin: str = "") -> bytes:
    """The label's QR (same payload as printed) as PNG, for screens and ad-hoc printing."""
    import io  # noqa: PLC0415

    buffer = io.BytesIO()
    qr.make_label_qr(serial, gtin).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()
