"""One row per periodic job that reports in: when it last started and finished."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    """`sla-sweep` (the deadline sweep) and `queue:<name>` (a worker consumed that queue).

    Written by the workers, read by /health/ on any web machine: the database is the one thing they share.
    """

    name = models.CharField(_("名称"), max_length=60, primary_key=True)
    started_at = models.DateTimeField(_("开始时间"), null=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True)

    class Meta:
        verbose_name = _("心跳")
        verbose_name_plural = _("心跳")

    def __str__(self):
        return self.name
