"""Remediation pages: report a problem, the case page with its actions, the three queues, the inbox.

Thin: forms in, remediation.services for every change, remediation.selectors for reads.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin
from django_tables2.export.views import ExportMixin

from accounts import permissions, pii, roles
from cases.services.labels import Origin
from core.exports import TableExport
from core.paging import BoundedPaginator

from . import clock, selectors, services
from .forms import ContactForm, NoteForm, ReassignForm, ReportForm, ResolveForm, TextForm
from .models import Level, Notification, ProblemKind, Stage
from .services.errors import RemediationError
from .tables import CaseFilter, CaseTable, DealerCaseFilter, time_left_text


def _denied(request, message, status=403):
    return render(request, "remediation/error.html", {"message": message}, status=status)


@login_required
def report(request):
    """The field worker's form; ?serial=…&kind=… prefill it (linked from the installation/ignition refusal)."""
    if not permissions.is_field_reporter(request.user):
        return _denied(request, _("只有安装维修工或点火工可以报告现场问题。"))
    status = 200
    if request.method == "POST":
        form = ReportForm(request.POST)
        if form.is_valid():
            try:
                case = services.report_problem(
                    reporter=request.user, origin=Origin.from_request(request), **form.cleaned_data
                )
            except RemediationError as exc:
                form.add_error(None, exc.message)
                status = exc.status
            else:
                messages.success(
                    request, _("已提交整改单 #%(pk)s，标识已暂停使用。请告知用户联系销售代理商。") % {"pk": case.pk}
                )
                return redirect("remediation:case", pk=case.pk)
        else:
            status = 400
    else:
        initial = {"serial": request.GET.get("serial", "")}
        if request.GET.get("kind") in ProblemKind.values:
            initial["kind"] = request.GET["kind"]
        form = ReportForm(initial=initial)
    return render(request, "remediation/report.html", {"form": form}, status=status)


def _case_context(request, case):
    user = request.user
    is_dealer = permissions.may_call_resident(user, case)
    is_reviewer = permissions.is_reviewer(user)
    is_regulator = permissions.is_regulator(user)
    deadlines = list(case.deadlines.all())
    for deadline in deadlines:
        deadline.left, deadline.overdue = (
            time_left_text(deadline.due_at) if deadline.state == deadline.State.PENDING else (None, False)
        )
    return {
        "case": case,
        "phone": pii.phone_for(case.resident_phone, may_call=is_dealer),
        "address": pii.address_for(case.address, may_call=is_dealer),
        "deadlines": deadlines,
        "events": list(case.events.all()),
        "photos": list(case.photos.all()),
        "escalations": list(case.escalations.all()),
        "tasks": list(selectors.case_tasks(case)),
        "is_open": case.stage != Stage.CLOSED,
        "can_contact": is_dealer and case.stage == Stage.CONTACT,
        "can_resolve": is_dealer and case.stage == Stage.RESOLVE,
        "is_reviewer": is_reviewer,
        "has_followup": any(e.level == Level.ASSOCIATION and e.closed_at is None for e in case.escalations.all()),
        "can_report": is_reviewer and case.escalation_level != Level.REGULATOR,
        "is_regulator": is_regulator,
        "contact_form": ContactForm(),
        "resolve_form": ResolveForm(),
        "reassign_form": ReassignForm(initial={"dealer": case.dealer_id}),
        "note_form": NoteForm(),
        "followup_form": TextForm(prefix="followup"),
        "regulator_form": TextForm(prefix="regulator"),
    }


def _load_case(request, pk):
    case = selectors.case_detail(pk)
    if case is None or not permissions.can_view_case(request.user, case):
        raise Http404
    return case


@login_required
def case_page(request, pk):
    return render(request, "remediation/case.html", _case_context(request, _load_case(request, pk)))


@login_required
def case_photo(request, pk, photo):
    """A resident's photo, for those who may see the case (404 for anyone else); the type was sniffed on upload."""
    row = get_object_or_404(_load_case(request, pk).photos, pk=photo)
    try:
        handle = row.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=row.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _action(service, form_class, build_kwargs, success, form_key, prefix=None):
    """A POST on the case page: run one service; errors re-render the page with their 4xx status.

    The page comes back with this action's form as it was sent (`form_key` in the page's context), so a mistyped
    new serial does not also cost the dealer the note typed beside it.
    """

    @login_required
    @require_POST
    def view(request, pk):
        case = _load_case(request, pk)
        form = form_class(request.POST, prefix=prefix)
        try:
            if not form.is_valid():
                raise RemediationError(" ".join(str(e) for errors in form.errors.values() for e in errors))
            service(
                case_id=pk, user=request.user, origin=Origin.from_request(request), **build_kwargs(form.cleaned_data)
            )
        except RemediationError as exc:
            messages.error(request, exc.message)
            context = _case_context(request, _load_case(request, pk))
            context[form_key] = form
            return render(request, "remediation/case.html", context, status=exc.status)
        messages.success(request, success())
        return redirect("remediation:case", pk=case.pk)

    return view


