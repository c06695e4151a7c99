"""A resident reports a label the scan page called not genuine: a case for the association, with an optional photo.

Anonymous: nobody is answerable yet (no dealer sold a counterfeit through us), so the case opens unassigned and
the association is told at once, as for a report on a never-sold label. The label, if it exists, is not moved:
a resident's word alone suspends nothing. A second report of a code with an open case adds to that case.
"""

import hashlib

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import city
from audit import services as audit
from cases.models import Label
from cases.services.documents import check_upload
from cases.services.labels import Origin
from core import digital_link, limits
from core.serials import InvalidSerial, parse_label_code

from .. import hooks as process
from .. import notifications
from ..models import CaseEvent, CasePhoto, ProblemKind, RemediationCase, Stage, Step
from .errors import RemediationError
from .reporting import PHONE_RE
from .sla import start_deadline
from .timeline import record_event

IMAGE_TYPES = ("image/jpeg", "image/png")


def check_photo(photo) -> str:
    """The photo's sniffed type after a full decode under DOCUMENT_MAX_PIXELS; RemediationError (400) otherwise."""
    try:
        content_type = check_upload(photo)
    except ValidationError as exc:
        raise RemediationError(exc.messages[0]) from None
    if content_type not in IMAGE_TYPES:
        raise RemediationError(_("照片只能是 JPEG 或 PNG 图片。"))
    return content_type


def _label_for(serial: str, gtin: str):
    """The label named by the code under a row lock, or None; refuses a label the scan page shows as genuine."""
    label = Label.objects.select_for_update().select_related("appliance_model").filter(serial=serial).first()
    copied = label is not None and gtin and not digital_link.same_gtin(gtin, label.appliance_model.gtin)
    if label is not None and label.is_genuine and not copied:
        raise RemediationError(_("该标识是有效的真品标识，无需上报；如有问题请致电协会。"), status=409)
    return label


@transaction.atomic
def report_not_genuine(
    *,
    code: str,
    description: str = "",
    resident_phone: str = "",
    district: str = "",
    photo=None,
    origin: Origin,
) -> RemediationCase:
    """Open (or add to) the association's case for a not-genuine label; returns the case.

    Everything is checked before anything is written: a photo that is not a whole JPEG/PNG under the pixel limit
    is refused with nothing stored.
    """
    try:
        parsed = parse_label_code(code or "")
    except InvalidSerial:
        raise RemediationError(_("编码无效：请核对标识下方的编码。")) from None
    description = (description or "").strip()
    resident_phone = (resident_phone or "").strip()
    if len(description) > limits.LONG_TEXT:
        raise RemediationError(_("说明最多 %(n)s 个字。") % {"n": limits.LONG_TEXT})
    if resident_phone and (len(resident_phone) > limits.PHONE or not PHONE_RE.match(resident_phone)):
        raise RemediationError(_("用户电话格式不正确。"))
    if district and not city.is_district(district):
        raise RemediationError(_("请选择正确的区。"))
    content_type = check_photo(photo) if photo else ""
    label = _label_for(parsed.serial, parsed.gtin)

    now = timezone.now()
    same_code = Q(label=label) if label is not None else Q(label__isnull=True, typed_code=parsed.serial)
    case = (
        RemediationCase.objects.select_for_update()
        .filter(same_code, kind=ProblemKind.COUNTERFEIT)
        .exclude(stage=Stage.CLOSED)
        .first()
    )
    if case is not None:
        record_event(
            case=case,
            kind=CaseEvent.Kind.NOTE,
            origin=origin,
            text=_("住户再次上报：%s") % (description or "—"),
            at=now,
        )
    else:
        case = process.start_case(
            kind=ProblemKind.COUNTERFEIT,
            label=label,
            typed_code="" if label is not None else parsed.serial,
            appliance_model=label.appliance_model if label is not None else None,
            district=district or "",
            address="",
            resident_phone=resident_phone,
            description=description,
            reported_by=None,
            reporter_organization=None,
            reported_at=now,
            dealer=None,
            stage=Stage.CONTACT,
        )
        record_event(
            case=case, kind=CaseEvent.Kind.REPORTED, origin=origin, text=_("住户扫码上报：疑似假冒标识"), at=now
        )
        record_event(case=case, kind=CaseEvent.Kind.ASSIGNED, origin=origin, text=_("住户上报，待协会指派"), at=now)
        start_deadline(case=case, step=Step.CONTACT, now=now)
        start_deadline(case=case, step=Step.RESOLVE, now=now)
        notifications.schedule_delivery(notifications.notify_unassigned(case))
    if photo:
        _store_photo(case, photo, content_type, origin)
    return case


def _store_photo(case, photo, content_type: str, origin: Origin) -> CasePhoto:
    digest = hashlib.sha256()
    for chunk in photo.chunks():
        digest.update(chunk)
    photo.seek(0)
    row = CasePhoto(case=case, content_type=content_type, size=photo.size, sha256=digest.hexdigest())
    row.file.save(photo.name or "photo", photo, save=False)
    row.save()
    audit.record(
        action="case.photo",
        obj=case,
        origin=origin,
        detail=f"{content_type} · {row.size} B · {row.sha256}",
    )
    return row
