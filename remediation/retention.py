"""Remediation's share of the personal-data retention (core.retention); open cases keep theirs."""

from datetime import datetime

from core.retention import blank

from .models import Notification, RemediationCase, Stage


def purge_personal_data(cutoff: datetime) -> dict[str, int]:
    return {
        "cases": blank(
            RemediationCase.objects.filter(stage=Stage.CLOSED, closed_at__lt=cutoff),
            ["resident_phone", "address"],
        ),
        # SMS to residents (no recipient user): the number is the resident's.
        "notifications": blank(Notification.objects.filter(recipient__isnull=True, created_at__lt=cutoff), ["address"]),
    }
