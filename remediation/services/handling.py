"""What happens to an open case: the dealer's two steps, the association's and the regulator's actions.

Each function locks the case row, checks who may act, completes the viewflow task
when there is one, then writes our own fields with UPDATE (the flow saves its own
copy of the process row, so we never save a possibly stale instance over it).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import permissions, roles
from accounts.models import Organization, User
from cases import rules
from cases.models import Label, LabelState
from cases.services.labels import LabelTransitionError, Origin, apply_transition
from core.serials import InvalidSerial, parse_code

from .. import hooks as process
from .. import notifications
from ..models import CaseEvent, Escalation, Level, RemediationCase, Resolution, Stage, Step
from .errors import RemediationError
from .sla import cancel_pending, complete_step, escalate
from .timeline import record_event

# Transitions that take a fresh, activated label to the state the replaced label was in.
PATH_FROM_ACTIVATED = {
    LabelState.ACTIVATED: [],
    LabelState.SOLD: ["sell"],
    LabelState.INSTALLED: ["install"],
    LabelState.IGNITED: ["install", "ignite"],
}
NOTE_KINDS = {"note": CaseEvent.Kind.NOTE, "comment": CaseEvent.Kind.COMMENT, "order": CaseEvent.Kind.ORDER}


def _lock_open_case(case_id: int, user: User) -> RemediationCase:
    """The case, locked; a 404 for a case the user may not see, before its state is told (ids do not leak)."""
    case = RemediationCase.objects.select_for_update().filter(pk=case_id).first()
    if case is None or not permissions.can_view_case(user, case):
        raise RemediationError(_("整改单不存在。"), status=404)
    if case.stage == Stage.CLOSED:
        raise RemediationError(_("整改单 #%(pk)s 已结案。") % {"pk": case.pk}, status=409)
    return case


def _require_dealer(case: RemediationCase, user: User) -> None:
    if not permissions.can_act_on_case(user, case):
        raise RemediationError(_("只有该整改单的责任代理商可以办理。"), status=403)


def _require_role(user: User, *names: str) -> None:
    if not permissions.holds_role(user, *names):
        raise RemediationError(_("您没有权限执行该操作。"), status=403)


def _set(case: RemediationCase, **fields: object) -> None:
    RemediationCase.objects.filter(pk=case.pk).update(**fields)
    for name, value in fields.items():
        setattr(case, name, value)


@transaction.atomic
def record_contact(*, case_id: int, user: User, note: str = "", origin: Origin | None = None) -> RemediationCase:
    """The dealer has contacted the resident (step 1 of 2)."""
    origin = origin or Origin(actor=user)
    case = _lock_open_case(case_id, user)
    _require_dealer(case, user)
    if case.stage != Stage.CONTACT:
        raise RemediationError(_("已记录联系用户。"), status=409)
    process.complete_step(case, "contact")
    now = timezone.now()
    _set(case, stage=Stage.RESOLVE, contacted_at=now)
    record_event(case=case, kind=CaseEvent.Kind.CONTACTED, origin=origin, text=note, at=now)
    _deadline, outbound = complete_step(case=case, step=Step.CONTACT, now=now, origin=origin)
    outbound += notifications.notify_resident_taken(case)
    notifications.schedule_delivery(outbound)
    return case


def _lock_new_label(new_serial: str, dealer_id: int | None) -> Label:
    try:
        serial = parse_code(new_serial or "")
    except InvalidSerial:
        raise RemediationError(_("新标识编码无效，请重新扫描或输入。")) from None
    label = (
        Label.objects.select_related("appliance_model", "recall")
        .select_for_update(of=("self",))
        .filter(serial=serial)
        .first()
    )
    if label is None:
        raise RemediationError(_("新标识编码 %(serial)s 不存在。") % {"serial": serial})
    if label.state != LabelState.ACTIVATED or label.replaces_id is not None:
        raise RemediationError(_("新标识必须是已激活且未使用的标识。"))
    recall = rules.active_recall(label)
    if recall is not None:
        raise RemediationError(rules.recall_message(recall), status=409)
    # The same rule as a sale (field.services.sales): a model naming its dealers is sold by them only.
    model = label.appliance_model
    if model.dealers.exists() and not model.dealers.filter(pk=dealer_id).exists():
        raise RemediationError(
            _("新标识的型号 %(model)s 不由本代理商销售，不能用于换货。") % {"model": model}, status=403
        )
    return label


def _relabel(case: RemediationCase, new_label: Label, origin: Origin, same_model: bool) -> None:
    """Link the new label to the appliance, void the old one, and bring the new one to the appliance's state."""
    old = case.label
    if same_model and case.appliance_model_id and new_label.appliance_model_id != case.appliance_model_id:
        raise RemediationError(_("新标识的燃具型号与原标识不一致。"))
    target = LabelState.SOLD
    if old is not None:
        old = Label.objects.select_for_update().get(pk=old.pk)
        if Label.objects.filter(replaces=old).exists():
            raise RemediationError(_("原标识已被替换过。"), status=409)
        if old.state_before_suspension in PATH_FROM_ACTIVATED and same_model:
            target = old.state_before_suspension
        Label.objects.filter(pk=new_label.pk).update(replaces=old)
        if old.state != LabelState.VOID:
            apply_transition(
                label_id=old.pk, name="void", origin=origin, note=_("整改单 #%(pk)s 补贴/换货作废") % {"pk": case.pk}
            )
    for name in PATH_FROM_ACTIVATED[target]:
        apply_transition(
            label_id=new_label.pk, name=name, origin=origin, note=_("整改单 #%(pk)s 新标识") % {"pk": case.pk}
        )


