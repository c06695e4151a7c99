"""Who sees which statistics: the one place that turns a user into a scope.

The association (reviewers) and the regulator see the whole city; a manufacturer
its own products, a dealer its own remediation cases, an installation company its
own installations and ratings, a gas supplier its own ignitions.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied

from accounts import permissions, roles
from accounts.models import Organization

# Dashboard sections.
LABELS = "labels"
FIELD = "field"
REMEDIATION = "remediation"
SCANS = "scans"
REPORTS = "reports"
ALL_SECTIONS = (LABELS, FIELD, REMEDIATION, SCANS, REPORTS)


@dataclass(frozen=True)
class Scope:
    """Filters every selector applies; `city` means none."""

    city: bool = False
    manufacturer_id: int | None = None
    dealer_id: int | None = None
    installer_id: int | None = None
    gas_supplier_id: int | None = None
    sections: tuple = ()

    def allows(self, section):
        return section in self.sections


CITY = Scope(city=True, sections=ALL_SECTIONS)

# The organisation kind each company role must belong to, and what it then sees.
_COMPANY_SCOPES = [
    (roles.MANUFACTURER, Organization.Kind.MANUFACTURER, "manufacturer_id", (LABELS, FIELD, REMEDIATION)),
    (roles.DEALER, Organization.Kind.DEALER, "dealer_id", (REMEDIATION,)),
    (roles.INSTALLER, Organization.Kind.INSTALLER, "installer_id", (FIELD,)),
    (roles.IGNITION_WORKER, Organization.Kind.GAS_SUPPLIER, "gas_supplier_id", (FIELD,)),
]


def scope_for(user):
    """The statistics `user` may see; PermissionDenied when none."""
    if not user.is_authenticated:
        raise PermissionDenied
    if permissions.sees_all_records(user):
        return CITY
    org = user.organization
    if org is not None:
        for role, kind, field, sections in _COMPANY_SCOPES:
            if roles.has_role(user, role) and org.kind == kind:
                return Scope(**{field: org.pk}, sections=sections)
    raise PermissionDenied


def may_download_reports(user):
    return permissions.sees_all_records(user)
