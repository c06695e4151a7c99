"""Doing the declaration flow's steps: the one API the pages, the tests and the Celery task use.

Every step: lock the process, claim the task for the user if nobody has, check
the user may do it, change the domain objects, then let viewflow move on. All
inside one transaction, so a refused or failing step leaves nothing half-done.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from viewflow.workflow import Node
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from accounts import permissions
from accounts.models import Organization, User
from audit import services as audit
from cases import hooks as cases_hooks
from cases.models import Declaration, DeclarationProcess, LabelBatch
from cases.services import batches, declarations
from cases.services.labels import Origin
from remediation import notifications

from .flow import DeclarationFlow

T = TypeVar("T")
OPEN = [STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED]
REVIEWER_NODES = [
    DeclarationFlow.review,
    DeclarationFlow.print_batch,
    DeclarationFlow.activate_batch,
    DeclarationFlow.issue_batch,
]


class StepError(Exception):
    """The step cannot be done now (wrong task, already done, not allowed); `.message` is for people."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- reading ------------------------------------------------------------------


def process_of(declaration: Declaration) -> DeclarationProcess | None:
    ct = ContentType.objects.get_for_model(Declaration)
    return DeclarationProcess.objects.filter(artifact_content_type=ct, artifact_object_id=declaration.pk).first()


def open_tasks() -> QuerySet[Task]:
    return Task.objects.filter(process__flow_class=DeclarationFlow, status__in=OPEN)


def open_task(*, declaration: Declaration, node: Node | None = None) -> Task | None:
    """The declaration's open human/handle task (optionally of one node), or None."""
    process = process_of(declaration)
    if process is None:
        return None
    tasks = open_tasks().filter(process=process)
    if node is not None:
        tasks = tasks.filter(flow_task=node)
    return tasks.order_by("-created").first()


def inbox(user: User) -> QuerySet[Task]:
    """Open tasks this user may take: reviewers get the association's steps, a manufacturer its revisions."""
    tasks = open_tasks().select_related("process")
    if permissions.is_reviewer(user):
        mine = tasks.filter(flow_task__in=REVIEWER_NODES)
    elif permissions.is_manufacturer(user):
        own = Declaration.objects.filter(appliance_model__manufacturer_id=user.organization_id).values("pk")
        mine = tasks.filter(flow_task=DeclarationFlow.revise, process__artifact_object_id__in=own)
    else:
        return tasks.none()
    return mine.filter(Q(owner__isnull=True) | Q(owner=user)).order_by("created")


# --- doing --------------------------------------------------------------------


def submit(*, declaration: Declaration, origin: Origin | None = None) -> DeclarationProcess:
    """Start the review process for a freshly created declaration."""
    if process_of(declaration) is not None:
        raise StepError(_("该申报已提交。"))
    with transaction.atomic():
        process = DeclarationFlow.start.run(declaration=declaration)
        audit.record(
            action="declaration.submit",
            obj=declaration,
            origin=_origin(declaration.submitted_by, origin),
            to_state=declaration.status,
        )
    return process


def _run_step(
    task_id: int, user: User, node: Node, work: Callable[[DeclarationProcess], T], origin: Origin | None = None
) -> T:
    """Claim (if free), check and execute one human task; `work(process)` does the domain change."""
    task_row = Task.objects.filter(pk=task_id).values("process_id").first()
    if task_row is None:
        raise StepError(_("任务不存在。"))
    with DeclarationFlow.lock(task_row["process_id"]), transaction.atomic():
        task = Task.objects.select_related("process").get(pk=task_id)
        if task.flow_task != node:
            raise StepError(_("该任务不是「%(step)s」。") % {"step": node.task_title or node.name})
        if task.status not in (STATUS.NEW, STATUS.ASSIGNED):
            raise StepError(_("该任务已处理或已被取消。"))
        activation = node.activation_class(task)
        if task.status == STATUS.NEW:
            if not node.can_assign(user, task):
                raise PermissionDenied(_("您无权处理该任务。"))
            activation.assign(user)
        if not node.can_execute(user, task):
            raise PermissionDenied(_("该任务已由他人领取，或您无权处理。"))
        activation.start(None)
        result = work(activation.process)
        activation.execute()
        declaration = activation.process.declaration
        # The step itself (who did which task); batch steps also log their own batch.* entry with the origin.
        audit.record(
            action=f"declaration.{node.name}",
            obj=declaration,
            origin=_origin(user, origin),
            to_state=declaration.status,
            detail=declaration.review_comment if node is DeclarationFlow.review else "",
        )
        return result


def review(*, task_id: int, user: User, decision: str, comment: str = "", origin: Origin | None = None) -> Declaration:
    """Reviewer's decision; ValidationError for a missing reason, nothing changes then."""

    def work(process: DeclarationProcess) -> Declaration:
        result = declarations.record_decision(
            declaration=process.declaration, reviewer=user, decision=decision, comment=comment
        )
        _tell_manufacturer(process.declaration)
        return result

    return _run_step(task_id, user, DeclarationFlow.review, work, origin)


