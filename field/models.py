"""Field work on labelled appliances: scans, work permits, sales, installations, ignitions, bookings."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.city import HasDistrict
from accounts.models import Organization
from cases.constants import GAS_CATEGORIES
from cases.models import Label
from core import limits


class ScanLog(models.Model):
    """One look-up of a label code, genuine or not (counterfeits show up as unknown codes)."""

    class Verdict(models.TextChoices):
        GENUINE = "genuine", _("真实有效")
        MALFORMED = "malformed", _("编码错误")
        UNKNOWN = "unknown", _("未知编码")
        VOID = "void", _("已作废")
        NOT_ACTIVATED = "not_activated", _("未激活")
        # A GS1 Digital Link whose GTIN is not the label's model: a genuine serial copied onto another product.
        GTIN_MISMATCH = "gtin_mismatch", _("商品条码不符")

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


class Sale(HasDistrict, models.Model):
    """A dealer sold a labelled appliance (the label's `sell` transition records who and when too)."""

    label = models.OneToOneField(Label, verbose_name=_("标识"), on_delete=models.PROTECT, related_name="sale")
    dealer = models.ForeignKey(Organization, verbose_name=_("销售代理商"), on_delete=models.PROTECT, related_name="+")
    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("销售人员"), on_delete=models.PROTECT, related_name="+"
    )
    district = models.CharField(_("区"), max_length=20, blank=True)
    at = models.DateTimeField(_("销售时间"), default=timezone.now)

    class Meta:
        verbose_name = _("销售记录")
        verbose_name_plural = _("销售记录")


class WorkRecord(HasDistrict, models.Model):
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
    district = models.CharField(_("区"), max_length=20)
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


class Ignition(HasDistrict, models.Model):
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
    district = models.CharField(_("区"), max_length=20, blank=True, editable=False)

    class Meta:
        verbose_name = _("点火通气记录")
        verbose_name_plural = _("点火通气记录")


class Booking(HasDistrict, models.Model):
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
    district = models.CharField(_("区"), max_length=20)
    # Personal data: shown whole only to the booked company's staff (accounts.pii), blanked by field/retention.py.
    address = models.CharField(_("上门地址"), max_length=limits.ADDRESS, blank=True)
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


class PhoneCode(models.Model):
    """A one-time SMS code proving a resident holds a phone (for a booking, or a rating on a worker's phone).

    Only a keyed hash of the code is stored. A code confirms its phone for its purpose until it expires;
    wrong guesses are counted and end it.
    """

    class Purpose(models.TextChoices):
        BOOKING = "booking", _("预约")
        RATING = "rating", _("评价")

    phone = models.CharField(_("手机号"), max_length=20, db_index=True)
    purpose = models.CharField(_("用途"), max_length=10, choices=Purpose.choices)
    code_hash = models.CharField(max_length=64)
    client = models.CharField(_("请求来源"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("发送时间"), default=timezone.now, db_index=True)
    expires_at = models.DateTimeField(_("失效时间"))
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    confirmed_at = models.DateTimeField(_("验证时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("短信验证码")
        verbose_name_plural = _("短信验证码")
        ordering = ["-created_at", "-pk"]


class SuspectedClone(models.Model):
    """A "suspected clone" case for the association: one genuine code seen where one appliance cannot be.

    At most one open case per label (a partial unique constraint): two workers raising it at the same
    moment get the same case, and each signal adds its evidence to it once (CloneSignal).
    """

    class Status(models.TextChoices):
        OPEN = "open", _("待核查")
        CLOSED = "closed", _("已核查")

    label = models.ForeignKey(Label, verbose_name=_("标识"), on_delete=models.PROTECT, related_name="clone_cases")
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    opened_at = models.DateTimeField(_("发现时间"), default=timezone.now, db_index=True)
    closed_at = models.DateTimeField(_("核查完毕时间"), null=True, blank=True)
    note = models.CharField(_("核查结论"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("疑似克隆标识")
        verbose_name_plural = _("疑似克隆标识")
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["label"], condition=models.Q(status="open"), name="one_open_clone_case_per_label"
            ),
        ]

    def __str__(self):
        return f"{self.label_id} · {self.get_status_display()}"


class CloneSignal(models.Model):
    """Why a label is suspected: one row per kind of signal and case, with its evidence (times, districts, who)."""

    class Kind(models.TextChoices):
        SECOND_INSTALLATION = "second_installation", _("同一编码第二处安装")
        TWO_DISTRICTS = "two_districts", _("短时间内在两个区作业")
        FREQUENT_SCANS = "frequent_scans", _("扫码次数异常")

    case = models.ForeignKey(SuspectedClone, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="signals")
    kind = models.CharField(_("信号"), max_length=30, choices=Kind.choices)
    at = models.DateTimeField(_("时间"), default=timezone.now)
    # [{"at": ISO time, "district": code, "who": username, "company": name, "what": text}, …]
    evidence = models.JSONField(_("证据"), default=list)

    class Meta:
        verbose_name = _("克隆信号")
        verbose_name_plural = _("克隆信号")
        ordering = ["at", "pk"]
        constraints = [models.UniqueConstraint(fields=["case", "kind"], name="one_clone_signal_per_kind")]


class SupplyArea(HasDistrict, models.Model):
    """Where a gas supplier pipes (or bottles) which gas: a district, or one street of it (GB/T 13611 category).

    The gas rule at installation and ignition compares the appliance with the area of the installation
    address (field.services.supply_areas); a district with no area uses the city's CITY_GAS_CATEGORY.
    """

    supplier = models.ForeignKey(
        Organization,
        verbose_name=_("供气单位"),
        on_delete=models.PROTECT,
        related_name="supply_areas",
        limit_choices_to={"kind": Organization.Kind.GAS_SUPPLIER},
    )
    district = models.CharField(_("区"), max_length=20)
    street = models.CharField(_("街道"), max_length=50, blank=True, help_text=_("留空表示全区"))
    gas_category = models.CharField(_("供气气源"), max_length=4, choices=GAS_CATEGORIES)

    class Meta:
        verbose_name = _("供气区域")
        verbose_name_plural = _("供气区域")
        ordering = ["district", "street"]
        constraints = [models.UniqueConstraint(fields=["district", "street"], name="one_supply_area_per_place")]

    def __str__(self):
        return f"{self.get_district_display()}{self.street} · {self.gas_category}"
