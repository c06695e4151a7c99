"""What goes into each kind of print file, written to a binary file object with progress callbacks.

A print file covers a batch in print order (label id order), or a reprint range of
it: pages first_page..last_page of the full file of that kind, or the labels from
one serial to another. Kinds: A4 sheets and roll-printer pages (cases.pdf), and a
list of serials and URLs (CSV or XLSX) for print shops with their own
variable-data software.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import BinaryIO

from django.db.models import QuerySet

from core import digital_link

from . import pdf, qr
from .models import Label, PrintJob

Kind = PrintJob.Kind
CHUNK = 2000


def sheet_for(kind: str) -> pdf.Sheet:
    return pdf.Sheet.roll_from_settings() if kind == Kind.ROLL else pdf.Sheet.from_settings()


def labels_of(job: PrintJob) -> QuerySet:
    """The job's labels in print order (a reprint: only its range)."""
    labels = Label.objects.filter(batch_id=job.batch_id).order_by("pk")
    if job.first_page is not None:
        per_page = sheet_for(job.kind).per_page
        return labels[(job.first_page - 1) * per_page : job.last_page * per_page]
    if job.first_serial:
        bounds = Label.objects.filter(batch_id=job.batch_id, serial__in=[job.first_serial, job.last_serial])
        ids = list(bounds.values_list("pk", flat=True))
        return labels.filter(pk__gte=min(ids), pk__lte=max(ids))
    return labels


def extension(kind: str) -> str:
    return {Kind.CSV: "csv", Kind.XLSX: "xlsx"}.get(kind, "pdf")


def file_name(job: PrintJob) -> str:
    """The download's name, e.g. labels-batch-12-sheets-p3-5.pdf."""
    suffix = ""
    if job.first_page is not None:
        suffix = f"-p{job.first_page}-{job.last_page}"
    elif job.first_serial:
        suffix = f"-{job.first_serial}-{job.last_serial}"
    return f"labels-batch-{job.batch_id}-{job.kind}{suffix}.{extension(job.kind)}"


def _serials(labels: QuerySet):
    return labels.values_list("serial", flat=True).iterator(chunk_size=CHUNK)


def write(job: PrintJob, out: BinaryIO, total: int, on_progress: Callable[[int], None]) -> None:
    """Write the job's file to `out`, calling on_progress(labels done) as it goes."""
    labels = labels_of(job)
    if job.kind in (Kind.SHEETS, Kind.ROLL):
        chunks = pdf.render_labels(
            _serials(labels),
            pdf.label_text_for(job.batch.appliance_model),
            sheet=sheet_for(job.kind),
            workers=pdf.default_workers(total),
            wide=pdf.has_wide_serials(Label.objects.filter(batch_id=job.batch_id)),
            on_page=on_progress,
        )
        for chunk in chunks:
            out.write(chunk)
    else:
        # The same URL the label's QR carries (a GS1 Digital Link for models that use one).
        gtin = digital_link.label_gtin(job.batch.appliance_model)
        writer = _write_csv if job.kind == Kind.CSV else _write_xlsx
        writer(labels, out, on_progress, gtin)


HEADER = ["serial", "serial_grouped", "url"]


def _rows(labels: QuerySet, on_progress: Callable[[int], None], gtin: str):
    for index, serial in enumerate(_serials(labels), start=1):
        yield [serial, pdf.group_serial(serial), qr.label_url(serial, gtin)]
        if index % CHUNK == 0:
            on_progress(index)


def _write_csv(labels: QuerySet, out: BinaryIO, on_progress: Callable[[int], None], gtin: str) -> None:
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text)
    writer.writerow(HEADER)
    writer.writerows(_rows(labels, on_progress, gtin))
    text.flush()
    text.detach()  # leave `out` open for the caller


def _write_xlsx(labels: QuerySet, out: BinaryIO, on_progress: Callable[[int], None], gtin: str) -> None:
    from openpyxl import Workbook  # noqa: PLC0415  (heavy; only XLSX jobs need it)

    workbook = Workbook(write_only=True)  # rows go to a temporary file: memory stays flat
    sheet = workbook.create_sheet("labels")
    sheet.append(HEADER)
    for row in _rows(labels, on_progress, gtin):
        sheet.append(row)
    workbook.save(out)
