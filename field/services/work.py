"""Installation and repair by a permitted installer, and the resident's rating of it."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import roles
from accounts.models import Organization, User
from audit import services as audit
from cases import lifecycle
from cases.models import Label
from cases.services.labels import Origin
from remediation import notifications

from ..models import Booking, PhoneCode, WorkPermit, WorkRecord
from . import clones, supply_areas
from .common import clean_district, clean_mobile
from .errors import FieldError, require_role, settle
from .labels import find_label, refuse_if_gas_mismatch, refuse_if_recalled, refuse_if_suspended, transition
from .permits import check_permit
from .phone_codes import confirm_code


def record_work(
    *,
    user: User,
    code: str,
    kind: str,
    permit_code: str,
    nameplate_confirmed: bool,
    district: str,
    origin: Origin,
    area_category: str | None = None,
) -> WorkRecord:
    """Record an installation (label → installed) or a repair (history only) of the appliance `code`."""
    require_role(user, roles.INSTALLER)
    if kind not in WorkRecord.Kind.values:
        raise FieldError("invalid", _("未知的作业类别。"))
    district = clean_district(district, required=True)
    if not nameplate_confirmed:
        raise FieldError("invalid", _("请先核对标识上的型号与燃具铭牌一致。"))
    try:
        return _record_work(
            user=user,
            code=code,
            kind=kind,
            permit_code=permit_code,
            district=district,
            origin=origin,
            area_category=area_category,
        )
    except FieldError as error:
        settle(error)  # a second installation leaves its clone signal although the attempt is refused
        raise


def _record_work(
    *, user: User, code: str, kind: str, permit_code: str, district: str, origin: Origin, area_category: str | None
) -> WorkRecord:
    with transaction.atomic():
        # Lock order: permit, then label (as in ignite); a revocation committed first is seen here.
        permit = check_permit(user=user, code=permit_code, kind=WorkPermit.Kind.INSTALLATION, lock=True)
        label = find_label(code, lock=True)
        refuse_if_suspended(label)
        if kind == WorkRecord.Kind.INSTALLATION and lifecycle.is_in_service(label):
            raise _already_installed(label, user=user, company=permit.company, district=district, origin=origin)
        if kind == WorkRecord.Kind.INSTALLATION:
            refuse_if_recalled(label)
            # The gas of the supply area at the installation address (the city's where no area is set up).
            area_gas = area_category or supply_areas.gas_category_at(district=district)
            refuse_if_gas_mismatch(label, area_category=area_gas, action_message=_("禁止安装！请上报问题。"))
        model = label.appliance_model
        if (
            model.designated_installers.exists()
            and not model.designated_installers.filter(pk=permit.company_id).exists()
        ):
            raise FieldError(
                "not_designated",
                _("%(company)s 不是型号 %(model)s 的指定安装维修企业。") % {"company": permit.company, "model": model},
            )
        if kind == WorkRecord.Kind.INSTALLATION:
            transition(label=label, name="install", origin=origin, note=permit.number)
        elif not lifecycle.may_repair(label):
            raise FieldError("wrong_state", _("该燃具尚未安装，不能登记维修。"))
        record = WorkRecord.objects.create(
            label=label,
            kind=kind,
            worker=user,
            permit=permit,
            company=permit.company,
            district=district,
            nameplate_confirmed=True,
        )
        if kind == WorkRecord.Kind.INSTALLATION:
            close_bookings(label=label, kind=Booking.Kind.INSTALLATION)
        clones.check_districts(record, origin=origin)
    return record


def _already_installed(label: Label, *, user: User, company: Organization, district: str, origin: Origin) -> FieldError:
    """The refusal of a second installation, carrying its clone signal out of the rolled-back transaction.

    The same company sending the same installation again (a retried form or request) is no signal.
    """
    installed = WorkRecord.objects.filter(label=label, kind=WorkRecord.Kind.INSTALLATION).order_by("at", "pk").first()
    if installed is not None and (installed.company_id, installed.district) == (company.pk, district):
        return FieldError("already_done", _("该燃具已由贵公司登记安装，无需重复登记。"))
    return FieldError(
        "suspected_clone",
        _(
            "该标识已登记安装在另一处：同一编码不能安装两次。您面前的燃具可能贴的是克隆标识，已报协会核查；请勿安装，并上报问题。"
        ),
        after_rollback=lambda: clones.second_installation(
            label, user=user, company=company, district=district, origin=origin
        ),
    )


def close_bookings(*, label: Label, kind: str) -> None:
    Booking.objects.filter(
        label=label, kind=kind, status__in=[Booking.Status.REQUESTED, Booking.Status.SCHEDULED]
    ).update(status=Booking.Status.DONE)


def _clean_rating(rating: object) -> int:
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise FieldError("invalid", _("评分必须是 1 到 5 分。"))
    return rating


def _save_rating(
    record_id: int,
    *,
    phone: str,
    rating: int,
    comment: str | None,
    origin: Origin | None,
    actor: User | None,
    worker: User | None = None,
) -> WorkRecord:
    """Record the one rating of a work record (locked; refused when already rated)."""
    with transaction.atomic():
        record = WorkRecord.objects.select_for_update().filter(pk=record_id).first()
        if record is None or (worker is not None and record.worker_id != worker.pk):
            raise FieldError("not_found", _("找不到您的这条作业记录。"))
        if record.rated_at:
            raise FieldError("already_done", _("该作业已评价过。"))
        record.resident_phone = phone
        record.rating = rating
        record.comment = (comment or "").strip()[:500]
        record.rated_at = timezone.now()
        record.save(update_fields=["resident_phone", "rating", "comment", "rated_at"])
        # Audit (issue 14): the rating, not the resident's phone.
        audit.record(action="work.rate", obj=record, origin=origin, actor=actor, detail=f"{rating}/5")
    return record


def _own_unrated_record(user: User, record_id: int) -> WorkRecord:
    record = WorkRecord.objects.filter(pk=record_id, worker=user).first()
    if record is None:
        raise FieldError("not_found", _("找不到您的这条作业记录。"))
    if record.rated_at:
        raise FieldError("already_done", _("该作业已评价过。"))
    return record


def rate_work(
    *,
    user: User,
    record_id: int,
    phone: str,
    rating: int | str,
    comment: str = "",
    sms_code: str = "",
    origin: Origin | None = None,
) -> WorkRecord:
    """The resident rates on the installer's phone, confirming with the code their own phone received.

    The installer alone can never produce a rating: without the code sent to the resident's number,
    nothing is recorded (the other way is the one-time link: send_rating_link / rate_by_link).
    """
    require_role(user, roles.INSTALLER)
    phone = clean_mobile(phone)
    rating = _clean_rating(rating)
    _own_unrated_record(user, record_id)
    # Outside the rating's transaction, so a wrong guess is counted even though the rating is refused.
    confirm_code(phone=phone, purpose=PhoneCode.Purpose.RATING, code=sms_code)
    actor = user if origin is None else None
    return _save_rating(record_id, phone=phone, rating=rating, comment=comment, origin=origin, actor=actor, worker=user)


RATING_LINK_SALT = "field.rating-link"
RATING_LINK_DAYS = 7


def send_rating_link(*, user: User, record_id: int, phone: str) -> str:
    """The installer sends the resident a one-time link to rate later on their own phone; returns the path."""
    require_role(user, roles.INSTALLER)
    phone = clean_mobile(phone)
    record = _own_unrated_record(user, record_id)
    token = signing.TimestampSigner(salt=RATING_LINK_SALT).sign(f"{record.pk}:{phone}")
    path = reverse("field:rate-link", args=[token])
    notifications.notify_resident(
        phone,
        f"work{record.pk}:ratelink:{phone}",
        template="rating_link",
        params={"link": settings.PUBLIC_BASE_URL + path},
    )
    return path


def rating_link_target(token: str) -> tuple[int, str]:
    """(record id, phone) a rating link was sent for; FieldError when forged or older than a week."""
    try:
        value = signing.TimestampSigner(salt=RATING_LINK_SALT).unsign(token, max_age=timedelta(days=RATING_LINK_DAYS))
    except signing.BadSignature:
        raise FieldError("not_found", _("评价链接无效或已过期。")) from None
    record_id, _sep, phone = value.partition(":")
    return int(record_id), phone


def rate_by_link(*, token: str, rating: int | str, comment: str = "", origin: Origin | None = None) -> WorkRecord:
    """The resident rates through the link their phone received: it works once (the record is then rated)."""
    record_id, phone = rating_link_target(token)
    rating = _clean_rating(rating)
    return _save_rating(record_id, phone=phone, rating=rating, comment=comment, origin=origin, actor=None)
