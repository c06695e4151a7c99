"""The site navigation: each entry names the roles that may use it.

Apps add their entries to NAV_ITEMS; the base template shows a user only the
entries one of their roles allows.
"""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from . import roles

ANYONE = "anyone"  # shown to everybody, logged in or not
SIGNED_IN = "signed_in"  # shown to every logged-in user


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    url_name: str
    allowed: tuple

    def url(self):
        return reverse(self.url_name)


NAV_ITEMS = [
    NavItem("home", _("首页"), "home", (ANYONE,)),
    NavItem("admin", _("管理后台"), "admin:index", (roles.REVIEWER,)),
    NavItem("api_docs", _("接口文档"), "swagger-ui", (roles.REVIEWER,)),
    NavItem(
        "stats",
        _("统计"),
        "stats:index",
        (roles.REVIEWER, roles.REGULATOR, roles.MANUFACTURER, roles.DEALER, roles.INSTALLER),
    ),
    NavItem("declaration_inbox", _("待办任务"), "declarations:inbox", (roles.REVIEWER, roles.MANUFACTURER)),
    NavItem("declarations", _("标识申报"), "cases:declaration_list", (roles.REVIEWER, roles.MANUFACTURER)),
    NavItem("appliance_models", _("燃具型号"), "cases:model_list", (roles.REVIEWER, roles.MANUFACTURER)),
    NavItem("label_batches", _("标识批次"), "cases:batch_list", (roles.REVIEWER, roles.MANUFACTURER)),
    NavItem("labels", _("标识"), "cases:label_list", (roles.REVIEWER,)),
    NavItem("label_stats", _("标识统计"), "cases:stats", (roles.REVIEWER,)),
    NavItem("field_scan", _("扫码"), "field:scanner", (SIGNED_IN,)),
    NavItem("field_sell", _("登记销售"), "field:sell-start", (roles.DEALER,)),
    NavItem("field_install", _("登记安装"), "field:install-start", (roles.INSTALLER,)),
    NavItem("field_repair", _("登记维修"), "field:repair-start", (roles.INSTALLER,)),
    NavItem("field_ignite", _("点火通气"), "field:ignite-start", (roles.IGNITION_WORKER,)),
    NavItem("field_bookings", _("预约管理"), "field:bookings", (roles.INSTALLER, roles.IGNITION_WORKER)),
    NavItem("field_permits", _("上岗证"), "field:permits", (roles.REVIEWER,)),
    NavItem("recalls", _("召回"), "recalls:list", (roles.REVIEWER,)),
    NavItem("remediation_report", _("报告问题"), "remediation:report", (roles.INSTALLER, roles.IGNITION_WORKER)),
    NavItem("remediation_mine", _("我的整改单"), "remediation:dealer-queue", (roles.DEALER,)),
    NavItem("remediation_escalations", _("协会督办"), "remediation:association-queue", (roles.REVIEWER,)),
    NavItem("remediation_all", _("全部整改单"), "remediation:all-cases", (roles.REVIEWER,)),
    NavItem("remediation_escalated", _("上报案件"), "remediation:regulator-queue", (roles.REGULATOR,)),
    NavItem("audit_log", _("审计日志"), "audit:log", (roles.REVIEWER, roles.REGULATOR)),
    NavItem("remediation_inbox", _("消息"), "remediation:inbox", (SIGNED_IN,)),
]


def items_for(user):
    """The navigation entries this user may see, in menu order."""
    held = set(roles.roles_of(user))
    if user.is_authenticated:
        held.add(SIGNED_IN)
        if user.is_superuser:
            held.update(roles.ALL_ROLES)
    held.add(ANYONE)
    return [item for item in NAV_ITEMS if held.intersection(item.allowed)]
