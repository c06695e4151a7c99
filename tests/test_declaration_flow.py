"""The declaration review process driven through the viewflow API (workflows.declaration.services)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from viewflow.workflow.status import PROCESS, STATUS

from accounts import roles
from cases import selectors
from cases.models import Declaration, Label, LabelBatch, LabelState
from cases.services.declarations import Decision, create_declaration
from cases.services.labels import LabelTransitionError, apply_transition
from project.celery import app as celery_app
from tests.factories import UserFactory
from tests.factories_declarations import maker_and_model, pdf_upload, reviewer
from workflows.declaration import services as steps
from workflows.declaration.flow import DeclarationFlow

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def eager_celery():
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def submitted(maker, model, quantity=12):
    declaration = create_declaration(
        appliance_model=model, quantity=quantity, user=maker, documents=[("ccc", pdf_upload())]
    )
    steps.submit(declaration=declaration)
    return declaration


def task_of(declaration, node):
    task = steps.open_task(declaration=declaration, node=node)
    assert task is not None, f"no open {node.name} task"
    return task


def test_whole_process_submit_return_resubmit_approve_generate_print_activate_issue(
    django_capture_on_commit_callbacks,
):
    maker, model = maker_and_model()
    boss = reviewer()
    declaration = submitted(maker, model, quantity=12)
    assert declaration.status == Declaration.Status.SUBMITTED
    assert declaration.documents.count() == 1

    # Return with reasons: the manufacturer gets a revise task.
    steps.review(
        task_id=task_of(declaration, DeclarationFlow.review).pk,
        user=boss,
        decision=Decision.RETURN,
        comment="CCC 证书页不清晰",
    )
    declaration.refresh_from_db()
    assert declaration.status == Declaration.Status.RETURNED
    assert declaration.review_comment == "CCC 证书页不清晰"
    assert list(steps.inbox(maker)) == [task_of(declaration, DeclarationFlow.revise)]
    assert not steps.inbox(boss).exists()

    # Resubmit with a new quantity and another document: back in the reviewers' queue.
    steps.resubmit(
        task_id=task_of(declaration, DeclarationFlow.revise).pk,
        user=maker,
        quantity=15,
        documents=[("ccc", pdf_upload("ccc-v2.pdf"))],
    )
    declaration.refresh_from_db()
    assert (declaration.status, declaration.quantity, declaration.revision) == ("submitted", 15, 1)
    assert declaration.documents.count() == 2

    # Approve: the batch and its labels are generated (Celery, eager here) after commit.
    with django_capture_on_commit_callbacks(execute=True):
        steps.review(task_id=task_of(declaration, DeclarationFlow.review).pk, user=boss, decision=Decision.APPROVE)
    batch = LabelBatch.objects.get(declaration=declaration)
    assert batch.stage == LabelBatch.Stage.GENERATED
    assert batch.labels.count() == 15
    assert set(batch.labels.values_list("state", flat=True)) == {LabelState.DECLARED}
    assert not any(label.is_genuine for label in batch.labels.all())

    steps.confirm_print(task_id=task_of(declaration, DeclarationFlow.print_batch).pk, user=boss)
    batch.refresh_from_db()
    assert batch.stage == "printed" and batch.printed_by == boss
    assert set(batch.labels.values_list("state", flat=True)) == {LabelState.PRINTED}

    steps.activate(task_id=task_of(declaration, DeclarationFlow.activate_batch).pk, user=boss)
    assert set(batch.labels.values_list("state", flat=True)) == {LabelState.ACTIVATED}
    assert all(label.is_genuine for label in batch.labels.all())
    # Every label's history has print then activate, by the reviewer: one log row per batch move.
    assert list(batch.transitions.values_list("name", "label_count", "actor")) == [
        ("print", 15, boss.pk),
        ("activate", 15, boss.pk),
    ]
    for label in batch.labels.all():
        assert [(e.name, e.actor) for e in selectors.label_history(label)] == [("print", boss), ("activate", boss)]

    dealer = model.dealers.get()
    steps.issue(task_id=task_of(declaration, DeclarationFlow.issue_batch).pk, user=boss, issued_to=dealer)
    batch.refresh_from_db()
    assert (batch.stage, batch.issued_to, batch.issued_by) == ("issued", dealer, boss)

    process = steps.process_of(declaration)
    assert process.status == PROCESS.DONE
    assert steps.open_task(declaration=declaration) is None
    done = [t.flow_task.name for t in process.task_set.order_by("created", "pk")]
    assert done == [
        "start",
        "review",
        "decide",
        "revise",
        "review",
        "decide",
        "create_batch",
        "generate",
        "print_batch",
        "activate_batch",
        "issue_batch",
        "issued",
    ]


def test_reject_ends_the_process_without_labels():
    maker, model = maker_and_model()
    declaration = submitted(maker, model)
    steps.review(
        task_id=task_of(declaration, DeclarationFlow.review).pk,
        user=reviewer(),
        decision=Decision.REJECT,
        comment="型号与证书不符",
    )
    declaration.refresh_from_db()
    assert declaration.status == Declaration.Status.REJECTED
    assert steps.process_of(declaration).status == PROCESS.DONE
    assert not LabelBatch.objects.filter(declaration=declaration).exists()


def test_return_without_reason_is_refused_and_changes_nothing():
    maker, model = maker_and_model()
    declaration = submitted(maker, model)
    task = task_of(declaration, DeclarationFlow.review)
    with pytest.raises(ValidationError):
        steps.review(task_id=task.pk, user=reviewer(), decision=Decision.RETURN, comment="  ")
    declaration.refresh_from_db()
    task.refresh_from_db()
    assert declaration.status == Declaration.Status.SUBMITTED
    assert task.status == STATUS.NEW and task.owner is None


def test_only_reviewers_review_and_only_own_manufacturer_revises():
    maker, model = maker_and_model()
    declaration = submitted(maker, model)
    review_task = task_of(declaration, DeclarationFlow.review)
    for outsider in [maker, UserFactory(role=roles.DEALER), UserFactory(role=roles.INSTALLER)]:
        with pytest.raises(PermissionDenied):
            steps.review(task_id=review_task.pk, user=outsider, decision=Decision.APPROVE)
    steps.review(task_id=review_task.pk, user=reviewer(), decision=Decision.RETURN, comment="缺少检测报告")

    other_maker, _other_model = maker_and_model()
    revise_task = task_of(declaration, DeclarationFlow.revise)
    with pytest.raises(PermissionDenied):
        steps.resubmit(task_id=revise_task.pk, user=other_maker, quantity=5)
    with pytest.raises(PermissionDenied):
        steps.resubmit(task_id=revise_task.pk, user=reviewer(), quantity=5)
    assert not steps.inbox(other_maker).exists()


def test_task_claimed_by_one_reviewer_cannot_be_done_by_another():
    maker, model = maker_and_model()
    declaration = submitted(maker, model)
    first, second = reviewer(), reviewer()
    task = task_of(declaration, DeclarationFlow.review)
    task.flow_task.activation_class(task).assign(first)
    with pytest.raises(PermissionDenied):
        steps.review(task_id=task.pk, user=second, decision=Decision.APPROVE)
    assert not steps.inbox(second).exists()
    steps.review(task_id=task.pk, user=first, decision=Decision.APPROVE)


def test_done_task_cannot_be_done_twice_and_wrong_step_is_refused():
    maker, model = maker_and_model()
    declaration = submitted(maker, model)
    boss = reviewer()
    task = task_of(declaration, DeclarationFlow.review)
    steps.review(task_id=task.pk, user=boss, decision=Decision.RETURN, comment="重拍铭牌")
    with pytest.raises(steps.StepError):
        steps.review(task_id=task.pk, user=boss, decision=Decision.APPROVE)
    revise = task_of(declaration, DeclarationFlow.revise)
    with pytest.raises(steps.StepError):
        steps.confirm_print(task_id=revise.pk, user=boss)


def test_manufacturer_cannot_declare_for_another_companys_model():
    maker, _model = maker_and_model()
    _other, other_model = maker_and_model()
    with pytest.raises(PermissionDenied):
        create_declaration(appliance_model=other_model, quantity=5, user=maker)


def test_labels_are_not_genuine_until_activation_and_illegal_single_moves_fail(django_capture_on_commit_callbacks):
    maker, model = maker_and_model()
    boss = reviewer()
    declaration = submitted(maker, model, quantity=3)
    with django_capture_on_commit_callbacks(execute=True):
        steps.review(task_id=task_of(declaration, DeclarationFlow.review).pk, user=boss, decision=Decision.APPROVE)
    label = Label.objects.filter(batch__declaration=declaration).first()
    with pytest.raises(LabelTransitionError):
        apply_transition(label_id=label.pk, name="activate")  # declared → activated skips printing
    # The activate step is not open before printing either.
    assert steps.open_task(declaration=declaration, node=DeclarationFlow.activate_batch) is None
    steps.confirm_print(task_id=task_of(declaration, DeclarationFlow.print_batch).pk, user=boss)
    label.refresh_from_db()
    assert label.state == "printed" and not label.is_genuine
    with pytest.raises(LabelTransitionError):
        apply_transition(label_id=label.pk, name="sell")
