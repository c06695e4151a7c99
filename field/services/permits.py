"""Work permits (上岗证): issuing, revoking, and the one check every page and API call uses."""

from __future__ import annotations

import re
import secrets
from datetime import date, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import roles
from accounts.models import Organization, User
from audit import services as audit
from cases.qr import make_qr, public_url
from cases.services.labels import Origin
from core.typed import fold_width
from remediation import notifications

from ..models import WorkPermit
from .errors import FieldError, require_role

# Which company kind and worker role each permit kind belongs to.
PERMIT_COMPANY_KIND = {
    WorkPermit.Kind.INSTALLATION: Organization.Kind.INSTALLER,
    WorkPermit.Kind.IGNITION: Organization.Kind.GAS_SUPPLIER,
}
PERMIT_PREFIX = {WorkPermit.Kind.INSTALLATION: "AZ", WorkPermit.Kind.IGNITION: "DH"}
PERMIT_URL_RE = re.compile(r"/p/([A-Za-z0-9-]+)/?$")


def permit_url(number: str) -> str:
    """What the permit card's QR code says: the public permit check page."""
    return public_url(reverse("field:permit-public", args=[number]))


def permit_qr_svg(number: str) -> str:
    """The permit card's QR as inline SVG that scales whole into whatever box the card gives it.

    segno's default SVG has a fixed width/height and no viewBox, so a smaller CSS box clipped the symbol;
    omitsize gives a viewBox instead. Four modules of quiet zone, as the QR standard asks for.
    """
    return make_qr(permit_url(number)).svg_inline(scale=1, border=4, omitsize=True)


def parse_permit_code(text: str | None) -> str:
    """A permit number from typed text or a scanned permit URL."""
    text = fold_width(text or "").strip()  # ＡＺ２０２６－… typed in full width is the same number
    match = PERMIT_URL_RE.search(text)
    return (match.group(1) if match else text).upper()


def permit_problem(*, permit: WorkPermit, day: date | None = None) -> str | None:
    """Why this permit cannot be used on `day`, or None when it can."""
    day = day or timezone.localdate()
    if permit.revoked_at:
        return _("上岗证 %(number)s 已被吊销，不能作业。") % {"number": permit.number}
    if day < permit.valid_from or day > permit.valid_until:
        return _("上岗证 %(number)s 不在有效期内（%(start)s 至 %(end)s），不能作业。") % {
            "number": permit.number,
            "start": permit.valid_from,
            "end": permit.valid_until,
        }
    if not permit.company.qualification_valid_on(day):
        return _("%(company)s 的资质已失效，其人员不能作业。") % {"company": permit.company}
    return None


def check_permit(*, user: User, code: str | None, kind: str, day: date | None = None, lock: bool = False) -> WorkPermit:
    """The permit `code` (number or scanned URL) if `user` may work under it today; FieldError otherwise.

    lock=True (inside the transaction that records the work) holds the permit row until commit: a
    revocation either committed before (and is seen here) or waits until the work is recorded.
    """
    number = parse_permit_code(code)
    if not number:
        raise FieldError("bad_permit", _("请扫描或输入上岗证编号。"))
    permits = WorkPermit.objects.select_related("company")
    if lock:
        permits = permits.select_for_update(of=("self",))
    permit = permits.filter(number=number).first()
    if permit is None:
        raise FieldError("bad_permit", _("上岗证 %(number)s 不存在。") % {"number": number})
    if permit.holder_id != user.pk:
        raise FieldError("bad_permit", _("上岗证 %(number)s 不属于当前登录的作业人员。") % {"number": number})
    if permit.kind != kind:
        raise FieldError(
            "bad_permit",
            _("上岗证 %(number)s 的类别是「%(kind)s」，不能用于该作业。")
            % {"number": number, "kind": permit.get_kind_display()},
        )
    problem = permit_problem(permit=permit, day=day)
    if problem:
        code_ = (
            "company_unqualified"
            if not permit.company.qualification_valid_on(day or timezone.localdate())
            else "bad_permit"
        )
        raise FieldError(code_, problem)
    return permit


