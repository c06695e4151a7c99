"""Who may see and do what, per object: the one place pages, API, services and viewflow tasks ask.

Predicates take the user first and never query more than the user's groups (cached by roles_of);
object predicates compare organisation ids already on the row. Superusers hold every role.
The matrix in tests/test_permission_matrix.py pins the behaviour for every role and URL.
"""

from __future__ import annotations

from typing import Protocol, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.db.models import Model, QuerySet

from accounts import roles
from accounts.models import User

AnyUser = User | AnonymousUser
M = TypeVar("M", bound=Model)


# The rooms above name the objects (remediation.models.RemediationCase, field.models.Booking); this one names only
# the columns it compares, so accounts/ imports nothing from above.
class CaseLike(Protocol):
    @property
    def dealer_id(self) -> int | None: ...

    @property
    def reported_by_id(self) -> int | None: ...


class BookingLike(Protocol):
    @property
    def company_id(self) -> int | None: ...


# --- roles ------------------------------------------------------------------------------------------


def holds_role(user: AnyUser, *role_names: str) -> bool:
    """True for a signed-in user holding one of the roles (a superuser holds them all)."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or roles.has_role(user, *role_names)


def is_reviewer(user: AnyUser) -> bool:
    return holds_role(user, roles.REVIEWER)


def is_regulator(user: AnyUser) -> bool:
    return holds_role(user, roles.REGULATOR)


def is_manufacturer(user: AnyUser) -> bool:
    """Manufacturer staff attached to a company (superusers act as reviewers here, not as a company)."""
    return user.is_authenticated and roles.has_role(user, roles.MANUFACTURER) and user.organization_id is not None


def is_field_reporter(user: AnyUser) -> bool:
    """Installers and ignition workers report problems found on site."""
    return holds_role(user, roles.INSTALLER, roles.IGNITION_WORKER)


def sees_all_records(user: AnyUser) -> bool:
    """The association and the regulator read every case and statistic (the regulator read-only)."""
    return holds_role(user, roles.REVIEWER, roles.REGULATOR)


# --- manufacturer's objects: models, declarations, batches, labels, documents -----------------------


def can_use_back_office(user: AnyUser) -> bool:
    return is_reviewer(user) or is_manufacturer(user)


def owns_manufacturer_object(user: AnyUser, manufacturer_id: int | None) -> bool:
    """Staff of the manufacturer `manufacturer_id` (its models, declarations, labels, documents)."""
    return is_manufacturer(user) and user.organization_id == manufacturer_id


def can_view_manufacturer_object(user: AnyUser, manufacturer_id: int | None) -> bool:
    return is_reviewer(user) or owns_manufacturer_object(user, manufacturer_id)


def scope_to_manufacturer(queryset: QuerySet[M], user: AnyUser, manufacturer_path: str) -> QuerySet[M]:
    """The rows of `queryset` `user` may see: all for reviewers, the company's own for its staff, else none."""
    if is_reviewer(user):
        return queryset
    if is_manufacturer(user):
        return queryset.filter(**{manufacturer_path: user.organization_id})
    return queryset.none()


def can_manage_recalls(user: AnyUser) -> bool:
    """The association recalls, lifts and follows up recalled appliances (issue 14)."""
    return is_reviewer(user)


# --- remediation cases --------------------------------------------------------------------------------


def is_case_dealer(user: AnyUser, case: CaseLike) -> bool:
    """Staff of the dealer responsible for the case: they act on it and must call the resident."""
    return bool(case.dealer_id) and user.organization_id == case.dealer_id and roles.has_role(user, roles.DEALER)


def can_view_case(user: AnyUser, case: CaseLike) -> bool:
    if not user.is_authenticated:
        return False
    if sees_all_records(user) or is_case_dealer(user, case):
        return True
    return case.reported_by_id == user.pk


def can_act_on_case(user: AnyUser, case: CaseLike) -> bool:
    """The dealer's steps (contact, resolve); superusers may stand in."""
    return user.is_authenticated and (user.is_superuser or is_case_dealer(user, case))


def may_call_resident(user: AnyUser, case: CaseLike) -> bool:
    """Only the dealer who must call the resident sees the number and address in full."""
    return user.is_authenticated and is_case_dealer(user, case)


# --- field records ------------------------------------------------------------------------------------


def can_handle_booking(user: AnyUser, booking: BookingLike) -> bool:
    """Staff of the booked company (installer or gas supplier) schedule it and call the resident."""
    if not holds_role(user, roles.INSTALLER, roles.IGNITION_WORKER):
        return False
    return user.is_superuser or booking.company_id == user.organization_id
