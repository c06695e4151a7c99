"""Celery task: the periodic reports to the regulator (idempotent per period)."""

from celery import shared_task


@shared_task(acks_late=True, ignore_result=True)
def generate_due_reports():
    """Beat runs this daily at 08:00 (local): Mondays it yields the new weekly report, on the 1st the monthly one,
    and on any other day it fills in a report missed while beat was down."""
    from .reports import generate_due_reports as generate

    return [report.pk for report in generate()]
