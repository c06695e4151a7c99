"""Label statistics: the trigger-maintained rollup matches the label table under every kind of write,
and the labels dashboard and its exports show exactly the counts built here."""

import csv
import io

import openpyxl
import pytest
from django.db import connection
from django.db.models import Count, Sum
from django.urls import reverse

from cases.models import Label, LabelBatch, LabelState
from cases.services.batches import activate_batch, print_batch
from cases.services.labels import Origin, apply_transition
from stats import label_counts_sql, scoping, selectors
from stats.apps import ensure_label_count_triggers
from stats.models import LabelStateCount
from tests.factories import PASSWORD, LabelFactory

from .factories_stats import make_stats_city, populate_labels

pytestmark = pytest.mark.django_db


def live_counts():
    rows = Label.objects.values_list("appliance_model_id", "state").annotate(c=Count("pk"))
    return {(m, s): c for m, s, c in rows}


def rollup_counts():
    """The rollup's sums per key (it holds delta rows between compactions)."""
    rows = LabelStateCount.objects.values_list("appliance_model_id", "state").annotate(c=Sum("n"))
    return {(m, s): c for m, s, c in rows if c}


@pytest.fixture
def city():
    c = make_stats_city()
    populate_labels(c)
    return c


def test_rollup_follows_inserts_single_transitions_set_based_updates_and_deletes(city):
    a1 = city.models["A1"].pk
    assert rollup_counts() == live_counts()
    assert rollup_counts()[(a1, LabelState.DECLARED)] == 3

    # apply_transition: one row UPDATE per call.
    sold = Label.objects.filter(appliance_model_id=a1, state=LabelState.SOLD).first()
    apply_transition(label_id=sold.pk, name="install", origin=Origin())
    # The set-based batch services: one UPDATE for the whole batch.
    LabelBatch.objects.filter(pk=city.batches["A1"].pk).update(stage=LabelBatch.Stage.GENERATED)
    print_batch(batch_id=city.batches["A1"].pk)
    activate_batch(batch_id=city.batches["A1"].pk)
    # bulk_create (as label generation does) and a plain queryset update.
    Label.objects.bulk_create(
        [Label(serial=f"BULK{i:08d}", batch=city.batches["B1"], appliance_model=city.models["B1"]) for i in range(4)]
    )
    Label.objects.filter(serial__startswith="BULK").update(state=LabelState.PRINTED)
    Label.objects.filter(serial="BULK00000000").delete()

    assert rollup_counts() == live_counts()
    counts = rollup_counts()
    assert counts[(a1, LabelState.ACTIVATED)] == 2 + 3  # the 3 declared were printed, then activated
    assert (a1, LabelState.DECLARED) not in counts
    assert counts[(a1, LabelState.INSTALLED)] == 1
    assert counts[(city.models["B1"].pk, LabelState.PRINTED)] == 2 + 3


def test_totals_and_pivots_per_manufacturer_brand_model(city):
    totals = {r["state"]: r["count"] for r in selectors.label_totals(scoping.CITY)}
    assert totals == {
        "已申报": 3,
        "已印制": 2,
        "已激活": 2,
        "已销售": 4,
        "已安装": 5,
        "已点火通气": 3,
        "暂停 (待整改)": 1,
        "已作废": 1,
    }
    by_maker = {r["manufacturer"]: r for r in selectors.labels_by_manufacturer(scoping.CITY)}
    assert by_maker["甲燃具公司"]["total"] == 15
    assert by_maker["甲燃具公司"]["sold"] == 4 and by_maker["甲燃具公司"]["void"] == 1
    assert by_maker["乙燃具公司"]["total"] == 6 and by_maker["乙燃具公司"]["ignited"] == 3
    by_brand = {r["brand"]: r["total"] for r in selectors.labels_by_brand(scoping.CITY)}
    assert by_brand == {"甲牌": 15, "乙牌": 6}
    by_model = {r["model"]: r for r in selectors.labels_by_model(scoping.CITY)}
    assert set(by_model) == {"A-100", "A-200", "B-100"}
    assert (by_model["A-100"]["declared"], by_model["A-100"]["activated"], by_model["A-100"]["sold"]) == (3, 2, 4)
    assert (by_model["A-200"]["installed"], by_model["A-200"]["void"], by_model["A-200"]["total"]) == (5, 1, 6)
    assert (by_model["B-100"]["printed"], by_model["B-100"]["suspended"], by_model["B-100"]["total"]) == (2, 1, 6)