def _new_number(kind: str, year: int) -> str:
    while True:
        number = f"{PERMIT_PREFIX[kind]}{year}-{secrets.randbelow(10**6):06d}"
        if not WorkPermit.objects.filter(number=number).exists():
            return number


@transaction.atomic
def issue_permit(
    *,
    issued_by: User,
    holder: User,
    kind: str,
    valid_from: date,
    valid_until: date,
    number: str | None = None,
    origin: Origin | None = None,
) -> WorkPermit:
    """The association issues a permit to a trained worker of a qualified company of the right kind."""
    require_role(issued_by, roles.REVIEWER)
    company = holder.organization
    if company is None or company.kind != PERMIT_COMPANY_KIND[kind]:
        raise FieldError("invalid", _("持证人必须属于对应类别的单位（安装维修企业或供气单位）。"))
    if not company.qualification_valid_on(valid_from):
        raise FieldError("company_unqualified", _("%(company)s 的资质无效，不能发证。") % {"company": company})
    if valid_until < valid_from:
        raise FieldError("invalid", _("有效期截止日期不能早于起始日期。"))
    if number and WorkPermit.objects.filter(number=number).exists():
        raise FieldError("invalid", _("证号 %(number)s 已存在。") % {"number": number})
    permit = WorkPermit.objects.create(
        number=number or _new_number(kind, valid_from.year),
        holder=holder,
        holder_name=holder.get_full_name() or holder.username,
        company=company,
        kind=kind,
        valid_from=valid_from,
        valid_until=valid_until,
        issued_by=issued_by,
    )
    audit.record(
        action="permit.issue",
        obj=permit,
        object_id=permit.number,
        origin=origin,
        actor=issued_by if origin is None else None,
        to_state="valid",
        detail=f"{permit.get_kind_display()} · {holder.username} · {company} · {valid_from}–{valid_until}",
    )
    return permit


@transaction.atomic
def revoke_permit(*, permit_id: int, revoked_by: User, reason: str, origin: Origin | None = None) -> WorkPermit:
    require_role(revoked_by, roles.REVIEWER)
    permit = WorkPermit.objects.select_for_update().filter(pk=permit_id).first()
    if permit is None:
        raise FieldError("not_found", _("上岗证不存在。"))
    if permit.revoked_at:
        raise FieldError("already_done", _("该上岗证已被吊销。"))
    if not (reason or "").strip():
        raise FieldError("invalid", _("请填写吊销原因。"))
    permit.revoked_at = timezone.now()
    permit.revoked_reason = reason.strip()[:255]
    permit.revoked_by = revoked_by
    permit.save(update_fields=["revoked_at", "revoked_reason", "revoked_by"])
    audit.record(
        action="permit.revoke",
        obj=permit,
        object_id=permit.number,
        origin=origin,
        actor=revoked_by if origin is None else None,
        from_state="valid",
        to_state="revoked",
        detail=permit.revoked_reason,
    )
    return permit


def warn_expiring_permits(*, today: date | None = None, days: int = 30) -> int:
    """Tell each company of its permits expiring within `days` (once per permit and expiry date)."""
    today = today or timezone.localdate()
    expiring = WorkPermit.objects.filter(
        revoked_at__isnull=True, valid_until__gte=today, valid_until__lte=today + timedelta(days=days)
    ).select_related("company")
    count = 0
    with transaction.atomic():
        for permit in expiring:
            date = permit.valid_until.isoformat()
            notifications.notify_organization(
                permit.company_id,
                f"permit{permit.pk}:expiring:{date}",  # renewed (a new date): a new warning
                template="permit_expiring",
                params={"number": permit.number, "holder": permit.holder_name, "date": date},
                subject=_("上岗证 %(number)s（%(holder)s）将于 %(date)s 到期")
                % {"number": permit.number, "holder": permit.holder_name, "date": date},
            )
            count += 1
    return count
