"""Field work on labelled appliances: scans, work permits, sales, installations, ignitions, bookings."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from cases.constants import GAS_CATEGORIES, SHENZHEN_DISTRICTS
from cases.models import Label


class ScanLog(models.Model):
    """One look-up of a label code, genuine or not (counterfeits show up as unknown codes)."""

    class Verdict(models.TextChoices):
        GENUINE = "genuine", _("真实有效")
        MALFORMED = "malformed", _("编码错误")
        UNKNOWN = "unknown", _("未知编码")
        VOID = "void", _("已作废")
        NOT_ACTIVATED = "not_activated", _("未激活")

    class Channel(models.TextChoices):
        WEB = "web", _("网页")
        API = "api", _("接口")

    label = models.ForeignKey(Label, on_delete=models.SET_NULL, null=True, blank=True, related_name="scans")
    code = models.CharField(_("扫描的编码"), max_length=40)
    verdict = models.CharField(_("结论"), max_length=20, choices=Verdict.choices)
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices, default=Channel.WEB)
    role = models.CharField(_("角色"), max_length=40, blank=True)
    # Coarse client info only: the /24 (or /48) network and a device class, never the full address.
    network = models.CharField(_("网段"), max_length=64, blank=True)
    device = models.CharField(_("设备类型"), max_length=20, blank=True)
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("扫码记录")
        verbose_name_plural = _("扫码记录")
        ordering = ["-at"]


class WorkPermit(models.Model):
    """A work permit (上岗证) issued by the association to a trained worker of a qualified company."""

    class Kind(models.TextChoices):
        INSTALLATION = "installation", _("安装维修")
        IGNITION = "ignition", _("点火通气")

    number = models.CharField(_("证号"), max_length=32, unique=True)
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("持证人"), on_delete=models.PROTECT, related_name="work_permits"
    )
    holder_name = models.CharField(_("持证人姓名"), max_length=100)
    company = models.ForeignKey(
        Organization, verbose_name=_("所属单位"), on_delete=models.PROTECT, related_name="work_permits"
    )
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices)
    valid_from = models.DateField(_("有效期起"))
    valid_until = models.DateField(_("有效期至"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发证人"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    issued_at = models.DateTimeField(_("发证时间"), default=timezone.now)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    revoked_reason = models.CharField(_("吊销原因"), max_length=255, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("吊销人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("上岗证")
        verbose_name_plural = _("上岗证")
        ordering = ["-issued_at"]

    def __str__(self):
        return f"{self.number} {self.holder_name}"


class Sale(models.Model):
    """A dealer sold a labelled appliance (the label's `sell` transition records who and when too)."""

    label = models.OneToOneField(Label, verbose_name=_("标识"), on_delete=models.PROTECT, related_name="sale")
    dealer = models.ForeignKey(Organization, verbose_name=_("销售代理商"), on_delete=models.PROTECT, related_name="+")
    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("销售人员"), on_delete=models.PROTECT, related_name="+"
    )
    district = models.CharField(_("区"), max_length=20, choices=SHENZHEN_DISTRICTS, blank=True)
    at = models.DateTimeField(_("销售时间"), default=timezone.now)

    class Meta:
        verbose_name = _("销售记录")
        verbose_name_plural = _("销售记录")


class WorkRecord(models.Model):
    """An installation or a repair by a permitted worker, with the resident's rating."""

    class Kind(models.TextChoices):
        INSTALLATION = "installation", _("安装")
        REPAIR = "repair", _("维修")

    label = models.ForeignKey(Label, verbose_name=_("标识"), on_delete=models.PROTECT, related_name="work_records")
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices)
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("作业人员"), on_delete=models.PROTECT, related_name="+"
    )
    permit = models.ForeignKey(WorkPermit, verbose_name=_("上岗证"), on_delete=models.PROTECT, related_name="+")
    company = models.ForeignKey(
        Organization, verbose_name=_("安装维修企业"), on_delete=models.PROTECT, related_name="+"
    )
    district = models.CharField(_("区"), max_length=20, choices=SHENZHEN_DISTRICTS)
    nameplate_confirmed = models.BooleanField(_("已核对铭牌型号"), default=False)
    at = models.DateTimeField(_("作业时间"), default=timezone.now, db_index=True)
    resident_phone = models.CharField(_("用户手机号"), max_length=20, blank=True)
    rating = models.PositiveSmallIntegerField(
        _("服务评分"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.CharField(_("评价"), max_length=500, blank=True)
    rated_at = models.DateTimeField(_("评价时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("安装维修记录")
        verbose_name_plural = _("安装维修记录")
        ordering = ["at", "pk"]


class Ignition(models.Model):
    """The first ignition (点火通气) of an installed appliance; one per label."""

    label = models.OneToOneField(Label, verbose_name=_("标识"), on_delete=models.PROTECT, related_name="ignition")
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("点火工"), on_delete=models.PROTECT, related_name="+"
    )
    permit = models.ForeignKey(WorkPermit, verbose_name=_("上岗证"), on_delete=models.PROTECT, related_name="+")
    company = models.ForeignKey(Organization, verbose_name=_("供气单位"), on_delete=models.PROTECT, related_name="+")
    supply_gas_category = models.CharField(_("供气气源"), max_length=4, choices=GAS_CATEGORIES)
    at = models.DateTimeField(_("点火时间"), default=timezone.now)
    # Where the appliance was installed (its first installation record), copied when it is ignited so the
    # statistics count ignitions per district from this row alone ('' when no installation was recorded).
    district = models.CharField(_("区"), max_length=20, choices=SHENZHEN_DISTRICTS, blank=True, editable=False)

    class Meta:
        verbose_name = _("点火通气记录")
        verbose_name_plural = _("点火通气记录")


class Booking(models.Model):
    """A resident's booking (预约) of installation or ignition with one company."""

    class Kind(models.TextChoices):
        INSTALLATION = "installation", _("预约安装")
        IGNITION = "ignition", _("预约点火")

    class Status(models.TextChoices):
        REQUESTED = "requested", _("待安排")
        SCHEDULED = "scheduled", _("已安排")
        DONE = "done", _("已完成")
        CANCELLED = "cancelled", _("已取消")

    label = models.ForeignKey(Label, verbose_name=_("标识"), on_delete=models.PROTECT, related_name="bookings")
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices)
    company = models.ForeignKey(
        Organization, verbose_name=_("服务单位"), on_delete=models.PROTECT, related_name="bookings"
    )
    resident_phone = models.CharField(_("联系手机"), max_length=20)
    district = models.CharField(_("区"), max_length=20, choices=SHENZHEN_DISTRICTS)
    preferred_date = models.DateField(_("期望日期"))
    note = models.CharField(_("备注"), max_length=255, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.REQUESTED, db_index=True)
    scheduled_for = models.DateTimeField(_("安排时间"), null=True, blank=True)
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("安排人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("预约时间"), default=timezone.now)

    class Meta:
        verbose_name = _("预约")
        verbose_name_plural = _("预约")
        ordering = ["-created_at"]
