"""Races on PostgreSQL: two reviewers on one task, two activations of one batch; exactly one wins."""

import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection

from cases.services import batches
from cases.services.declarations import Decision, create_declaration
from tests.factories import LabelBatchFactory
from tests.factories_declarations import maker_and_model, reviewer
from workflows.declaration import services as steps
from workflows.declaration.flow import DeclarationFlow

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(*calls):
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            outcomes[index] = ("ok", call())
        except Exception as exc:  # noqa: BLE001 - the loser's error is the point
            outcomes[index] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcomes


def test_two_reviewers_deciding_at_once_one_wins():
    maker, model = maker_and_model()
    declaration = create_declaration(appliance_model=model, quantity=3, user=maker)
    steps.submit(declaration=declaration)
    task = steps.open_task(declaration=declaration, node=DeclarationFlow.review)
    first, second = reviewer(), reviewer()
    outcomes = race(
        lambda: steps.review(task_id=task.pk, user=first, decision=Decision.RETURN, comment="补充检测报告"),
        lambda: steps.review(task_id=task.pk, user=second, decision=Decision.REJECT, comment="证书无效"),
    )
    kinds = sorted(kind for kind, _ in outcomes)
    assert kinds == ["error", "ok"], outcomes
    error = next(value for kind, value in outcomes if kind == "error")
    assert isinstance(error, (steps.StepError, PermissionDenied))
    declaration.refresh_from_db()
    assert declaration.status in ("returned", "rejected")
    # Exactly one decision was recorded and the flow moved on once.
    assert steps.process_of(declaration).task_set.filter(flow_task=DeclarationFlow.decide).count() == 1


def test_two_activations_of_one_batch_move_and_log_each_label_once():
    _maker, model = maker_and_model()
    batch = LabelBatchFactory(
        declaration__appliance_model=model, declaration__quantity=200, declaration__status="approved"
    )
    batches.generate_labels(batch_id=batch.pk)
    batches.print_batch(batch_id=batch.pk)
    outcomes = race(
        lambda: batches.activate_batch(batch_id=batch.pk), lambda: batches.activate_batch(batch_id=batch.pk)
    )
    assert sorted(kind for kind, _ in outcomes) == ["error", "ok"], outcomes
    assert list(batch.transitions.filter(name="activate").values_list("label_count", flat=True)) == [200]
