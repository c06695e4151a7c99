"""Bookings (预约): a resident books installation or ignition; the company schedules it."""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import permissions, roles
from accounts.models import Organization, User
from audit import services as audit
from cases import lifecycle
from cases.models import Label
from cases.services.labels import Origin
from core import limits
from remediation import notifications

from ..models import Booking, PhoneCode
from . import supply_areas
from .common import clean_district, clean_mobile
from .errors import FieldError, require_role
from .labels import find_label, refuse_if_recalled, refuse_if_suspended
from .phone_codes import confirm_code

# What a resident books for the job the label's lifecycle says comes next (cases.lifecycle.next_work).
BOOKING_FOR = {"install": Booking.Kind.INSTALLATION, "ignite": Booking.Kind.IGNITION}


def too_far_message() -> str:
    return _("预约时间最多提前 %(days)s 天。") % {"days": settings.BOOKING_MAX_DAYS_AHEAD}


def bookable_kind(label: Label) -> str:
    """What the resident can book for this appliance now: installation before, ignition after installing."""
    refuse_if_suspended(label)
    refuse_if_recalled(label)
    work = lifecycle.next_work(label)
    if work is not None:
        return BOOKING_FOR[work]
    raise FieldError("wrong_state", _("该燃具已安装并点火通气，无需预约。"))


def booking_companies(*, label: Label, kind: str) -> list[Organization]:
    """Whom a resident may book: the model's designated installers, or the gas suppliers; qualified today."""
    if kind == Booking.Kind.INSTALLATION:
        candidates = label.appliance_model.designated_installers.all()
    else:
        candidates = Organization.objects.filter(kind=Organization.Kind.GAS_SUPPLIER)
        # Ignition goes to the supplier of the area where the appliance was installed, when one is set up.
        area = supply_areas.area_for(district=supply_areas.installation_district(label))
        if area is not None:
            candidates = candidates.filter(pk=area.supplier_id)
    return [org for org in candidates.filter(is_active=True) if org.qualification_valid_on()]


def book(
    *,
    code: str,
    kind: str,
    company_id: int | str | None,
    phone: str,
    district: str,
    preferred_date: date | None,
    note: str = "",
    sms_code: str = "",
    address: str = "",
    origin: Origin | None = None,
) -> Booking:
    if kind not in Booking.Kind.values:
        raise FieldError("invalid", _("请选择预约类别。"))
    label = find_label(code)
    refuse_if_suspended(label)
    refuse_if_recalled(label)
    if BOOKING_FOR.get(lifecycle.next_work(label)) != kind:
        message = (
            _("该燃具已安装，无需再预约安装。")
            if kind == Booking.Kind.INSTALLATION
            else _("该燃具尚未安装，请先预约安装。")
        )
        raise FieldError("wrong_state", message)
    company = next((c for c in booking_companies(label=label, kind=kind) if str(c.pk) == str(company_id)), None)
    if company is None:
        raise FieldError("invalid", _("请从列表中选择服务单位。"))
    phone = clean_mobile(phone)
    district = clean_district(district, required=True)
    address = (address or "").strip()
    if len(address) > limits.ADDRESS:
        raise FieldError("invalid", _("地址最多 %(n)s 个字。") % {"n": limits.ADDRESS})
    today = timezone.localdate()
    if preferred_date is None or preferred_date < today:
        raise FieldError("invalid", _("期望日期不能早于今天。"))
    if preferred_date > today + timedelta(days=settings.BOOKING_MAX_DAYS_AHEAD):
        raise FieldError("invalid", too_far_message())
    # The resident's own phone confirms the booking: a code sent to it by SMS (field.services.phone_codes).
    confirm_code(phone=phone, purpose=PhoneCode.Purpose.BOOKING, code=sms_code)
    with transaction.atomic():
        booking = Booking.objects.create(
            label=label,
            kind=kind,
            company=company,
            resident_phone=phone,
            district=district,
            address=address,
            preferred_date=preferred_date,
            note=(note or "").strip()[:255],
        )
        announce_booking(booking)
        # Audit (issue 14): no phone in the detail; the booking row holds it under retention.
        audit.record(
            action="booking.create",
            obj=booking,
            origin=origin,
            to_state=booking.status,
            detail=f"{label.serial} {kind}",
        )
    return booking


def announce_booking(booking: Booking) -> None:
    """The company hears of a new booking; the resident that it was received."""
    kind = str(Booking.Kind(booking.kind).label)
    notifications.notify_organization(
        booking.company_id,
        f"booking{booking.pk}:new",
        template="booking_new",
        params={"kind": kind, "district": booking.get_district_display(), "date": booking.preferred_date.isoformat()},
        subject=_("新%(kind)s：%(district)s，期望 %(date)s")
        % {"kind": kind, "district": booking.get_district_display(), "date": booking.preferred_date.isoformat()},
        link=reverse("field:bookings"),
    )
    notifications.notify_resident(
        booking.resident_phone,
        f"booking{booking.pk}:received",
        template="booking_received",
        params={"kind": kind, "company": booking.company.name},
    )


def schedule_booking(*, user: User, booking_id: int, when: datetime | None, origin: Origin | None = None) -> Booking:
    """Company staff fix the visit time of one of their company's open bookings."""
    require_role(user, roles.INSTALLER, roles.IGNITION_WORKER)
    if not isinstance(when, datetime):
        raise FieldError("invalid", _("请填写安排时间。"))
    if timezone.is_naive(when):
        when = timezone.make_aware(when)
    with transaction.atomic():
        booking = Booking.objects.select_for_update().filter(pk=booking_id).first()
        if booking is None or not permissions.can_handle_booking(user, booking):
            raise FieldError("not_found", _("找不到本单位的这条预约。"))
        if booking.status not in (Booking.Status.REQUESTED, Booking.Status.SCHEDULED):
            raise FieldError(
                "wrong_state", _("该预约已%(status)s，不能再安排。") % {"status": booking.get_status_display()}
            )
        # Checked after the booking is found: someone else's booking is a 404 whatever the time asked for.
        # Minutes are what the form offers, so "now" counts as the future until the minute is over.
        now = timezone.now().replace(second=0, microsecond=0)
        if when < now:
            raise FieldError("invalid", _("上门时间不能早于现在。"))
        if when > now + timedelta(days=settings.BOOKING_MAX_DAYS_AHEAD):
            raise FieldError("invalid", too_far_message())
        booking.status = Booking.Status.SCHEDULED
        booking.scheduled_for = when
        booking.scheduled_by = user
        booking.save(update_fields=["status", "scheduled_for", "scheduled_by"])
        when_text = timezone.localtime(when).strftime("%m-%d %H:%M")
        notifications.notify_resident(
            booking.resident_phone,
            f"booking{booking.pk}:scheduled:{when.timestamp():.0f}",  # a new time is a new message
            template="booking_scheduled",
            params={"kind": str(Booking.Kind(booking.kind).label), "time": when_text},
        )
        audit.record(
            action="booking.schedule",
            obj=booking,
            origin=origin,
            actor=user if origin is None else None,
            to_state=booking.status,
            detail=when.isoformat(),
        )
    return booking
