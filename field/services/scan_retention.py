"""Scan log retention: a city scans millions of codes a month, so routine scans are not kept for ever.

Scans of genuine and not-yet-activated labels older than SCAN_LOG_RETENTION_DAYS are deleted. Scans of
unknown, malformed or void codes (the counterfeit signal, a small share) are kept: they are the evidence the
association reports, and the only scans statistics read (stats.selectors.SUSPICIOUS_VERDICTS), so every
statistic is the same before and after a purge. Deleted in batches of short transactions so the busy table
is never locked for long; a rerun finds nothing more to delete.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from ..models import ScanLog

ROUTINE_VERDICTS = (ScanLog.Verdict.GENUINE, ScanLog.Verdict.NOT_ACTIVATED)
BATCH_SIZE = 10_000


def scan_retention_cutoff(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(days=settings.SCAN_LOG_RETENTION_DAYS)


def purge_old_scans(*, now: datetime | None = None, batch_size: int = BATCH_SIZE) -> int:
    """Delete routine scans recorded before the cutoff; returns how many rows went."""
    old = ScanLog.objects.filter(at__lt=scan_retention_cutoff(now), verdict__in=ROUTINE_VERDICTS)
    deleted = 0
    while True:
        ids = list(old.order_by().values_list("pk", flat=True)[:batch_size])
        if not ids:
            return deleted
        # ScanLog has no dependants, so this is one DELETE … WHERE id IN (…) per batch.
        deleted += ScanLog.objects.filter(pk__in=ids).delete()[0]