def test_labels_page_shows_the_figures_with_a_chart_beside_each_table(client, city, django_assert_num_queries):
    client.login(username="reviewer", password=PASSWORD)
    client.get(reverse("home"))  # warm the session
    # session, user, groups; one query per figure (4 label figures); the header's organisation name.
    with django_assert_num_queries(3 + 4 + 1 + 1):  # last +1: the header's unread count
        response = client.get(reverse("stats:section", args=["labels"]))
    assert response.status_code == 200
    panels = {p["figure"].key: p for p in response.context["panels"]}
    model_rows = {dict(cells)["model"]: dict(cells) for cells in panels["labels_by_model"]["cells"]}
    assert model_rows["A-200"]["installed"] == 5 and model_rows["A-200"]["total"] == 6
    chart = panels["labels_by_model"]["chart"]
    assert chart["type"] == "stacked" and sorted(chart["labels"]) == ["A-100", "A-200", "B-100"]
    installed = next(d for d in chart["datasets"] if d["label"] == "已安装")
    assert dict(zip(chart["labels"], installed["data"], strict=True)) == {"A-100": 0, "A-200": 5, "B-100": 0}
    html = response.content.decode()
    assert 'id="chart-labels_by_model"' in html and 'data-chart="chart-labels_by_model"' in html
    assert "vendor/chartjs/chart.umd.js" in html


def test_csv_and_xlsx_exports_carry_the_same_numbers(client, city):
    client.login(username="reviewer", password=PASSWORD)
    response = client.get(reverse("stats:export", args=["labels", "labels_by_brand", "csv"]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header = rows[0]
    assert header[:2] == ["燃具企业", "品牌"] and header[-1] == "合计"
    body = {r[1]: r for r in rows[1:]}
    assert body["甲牌"][header.index("已销售")] == "4" and body["甲牌"][-1] == "15"
    assert body["乙牌"][-1] == "6"

    response = client.get(reverse("stats:export", args=["labels", "labels_by_model", "xlsx"]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    header = values[0]
    b100 = next(r for r in values[1:] if r[2] == "B-100")
    assert int(b100[header.index("已点火通气")]) == 3 and int(b100[header.index("合计")]) == 6


def test_unknown_export_format_or_figure_is_404(client, city):
    client.login(username="reviewer", password=PASSWORD)
    assert client.get(reverse("stats:export", args=["labels", "labels_by_brand", "html"])).status_code == 404
    assert client.get(reverse("stats:export", args=["labels", "nope", "csv"])).status_code == 404
    assert client.get(reverse("stats:export", args=["field", "labels_by_brand", "csv"])).status_code == 404


def test_rebuild_and_missing_triggers_are_repaired_after_migrate(city):
    label_counts_sql.drop_triggers(connection)
    LabelFactory(batch=city.batches["A1"], state=LabelState.SOLD)  # not counted: no trigger
    assert rollup_counts() != live_counts()
    ensure_label_count_triggers(sender=None, using="default")
    assert label_counts_sql.triggers_present(connection)
    assert rollup_counts() == live_counts()
    LabelFactory(batch=city.batches["A1"], state=LabelState.SOLD)
    assert rollup_counts() == live_counts()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_transitions_on_one_model_keep_the_rollup_exact():
    """Counter rows are hot: parallel sells and installs of one model must neither deadlock nor lose a count."""
    import threading

    city = make_stats_city()
    labels = city.labels("A1", LabelState.ACTIVATED, 40)
    errors = []

    def work(chunk, names):
        try:
            for label in chunk:
                for name in names:
                    apply_transition(label_id=label.pk, name=name, origin=Origin())
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()  # this thread's own connection

    threads = [
        threading.Thread(target=work, args=(labels[i::4], ["sell", "install"] if i % 2 else ["sell"])) for i in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert rollup_counts() == live_counts()
    a1 = city.models["A1"].pk
    assert rollup_counts()[(a1, LabelState.INSTALLED)] == 20 and rollup_counts()[(a1, LabelState.SOLD)] == 20
