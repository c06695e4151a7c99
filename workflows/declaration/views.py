"""Pages of the declaration review flow: declare, the declaration page with the step the user may do, inboxes, step POSTs.

Thin: forms in, workflows.declaration.services does the step, errors come back
as the same page with a message and a 4xx status.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cases import selectors
from cases.models import Declaration, LabelBatch, LabelTransition
from cases.services.batches import issue_recipients
from cases.services.declarations import create_declaration
from cases.services.labels import Origin
from cases.views import back_office, login_redirect

from . import services as steps
from .flow import DeclarationFlow
from .forms import DeclarationForm, IssueForm, ResubmitForm, ReviewForm

TASK_STATUS = {
    "NEW": gettext_lazy("待处理"),
    "ASSIGNED": gettext_lazy("已领取"),
    "STARTED": gettext_lazy("处理中"),
    "DONE": gettext_lazy("已完成"),
    "CANCELED": gettext_lazy("已取消"),
    "ERROR": gettext_lazy("出错"),
}

STEP_NODES = {
    "review": DeclarationFlow.review,
    "resubmit": DeclarationFlow.revise,
    "print": DeclarationFlow.print_batch,
    "activate": DeclarationFlow.activate_batch,
    "issue": DeclarationFlow.issue_batch,
}


def _forms_for(declaration, task, user, data=None, files=None, bound_step=None):
    """The one form for the open step, if this user may do it."""
    if task is None:
        return None, None
    node = task.flow_task
    # Only human steps have a form; the `generate` Handle (labels being generated) has no can_assign.
    step = next((name for name, n in STEP_NODES.items() if n == node), None)
    if step is None:
        return None, None
    may = (task.owner_id == user.pk and node.can_execute(user, task)) or node.can_assign(user, task)
    if not may:
        return None, None
    bound = step == bound_step
    args = (data, files) if bound else ()
    if step == "review":
        form = ReviewForm(*args)
    elif step == "resubmit":
        form = ResubmitForm(*args, initial={"quantity": declaration.quantity})
    elif step == "issue":
        form = IssueForm(*args, recipients=issue_recipients(declaration.appliance_model))
    else:
        form = None
    return step, form


def declaration_page(request, declaration, *, bound_step=None, form=None, error=None, status=200):
    task = steps.open_task(declaration=declaration)
    step, default_form = _forms_for(declaration, task, request.user)
    batch = LabelBatch.objects.filter(declaration=declaration).first()
    process = steps.process_of(declaration)
    history = []
    if process is not None:
        history = [
            (t, TASK_STATUS.get(t.status, t.status))
            for t in process.task_set.select_related("owner").order_by("created", "pk")
            if t.flow_task_type in ("HUMAN", "HUMAN_START", "START")
        ]
    return render(
        request,
        "workflows/declaration/detail.html",
        {
            "declaration": declaration,
            "documents": declaration.appliance_model.documents.all(),
            "task": task,
            "step": step,
            "form": form if (form is not None and bound_step == step) else default_form,
            "error": error,
            "batch": batch,
            "state_counts": selectors.batch_state_counts(batch) if batch else {},
            "generation": selectors.generation_progress(batch) if batch else None,
            "history": history,
            "is_reviewer": selectors.is_reviewer(request.user),
        },
        status=status,
    )


@login_required
@require_POST
def do_step(request, pk, step):
    if step not in STEP_NODES:
        raise PermissionDenied
    declaration = get_object_or_404(selectors.declarations_for(request.user), pk=pk)
    task = steps.open_task(declaration=declaration, node=STEP_NODES[step])
    if task is None:
        return declaration_page(request, declaration, error=_("该步骤当前不可操作（可能已被他人处理）。"), status=409)
    _step, form = _forms_for(declaration, task, request.user, request.POST, request.FILES, bound_step=step)
    if _step != step:
        return declaration_page(request, declaration, error=_("您无权处理该任务。"), status=403)
    if form is not None and not form.is_valid():
        return declaration_page(request, declaration, bound_step=step, form=form, status=400)
    data = form.cleaned_data if form is not None else {}
    origin = Origin.from_request(request, LabelTransition.Source.WEB)
    try:
        if step == "review":
            steps.review(
                task_id=task.pk, user=request.user, decision=data["decision"], comment=data["comment"], origin=origin
            )
        elif step == "resubmit":
            steps.resubmit(
                task_id=task.pk, user=request.user, quantity=data["quantity"], documents=form.documents(), origin=origin
            )
        elif step == "print":
            steps.confirm_print(task_id=task.pk, user=request.user, origin=origin)
        elif step == "activate":
            steps.activate(task_id=task.pk, user=request.user, origin=origin)
        elif step == "issue":
            steps.issue(task_id=task.pk, user=request.user, issued_to=data["issued_to"], origin=origin)
    except ValidationError as exc:
        return declaration_page(
            request, declaration, bound_step=step, form=form, error=" ".join(exc.messages), status=400
        )
    except PermissionDenied as exc:
        return declaration_page(request, declaration, error=str(exc) or _("您无权处理该任务。"), status=403)
    except steps.StepError as exc:
        return declaration_page(request, declaration, error=exc.message, status=409)
    messages.success(request, _("已完成：%(step)s") % {"step": STEP_NODES[step].task_title})
    return redirect("declarations:detail", declaration.pk)


@login_required
def inbox(request):
    """The user's queue: reviewers see the association's open steps, manufacturers their returned declarations."""
    if not selectors.can_use_back_office(request.user):
        raise PermissionDenied(_("该页面仅供协会审核员和燃具企业使用。"))
    tasks = list(steps.inbox(request.user)[:200])
    by_id = Declaration.objects.select_related("appliance_model", "appliance_model__manufacturer").in_bulk(
        [t.process.artifact_object_id for t in tasks]
    )
    rows = [(t, by_id.get(t.process.artifact_object_id)) for t in tasks]
    return render(request, "workflows/declaration/inbox.html", {"rows": rows})


def create(request):
    if not back_office(request):
        return login_redirect(request)
    if not selectors.is_manufacturer(request.user):
        raise PermissionDenied(_("只有燃具企业可以申报标识。"))
    form = DeclarationForm(request.POST or None, request.FILES or None, manufacturer=request.user.organization)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                origin = Origin.from_request(request)
                declaration = create_declaration(
                    appliance_model=form.cleaned_data["appliance_model"],
                    quantity=form.cleaned_data["quantity"],
                    user=request.user,
                    documents=form.documents(),
                    origin=origin,
                )
                steps.submit(declaration=declaration, origin=origin)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("申报已提交，等待协会审核。"))
            return redirect("declarations:detail", declaration.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "cases/form.html", {"form": form, "title": _("申报标识")}, status=status)


def detail(request, pk):
    if not back_office(request):
        return login_redirect(request)
    declaration = get_object_or_404(selectors.declarations_for(request.user), pk=pk)
    return declaration_page(request, declaration)