contact = _action(
    services.record_contact, ContactForm, lambda d: {"note": d["note"]}, lambda: _("已记录联系用户。"), "contact_form"
)
resolve = _action(
    services.resolve_case,
    ResolveForm,
    lambda d: {"resolution": d["resolution"], "new_serial": d["new_serial"], "note": d["note"]},
    lambda: _("整改完成，已结案并通知用户重新预约。"),
    "resolve_form",
)
reassign = _action(
    services.reassign_dealer,
    ReassignForm,
    lambda d: {"dealer_id": d["dealer"].pk},
    lambda: _("已指派代理商。"),
    "reassign_form",
)
close_followup = _action(
    services.close_followup,
    TextForm,
    lambda d: {"note": d["note"]},
    lambda: _("协会督办已完成。"),
    "followup_form",
    prefix="followup",
)
report_to_regulator = _action(
    services.report_to_regulator,
    TextForm,
    lambda d: {"note": d["note"]},
    lambda: _("已上报行业主管部门。"),
    "regulator_form",
    prefix="regulator",
)
note = _action(
    services.add_note, NoteForm, lambda d: {"kind": d["kind"], "text": d["text"]}, lambda: _("已保存。"), "note_form"
)


@method_decorator(login_required, name="dispatch")
class QueueView(ExportMixin, SingleTableMixin, FilterView):
    """One queue: a filtered, sortable, exportable table of cases."""

    table_class = CaseTable
    filterset_class = CaseFilter
    template_name = "remediation/queue.html"
    paginate_by = 50
    paginator_class = BoundedPaginator  # ?per_page= from the query string, kept between 1 and a bound
    export_formats = ("csv", "xlsx")
    export_class = TableExport  # formulas neutralised, local times, CSV with a BOM
    allowed_roles = ()
    title = ""
    export_name = "cases"

    def dispatch(self, request, *args, **kwargs):
        if not permissions.holds_role(request.user, *self.allowed_roles):
            return _denied(request, _("您没有权限查看该列表。"))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = self.title
        context["now"] = timezone.now()
        return context

    def get_export_filename(self, export_format):
        return f"{self.export_name}-{timezone.localdate():%Y%m%d}.{export_format}"


class DealerQueue(QueueView):
    allowed_roles = (roles.DEALER,)
    filterset_class = DealerCaseFilter
    template_name = "remediation/dealer_queue.html"  # cards first: the dealer works from a phone
    title = _("我的整改单")
    export_name = "my-cases"

    def get_queryset(self):
        return selectors.dealer_open_cases(self.request.user.organization_id)


class AssociationQueue(QueueView):
    allowed_roles = (roles.REVIEWER,)
    title = _("协会督办")
    export_name = "escalations"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # The association's page says when service-hour deadlines are about to run into a year without holidays.
        context["holiday_years_missing"] = clock.years_to_enter(timezone.localdate())
        return context

    def get_queryset(self):
        return selectors.association_queue()


class AllCases(QueueView):
    allowed_roles = (roles.REVIEWER,)
    title = _("全部整改单")
    export_name = "all-cases"

    def get_queryset(self):
        return selectors.all_cases()


class RegulatorQueue(QueueView):
    allowed_roles = (roles.REGULATOR,)
    title = _("上报的整改单")
    export_name = "escalated-cases"

    def get_queryset(self):
        return selectors.regulator_cases()


@login_required
def inbox(request):
    items = list(selectors.inbox_of(request.user)[:100])
    if request.method == "POST":
        selectors.unread_inbox(request.user).update(read_at=timezone.now())
        return redirect("remediation:inbox")
    return render(request, "remediation/inbox.html", {"items": items})


@login_required
def inbox_open(request, pk):
    """Opening a message marks it read and goes where it points (the case, the booking list, …)."""
    message = get_object_or_404(selectors.inbox_of(request.user), pk=pk)
    if message.read_at is None:
        Notification.objects.filter(pk=message.pk, read_at__isnull=True).update(read_at=timezone.now())
    target = message.link or (reverse("remediation:case", args=[message.case_id]) if message.case_id else "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("remediation:inbox")
