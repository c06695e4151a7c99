"""A recall and its lift, each with its notifications, in one transaction (messages go out after commit)."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from accounts.models import User
from cases.models import Recall
from cases.services import recalls
from cases.services.labels import SYSTEM, Origin
from remediation import notifications


def recall(
    *,
    user: User,
    appliance_model_id: int,
    reason: str,
    recalled_on: date,
    batch_id: int | None = None,
    first_serial: str = "",
    last_serial: str = "",
    origin: Origin = SYSTEM,
) -> Recall:
    with transaction.atomic():
        row = recalls.recall(
            user=user,
            appliance_model_id=appliance_model_id,
            reason=reason,
            recalled_on=recalled_on,
            batch_id=batch_id,
            first_serial=first_serial,
            last_serial=last_serial,
            origin=origin,
        )
        notifications.schedule_delivery(notifications.notify_recall(row))
    return row


def lift(*, user: User, recall_id: int, reason: str, origin: Origin = SYSTEM) -> Recall:
    with transaction.atomic():
        row = recalls.lift_recall(user=user, recall_id=recall_id, reason=reason, origin=origin)
        notifications.schedule_delivery(notifications.notify_recall(row, lifted=True))
    return row
