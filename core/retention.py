"""Retention of residents' personal data: blank phones, addresses and free text older than PII_RETENTION_DAYS.

The records themselves stay (statistics, audit, label history need them); only what identifies a
resident is cleared. Idempotent: rows already blank are not touched again, so a rerun (or a retried
Celery task) changes nothing.

Each app that keeps personal data registers its own purge here when it loads (its AppConfig.ready), so
this plumbing never imports a domain app: field blanks work records and bookings, remediation blanks
closed cases and residents' SMS rows (open cases keep theirs: the dealer still has to call).
"""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

logger = logging.getLogger(__name__)

# A purge takes the cutoff and returns {what: rows changed}.
Purge = Callable[[datetime], dict[str, int]]
_purges: list[Purge] = []


def register(purge: Purge) -> Purge:
    """Add an app's purge (idempotent; usable as a decorator)."""
    if purge not in _purges:
        _purges.append(purge)
    return purge


def retention_cutoff(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(days=settings.PII_RETENTION_DAYS)


def blank(queryset: QuerySet, fields: list[str]) -> int:
    """UPDATE the rows of `queryset` holding anything in `fields` to blank them; returns the row count."""
    holding = Q()
    for field in fields:
        holding |= ~Q(**{field: ""})
    return queryset.filter(holding).update(**{field: "" for field in fields})


@transaction.atomic
def purge_personal_data(now: datetime | None = None) -> dict[str, int]:
    """Blank residents' personal data recorded before the retention cutoff; {what: rows changed}."""
    cutoff = retention_cutoff(now)
    counts: dict[str, int] = {}
    for purge in _purges:
        counts.update(purge(cutoff))
    logger.info("personal data purge (before %s): %s", cutoff.date().isoformat(), counts)
    return counts
