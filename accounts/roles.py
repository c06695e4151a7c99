"""Roles are Django groups; these are their names and what each one means."""

from django.utils.translation import gettext_lazy as _

REVIEWER = "reviewer"
MANUFACTURER = "manufacturer_staff"
DEALER = "dealer_staff"
INSTALLER = "installer"
IGNITION_WORKER = "ignition_worker"
REGULATOR = "regulator"

ROLE_LABELS = {
    REVIEWER: _("协会审核员"),
    MANUFACTURER: _("燃具企业人员"),
    DEALER: _("销售代理商人员"),
    INSTALLER: _("安装维修工"),
    IGNITION_WORKER: _("点火工"),
    REGULATOR: _("行业主管部门"),
}
ALL_ROLES = list(ROLE_LABELS)


def roles_of(user):
    """The set of role names a user holds (empty for anonymous users)."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_gaslabel_roles", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._gaslabel_roles = cached
    return cached


def has_role(user, *roles):
    return bool(roles_of(user) & set(roles))
