"""Field pages: the public scan page, workers' phone pages, permits and bookings. Thin: rules are in services."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import engines
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts import city, permissions, roles
from accounts.context_processors import public_layout
from cases.services.labels import Origin
from core import digital_link, jinja_layout, ratelimit, serials
from core.client import client_ip

from . import linkset, selectors
from .forms import (
    BookingForm,
    IgniteForm,
    LinkRatingForm,
    PermitIssueForm,
    RatingForm,
    RevokeForm,
    ScheduleForm,
    SellForm,
    WorkForm,
)
from .models import Booking, PhoneCode, ScanLog, SuspectedClone, WorkPermit, WorkRecord
from .services import bookings as booking_services
from .services import clones as clone_services
from .services import permits as permit_services
from .services import phone_codes
from .services.common import report_url
from .services.errors import FieldError, require_role
from .services.ignition import ignite
from .services.labels import find_label, refuse_if_recalled
from .services.sales import sell
from .services.scans import record_scan
from .services.work import rate_by_link, rate_work, rating_link_target, record_work, send_rating_link
from .views_pwa import uses_field_app


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
        return redirect(_scan_url(serials.parse_label_code(code)))
    except serials.InvalidSerial:
        return scan_page(request, code)


def _scan_url(parsed):
    """The canonical page of a parsed code: its Digital Link when it came as one (the GTIN is checked there)."""
    if parsed.gtin:
        return reverse("field:digital-link", args=[digital_link.path(parsed.gtin, parsed.serial).removeprefix("/01/")])
    return reverse("field:scan", args=[parsed.serial])


def scan_page(request, code):
    """Public, mobile-first: what this label is and whether it is genuine. Two queries for a genuine label (at most 3)."""
    if ratelimit.limited(request, group=ratelimit.LOOKUP):
        return too_many(request)
    return _scan_response(request, code, selectors.resolve_scan(code))


def digital_link_page(request, rest):
    """A GS1 Digital Link: `/01/{gtin}/21/{serial}` answers like `/q/{serial}` (the GTIN must be the label's
    model's), `/01/{gtin}` shows the model; `Accept: application/linkset+json` gets the RFC 9264 linkset."""
    if ratelimit.limited(request, group=ratelimit.LOOKUP):
        return too_many(request)
    response = _digital_link_response(request, f"01/{rest}", wants_linkset=linkset.wants_linkset(request))
    patch_vary_headers(response, ["Accept"])  # one URL, two representations
    return response


def _linkset_response(body, status=200):
    response = JsonResponse(body, status=status, content_type=linkset.MEDIA_TYPE if status == 200 else None)
    response["Access-Control-Allow-Origin"] = "*"  # GS1 resolvers answer apps on other origins (public data only)
    return response


def _digital_link_response(request, code, *, wants_linkset):
    try:
        link = digital_link.parse(code)
    except digital_link.InvalidDigitalLink:
        record_scan(request, code=code, verdict=ScanLog.Verdict.MALFORMED)
        if wants_linkset:
            return _linkset_response({"code": "malformed", "detail": _("不是有效的 GS1 数字链接。")}, status=400)
        view = selectors.ScanView(code=code, verdict=ScanLog.Verdict.MALFORMED)
        return _render_scan(request, {"scan": view}, status=400)
    if not link.serial:  # GTIN only: the model, no scan logged (it names no label)
        model = selectors.model_by_gtin(link.gtin)
        if wants_linkset:
            if model is None:
                return _linkset_response({"code": "unknown", "detail": _("本系统中没有这个商品条码。")}, status=404)
            return _linkset_response(linkset.model_linkset(model))
        context = {"model": model, "gtin": link.gtin, "fits_gas": model is not None and model.fits_gas()}
        return render(request, "field/model.html", context, status=200 if model else 404)
    view = selectors.resolve_scan(link.serial, gtin=link.gtin)
    view.code = code
    if wants_linkset:
        record_scan(request, code=code, verdict=view.verdict, label=view.label)
        if not view.is_genuine:
            return _linkset_response({"code": view.verdict, "detail": _("非正品 / 无效标识")}, status=404)
        return _linkset_response(linkset.label_linkset(view))
    return _scan_response(request, code, view)


def _scan_response(request, code, view):
    record_scan(request, code=code, verdict=view.verdict, label=view.label)
    status = 200 if view.is_genuine else 404
    context = {"scan": view, "field_app": uses_field_app(request.user)}
    if view.is_genuine:
        context["actions"] = selectors.scan_actions(request.user, view)
    else:  # the hotline is offered with a non-genuine verdict only (a genuine look-up read the city already)
        current_city = city.current_city()  # cached: no query on a warm cache
        context.update(hotline=current_city.hotline, association_name=current_city.association_name)
    if permissions.is_field_reporter(request.user):
        context["counterfeit_report_url"] = report_url(code=code, kind="counterfeit")
        context["worker"] = True  # warned when the label is already installed somewhere
    return _render_scan(request, context, status=status)


def _render_scan(request, context, *, status):
    """The label part is Jinja2 for everybody (core/jinja.py); a visitor gets it in the public layout, the
    Jinja2 twin of base.html rendered once per language (core/jinja_layout.py), a signed-in user in base.html
    with their menu and the field app."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return HttpResponse(
            jinja_layout.render(request, "field/scan_public.html", context, public_layout), status=status
        )
    label_html = engines["jinja2"].get_template("field/scan_label.html").render(context, request)
    context["label_html"] = mark_safe(label_html)  # escaped by Jinja2
    return render(request, "field/scan.html", context, status=status)


def permit_public(request, number):
    """What a permit card's QR opens: is this worker's permit valid today?"""
    if ratelimit.limited(request, group=ratelimit.LOOKUP):
        return too_many(request)
    permit = selectors.permit_by_number(number.upper())
    if permit is None:
        raise Http404
    return render(
        request,
        "field/permit_public.html",
        {"permit": permit, "problem": permit_services.permit_problem(permit=permit)},
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
            parsed = serials.parse_label_code(code)
        except serials.InvalidSerial:
            return render(
                request,
                "field/scanner.html",
                {"title": title, "target": target, "error": _("编码无效：请核对标识下方的编码。")},
                status=400,
            )
        if not url_name:
            return redirect(_scan_url(parsed))
        if parsed.gtin:  # the action pages take a serial: check the Digital Link's GTIN before dropping it
            try:
                find_label(code)
            except FieldError as error:
                context = {"title": title, "target": target, "error": error.message}
                return render(request, "field/scanner.html", context, status=error.status)
        return redirect(target.replace("SERIAL", parsed.serial))
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
        # Selling many in a row: the next scan is one tap away, no navigating back.
        next_scan = reverse("field:sell-start")
        context = {"label": label, "title": _("已登记销售"), "warning": sale.warning, "next_scan": next_scan}
        return render(request, "field/done.html", context)

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
            "mismatch_report_url": report_url(code=code, kind="label_mismatch"),
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
    """The resident rates on the installer's phone (with the code their phone receives), or gets a link to rate later."""
    record = get_object_or_404(WorkRecord.objects.select_related("label__appliance_model"), pk=pk, worker=request.user)
    form = RatingForm(request.POST if request.method == "POST" else None)
    context = {"record": record, "form": form}
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if action in ("send_code", "send_link"):
        if ratelimit.limited(request, group=ratelimit.PHONE_CODE):
            return too_many(request)
        phone = request.POST.get("phone", "")
        try:
            if action == "send_code":
                phone_codes.request_code(phone=phone, purpose=PhoneCode.Purpose.RATING, client=client_ip(request))
            else:
                send_rating_link(user=request.user, record_id=pk, phone=phone)
        except FieldError as error:
            return render(request, "field/rate.html", {**context, "error": error}, status=error.status)
        if action == "send_link":
            return render(request, "field/done.html", {"label": record.label, "title": _("评价链接已发送到用户手机")})
        form.errors.clear()
        return render(request, "field/rate.html", {**context, "code_sent": True})
    if request.method == "POST" and form.is_valid():
        try:
            rate_work(user=request.user, record_id=pk, origin=Origin.from_request(request), **form.cleaned_data)
        except FieldError as error:
            return render(request, "field/rate.html", {**context, "error": error}, status=error.status)
        return render(request, "field/done.html", {"label": record.label, "title": _("感谢您的评价")})
    return render(request, "field/rate.html", context, status=400 if request.method == "POST" else 200)


def rate_link_page(request, token):
    """What the SMS link opens on the resident's own phone: rate once, no login."""
    if ratelimit.limited(request, group=ratelimit.ANONYMOUS_WRITE if request.method == "POST" else ratelimit.LOOKUP):
        return too_many(request)
    try:
        record_id, _phone = rating_link_target(token)
    except FieldError as error:
        return refusal(request, error)
    record = get_object_or_404(WorkRecord.objects.select_related("label__appliance_model", "company"), pk=record_id)
    form = LinkRatingForm(request.POST if request.method == "POST" else None)
    context = {"record": record, "form": form, "by_link": True}
    if record.rated_at:
        return render(request, "field/done.html", {"label": record.label, "title": _("该作业已评价过，谢谢")})
    if request.method == "POST" and form.is_valid():
        try:
            rate_by_link(token=token, origin=Origin.from_request(request), **form.cleaned_data)
        except FieldError as error:
            return render(request, "field/rate.html", {**context, "error": error}, status=error.status)
        return render(request, "field/done.html", {"label": record.label, "title": _("感谢您的评价")})
    return render(request, "field/rate.html", context, status=400 if request.method == "POST" else 200)


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
    sending_code = request.method == "POST" and "send_code" in request.POST
    if sending_code:
        group = ratelimit.PHONE_CODE
    else:
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
    companies = booking_services.booking_companies(label=label, kind=kind)
    form = BookingForm(request.POST if request.method == "POST" else None, companies=companies)
    context = {"label": label, "form": form, "kind": kind, "kind_label": Booking.Kind(kind).label}
    if sending_code:
        # First step: the code goes to the phone typed; the form comes back filled in, waiting for it.
        try:
            phone_codes.request_code(
                phone=request.POST.get("phone", ""), purpose=PhoneCode.Purpose.BOOKING, client=client_ip(request)
            )
        except FieldError as error:
            return render(request, "field/book.html", {**context, "error": error}, status=error.status)
        form.errors.clear()
        return render(request, "field/book.html", {**context, "code_sent": True})
    if request.method == "POST" and form.is_valid():
        try:
            booking = booking_services.book(
                code=code,
                kind=kind,
                company_id=form.cleaned_data["company"],
                phone=form.cleaned_data["phone"],
                district=form.cleaned_data["district"],
                address=form.cleaned_data["address"],
                preferred_date=form.cleaned_data["preferred_date"],
                note=form.cleaned_data["note"],
                sms_code=form.cleaned_data["sms_code"],
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
            "problem": permit_services.permit_problem(permit=permit),
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
    return redirect("field:permits")


# --- suspected clones: the association's queue ---------------------------------------------------


@login_required
def clones_page(request):
    """Open suspected-clone cases with their evidence (reviewers and the regulator; reviewers close them)."""
    if not permissions.sees_all_records(request.user):
        raise Http404
    closed = request.GET.get("status") == "closed"
    status = SuspectedClone.Status.CLOSED if closed else SuspectedClone.Status.OPEN
    cases = selectors.clone_cases(status=status)[:200]
    context = {"cases": cases, "closed": closed, "may_close": permissions.is_reviewer(request.user)}
    return render(request, "field/clones.html", context)


@login_required
@require_POST
def clone_close(request, pk):
    if not permissions.is_reviewer(request.user):
        raise Http404
    get_object_or_404(SuspectedClone, pk=pk)
    note = request.POST.get("note", "").strip()[:255]
    clone_services.close_case(case_id=pk, note=note, origin=Origin.from_request(request))
    return redirect("field:clones")