@transaction.atomic
def resolve_case(
    *,
    case_id: int,
    user: User,
    resolution: str,
    new_serial: str = "",
    note: str = "",
    origin: Origin | None = None,
) -> RemediationCase:
    """The dealer relabelled, took back or exchanged the appliance (step 2 of 2); closes the case."""
    origin = origin or Origin(actor=user)
    case = _lock_open_case(case_id, user)
    _require_dealer(case, user)
    if case.stage != Stage.RESOLVE:
        raise RemediationError(_("请先记录已联系用户。"), status=409)
    if resolution not in Resolution.values:
        raise RemediationError(_("请选择处理方式：补贴标识、退货或换货。"))
    new_label = None
    try:
        if resolution == Resolution.RELABEL or (resolution == Resolution.EXCHANGE and new_serial):
            new_label = _lock_new_label(new_serial, case.dealer_id)
            _relabel(case, new_label, origin, same_model=resolution == Resolution.RELABEL)
        elif case.label_id and case.label.state != LabelState.VOID:
            apply_transition(
                label_id=case.label_id,
                name="void",
                origin=origin,
                note=_("整改单 #%(pk)s 退换货作废") % {"pk": case.pk},
            )
    except LabelTransitionError as exc:
        raise RemediationError(exc.message, status=409) from None
    process.complete_step(case, "remedy")
    now = timezone.now()
    _set(case, stage=Stage.CLOSED, resolution=resolution, new_label=new_label, closed_at=now)
    text = Resolution(resolution).label + (f" {new_label.serial}" if new_label else "") + (f"：{note}" if note else "")
    record_event(case=case, kind=CaseEvent.Kind.RESOLVED, origin=origin, text=text, at=now)
    _deadline, outbound = complete_step(case=case, step=Step.RESOLVE, now=now, origin=origin)
    cancel_pending(case=case, now=now, origin=origin)
    Escalation.objects.filter(case=case, closed_at__isnull=True).update(closed_at=now)
    record_event(case=case, kind=CaseEvent.Kind.CLOSED, origin=origin, text=_("已通知用户重新预约安装/点火"), at=now)
    outbound += notifications.notify_resident_closed(case)
    notifications.schedule_delivery(outbound)
    return case


@transaction.atomic
def reassign_dealer(*, case_id: int, user: User, dealer_id: int, origin: Origin | None = None) -> RemediationCase:
    """The association names (or changes) the dealer answerable for a case."""
    origin = origin or Origin(actor=user)
    _require_role(user, roles.REVIEWER)
    case = _lock_open_case(case_id, user)
    dealer = Organization.objects.filter(pk=dealer_id, kind=Organization.Kind.DEALER, is_active=True).first()
    if dealer is None:
        raise RemediationError(_("请选择有效的销售代理商。"))
    if dealer.pk == case.dealer_id:
        raise RemediationError(_("该代理商已是责任代理商。"), status=409)
    _set(case, dealer=dealer)
    record_event(case=case, kind=CaseEvent.Kind.ASSIGNED, origin=origin, text=dealer.name)
    notifications.schedule_delivery(notifications.notify_dealer_assigned(case))
    return case


@transaction.atomic
def close_followup(*, case_id: int, user: User, note: str = "", origin: Origin | None = None) -> RemediationCase:
    """The association has dealt with its follow-up in time: its deadline is met."""
    origin = origin or Origin(actor=user)
    _require_role(user, roles.REVIEWER)
    case = _lock_open_case(case_id, user)
    if not Escalation.objects.filter(case=case, level=Level.ASSOCIATION, closed_at__isnull=True).exists():
        raise RemediationError(_("该整改单没有待办的协会督办。"), status=409)
    now = timezone.now()
    Escalation.objects.filter(case=case, level=Level.ASSOCIATION, closed_at__isnull=True).update(closed_at=now)
    record_event(case=case, kind=CaseEvent.Kind.FOLLOWUP_CLOSED, origin=origin, text=note, at=now)
    _deadline, outbound = complete_step(case=case, step=Step.FOLLOWUP, now=now, origin=origin)
    notifications.schedule_delivery(outbound)
    return case


@transaction.atomic
def report_to_regulator(*, case_id: int, user: User, note: str = "", origin: Origin | None = None) -> Escalation:
    """The association chooses to report a case to the regulator (without waiting for its deadline)."""
    origin = origin or Origin(actor=user)
    _require_role(user, roles.REVIEWER)
    case = _lock_open_case(case_id, user)
    if case.escalation_level == Level.REGULATOR:
        raise RemediationError(_("该整改单已上报行业主管部门。"), status=409)
    if not (note or "").strip():
        raise RemediationError(_("请填写上报说明。"))
    now = timezone.now()
    cancel_pending(case=case, now=now, origin=origin, steps=[Step.FOLLOWUP])
    escalation = escalate(
        case=case, level=Level.REGULATOR, reason=Escalation.Reason.REPORTED, now=now, actor=user, note=note.strip()
    )
    notifications.schedule_delivery(notifications.notify_escalation(escalation))
    return escalation


@transaction.atomic
def add_note(*, case_id: int, user: User, kind: str, text: str, origin: Origin | None = None) -> CaseEvent:
    """A note on the timeline; the regulator's comment or order to act is a note of its own kind."""
    origin = origin or Origin(actor=user)
    text = (text or "").strip()
    if kind not in NOTE_KINDS:
        raise RemediationError(_("未知的备注类型。"))
    if not text:
        raise RemediationError(_("请填写内容。"))
    if kind in ("comment", "order"):
        _require_role(user, roles.REGULATOR)
    case = RemediationCase.objects.filter(pk=case_id).first()
    if case is None or not permissions.can_view_case(user, case):
        raise RemediationError(_("整改单不存在。"), status=404)
    return record_event(case=case, kind=NOTE_KINDS[kind], origin=origin, text=text)
