"""The daily field summary (stats.DailyFieldCount): refreshed for closed days, read together with live counts.

A day is summarised once it is two days old, so records that reach the server late
(a phone offline for a day) still land in a day that is counted live. The refresh is
one INSERT … SELECT per metric over the missing days; reading never writes.
"""

import datetime

from django.db import connection, transaction
from django.db.models import Count, F, IntegerField, Value
from django.db.models.functions import TruncDate
from django.utils import timezone

from field.models import Ignition, WorkRecord

from .models import DailyFieldCount, SummaryWatermark

WATERMARK = "daily_field_counts"
SETTLE_DAYS = 2


def summarised_through():
    """The last day the summary covers (None when never refreshed)."""
    return SummaryWatermark.objects.filter(name=WATERMARK).values_list("through", flat=True).first()


def _day(field):
    return TruncDate(field, tzinfo=timezone.get_current_timezone())


def _sources(since, until):
    """One grouped queryset per metric, with columns day, district, company_id, rating, n."""
    installs = (
        WorkRecord.objects.filter(kind=WorkRecord.Kind.INSTALLATION, at__gte=since, at__lt=until)
        .annotate(d=_day("at"), r=Value(0, output_field=IntegerField()))
        .values("d", "district", "company_id", "r")
        .annotate(n=Count("pk"))
    )
    # An ignition happens where the appliance was installed: the ignition row carries that district.
    ignitions = (
        Ignition.objects.filter(at__gte=since, at__lt=until)
        .annotate(d=_day("at"), r=Value(0, output_field=IntegerField()))
        .values("d", "district", "company_id", "r")
        .annotate(n=Count("pk"))
    )
    ratings = (
        WorkRecord.objects.filter(rating__isnull=False, rated_at__gte=since, rated_at__lt=until)
        .annotate(d=_day("rated_at"), place=Value(""), r=F("rating"))
        .values("d", "place", "company_id", "r")
        .annotate(n=Count("pk"))
    )
    return [
        (DailyFieldCount.Metric.INSTALLATION, installs, "district"),
        (DailyFieldCount.Metric.IGNITION, ignitions, "district"),
        (DailyFieldCount.Metric.RATING, ratings, "place"),
    ]


def refresh(today=None):
    """Summarise every closed day not yet summarised; returns the new watermark (or None: nothing to do)."""
    today = today or timezone.localdate()
    through = today - datetime.timedelta(days=SETTLE_DAYS)
    tz = timezone.get_current_timezone()
    table = connection.ops.quote_name(DailyFieldCount._meta.db_table)
    with transaction.atomic():
        mark = SummaryWatermark.objects.select_for_update().filter(name=WATERMARK).first()
        first = mark.through + datetime.timedelta(days=1) if mark else _first_day()
        if first is None or first > through:
            if first is None:
                SummaryWatermark.objects.update_or_create(name=WATERMARK, defaults={"through": through})
            return None
        since = datetime.datetime.combine(first, datetime.time.min, tzinfo=tz)
        until = datetime.datetime.combine(through + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
        DailyFieldCount.objects.filter(day__gte=first, day__lte=through).delete()
        G = DailyFieldCount.Grain
        with connection.cursor() as cursor:
            for metric, rows, place in _sources(since, until):
                sql, params = rows.query.sql_with_params()
                # Columns taken by alias from the grouped query, so their order there does not matter.
                # Ratings have no district: their one grain is per company.
                grain = G.COMPANY if metric == DailyFieldCount.Metric.RATING else G.FULL
                cursor.execute(
                    f"INSERT INTO {table} (day, metric, grain, district, company_id, rating, n) "
                    f"SELECT g.d, %s, %s, COALESCE(g.{place}, ''), g.company_id, g.r, g.n FROM ({sql}) g",
                    [metric, grain, *params],
                )
            # The coarse grains, summed from the fine one just written.
            fine = f"FROM {table} WHERE grain = %s AND day >= %s AND day <= %s AND metric <> %s"
            fine_params = [G.FULL, first, through, DailyFieldCount.Metric.RATING]
            cursor.execute(
                f"INSERT INTO {table} (day, metric, grain, district, company_id, rating, n) "
                f"SELECT day, metric, %s, district, NULL, 0, SUM(n) {fine} GROUP BY day, metric, district",
                [G.DISTRICT, *fine_params],
            )
            cursor.execute(
                f"INSERT INTO {table} (day, metric, grain, district, company_id, rating, n) "
                f"SELECT day, metric, %s, '', company_id, 0, SUM(n) {fine} GROUP BY day, metric, company_id",
                [G.COMPANY, *fine_params],
            )
        SummaryWatermark.objects.update_or_create(name=WATERMARK, defaults={"through": through})
    if connection.vendor == "postgresql":
        # Fresh planner statistics: right after a large first refresh the table still looks empty to the planner.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")
    return through


def _first_day():
    """The earliest local day with a field record, or None."""
    starts = [
        WorkRecord.objects.order_by("at").values_list("at", flat=True).first(),
        Ignition.objects.order_by("at").values_list("at", flat=True).first(),
    ]
    starts = [s for s in starts if s is not None]
    return timezone.localdate(min(starts)) if starts else None
