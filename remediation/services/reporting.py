"""Reporting a problem found on site: opens a remediation case and suspends the label."""

import re

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import city, permissions, roles
from cases.models import SUSPENDABLE_STATES, Label, LabelState
from cases.services.labels import LabelTransitionError, Origin, apply_transition
from core.serials import InvalidSerial, parse_code

from .. import hooks as process
from .. import notifications
from ..models import CaseEvent, ProblemKind, RemediationCase, Stage, Step
from .errors import RemediationError
from .sla import start_deadline
from .timeline import record_event

REPORTER_ROLES = (roles.INSTALLER, roles.IGNITION_WORKER)
PHONE_RE = re.compile(r"^\+?[0-9][0-9 -]{5,30}$")


def dealer_for_label(label):
    """The dealer answerable for a label: who sold it, else the model's dealer of record, else None."""
    sale = label.transitions.filter(name="sell", organization__isnull=False).order_by("-at", "-pk").first()
    if sale is not None:
        return sale.organization
    return label.appliance_model.dealers.order_by("pk").first()


def open_case_for_label(label_id):
    return RemediationCase.objects.filter(label_id=label_id).exclude(stage=Stage.CLOSED).first()


def _find_label(code):
    """(label, typed_code): the known label for a scanned/typed code, else the code as typed."""
    code = (code or "").strip()
    if not code:
        return None, ""
    try:
        serial = parse_code(code)
    except InvalidSerial:
        return None, code[:64]
    label = Label.objects.select_for_update().filter(serial=serial).first()
    return label, ("" if label else serial)


def _check_input(reporter, kind, label, typed_code, district, address, resident_phone):
    if not permissions.holds_role(reporter, *REPORTER_ROLES):
        raise RemediationError(_("只有安装维修工或点火工可以报告现场问题。"), status=403)
    if kind not in ProblemKind.values:
        raise RemediationError(_("请选择问题类型。"))
    if label is None and not typed_code and kind != ProblemKind.LABEL_MISSING:
        raise RemediationError(_("请扫描或输入标识编码；燃具上没有标识时请选择「标识缺失」。"))
    if district and not city.is_district(district):
        raise RemediationError(_("请选择正确的区。"))
    if label is None and not (district and address.strip()):
        raise RemediationError(_("没有可识别的标识时，请填写安装地址和所在区。"))
    if resident_phone and not PHONE_RE.match(resident_phone):
        raise RemediationError(_("用户电话格式不正确。"))


@transaction.atomic
def report_problem(
    *, reporter, kind, serial="", district="", address="", resident_phone="", description="", origin=None
):
    """Open a remediation case for what an installer/ignition worker found; returns the case.

    A known label is suspended (installation/ignition refuse a suspended label)
    until the case closes, unless it was never sold: then the association reviews it first; an unknown code or a missing label is kept as typed,
    with the address. Raises RemediationError with a Chinese message.
    """
    origin = origin or Origin(actor=reporter)
    unsold = False
    resident_phone = (resident_phone or "").strip()
    label, typed_code = _find_label(serial)
    _check_input(reporter, kind, label, typed_code, district, address or "", resident_phone)
    if label is not None:
        existing = open_case_for_label(label.pk)
        if existing is not None:
            raise RemediationError(
                _("标识 %(serial)s 已有未结案的整改单 #%(pk)s。") % {"serial": label.serial, "pk": existing.pk},
                status=409,
            )
        if label.state == LabelState.ACTIVATED:
            # Never sold: still the dealer's or the manufacturer's stock, so nobody's installation is at stake
            # and suspending it would only block a sale; the association reviews the report instead.
            unsold = True
        elif label.state in SUSPENDABLE_STATES:
            try:
                apply_transition(
                    label_id=label.pk, name="suspend", origin=origin, note=_("现场报告：%s") % ProblemKind(kind).label
                )
            except LabelTransitionError as exc:
                raise RemediationError(exc.message, status=409) from None
            label.refresh_from_db()
        # A void, never-activated or already suspended label cannot be suspended again: the case still opens.

    now = timezone.now()
    dealer = dealer_for_label(label) if label is not None else None
    case = process.start_case(
        kind=kind,
        label=label,
        typed_code=typed_code,
        appliance_model=label.appliance_model if label else None,
        district=district or "",
        address=(address or "").strip()[:255],
        resident_phone=resident_phone,
        description=(description or "").strip(),
        reported_by=reporter,
        reporter_organization=reporter.organization,
        reported_at=now,
        dealer=dealer,
        stage=Stage.CONTACT,
    )
    record_event(case=case, kind=CaseEvent.Kind.REPORTED, origin=origin, text=ProblemKind(kind).label, at=now)
    assigned = dealer.name if dealer is not None else _("未找到责任代理商，待协会指派")
    record_event(case=case, kind=CaseEvent.Kind.ASSIGNED, origin=origin, text=assigned, at=now)
    if unsold:
        record_event(
            case=case, kind=CaseEvent.Kind.NOTE, origin=origin, text=_("标识尚未售出：未暂停，转协会审核"), at=now
        )
    start_deadline(case=case, step=Step.CONTACT, now=now)
    start_deadline(case=case, step=Step.RESOLVE, now=now)
    # After the clocks start: the dealer's message says by when to call.
    if dealer is not None:
        outbound = notifications.notify_dealer_assigned(case)
    else:
        outbound = notifications.notify_unassigned(case)
    if unsold:
        outbound += notifications.notify_unsold_review(case)
    notifications.schedule_delivery(outbound)
    return case