DECISION_TEMPLATES = {
    Declaration.Status.RETURNED: ("declaration_returned", gettext_lazy("申报的型号 %(model)s 被退回修改")),
    Declaration.Status.APPROVED: ("declaration_approved", gettext_lazy("申报的型号 %(model)s 已审核通过")),
}


def _tell_manufacturer(declaration: Declaration) -> None:
    """Returned or approved: the manufacturer hears at once (a rejection is final and shown in its list)."""
    if declaration.status not in DECISION_TEMPLATES:
        return
    template, subject = DECISION_TEMPLATES[declaration.status]
    model = declaration.appliance_model
    notifications.notify_organization(
        model.manufacturer_id,
        f"decl{declaration.pk}:r{declaration.revision}:{declaration.status}",
        template=template,
        params={"model": str(model)},
        subject=subject % {"model": model},
        link=reverse("declarations:detail", args=[declaration.pk]),
    )


def resubmit(
    *,
    task_id: int,
    user: User,
    quantity: int | None = None,
    documents: Iterable[tuple[str, UploadedFile]] = (),
    origin: Origin | None = None,
) -> Declaration:
    return _run_step(
        task_id,
        user,
        DeclarationFlow.revise,
        lambda process: declarations.resubmit(
            declaration=process.declaration, user=user, quantity=quantity, documents=documents, origin=origin
        ),
        origin,
    )


def _batch_of(process: DeclarationProcess) -> LabelBatch:
    return LabelBatch.objects.get(declaration_id=process.declaration.pk)


def confirm_print(*, task_id: int, user: User, origin: Origin | None = None) -> LabelBatch:
    return _run_step(
        task_id,
        user,
        DeclarationFlow.print_batch,
        lambda process: _batch_step(batches.print_batch, _batch_of(process), _origin(user, origin)),
    )


def activate(*, task_id: int, user: User, origin: Origin | None = None) -> LabelBatch:
    return _run_step(
        task_id,
        user,
        DeclarationFlow.activate_batch,
        lambda process: _batch_step(batches.activate_batch, _batch_of(process), _origin(user, origin)),
    )


def issue(*, task_id: int, user: User, issued_to: Organization, origin: Origin | None = None) -> LabelBatch:
    def work(process: DeclarationProcess) -> LabelBatch:
        try:
            batch = batches.issue_batch(
                batch_id=_batch_of(process).pk, issued_to=issued_to, origin=_origin(user, origin)
            )
        except batches.BatchStageError as exc:
            raise StepError(exc.message) from None
        model = process.declaration.appliance_model
        for organization_id in {model.manufacturer_id, issued_to.pk}:  # and the dealer it went to, if one
            _tell_labels_ready(process.declaration, organization_id)
        return batch

    return _run_step(task_id, user, DeclarationFlow.issue_batch, work)


def _tell_labels_ready(declaration: Declaration, organization_id: int) -> None:
    model = declaration.appliance_model
    # The maker follows its declaration; a dealer may not open it (403), so its message opens the sell page.
    if organization_id == model.manufacturer_id:
        link = reverse("declarations:detail", args=[declaration.pk])
    else:
        link = reverse("field:sell-start")
    notifications.notify_organization(
        organization_id,
        f"batch{declaration.pk}:ready:o{organization_id}",
        template="labels_ready",
        params={"model": str(model), "count": declaration.quantity},
        subject=_("型号 %(model)s 的 %(count)s 张标识已激活并发放") % {"model": model, "count": declaration.quantity},
        link=link,
    )


def _origin(user: User | None, origin: Origin | None) -> Origin:
    # Called from code without a request: still record who did it.
    return origin or Origin(actor=user)


def _batch_step(operation: Callable[..., tuple[LabelBatch, bool]], batch: LabelBatch, origin: Origin) -> LabelBatch:
    try:
        batch, _moved = operation(batch_id=batch.pk, origin=origin)
    except batches.BatchStageError as exc:
        raise StepError(exc.message) from None
    return batch


def labels_ready(batch_id: int) -> bool:
    """Called by the generation task: complete the process's waiting `generate` step (idempotent)."""
    batch = LabelBatch.objects.select_related("declaration").get(pk=batch_id)
    if batch.stage != LabelBatch.Stage.GENERATED:
        return False
    task = open_task(declaration=batch.declaration, node=DeclarationFlow.generate)
    if task is None:
        return False
    DeclarationFlow.generate.run(task)
    return True


def register() -> None:
    """Answer the cases app's hook: generated labels move the declaration's process on."""
    cases_hooks.labels_generated.answer(labels_ready)


__all__ = [
    "StepError",
    "ValidationError",
    "PermissionDenied",
    "submit",
    "review",
    "resubmit",
    "confirm_print",
    "activate",
    "issue",
    "labels_ready",
    "inbox",
    "open_task",
    "process_of",
]
