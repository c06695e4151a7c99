"""Celery task: the daily statistics run (one beat entry): summarise closed days, then the due reports."""

from celery import shared_task
from django.db import connection, transaction

from . import label_counts_sql
from .reports import generate_due_reports as generate
from .summaries import refresh


# A month's PDF + XLSX for a whole city: longer than the default limit.
@shared_task(acks_late=True, ignore_result=True, soft_time_limit=1800, time_limit=1900)
def generate_due_reports():
    """Beat runs this daily at 08:00 (local). It first summarises the newly closed days (so the dashboard
    counts less live), then makes the new weekly report on Mondays and the monthly one on the 1st, and on
    any other day fills in a report missed while beat was down. Safe to run twice."""
    refresh()
    return [report.pk for report in generate()]


@shared_task(acks_late=True, ignore_result=True, queue="sweep")
def compact_label_counts():
    """Fold the label-count delta rows into one row per (model, state); sums unchanged, safe to overlap."""
    with transaction.atomic():
        label_counts_sql.compact(connection)
