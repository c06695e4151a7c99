"""Field pages: the public scan page, workers' phone pages, permits and bookings. Thin: rules are in services."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts import permissions, roles
from cases import serials
from cases.services.labels import Origin
from project import ratelimit

from . import selectors
from .forms import BookingForm, IgniteForm, PermitIssueForm, RatingForm, RevokeForm, ScheduleForm, SellForm, WorkForm
from .models import Booking, WorkPermit, WorkRecord
from .pwa import uses_field_app
from .services import bookings as booking_services
from .services import permits as permit_services
from .services.common import report_url
from .services.errors import FieldError, require_role
from .services.ignition import ignite
from .services.labels import find_label, refuse_if_recalled
from .services.sales import sell
from .services.scans import record_scan
from .services.work import rate_work, record_work


def too_many(request):
    return render(request, "field/rate_limited.html", status=429)


def refusal(request, error, *, template="field/refused.html", context=None):
    """Render a FieldError as a page with its HTTP status (never a 500)."""
    return render(request, template, {"error": error, **(context or {})}, status=error.status)


# --- public scan ------------------------------------------------------------------------------


def scan_lookup(request):
    """The home page's serial form: GET /q/?serial=… → the canonical scan page, or the invalid verdict."""
    if ratelimit.limited(request, group=ratelimit.LOOKUP):
        return too_many(request)
    code = request.GET.get("serial", "")
    try:
        return redirect("field:scan", code=serials.parse_code(code))
    except serials.InvalidSerial:
        return scan_page(request, code)


def scan_page(request, code):
    """Public, mobile-first: what this label is and whether it is genuine. Three queries for a genuine label."""
    if ratelimit.limited(request, group=ratelimit.LOOKUP):
        return too_many(request)
    view = selectors.resolve_scan(code)
    record_scan(request, code=code, verdict=view.verdict, label=view.label)
    status = 200 if view.is_genuine else 404
    context = {"scan": view, "field_app": uses_field_app(request.user)}
    if view.is_genuine:
        context["actions"] = selectors.scan_actions(request.user, view)
    if permissions.is_field_reporter(request.user):
        context["counterfeit_report_url"] = report_url(code, "counterfeit")
    return render(request, "field/scan.html", context, status=status)


def permit_public(request, number):
    """What a permit card's QR opens: is this worker's permit valid today?"""
    if ratelimit.limited(request, group=ratelimit.LOOKUP):
        return too_many(request)
    permit = selectors.permit_by_number(number.upper())
    if permit is None:
        raise Http404
    return render(
        request, "field/permit_public.html", {"permit": permit, "problem": permit_services.permit_problem(permit)}
    )


# --- workers' phone pages ----------------------------------------------------------------------

SCANNER_ACTIONS = {
    "": (gettext_lazy("扫码查询"), None),
    "sell": (gettext_lazy("扫码登记销售"), "field:sell"),
    "install": (gettext_lazy("扫码登记安装"), "field:install"),
    "repair": (gettext_lazy("扫码登记维修"), "field:repair"),
    "ignite": (gettext_lazy("扫码点火通气"), "field:ignite"),
}


def scanner(request, action=""):
    """Camera scanner with a typed-serial fallback; opens the action page (or the scan page) for the code."""
    title, url_name = SCANNER_ACTIONS[action]
    target = reverse(url_name, args=["SERIAL"]) if url_name else reverse("field:scan", args=["SERIAL"])
    code = request.GET.get("serial")
    if code:
        try:
            return redirect(target.replace("SERIAL", serials.parse_code(code)))
        except serials.InvalidSerial:
            return render(
                request,
                "field/scanner.html",
                {"title": title, "target": target, "error": _("编码无效：请核对标识下方的编码。")},
                status=400,
            )
    # The plain scanner also opens a scanned permit's check page; an action scanner wants the label first.
    permit_target = "" if url_name else reverse("field:permit-public", args=["NUMBER"])
    return render(request, "field/scanner.html", {"title": title, "target": target, "permit_target": permit_target})


