"""Recall pages for the association: recall and lift, and the recalled appliances already installed or ignited."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import city, permissions
from cases import selectors as case_selectors
from cases.services.labels import Origin
from cases.services.recalls import RecallError
from field import selectors as field_selectors

from . import services
from .forms import LiftForm, RecallForm


def _require_reviewer(user):
    if not permissions.can_manage_recalls(user):
        raise PermissionDenied(_("只有协会审核员可以管理召回。"))


@login_required
def recall_list(request):
    _require_reviewer(request.user)
    form = RecallForm(request.POST or None)
    error, status = None, 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                row = services.recall(
                    user=request.user,
                    appliance_model_id=data["appliance_model"].pk,
                    batch_id=data["batch"],
                    first_serial=data["first_serial"],
                    last_serial=data["last_serial"],
                    reason=data["reason"],
                    recalled_on=data["recalled_on"],
                    origin=Origin.from_request(request),
                )
            except RecallError as exc:
                error, status = exc.message, exc.status
            else:
                messages.success(
                    request,
                    _("已召回 %(model)s：%(count)s 个标识。")
                    % {"model": row.appliance_model, "count": row.label_count},
                )
                return redirect("recalls:list")
    context = {"form": form, "error": error, "recalls": case_selectors.recalls(), "lift_form": LiftForm()}
    return render(request, "workflows/recall/list.html", context, status=status)


@login_required
@require_POST
def lift(request, pk):
    _require_reviewer(request.user)
    form = LiftForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.lift(user=request.user, recall_id=pk, reason=reason, origin=Origin.from_request(request))
    except RecallError as exc:
        context = {"form": RecallForm(), "error": exc.message, "recalls": case_selectors.recalls(), "lift_form": form}
        return render(request, "workflows/recall/list.html", context, status=exc.status)
    messages.success(request, _("召回已解除。"))
    return redirect("recalls:list")


@login_required
def in_service(request):
    """Recalled appliances already installed or ignited, with their district: the association follows them up."""
    _require_reviewer(request.user)
    rows = list(field_selectors.recalled_in_service()[:1000])
    for row in rows:
        row.district_name = city.district_name(row.district or "")
    return render(request, "workflows/recall/in_service.html", {"rows": rows})
