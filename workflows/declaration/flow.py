"""Declaration review (申报审核) as a viewflow 2 process.

manufacturer submits → reviewer decides (approve / return with reasons / reject)
→ a returned declaration goes back to the manufacturer to revise and resubmit
→ on approval the batch is created and a Celery task generates its labels
→ the association prints the batch → activates it → issues it.

Human steps are executed through workflows.declaration.services (the pages and
tests both call it); the flow only says who may do what, in which order.
"""

from contextvars import ContextVar

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow
from viewflow.workflow.lock import SelectForUpdateLock

from accounts import permissions
from cases.models import Declaration, DeclarationProcess
from cases.services.batches import create_batch
from cases.tasks import generate_batch_labels
from core.enqueue import enqueue_on_commit


class ReviewerTask(flow.View):
    """A human task any association reviewer may claim and do."""

    def can_assign(self, user, task):
        return not task.owner_id and permissions.is_reviewer(user)

    def can_execute(self, user, task):
        return super().can_execute(user, task) and permissions.is_reviewer(user)


class ManufacturerTask(flow.View):
    """A human task for staff of the manufacturer that owns the declaration."""

    def _is_own(self, user, task):
        process = task.process.coerced
        return permissions.owns_manufacturer_object(user, process.declaration.appliance_model.manufacturer_id)

    def can_assign(self, user, task):
        return not task.owner_id and user.is_authenticated and self._is_own(user, task)

    def can_execute(self, user, task):
        return super().can_execute(user, task) and self._is_own(user, task)


# Set by callers that generate the labels themselves in the same transaction
# (the demo seed); then no Celery task is queued.
generate_inline = ContextVar("generate_inline", default=False)


def _no_view(request, *args, **kwargs):  # pages live in workflows.declaration.views
    raise Http404


def _status_is(status):
    return lambda activation: activation.process.declaration.status == status


class DeclarationFlow(flow.Flow):
    """标识申报审核

    燃具企业提交申报，协会审核后生成、印制、激活并发放标识。
    """

    process_class = DeclarationProcess
    # Row lock on the process: two reviewers clicking at once serialise here.
    lock_impl = SelectForUpdateLock(nowait=False)

    start = flow.StartHandle(this.start_process).Annotation(title=_("提交申报")).Next(this.review)

    review = ReviewerTask(_no_view).Annotation(title=_("审核申报")).Next(this.decide)

    decide = (
        flow.Switch()
        .Annotation(title=_("审核结论"))
        .Case(this.create_batch, _status_is(Declaration.Status.APPROVED))
        .Case(this.revise, _status_is(Declaration.Status.RETURNED))
        .Default(this.rejected)
    )

    revise = ManufacturerTask(_no_view).Annotation(title=_("修改后重新提交")).Next(this.review)

    create_batch = flow.Function(this.make_batch).Annotation(title=_("建立标识批次")).Next(this.generate)

    # Completed by the Celery task cases.tasks.generate_batch_labels when the labels exist.
    generate = flow.Handle(this.labels_generated).Annotation(title=_("生成标识")).Next(this.print_batch)

    print_batch = ReviewerTask(_no_view).Annotation(title=_("印制标识")).Next(this.activate_batch)

    activate_batch = ReviewerTask(_no_view).Annotation(title=_("激活标识")).Next(this.issue_batch)

    issue_batch = ReviewerTask(_no_view).Annotation(title=_("发放标识")).Next(this.issued)

    issued = flow.End().Annotation(title=_("已发放"))

    rejected = flow.End().Annotation(title=_("已驳回"))

    def start_process(self, activation, declaration):
        activation.process.artifact = declaration
        activation.process.data = {"declaration_id": declaration.pk}
        activation.task.owner = declaration.submitted_by
        return activation.process

    def make_batch(self, activation):
        batch = create_batch(activation.process.declaration)
        if generate_inline.get():
            return
        # After commit: the worker must see the batch and the waiting `generate` task. Broker down:
        # logged, and cases.tasks.resume_stalled_batches queues it again later.
        enqueue_on_commit(generate_batch_labels, batch.pk)

    def labels_generated(self, activation):
        return activation.process
