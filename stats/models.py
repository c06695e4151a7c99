"""Statistics: the label-count rollup and the periodic reports sent to the regulator."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models import ApplianceModel, LabelState


class LabelStateCount(models.Model):
    """How many labels of one appliance model are in one state: SUM(n) over the rows of the key.

    Maintained by database triggers on the label table (stats/label_counts_sql.py), so every
    write counts: single transitions, the set-based batch UPDATEs and bulk INSERTs alike.
    The triggers append delta rows (no shared counter row is locked: no deadlock between label
    changes of one model); compaction folds them periodically. Reading it replaces a GROUP BY
    over millions of label rows.
    """

    appliance_model = models.ForeignKey(ApplianceModel, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=20, choices=LabelState.choices)
    n = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("标识状态计数")
        verbose_name_plural = _("标识状态计数")
        indexes = [models.Index(fields=["appliance_model", "state"], name="stats_label_count_key_idx")]


class Report(models.Model):
    """One periodic report (weekly or monthly) the association sends to the regulator."""

    class Kind(models.TextChoices):
        WEEKLY = "weekly", _("周报")
        MONTHLY = "monthly", _("月报")

    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    period_start = models.DateField(_("统计期起"))
    period_end = models.DateField(_("统计期止"))  # inclusive
    generated_at = models.DateTimeField(_("生成时间"))
    figures = models.JSONField(_("数据"), default=dict)
    pdf = models.BinaryField(_("PDF"))
    xlsx = models.BinaryField(_("电子表格"))

    class Meta:
        verbose_name = _("统计报告")
        verbose_name_plural = _("统计报告")
        ordering = ["-period_start", "kind"]
        # One report per kind and period: the beat task may run again without duplicates.
        constraints = [models.UniqueConstraint(fields=["kind", "period_start"], name="stats_report_one_per_period")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.period_start:%Y-%m-%d}–{self.period_end:%Y-%m-%d}"

    def filename(self, extension):
        return f"gaslabel-{self.kind}-{self.period_start:%Y%m%d}-{self.period_end:%Y%m%d}.{extension}"


class DailyFieldCount(models.Model):
    """Installations, ignitions and ratings per local day: a materialised summary in three grains.

    - FULL: per district and company (what a company's own figures read, filtered by company);
    - DISTRICT: per district, all companies (city-wide district and month figures);
    - COMPANY: per company (and stars, for ratings), all districts (city-wide company figures).
    The coarse grains keep city-wide reads to a few thousand rows a year. Filled for closed
    days only (up to two days ago, see stats.summaries); later days are counted live.
    Ratings are counted on the day they were given (rated_at).
    """

    class Metric(models.TextChoices):
        INSTALLATION = "installation", _("安装")
        IGNITION = "ignition", _("点火通气")
        RATING = "rating", _("评分")

    class Grain(models.TextChoices):
        FULL = "f", _("区 × 单位")
        DISTRICT = "d", _("区")
        COMPANY = "c", _("单位")

    day = models.DateField()
    metric = models.CharField(max_length=12, choices=Metric.choices)
    grain = models.CharField(max_length=1, choices=Grain.choices, default=Grain.FULL)
    district = models.CharField(max_length=20, blank=True)
    company = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    rating = models.PositiveSmallIntegerField(default=0)  # the stars, for metric=rating; 0 otherwise
    n = models.BigIntegerField()

    class Meta:
        verbose_name = _("每日现场作业汇总")
        verbose_name_plural = _("每日现场作业汇总")
        indexes = [
            models.Index(fields=["metric", "grain", "day"], name="stats_daily_metric_grain_day"),
            models.Index(fields=["company", "metric", "grain", "day"], name="stats_daily_company"),
        ]


class SummaryWatermark(models.Model):
    """Up to which local day (inclusive) a materialised summary is complete."""

    name = models.CharField(max_length=40, primary_key=True)
    through = models.DateField()