def _label_or_refusal(request, code):
    try:
        return find_label(code), None
    except FieldError as error:
        return None, refusal(request, error)


def _work_page(request, code, *, role, form_class, template, perform, extra=None, refuse_recalled=True):
    """Shared GET/POST flow of the sell/install/repair/ignite pages (a repair may touch a recalled appliance)."""
    try:
        require_role(request.user, role)
    except FieldError as error:
        return refusal(request, error)
    label, refused = _label_or_refusal(request, code)
    if refused:
        return refused
    if refuse_recalled:
        try:
            refuse_if_recalled(label)  # the service refuses it again on POST; this spares the worker a form
        except FieldError as error:
            return refusal(request, error)
    form = form_class(request.POST if request.method == "POST" else None, initial=(extra or {}).get("initial"))
    context = {"label": label, "form": form, **(extra or {})}
    if request.method == "POST" and form.is_valid():
        try:
            return perform(form.cleaned_data, label)
        except FieldError as error:
            return render(request, template, {**context, "error": error}, status=error.status)
    return render(request, template, context, status=400 if request.method == "POST" else 200)


def _permit_initial(user, kind):
    permit = selectors.permits_of(user, kind).first()
    return {"permit": permit.number} if permit else {}


@login_required
def sell_page(request, code):
    def perform(data, label):
        sale = sell(user=request.user, code=code, district=data["district"], origin=Origin.from_request(request))
        return render(request, "field/done.html", {"label": label, "title": _("已登记销售"), "warning": sale.warning})

    return _work_page(
        request, code, role=roles.DEALER, form_class=SellForm, template="field/sell.html", perform=perform
    )


def _work_view(kind):
    @login_required
    def view(request, code):
        def perform(data, label):
            record = record_work(
                user=request.user,
                code=code,
                kind=kind,
                permit_code=data["permit"],
                nameplate_confirmed=data["nameplate_confirmed"],
                district=data["district"],
                origin=Origin.from_request(request),
            )
            return redirect("field:rate", pk=record.pk)

        extra = {
            "kind": kind,
            "kind_label": WorkRecord.Kind(kind).label,
            "initial": _permit_initial(request.user, WorkPermit.Kind.INSTALLATION),
            "mismatch_report_url": report_url(code, "label_mismatch"),
        }
        return _work_page(
            request,
            code,
            role=roles.INSTALLER,
            form_class=WorkForm,
            template="field/work.html",
            perform=perform,
            extra=extra,
            refuse_recalled=kind == WorkRecord.Kind.INSTALLATION,
        )

    return view


install_page = _work_view(WorkRecord.Kind.INSTALLATION)
repair_page = _work_view(WorkRecord.Kind.REPAIR)


@login_required
def rate_page(request, pk):
    record = get_object_or_404(WorkRecord.objects.select_related("label__appliance_model"), pk=pk, worker=request.user)
    form = RatingForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            rate_work(user=request.user, record_id=pk, origin=Origin.from_request(request), **form.cleaned_data)
        except FieldError as error:
            return render(
                request, "field/rate.html", {"record": record, "form": form, "error": error}, status=error.status
            )
        return render(request, "field/done.html", {"label": record.label, "title": _("感谢您的评价")})
    return render(
        request, "field/rate.html", {"record": record, "form": form}, status=400 if request.method == "POST" else 200
    )


@login_required
def ignite_page(request, code):
    def perform(data, label):
        ignite(user=request.user, code=code, permit_code=data["permit"], origin=Origin.from_request(request))
        return render(request, "field/done.html", {"label": label, "title": _("已点火通气")})

    extra = {"initial": _permit_initial(request.user, WorkPermit.Kind.IGNITION), "supply": settings.CITY_GAS_CATEGORY}
    return _work_page(
        request,
        code,
        role=roles.IGNITION_WORKER,
        form_class=IgniteForm,
        template="field/ignite.html",
        perform=perform,
        extra=extra,
    )


# --- resident bookings -------------------------------------------------------------------------


