"""Remediation cases (整改单), their durable deadlines, escalations, notes and notifications.

One clock per deadline: the `Deadline` row below is the only timer a remediation
step has. The viewflow process (workflows/remediation/flow.py) records the steps as
tasks but carries no `flow.Timer` / `.OnTimeout` boundary: a second, viewflow-owned
clock on the same step could fire while ours is met (or vice versa), and viewflow's
dispatcher walks due timers one by one under per-process locks, whereas the issue
asks for a set-based `SELECT … FOR UPDATE SKIP LOCKED` sweep in batches.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process

from accounts.city import HasDistrict
from accounts.models import Organization
from cases.models import ApplianceModel, Label

from .clock import CALENDAR, SERVICE, Rule


class ProblemKind(models.TextChoices):
    LABEL_MISSING = "label_missing", _("标识缺失")
    LABEL_MISMATCH = "label_mismatch", _("标识与燃具型号不符")
    GAS_MISMATCH = "gas_mismatch", _("气源类别不适配")
    COUNTERFEIT = "counterfeit", _("疑似假冒标识")


class Stage(models.TextChoices):
    CONTACT = "contact", _("待联系用户")
    RESOLVE = "resolve", _("待整改")
    CLOSED = "closed", _("已结案")


class Resolution(models.TextChoices):
    RELABEL = "relabel", _("补贴标识")
    RETURN = "return", _("退货")
    EXCHANGE = "exchange", _("换货")


class Level(models.TextChoices):
    """Who is answerable for a deadline, and so who an escalation reaches."""

    DEALER = "dealer", _("销售代理商")
    ASSOCIATION = "association", _("协会")
    REGULATOR = "regulator", _("行业主管部门")


class Step(models.TextChoices):
    CONTACT = "contact", _("联系用户")
    RESOLVE = "resolve", _("完成整改")
    FOLLOWUP = "followup", _("协会督办")


# The level each step's deadline belongs to.
STEP_LEVEL = {Step.CONTACT: Level.DEALER, Step.RESOLVE: Level.DEALER, Step.FOLLOWUP: Level.ASSOCIATION}
DEFAULT_HOURS = {Step.CONTACT: 2, Step.RESOLVE: 24, Step.FOLLOWUP: 48}


class RemediationCase(HasDistrict, Process):
    """One reported problem with one appliance; the viewflow process row of RemediationFlow."""

    kind = models.CharField(_("问题类型"), max_length=20, choices=ProblemKind.choices)
    label = models.ForeignKey(
        Label, verbose_name=_("标识"), on_delete=models.PROTECT, null=True, blank=True, related_name="remediation_cases"
    )
    # What the worker typed or scanned when it is not a known label (unknown code, no label).
    typed_code = models.CharField(_("录入的编码"), max_length=64, blank=True)
    appliance_model = models.ForeignKey(
        ApplianceModel, verbose_name=_("燃具型号"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    district = models.CharField(_("区"), max_length=20, blank=True)
    address = models.CharField(_("安装地址"), max_length=255, blank=True)
    resident_phone = models.CharField(_("用户电话"), max_length=32, blank=True)
    description = models.TextField(_("情况说明"), blank=True)

    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("报告人"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    reporter_organization = models.ForeignKey(
        Organization, verbose_name=_("报告单位"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reported_at = models.DateTimeField(_("报告时间"), null=True, db_index=True)
    dealer = models.ForeignKey(
        Organization,
        verbose_name=_("责任代理商"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="remediation_cases",
        limit_choices_to={"kind": Organization.Kind.DEALER},
    )
    stage = models.CharField(_("阶段"), max_length=10, choices=Stage.choices, default=Stage.CONTACT, db_index=True)
    resolution = models.CharField(_("处理方式"), max_length=10, choices=Resolution.choices, blank=True)
    new_label = models.ForeignKey(
        Label, verbose_name=_("新标识"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    contacted_at = models.DateTimeField(_("联系时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    escalation_level = models.CharField(
        _("督办级别"), max_length=12, choices=Level.choices, default=Level.DEALER, db_index=True
    )

    class Meta:
        verbose_name = _("整改单")
        verbose_name_plural = _("整改单")

    def __str__(self):
        return _("整改单 #%(pk)s") % {"pk": self.pk}

    @property
    def is_open(self):
        return self.stage != Stage.CLOSED

    @property
    def code(self):
        return self.label.serial if self.label_id else self.typed_code


class Clock(models.TextChoices):
    CALENDAR = CALENDAR, _("日历时间（昼夜连续）")
    SERVICE = SERVICE, _("服务时间（工作日工作时段，跳过夜间、周末和节假日）")


class DeadlinePolicy(models.Model):
    """How long a step may take, per step and level; edited by the association in the admin."""

    step = models.CharField(_("环节"), max_length=10, choices=Step.choices)
    level = models.CharField(_("级别"), max_length=12, choices=Level.choices)
    hours = models.PositiveIntegerField(_("时限 (小时)"))
    clock = models.CharField(_("计时方式"), max_length=10, choices=Clock.choices, default=Clock.CALENDAR)
    note = models.CharField(_("说明"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("时限设置")
        verbose_name_plural = _("时限设置")
        constraints = [models.UniqueConstraint(fields=["step", "level"], name="deadline_policy_step_level")]

    def __str__(self):
        return f"{self.get_step_display()} / {self.get_level_display()}: {self.hours} h"

    @classmethod
    def rule(cls, step):
        """The step's Rule: its hours and its clock (calendar by default)."""
        row = cls.objects.filter(step=step, level=STEP_LEVEL[step]).values("hours", "clock").first()
        if row is None:
            return Rule(DEFAULT_HOURS[step])
        return Rule(row["hours"], row["clock"])


