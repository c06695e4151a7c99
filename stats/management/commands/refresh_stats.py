"""Summarise closed days now (what the daily task does first); --recount-labels also recounts the label rollup."""

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from stats import label_counts_sql, summaries


class Command(BaseCommand):
    help = "Refresh the daily field summary; optionally recount labels per model and state from the label table."

    def add_arguments(self, parser):
        parser.add_argument(
            "--recount-labels", action="store_true", help="rebuild stats_labelstatecount (locks labels)"
        )

    def handle(self, *args, recount_labels=False, **options):
        if recount_labels:
            with transaction.atomic():
                label_counts_sql.rebuild(connection)
            self.stdout.write("label counts rebuilt")
        else:
            with transaction.atomic():
                label_counts_sql.compact(connection)
        through = summaries.refresh()
        self.stdout.write(
            f"field summary through {summaries.summarised_through()}" + ("" if through else " (nothing new)")
        )
