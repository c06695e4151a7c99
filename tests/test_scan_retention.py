"""Scan log retention: routine scans older than SCAN_LOG_RETENTION_DAYS go, the counterfeit evidence stays, and
every statistic (each figure of every section, the periodic report's summary) is the same before and after."""

import datetime
from datetime import timedelta

import pytest
from django.utils import timezone

from field.models import ScanLog
from field.services.scan_retention import purge_old_scans
from field.tasks import purge_old_scans as purge_task
from stats import figures, scoping, selectors
from tests.factories import LabelFactory

pytestmark = pytest.mark.django_db
V = ScanLog.Verdict


def scan(verdict, at, code="ABCDEF123", label=None, network="10.1.2.0/24"):
    return ScanLog.objects.create(code=code, verdict=verdict, label=label, at=at, network=network)


def every_statistic():
    today = timezone.localdate()
    period = selectors.Period(today - datetime.timedelta(days=800), today)
    rows = {f.key: f.rows(scoping.CITY, period) for f in figures.FIGURES}
    return rows, selectors.period_summary(scoping.CITY, period)


def test_routine_scans_past_retention_go_and_statistics_do_not_change(settings):
    settings.SCAN_LOG_RETENTION_DAYS = 365
    now = timezone.now()
    old, recent = now - timedelta(days=400), now - timedelta(days=10)
    label = LabelFactory()
    gone = [scan(V.GENUINE, old, label=label), scan(V.NOT_ACTIVATED, old), scan(V.GENUINE, old - timedelta(days=90))]
    kept = [
        scan(V.UNKNOWN, old, code="FAKE0001"),
        scan(V.UNKNOWN, old + timedelta(hours=1), code="FAKE0001", network="10.9.9.0/24"),
        scan(V.MALFORMED, old, code="???"),
        scan(V.VOID, old, label=label),
        scan(V.GENUINE, recent, label=label),
        scan(V.GENUINE, now - timedelta(days=364)),
        scan(V.UNKNOWN, recent, code="FAKE0002"),
    ]
    before = every_statistic()
    assert before[1]["suspicious_scans"] == 5  # the figures do see the old scans

    assert purge_old_scans(batch_size=2) == len(gone)  # several batches
    assert set(ScanLog.objects.values_list("pk", flat=True)) == {s.pk for s in kept}
    assert every_statistic() == before
    assert purge_task.apply().get() == 0  # a rerun (or a redelivered task) finds nothing


def test_retention_is_a_setting(settings):
    now = timezone.now()
    scan(V.GENUINE, now - timedelta(days=40))
    settings.SCAN_LOG_RETENTION_DAYS = 60
    assert purge_old_scans() == 0
    settings.SCAN_LOG_RETENTION_DAYS = 30
    assert purge_old_scans() == 1
