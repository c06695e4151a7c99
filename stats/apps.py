from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def ensure_label_count_triggers(sender, using="default", **kwargs):
    """Put the rollup triggers back if a later migration rebuilt the label table.

    SQLite alters a table by copying it into a new one, which drops its triggers;
    when that happened, recreate them and recount.
    """
    # Imported here: this runs from a signal while Django is still loading the apps.
    from django.db import connections

    from . import label_counts_sql

    connection = connections[using]
    if connection.vendor not in ("postgresql", "sqlite"):
        return
    tables = connection.introspection.table_names()
    if label_counts_sql.ROLLUP not in tables or label_counts_sql.LABEL not in tables:
        return
    if not label_counts_sql.triggers_present(connection):
        label_counts_sql.create_triggers(connection)
        label_counts_sql.rebuild(connection)


class StatsConfig(AppConfig):
    name = "stats"
    verbose_name = _("统计报表")

    def ready(self):
        post_migrate.connect(ensure_label_count_triggers, sender=self)
