"""Finding the label a worker scanned or typed, and turning label refusals into FieldErrors."""

from django.utils.translation import gettext as _

from cases import serials
from cases.models import Label, LabelState
from cases.services.labels import LabelTransitionError, apply_transition

from .errors import FieldError


def find_label(code, *, lock=False):
    """The genuine label for a typed serial or a scanned `/q/<serial>` URL; FieldError otherwise."""
    text = (code or "").strip()
    if "/q/" in text:  # a scanned label URL
        text = text.rsplit("/q/", 1)[1].strip("/")
    try:
        serial = serials.normalize(text)
    except serials.InvalidSerial:
        raise FieldError("unknown_code", _("编码无效：请核对标识下方的编码。")) from None
    queryset = Label.objects.select_related("appliance_model")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    label = queryset.filter(serial=serial).first()
    if label is None:
        raise FieldError("unknown_code", _("未知编码：该标识不是本系统发放的有效标识。"))
    if not label.is_genuine:
        raise FieldError(
            "not_genuine", _("该标识当前状态为「%(state)s」，不是有效标识。") % {"state": label.get_state_display()}
        )
    return label


def refuse_if_suspended(label):
    if label.state == LabelState.SUSPENDED:
        raise FieldError(
            "suspended",
            _("该标识已暂停使用（待整改），请联系销售商处理后再预约安装或点火。"),
        )


def transition(label, name, origin, note=""):
    """apply_transition, with its refusal turned into a 409 FieldError."""
    try:
        return apply_transition(label.pk, name, origin, note)
    except LabelTransitionError as exc:
        raise FieldError("wrong_state", exc.message) from None
