"""Back-office tables: filters, CSV/Excel export scoped to the user, per brand/model counts by state."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from cases.models import Label
from cases.services import batches
from core.paging import MAX_PER_PAGE
from tests.factories import LabelBatchFactory
from tests.factories_declarations import maker_and_model, reviewer

pytestmark = pytest.mark.django_db


def batch_for(model, quantity, *, activate=False):
    batch = LabelBatchFactory(
        declaration__appliance_model=model, declaration__quantity=quantity, declaration__status="approved"
    )
    batches.generate_labels(batch_id=batch.pk)
    if activate:
        batches.print_batch(batch_id=batch.pk)
        batches.activate_batch(batch_id=batch.pk)
    return batch


def rows_of_csv(response):
    text = (
        b"".join(response.streaming_content).decode("utf-8-sig")
        if response.streaming
        else response.content.decode("utf-8-sig")
    )
    return list(csv.reader(io.StringIO(text)))


def test_label_csv_export_holds_only_the_manufacturers_own_labels(client):
    maker, model = maker_and_model(brand="华焰")
    _other, other_model = maker_and_model(brand="安泰")
    batch_for(model, 4)
    batch_for(other_model, 3)
    client.force_login(maker)
    response = client.get(reverse("cases:label_list"), {"_export": "csv"})
    assert response.status_code == 200 and "text/csv" in response["Content-Type"]
    rows = rows_of_csv(response)
    assert len(rows) == 1 + 4
    own = set(Label.objects.filter(appliance_model=model).values_list("serial", flat=True))
    assert {row[0] for row in rows[1:]} == own


def test_declaration_excel_export_for_reviewer(client):
    maker, model = maker_and_model()
    batch_for(model, 2)
    client.force_login(reviewer())
    response = client.get(reverse("cases:declaration_list"), {"_export": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert len(values) == 2 and values[1][3] == 2  # header + one declaration of 2 labels


def test_label_filter_accepts_a_sloppily_typed_serial(client):
    _maker, model = maker_and_model()
    batch = batch_for(model, 5)
    wanted = batch.labels.first().serial
    typed = f"{wanted[:4].lower()}-{wanted[4:8]} {wanted[8:]}"
    client.force_login(reviewer())
    rows = rows_of_csv(client.get(reverse("cases:label_list"), {"serial": typed, "_export": "csv"}))
    assert [row[0] for row in rows[1:]] == [wanted]


def test_state_filter_and_batch_filter(client):
    _maker, model = maker_and_model()
    active = batch_for(model, 3, activate=True)
    batch_for(model, 2)
    client.force_login(reviewer())
    rows = rows_of_csv(client.get(reverse("cases:label_list"), {"state": "activated", "_export": "csv"}))
    assert len(rows) == 1 + 3
    rows = rows_of_csv(client.get(reverse("cases:label_list"), {"batch": active.pk, "_export": "csv"}))
    assert len(rows) == 1 + 3


def test_page_size_from_the_query_is_bounded_and_an_out_of_range_batch_is_no_error(client):
    # ?per_page=-1 was a 500 (page numbers below 1); a page size beyond the bound is cut to it.
    _maker, model = maker_and_model()
    batch_for(model, 3)
    client.force_login(reviewer())
    url = reverse("cases:label_list")
    assert client.get(url, {"per_page": -1}).context["table"].paginator.per_page == 1
    assert client.get(url, {"per_page": 10**9}).context["table"].paginator.per_page == MAX_PER_PAGE
    assert client.get(url, {"per_page": 2}).context["table"].paginator.per_page == 2
    # A batch number past the id column's range was a database error (OverflowError / out of range).
    response = client.get(url, {"batch": "99999999999999999999"})
    assert response.status_code == 200 and not response.context["table"].rows.data.data.exists()


def test_counts_per_brand_and_model_by_state(client, django_assert_max_num_queries):
    _maker, cooktop = maker_and_model(brand="华焰", model_number="JZT-1")
    _maker2, heater = maker_and_model(brand="安泰", model_number="JSQ-2")
    batch_for(cooktop, 4, activate=True)
    batch_for(cooktop, 2)
    batch_for(heater, 3, activate=True)
    client.force_login(reviewer())
    rows = rows_of_csv(client.get(reverse("cases:stats"), {"_export": "csv"}))
    header, body = rows[0], {(r[0], r[1]): r for r in rows[1:]}
    assert header[:3] == ["品牌", "型号", "合计"]
    declared, activated = header.index("已申报"), header.index("已激活")
    assert body[("华焰", "JZT-1")][2] == "6"
    assert body[("华焰", "JZT-1")][declared] == "2" and body[("华焰", "JZT-1")][activated] == "4"
    assert body[("安泰", "JSQ-2")][activated] == "3"
    with django_assert_max_num_queries(8):  # session/user + one GROUP BY, whatever the label count
        html = client.get(reverse("cases:stats")).content.decode()
    assert 'id="stats-table"' in html


def test_single_label_png_and_svg_pages_are_scoped(client):
    import zxingcpp
    from PIL import Image

    from cases import qr

    maker, model = maker_and_model()
    other, _ = maker_and_model()
    serial = batch_for(model, 1).labels.get().serial
    client.force_login(maker)
    svg = client.get(reverse("cases:label_image", args=[serial, "svg"]))
    assert svg["Content-Type"].startswith("image/svg+xml") and model.model_number in svg.content.decode()
    png = client.get(reverse("cases:label_image", args=[serial, "png"]))
    [found] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)))
    assert found.text.lower().endswith(qr.label_url(serial).split("//", 1)[1].lower())
    assert client.get(reverse("cases:label_image", args=[serial, "gif"])).status_code == 404
    client.force_login(other)
    assert client.get(reverse("cases:label_image", args=[serial, "svg"])).status_code == 404
