"""Label generation and whole-batch transitions: set-based, logged, constant query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import selectors
from cases.models import Label, LabelBatch, LabelState, LabelTransition
from cases.services import batches
from cases.services.labels import Origin, apply_transition
from core import serials
from stats import scoping
from stats import selectors as stats
from stats.scoping import CITY
from tests.factories import LabelBatchFactory
from tests.factories_declarations import maker_and_model, reviewer

pytestmark = pytest.mark.django_db


def approved_batch(quantity):
    _maker, model = maker_and_model()
    return LabelBatchFactory(
        declaration__appliance_model=model, declaration__quantity=quantity, declaration__status="approved"
    )


def queries(func, *args, **kwargs):
    with CaptureQueriesContext(connection) as ctx:
        result = func(*args, **kwargs)
    return result, len(ctx.captured_queries)


def test_generation_creates_unique_valid_serials_in_chunks(settings):
    batch = approved_batch(250)
    created, count = queries(batches.generate_labels, batch_id=batch.pk, chunk_size=100)
    assert created == 250
    codes = list(Label.objects.filter(batch=batch).values_list("serial", flat=True))
    assert len(set(codes)) == 250 and all(serials.is_valid(c) for c in codes)
    assert set(Label.objects.filter(batch=batch).values_list("state", flat=True)) == {LabelState.DECLARED}
    batch.refresh_from_db()
    assert batch.stage == LabelBatch.Stage.GENERATED and batch.generated_at
    # Per chunk (each its own transaction, so progress shows): lock, count, INSERT and savepoints;
    # then lock, count and the stage update. A few per chunk of 100, never one per label.
    assert count <= 3 * 8 + 4


def test_generation_is_idempotent_and_resumes_a_partial_batch():
    batch = approved_batch(30)
    Label.objects.bulk_create(
        [Label(serial=serials.new_serial(), batch=batch, appliance_model=batch.appliance_model) for _ in range(12)]
    )
    assert batches.generate_labels(batch_id=batch.pk) == 18
    assert batches.generate_labels(batch_id=batch.pk) == 0
    assert Label.objects.filter(batch=batch).count() == 30


def test_generation_retries_a_chunk_after_a_serial_collision(monkeypatch):
    batch = approved_batch(5)
    taken = Label.objects.create(
        serial=serials.new_serial(), batch=approved_batch(1), appliance_model=batch.appliance_model
    )
    fresh = iter([taken.serial] + [serials.new_serial() for _ in range(10)])
    monkeypatch.setattr(serials, "new_serial", lambda: next(fresh))
    assert batches.generate_labels(batch_id=batch.pk) == 5
    assert Label.objects.filter(batch=batch).count() == 5


def _generated(quantity):
    batch = approved_batch(quantity)
    batches.generate_labels(batch_id=batch.pk)
    return batch


@pytest.mark.parametrize("operation", ["print", "activate"])
def test_batch_operations_take_the_same_number_of_queries_for_5_and_300_labels(operation):
    counts = []
    for quantity in (5, 300):
        batch = _generated(quantity)
        if operation == "activate":
            batches.print_batch(batch_id=batch.pk)
        func = batches.print_batch if operation == "print" else batches.activate_batch
        (_batch, moved), count = queries(func, batch_id=batch.pk, origin=Origin(actor=reviewer()))
        assert moved == quantity
        counts.append(count)
    assert counts[0] == counts[1]
    assert counts[0] <= 7


def test_activation_query_count_is_constant(django_assert_num_queries):
    batch = _generated(120)
    batches.print_batch(batch_id=batch.pk)
    boss = reviewer()
    # lock batch, UPDATE labels + INSERT the batch's log row (one statement), UPDATE batch, INSERT audit entry
    # (+ savepoint pair)
    with django_assert_num_queries(6 if connection.vendor == "postgresql" else 7):
        batches.activate_batch(
            batch_id=batch.pk, origin=Origin(actor=boss, source="web", ip_address="10.0.0.9"), note="lot 7"
        )
    # One log row for the whole move, none per label.
    assert not LabelTransition.objects.filter(label__batch=batch).exists()
    row = batch.transitions.get(name="activate")
    assert (row.from_state, row.to_state, row.actor, row.organization, row.source, row.ip_address, row.note) == (
        "printed",
        "activated",
        boss,
        boss.organization,
        "web",
        "10.0.0.9",
        "lot 7",
    )
    in_print_order = list(Label.objects.filter(batch=batch).order_by("pk").values_list("serial", flat=True))
    assert (row.label_count, row.first_serial, row.last_serial) == (120, in_print_order[0], in_print_order[-1])
    assert set(Label.objects.filter(batch=batch).values_list("state", flat=True)) == {"activated"}


def _label_updates():
    """(updates, HOT updates) of cases_label in this transaction so far (PostgreSQL's own counters)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relname = 'cases_label'")
        return cursor.fetchone()


@pytest.mark.postgres
def test_printing_then_activating_a_batch_updates_its_labels_in_place_without_touching_an_index():
    # HOT needs no index on a changed column and room on the page (cases migrations 0006, 0008): a new index on
    # `state`, or pages too full for both moves, would make every moved label write every index entry again.
    # Both moves run in this test's one transaction, so the print's old versions cannot be pruned before the
    # activation, as when any older transaction runs anywhere in the cluster: the room must be there already.
    batch = _generated(300)
    updated, hot = _label_updates()
    _batch, printed = batches.print_batch(batch_id=batch.pk)
    _batch, activated = batches.activate_batch(batch_id=batch.pk)
    after_updated, after_hot = _label_updates()
    assert printed == activated == 300
    assert (after_updated - updated, after_hot - hot) == (600, 600)
    assert set(Label.objects.filter(batch=batch).values_list("state", flat=True)) == {"activated"}


def test_batch_steps_out_of_order_are_refused_and_change_nothing():
    batch = _generated(10)
    with pytest.raises(batches.BatchStageError) as exc:
        batches.activate_batch(batch_id=batch.pk)
    assert "不能" in exc.value.message
    assert set(Label.objects.filter(batch=batch).values_list("state", flat=True)) == {"declared"}
    batches.print_batch(batch_id=batch.pk)
    with pytest.raises(batches.BatchStageError):
        batches.print_batch(batch_id=batch.pk)
    with pytest.raises(batches.BatchStageError):
        batches.issue_batch(batch_id=batch.pk, issued_to=batch.appliance_model.manufacturer)
    assert list(batch.transitions.values_list("name", "label_count")) == [("print", 10)]


def test_a_voided_label_is_skipped_by_activation():
    batch = _generated(6)
    batches.print_batch(batch_id=batch.pk)
    voided = Label.objects.filter(batch=batch).first()
    apply_transition(label_id=voided.pk, name="void")
    _batch, moved = batches.activate_batch(batch_id=batch.pk)
    assert moved == 5 and batch.transitions.get(name="activate").label_count == 5
    voided.refresh_from_db()
    assert voided.state == "void" and not voided.is_genuine
    assert [entry.name for entry in selectors.label_history(voided)] == ["print", "void"]


def history(label):
    return [
        (e.name, e.from_state, e.to_state, e.actor, e.organization, e.source, e.ip_address, e.note, e.at)
        for e in selectors.label_history(label)
    ]


def test_a_labels_history_shows_the_batch_moves_that_moved_it_and_only_those(django_assert_num_queries):
    batch = _generated(5)
    first, before_print, printed_alone, before_activation, after_activation = Label.objects.filter(batch=batch)
    boss = reviewer()
    web = Origin(actor=boss, source="web", ip_address="10.0.0.9")
    apply_transition(label_id=before_print.pk, name="void", origin=web)
    # printed on its own before the batch
    apply_transition(label_id=printed_alone.pk, name="print", origin=web, note="sample")
    batches.print_batch(batch_id=batch.pk, origin=web, note="run 1")
    apply_transition(label_id=before_activation.pk, name="void", origin=web)
    batches.activate_batch(batch_id=batch.pk, origin=Origin(actor=boss, source="api", ip_address="10.0.0.10"))
    apply_transition(label_id=after_activation.pk, name="void")
    printing, activation = batch.transitions.all()
    assert (printing.label_count, activation.label_count) == (3, 3)  # 5 - voided - printed alone; 5 - 2 voided

    org = boss.organization
    print_row = ("print", "declared", "printed", boss, org, "web", "10.0.0.9", "run 1", printing.at)
    activate_row = ("activate", "printed", "activated", boss, org, "api", "10.0.0.10", "", activation.at)
    with django_assert_num_queries(2):  # its own log, its batch's moves
        assert history(first) == [print_row, activate_row]
    assert [e[:3] for e in history(before_print)] == [("void", "declared", "void")]
    assert [e[:3] for e in history(printed_alone)] == [("print", "declared", "printed"), activate_row[:3]]
    assert [e[:3] for e in history(before_activation)] == [print_row[:3], ("void", "printed", "void")]
    assert [e[:3] for e in history(after_activation)] == [
        print_row[:3],
        activate_row[:3],
        ("void", "activated", "void"),
    ]
    # Every label's history ends in its state.
    for label in Label.objects.filter(batch=batch):
        assert selectors.label_history(label)[-1].to_state == label.state


def test_the_statistics_count_each_label_a_batch_moved():
    batch = _generated(7)
    voided = Label.objects.filter(batch=batch).first()
    apply_transition(label_id=voided.pk, name="void")
    batches.print_batch(batch_id=batch.pk)
    batches.activate_batch(batch_id=batch.pk)
    today = timezone.localdate()
    changes = {row["state"]: row["count"] for row in stats.label_transitions_in(stats.Period(today, today), CITY)}
    assert (changes["已印制"], changes["已激活"], changes["已作废"], changes["已销售"]) == (6, 6, 1, 0)
    maker = scoping.Scope(manufacturer_id=batch.appliance_model.manufacturer_id)
    assert {r["state"]: r["count"] for r in stats.label_transitions_in(stats.Period(today, today), maker)} == changes
    other = scoping.Scope(manufacturer_id=maker_and_model()[1].manufacturer_id)
    assert sum(r["count"] for r in stats.label_transitions_in(stats.Period(today, today), other)) == 0


def test_the_admin_shows_a_labels_batch_moves_in_its_history(admin_client):
    batch = _generated(3)
    batches.print_batch(
        batch_id=batch.pk, origin=Origin(actor=reviewer(username="printer-boss"), source="web", ip_address="10.0.0.9")
    )
    label = Label.objects.filter(batch=batch).first()
    page = admin_client.get(reverse("admin:cases_label_change", args=[label.pk])).content.decode()
    assert "printer-boss" in page and "10.0.0.9" in page and "已申报" in page and "已印制" in page
    assert f"批次 #{batch.pk} 整批（3 个标识）" in page
    page = admin_client.get(reverse("admin:cases_labelbatch_change", args=[batch.pk])).content.decode()
    assert "printer-boss" in page and label.serial in page


def test_issue_only_to_the_manufacturer_or_its_dealers():
    batch = _generated(3)
    batches.print_batch(batch_id=batch.pk)
    batches.activate_batch(batch_id=batch.pk)
    _other_maker, other_model = maker_and_model()
    with pytest.raises(batches.BatchStageError):
        batches.issue_batch(batch_id=batch.pk, issued_to=other_model.manufacturer)
    dealer = batch.appliance_model.dealers.get()
    issued = batches.issue_batch(batch_id=batch.pk, issued_to=dealer)
    assert issued.stage == "issued" and issued.issued_to == dealer


def test_a_batch_move_applies_only_an_unconditional_rule_of_the_label_state_machine():
    assert batches._fsm_move("print", LabelState.DECLARED) == LabelState.PRINTED
    assert batches._fsm_move("activate", LabelState.PRINTED) == LabelState.ACTIVATED
    with pytest.raises(ValueError):
        batches._fsm_move("activate", LabelState.DECLARED)  # not a rule of the machine
    with pytest.raises(ValueError):
        batches._fsm_move("void", LabelState.PRINTED)  # a wildcard rule with a per-label condition: not set-based
