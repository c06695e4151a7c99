"""The Chinese name of every audit action code, in one place (the page, the admin and any export show these).

The codes are written by the services that make each change (`label.<transition>` in cases/services/labels.py,
`batch.*` in cases/services/batches.py, `declaration.<step>` in workflows/declaration/, `case.<event kind>` in
remediation/services/timeline.py, `admin.<verb>` in audit/admin.py, …); tests/test_audit_action_names.py finds
every code in the source and fails on one without a name here. An unknown code is shown as written.
"""

import functools

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext_lazy as _

ACTION_NAMES = {
    # labels (cases.services.labels.TRANSITIONS)
    "label.print": _("标识：印制"),
    "label.activate": _("标识：激活"),
    "label.sell": _("标识：销售"),
    "label.install": _("标识：安装"),
    "label.ignite": _("标识：点火通气"),
    "label.suspend": _("标识：暂停使用"),
    "label.void": _("标识：作废"),
    # batches and print files
    "batch.print": _("批次：印制"),
    "batch.activate": _("批次：激活"),
    "batch.issue": _("批次：发放"),
    "batch.reprint": _("批次：补印"),
    # declarations (the steps of workflows/declaration/flow.py)
    "declaration.submit": _("申报：提交"),
    "declaration.review": _("申报：审核"),
    "declaration.revise": _("申报：修改后重新提交"),
    "declaration.print_batch": _("申报：印制标识"),
    "declaration.activate_batch": _("申报：激活标识"),
    "declaration.issue_batch": _("申报：发放标识"),
    "document.upload": _("申报材料：上传"),
    "appliance_model.create": _("燃具型号：登记"),
    "recall.create": _("召回：发布"),
    "recall.lift": _("召回：解除"),
    # remediation cases (remediation.models.CaseEvent.Kind)
    "case.reported": _("整改单：报告问题"),
    "case.assigned": _("整改单：指派代理商"),
    "case.contacted": _("整改单：已联系用户"),
    "case.resolved": _("整改单：完成整改"),
    "case.deadline_set": _("整改单：开始计时"),
    "case.deadline_met": _("整改单：按时完成"),
    "case.deadline_missed": _("整改单：超时"),
    "case.deadline_cancelled": _("整改单：取消计时"),
    "case.escalated": _("整改单：督办升级"),
    "case.followup_closed": _("整改单：协会督办完成"),
    "case.note": _("整改单：备注"),
    "case.comment": _("整改单：主管部门意见"),
    "case.order": _("整改单：主管部门责令整改"),
    "case.label": _("整改单：标识变更"),
    "case.closed": _("整改单：结案"),
    "case.photo": _("整改单：住户照片"),
    "notification.settle": _("通知：核实发送结果"),
    "calendar.loaded": _("节假日：导入全年安排"),
    # field
    "booking.create": _("预约：提交"),
    "booking.schedule": _("预约：安排上门"),
    "permit.issue": _("上岗证：发放"),
    "permit.revoke": _("上岗证：吊销"),
    "work.rate": _("作业：用户评价"),
    "clone.opened": _("疑似克隆：立案"),
    "clone.signal": _("疑似克隆：新信号"),
    "clone.closed": _("疑似克隆：核查完毕"),
    # the city (accounts/city_setup.py)
    "city.created": _("城市：建立"),
    "city.updated": _("城市：修改"),
    "city.made_current": _("城市：设为当前城市"),
    # the admin (audit.admin.AuditedAdmin)
    "admin.add": _("后台：新增"),
    "admin.change": _("后台：修改"),
    "admin.delete": _("后台：删除"),
}

# The page's filter: a group (a code prefix) or one action.
ACTION_GROUPS = {
    "label.": _("标识（全部）"),
    "batch.": _("批次（全部）"),
    "declaration.": _("申报（全部）"),
    "case.": _("整改单（全部）"),
    "booking.": _("预约（全部）"),
    "permit.": _("上岗证（全部）"),
    "recall.": _("召回（全部）"),
    "clone.": _("疑似克隆（全部）"),
    "city.": _("城市（全部）"),
    "admin.": _("后台（全部）"),
}


def filter_choices() -> list[tuple[str, str]]:
    return [(code, str(name)) for code, name in (*ACTION_GROUPS.items(), *ACTION_NAMES.items())]


def action_name(code: str) -> str:
    """The Chinese name of an action code; the code itself when it has none."""
    return str(ACTION_NAMES.get(code, code))


@functools.cache
def _models_by_type() -> dict:
    """object_type as written (`label`, or `cases.appliancemodel` by the admin) → the model class."""
    found = {}
    for model in apps.get_models():
        found.setdefault(model._meta.model_name, model)
        found[f"{model._meta.app_label}.{model._meta.model_name}"] = model
    return found


def object_type_name(object_type: str) -> str:
    """The model's Chinese verbose name for an entry's object type; the type itself when unknown."""
    model = _models_by_type().get(object_type)
    return str(model._meta.verbose_name) if model is not None else object_type


def state_name(object_type: str, value: str) -> str:
    """A state code (from_state/to_state) named by the object's own state/status/stage field choices."""
    model = _models_by_type().get(object_type)
    if not value or model is None:
        return value
    for field_name in ("state", "status", "stage"):
        try:
            field = model._meta.get_field(field_name)
        except FieldDoesNotExist:
            continue
        names = dict(field.flatchoices or ())
        if value in names:
            return str(names[value])
    return value