def book_page(request, code):
    """A resident books installation or ignition. Anonymous: the look-up and the write are each rate-limited."""
    group = ratelimit.ANONYMOUS_WRITE if request.method == "POST" else ratelimit.LOOKUP
    if ratelimit.limited(request, group=group):
        return too_many(request)
    label, refused = _label_or_refusal(request, code)
    if refused:
        return refused
    try:
        kind = booking_services.bookable_kind(label)
    except FieldError as error:
        return refusal(request, error)
    companies = booking_services.booking_companies(label, kind)
    form = BookingForm(request.POST if request.method == "POST" else None, companies=companies)
    context = {"label": label, "form": form, "kind": kind, "kind_label": Booking.Kind(kind).label}
    if request.method == "POST" and form.is_valid():
        try:
            booking = booking_services.book(
                code=code,
                kind=kind,
                company_id=form.cleaned_data["company"],
                phone=form.cleaned_data["phone"],
                district=form.cleaned_data["district"],
                preferred_date=form.cleaned_data["preferred_date"],
                note=form.cleaned_data["note"],
                origin=Origin.from_request(request),
            )
        except FieldError as error:
            return render(request, "field/book.html", {**context, "error": error}, status=error.status)
        return render(request, "field/done.html", {"label": label, "title": _("预约已提交"), "booking": booking})
    return render(request, "field/book.html", context, status=400 if request.method == "POST" else 200)


@login_required
def bookings_page(request):
    try:
        require_role(request.user, roles.INSTALLER, roles.IGNITION_WORKER)
    except FieldError as error:
        return refusal(request, error)
    status = request.GET.get("status") or None
    bookings = selectors.bookings_for_company(request.user.organization, status=status)
    return render(
        request,
        "field/bookings.html",
        {"bookings": bookings, "form": ScheduleForm(), "statuses": Booking.Status.choices, "status": status},
    )


@login_required
@require_POST
def booking_schedule(request, pk):
    form = ScheduleForm(request.POST)
    try:
        if not form.is_valid():
            raise FieldError("invalid", _("请填写有效的上门时间。"))
        booking_services.schedule_booking(
            user=request.user, booking_id=pk, when=form.cleaned_data["when"], origin=Origin.from_request(request)
        )
    except FieldError as error:
        return refusal(request, error)
    return redirect("field:bookings")


# --- association: permits ----------------------------------------------------------------------


@login_required
def permits_page(request):
    try:
        require_role(request.user, roles.REVIEWER)
    except FieldError as error:
        return refusal(request, error)
    form = PermitIssueForm(request.POST if request.method == "POST" else None)
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            permit = permit_services.issue_permit(
                issued_by=request.user, origin=Origin.from_request(request), **form.cleaned_data
            )
        except FieldError as exc:
            error = exc
        else:
            return redirect("field:permit-card", pk=permit.pk)
    permits = selectors.permits_for_review(query=request.GET.get("q", ""))[:200]
    status = error.status if error else (400 if request.method == "POST" else 200)
    return render(
        request,
        "field/permits.html",
        {"form": form, "permits": permits, "error": error, "revoke_form": RevokeForm()},
        status=status,
    )


@login_required
def permit_card(request, pk):
    """Printable permit card with its own QR code (opens the public permit check)."""
    try:
        require_role(request.user, roles.REVIEWER)
    except FieldError as error:
        return refusal(request, error)
    permit = get_object_or_404(WorkPermit.objects.select_related("company"), pk=pk)
    url = permit_services.permit_url(permit.number)
    return render(
        request,
        "field/permit_card.html",
        {
            "permit": permit,
            "qr": permit_services.permit_qr_svg(permit.number),
            "url": url,
            "problem": permit_services.permit_problem(permit),
        },
    )


@login_required
@require_POST
def permit_revoke(request, pk):
    form = RevokeForm(request.POST)
    try:
        permit_services.revoke_permit(
            permit_id=pk,
            revoked_by=request.user,
            reason=form.data.get("reason", ""),
            origin=Origin.from_request(request),
        )
    except FieldError as error:
        return refusal(request, error)
    except WorkPermit.DoesNotExist:
        raise Http404 from None
    return redirect("field:permits")