class Deadline(models.Model):
    """A durable due time for one step of one case; the sweep escalates it when missed."""

    class State(models.TextChoices):
        PENDING = "pending", _("计时中")
        MET = "met", _("按时完成")
        MISSED = "missed", _("已超时")
        CANCELLED = "cancelled", _("已取消")

    # Indexed by deadline_one_per_case_step, which leads with it.
    case = models.ForeignKey(RemediationCase, on_delete=models.CASCADE, related_name="deadlines", db_index=False)
    step = models.CharField(_("环节"), max_length=10, choices=Step.choices)
    level = models.CharField(_("级别"), max_length=12, choices=Level.choices)
    due_at = models.DateTimeField(_("截止时间"))
    rule = models.CharField(_("计时规则"), max_length=200, blank=True)  # what made due_at, as the case page says it
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField(_("创建时间"))
    settled_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    warned_at = models.DateTimeField(_("到期提醒时间"), null=True, blank=True)  # the 30-minute warning went out

    class Meta:
        verbose_name = _("时限")
        verbose_name_plural = _("时限")
        ordering = ["due_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["case", "step"], name="deadline_one_per_case_step")]
        # The sweep reads only pending rows in (due time, id) order: a partial index keeps it small, and its
        # id column lets a batch stop at its size when thousands fall due at the same instant.
        indexes = [models.Index(fields=["due_at", "id"], condition=Q(state="pending"), name="deadline_pending_due_id")]

    def __str__(self):
        return f"#{self.case_id} {self.step} {self.due_at:%Y-%m-%d %H:%M} {self.state}"


class Escalation(models.Model):
    """A case raised to the association or the regulator (missed deadline or manual report)."""

    class Reason(models.TextChoices):
        MISSED = "missed", _("超时未处理")
        REPORTED = "reported", _("协会上报")

    case = models.ForeignKey(RemediationCase, on_delete=models.CASCADE, related_name="escalations")
    # One escalation per missed deadline: the unique key that makes the sweep idempotent.
    deadline = models.OneToOneField(
        Deadline, on_delete=models.CASCADE, null=True, blank=True, related_name="escalation"
    )
    level = models.CharField(_("督办级别"), max_length=12, choices=Level.choices)
    reason = models.CharField(_("原因"), max_length=10, choices=Reason.choices)
    note = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("时间"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        db_index=False,  # escalation_created_by: only the manual reports have one
    )
    closed_at = models.DateTimeField(_("处理完毕时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("督办")
        verbose_name_plural = _("督办")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # A case reaches the regulator at most once, however it gets there.
            models.UniqueConstraint(
                fields=["case"], condition=Q(level="regulator"), name="escalation_one_regulator_per_case"
            ),
        ]
        # Deleting a user looks here (PROTECT); the sweep's rows have no author and no entry.
        indexes = [
            models.Index(fields=["created_by"], condition=Q(created_by__isnull=False), name="escalation_created_by")
        ]


class CaseEvent(models.Model):
    """Append-only timeline of a case: who did what, when, from where."""

    class Kind(models.TextChoices):
        REPORTED = "reported", _("报告问题")
        ASSIGNED = "assigned", _("指派代理商")
        CONTACTED = "contacted", _("已联系用户")
        RESOLVED = "resolved", _("完成整改")
        DEADLINE_SET = "deadline_set", _("开始计时")
        DEADLINE_MET = "deadline_met", _("按时完成")
        DEADLINE_MISSED = "deadline_missed", _("超时")
        DEADLINE_CANCELLED = "deadline_cancelled", _("取消计时")
        ESCALATED = "escalated", _("督办升级")
        FOLLOWUP_CLOSED = "followup_closed", _("协会督办完成")
        NOTE = "note", _("备注")
        COMMENT = "comment", _("主管部门意见")
        ORDER = "order", _("主管部门责令整改")
        LABEL = "label", _("标识变更")
        CLOSED = "closed", _("结案")

    case = models.ForeignKey(RemediationCase, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("事件"), max_length=20, choices=Kind.choices)
    text = models.TextField(_("内容"), blank=True)
    # Indexed only where set (caseevent_actor, caseevent_organization): the system's events have neither.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        db_index=False,
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("操作单位"), on_delete=models.PROTECT, null=True, related_name="+", db_index=False
    )
    source = models.CharField(_("来源"), max_length=10, default="system")
    at = models.DateTimeField(_("时间"), db_index=True)

    class Meta:
        verbose_name = _("整改记录")
        verbose_name_plural = _("整改记录")
        ordering = ["at", "pk"]
        # Deleting a user or an organisation looks here (PROTECT).
        indexes = [
            models.Index(fields=["actor"], condition=Q(actor__isnull=False), name="caseevent_actor"),
            models.Index(
                fields=["organization"], condition=Q(organization__isnull=False), name="caseevent_organization"
            ),
        ]


class Notification(models.Model):
    """One message to one recipient on one channel; `dedupe_key` makes each send happen once.

    Outbound rows (e-mail, SMS) move queued → sending (claimed, committed before the provider is
    called) → sent; a provider's refusal → failed (retried); no answer → unknown (never resent by
    the system: a person checks with the provider, whose records carry our id, and settles it).
    """

    class Channel(models.TextChoices):
        INBOX = "inbox", _("站内信")
        EMAIL = "email", _("电子邮件")
        SMS = "sms", _("短信")

    class State(models.TextChoices):
        QUEUED = "queued", _("待发送")
        SENDING = "sending", _("发送中")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败，将重试")
        UNKNOWN = "unknown", _("结果未知，待人工核实")

    # Unique by the constraint notification_dedupe_key (unique=True would add a LIKE index no query uses).
    dedupe_key = models.CharField(max_length=120)
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    # The foreign keys below have no index of their own: the inbox index leads with the recipient, a recall's
    # messages have a partial one, and nothing looks notifications up by case or escalation (neither is
    # ever deleted). The sweep writes thousands a batch: each index is a cost per row.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        db_index=False,
    )
    address = models.CharField(_("地址/号码"), max_length=254, blank=True)  # e-mail or phone when not an inbox
    case = models.ForeignKey(
        RemediationCase, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications", db_index=False
    )
    # Issue 14: a message about a recall (the case is then empty).
    recall = models.ForeignKey(
        "cases.Recall",
        on_delete=models.CASCADE,
        related_name="notifications",
        null=True,
        blank=True,
        db_index=False,
    )
    escalation = models.ForeignKey(
        Escalation, on_delete=models.CASCADE, null=True, blank=True, related_name="+", db_index=False
    )
    # The SMS template (remediation.sms.TEMPLATES) and its parameters; subject/body are its rendering.
    template = models.CharField(_("模板"), max_length=40, blank=True)
    params = models.JSONField(_("模板参数"), default=dict, blank=True)
    link = models.CharField(_("链接"), max_length=200, blank=True)  # what opening the inbox message shows
    subject = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"))
    created_at = models.DateTimeField(_("时间"))
    state = models.CharField(_("发送状态"), max_length=10, choices=State.choices, default=State.QUEUED)
    claimed_at = models.DateTimeField(_("开始发送时间"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    provider = models.CharField(_("短信服务商"), max_length=20, blank=True)
    provider_id = models.CharField(_("服务商消息编号"), max_length=64, blank=True)
    delivery_status = models.CharField(_("服务商状态"), max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=255, blank=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["dedupe_key"], name="notification_dedupe_key")]
        indexes = [
            models.Index(fields=["recipient", "channel", "read_at"], name="notification_inbox"),
            # What is still to send or settle (requeue_unsent, the admin's state filter): sent rows, most of
            # them, stay out.
            models.Index(fields=["state", "created_at"], condition=~Q(state="sent"), name="notification_unsent"),
            models.Index(fields=["recall"], condition=Q(recall__isnull=False), name="notification_recall"),
        ]

    @property
    def message_id(self) -> str:
        """Our id as the provider sees it (Alibaba OutId, Tencent SessionContext)."""
        return f"gl-{self.pk}"


def case_photo_upload_to(instance, filename):
    # Random name: a resident's file name is never trusted as a path.
    extension = {"image/jpeg": "jpg", "image/png": "png"}.get(instance.content_type, "bin")
    return f"case-photos/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension}"


class CasePhoto(models.Model):
    """A photo sent with a resident's report of a label that is not genuine (decoded fully before it is kept)."""

    case = models.ForeignKey(RemediationCase, verbose_name=_("整改单"), on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(_("照片"), upload_to=case_photo_upload_to, max_length=200)
    content_type = models.CharField(_("类型"), max_length=20)
    size = models.PositiveIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("现场照片")
        verbose_name_plural = _("现场照片")
        ordering = ["uploaded_at", "pk"]


class CalendarDay(models.Model):
    """One date whose working-day status the association sets, over whatever `chinesecalendar` says.

    The State Council publishes each year's public holidays and make-up working days (调休) around November;
    the package follows weeks or months later. Until it does (or where it is wrong), the association enters the
    published days here (admin, or `manage.py load_holidays`): a holiday on a weekday, or a working weekend day.
    The service-hours clock (remediation/clock.py) reads these rows first.
    """

    day = models.DateField(_("日期"), unique=True)
    is_working_day = models.BooleanField(
        _("上班"),
        default=False,
        help_text=_("勾选：当天上班（如周末调休上班）；不勾选：当天放假（如工作日的法定节假日）。"),
    )
    note = models.CharField(_("说明"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("法定节假日与调休")
        verbose_name_plural = _("法定节假日与调休")
        ordering = ["day"]

    def __str__(self):
        kind = _("上班") if self.is_working_day else _("放假")
        return f"{self.day.isoformat()} {kind}" + (f" {self.note}" if self.note else "")


class CalendarYear(models.Model):
    """A year whose holidays and make-up working days have all been entered as CalendarDay rows.

    For a year `chinesecalendar` does not know, a complete year is counted from its rows and Monday to Friday,
    without the "no data" warning; an incomplete one is counted the same way but warned about.
    """

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    complete = models.BooleanField(
        _("已全部录入"),
        default=False,
        help_text=_("该年国务院公布的放假和调休日期已全部录入为“法定节假日与调休”。"),
    )
    note = models.CharField(_("说明"), max_length=100, blank=True, help_text=_("例如通知的文号。"))

    class Meta:
        verbose_name = _("节假日年度")
        verbose_name_plural = _("节假日年度")
        ordering = ["-year"]

    def __str__(self):
        return str(self.year)
