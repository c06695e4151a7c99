"""Finding the label a worker scanned or typed, and turning label refusals into FieldErrors."""

from __future__ import annotations

from django.utils.translation import gettext as _

from cases import rules
from cases.models import Label, LabelState
from cases.services.labels import LabelTransitionError, Origin, apply_transition
from core import digital_link, serials

from .common import report_url
from .errors import FieldError


def find_label(code: str | None, *, lock: bool = False) -> Label:
    """The genuine label for a typed serial or a scanned `/q/<serial>` URL; FieldError otherwise."""
    try:
        parsed = serials.parse_label_code(code or "")
    except serials.InvalidSerial:
        raise FieldError("unknown_code", _("编码无效：请核对标识下方的编码。")) from None
    serial = parsed.serial
    queryset = Label.objects.select_related("appliance_model", "recall")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    label = queryset.filter(serial=serial).first()
    if label is None:
        raise FieldError("unknown_code", _("未知编码：该标识不是本系统发放的有效标识。"))
    if parsed.gtin and not digital_link.same_gtin(parsed.gtin, label.appliance_model.gtin):
        raise FieldError(
            "not_genuine", _("二维码中的商品条码（GTIN）与该标识登记的型号不符：标识可能被复制到了其他产品上。")
        )
    if not label.is_genuine:
        raise FieldError(
            "not_genuine", _("该标识当前状态为「%(state)s」，不是有效标识。") % {"state": label.get_state_display()}
        )
    return label


def refuse_if_suspended(label: Label) -> None:
    if label.state == LabelState.SUSPENDED:
        raise FieldError(
            "suspended",
            _("该标识已暂停使用（待整改），请联系销售商处理后再预约安装或点火。"),
        )


def refuse_if_recalled(label: Label) -> None:
    """Sale, installation, ignition and booking all stop at a recalled appliance."""
    recall = rules.active_recall(label)
    if recall is not None:
        raise FieldError("recalled", rules.recall_message(recall))


def refuse_if_gas_mismatch(label: Label, *, area_category: str | None = None, action_message: str) -> None:
    """Installation and ignition stop when the appliance's gas is not the area's (rules.gas_mismatch)."""
    mismatch = rules.gas_mismatch(label.appliance_model, area_category=area_category)
    if mismatch is not None:
        raise FieldError(
            "gas_mismatch",
            f"{mismatch.message}{action_message}",
            report_url=report_url(code=label.serial, kind="gas_mismatch"),
        )


def transition(*, label: Label, name: str, origin: Origin, note: str = "") -> Label:
    """apply_transition, with its refusal turned into a 409 FieldError."""
    try:
        return apply_transition(label_id=label.pk, name=name, origin=origin, note=note)
    except LabelTransitionError as exc:
        raise FieldError("wrong_state", exc.message) from None
