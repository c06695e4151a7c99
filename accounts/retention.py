"""Retention of residents' personal data: blank phones, addresses and free text older than PII_RETENTION_DAYS.

The records themselves stay (statistics, audit, label history need them); only what identifies a
resident is cleared. Idempotent: rows already blank are not touched again, so a rerun (or a retried
Celery task) changes nothing. Open remediation cases keep their data whatever their age: the dealer
still has to call.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

logger = logging.getLogger(__name__)


def retention_cutoff(now=None):
    return (now or timezone.now()) - timedelta(days=settings.PII_RETENTION_DAYS)


def _blank(queryset, fields):
    """UPDATE the rows of `queryset` holding anything in `fields` to blank them; returns the row count."""
    holding = Q()
    for field in fields:
        holding |= ~Q(**{field: ""})
    return queryset.filter(holding).update(**{field: "" for field in fields})


@transaction.atomic
def purge_personal_data(now=None):
    """Blank residents' personal data recorded before the retention cutoff; {what: rows changed}."""
    from field.models import Booking, WorkRecord
    from remediation.models import Notification, RemediationCase, Stage

    cutoff = retention_cutoff(now)
    counts = {
        "work_records": _blank(WorkRecord.objects.filter(at__lt=cutoff), ["resident_phone", "comment"]),
        "bookings": _blank(Booking.objects.filter(created_at__lt=cutoff), ["resident_phone", "note"]),
        "cases": _blank(
            RemediationCase.objects.filter(stage=Stage.CLOSED, closed_at__lt=cutoff),
            ["resident_phone", "address"],
        ),
        # SMS to residents (no recipient user): the number is the resident's.
        "notifications": _blank(
            Notification.objects.filter(recipient__isnull=True, created_at__lt=cutoff), ["address"]
        ),
    }
    logger.info("personal data purge (before %s): %s", cutoff.date().isoformat(), counts)
    return counts
