"""Declarations (申报): the manufacturer's request and the association's decision on it.

These functions change the Declaration row only; the review process around
them (who does what next) is the viewflow flow in workflows/declaration/flow.py.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.models import User

from ..models import ApplianceModel, Declaration
from .documents import store_document
from .labels import Origin

MAX_QUANTITY = 1_000_000

Status = Declaration.Status


class Decision:
    APPROVE = "approve"
    RETURN = "return"
    REJECT = "reject"
    CHOICES = [APPROVE, RETURN, REJECT]


def is_member_of_manufacturer(*, user: User, appliance_model: ApplianceModel) -> bool:
    return permissions.owns_manufacturer_object(user, appliance_model.manufacturer_id)


def _check_quantity(quantity: object) -> None:
    if not isinstance(quantity, int) or quantity < 1 or quantity > MAX_QUANTITY:
        raise ValidationError(_("标识数量须在 1 到 %(max)s 之间。") % {"max": MAX_QUANTITY}, code="quantity")


@transaction.atomic
def create_declaration(
    *,
    appliance_model: ApplianceModel,
    quantity: int,
    user: User,
    documents: Iterable[tuple[str, UploadedFile]] = (),
    origin: Origin | None = None,
) -> Declaration:
    """A submitted declaration of `quantity` labels for the user's own model, with its documents.

    `documents` is a list of (kind, upload) pairs; each is sniffed and size-checked.
    """
    if not is_member_of_manufacturer(user=user, appliance_model=appliance_model):
        raise PermissionDenied(_("只能为本企业的型号申报。"))
    if appliance_model.is_recalled:
        raise ValidationError(_("该型号已召回/停售，不能申报标识。"), code="recalled")
    _check_quantity(quantity)
    declaration = Declaration.objects.create(
        appliance_model=appliance_model,
        quantity=quantity,
        status=Status.SUBMITTED,
        submitted_by=user,
        submitted_at=timezone.now(),
    )
    for kind, upload in documents:
        store_document(
            appliance_model=appliance_model,
            declaration=declaration,
            upload=upload,
            kind=kind,
            uploaded_by=user,
            origin=origin,
        )
    return declaration


def record_decision(*, declaration: Declaration, reviewer: User, decision: str, comment: str = "") -> Declaration:
    """Approve, return (with reasons) or reject a submitted declaration."""
    if declaration.status != Status.SUBMITTED:
        raise ValidationError(
            _("申报当前状态为「%(status)s」，不能审核。") % {"status": declaration.get_status_display()}, code="state"
        )
    if decision not in Decision.CHOICES:
        raise ValidationError(_("未知的审核结论。"), code="decision")
    comment = (comment or "").strip()
    if decision in (Decision.RETURN, Decision.REJECT) and not comment:
        raise ValidationError(_("退回或驳回时必须填写原因。"), code="reason_required")
    declaration.status = {
        Decision.APPROVE: Status.APPROVED,
        Decision.RETURN: Status.RETURNED,
        Decision.REJECT: Status.REJECTED,
    }[decision]
    declaration.review_comment = comment
    declaration.reviewed_by = reviewer
    declaration.reviewed_at = timezone.now()
    declaration.save(update_fields=["status", "review_comment", "reviewed_by", "reviewed_at"])
    return declaration


def resubmit(
    *,
    declaration: Declaration,
    user: User,
    quantity: int | None = None,
    documents: Iterable[tuple[str, UploadedFile]] = (),
    origin: Origin | None = None,
) -> Declaration:
    """The manufacturer revises a returned declaration and submits it again."""
    if not is_member_of_manufacturer(user=user, appliance_model=declaration.appliance_model):
        raise PermissionDenied(_("只能修改本企业的申报。"))
    if declaration.status != Status.RETURNED:
        raise ValidationError(
            _("申报当前状态为「%(status)s」，不能重新提交。") % {"status": declaration.get_status_display()},
            code="state",
        )
    if quantity is not None:
        _check_quantity(quantity)
        declaration.quantity = quantity
    for kind, upload in documents:
        store_document(
            appliance_model=declaration.appliance_model,
            declaration=declaration,
            upload=upload,
            kind=kind,
            uploaded_by=user,
            origin=origin,
        )
    declaration.status = Status.SUBMITTED
    declaration.revision += 1
    declaration.submitted_by = user
    declaration.submitted_at = timezone.now()
    declaration.save(update_fields=["status", "revision", "quantity", "submitted_by", "submitted_at"])
    return declaration
