"""Appliance models, declarations, label batches and the label state machine."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from stdnum import ean
from viewflow.workflow.models import Process

from accounts.models import Organization
from core import serials

from . import rules
from .constants import APPLIANCE_CATEGORIES, GAS_CATEGORIES


def validate_gtin13(value):
    if value and (len(value) != 13 or not ean.is_valid(value)):
        raise ValidationError(_("GTIN 必须是 13 位且校验位正确。"), code="invalid_gtin")


class ApplianceModel(models.Model):
    """One declared appliance model (型号) of a manufacturer."""

    manufacturer = models.ForeignKey(
        Organization,
        verbose_name=_("燃具企业"),
        on_delete=models.PROTECT,
        related_name="appliance_models",
        limit_choices_to={"kind": Organization.Kind.MANUFACTURER},
    )
    brand = models.CharField(_("品牌"), max_length=100)
    model_number = models.CharField(_("型号"), max_length=100)
    category = models.CharField(_("产品类别"), max_length=20, choices=APPLIANCE_CATEGORIES)
    gas_category = models.CharField(_("适用气源"), max_length=4, choices=GAS_CATEGORIES)
    rated_heat_input_kw = models.DecimalField(
        _("额定热负荷 (kW)"), max_digits=6, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    ccc_certificate_number = models.CharField(_("CCC 证书编号"), max_length=64, blank=True)
    other_certificates = models.CharField(_("其他证书编号"), max_length=255, blank=True)
    gtin = models.CharField(_("商品条码 (GTIN-13)"), max_length=13, blank=True, validators=[validate_gtin13])
    digital_link = models.BooleanField(
        _("标识使用 GS1 数字链接"),
        default=False,
        help_text=_("有 GTIN 时，标识二维码写成 GS1 Digital Link（/01/GTIN/21/编码），任何 GS1 扫码器都能识别。"),
    )
    designated_installers = models.ManyToManyField(
        Organization,
        verbose_name=_("指定安装维修企业"),
        related_name="designated_models",
        blank=True,
        limit_choices_to={"kind": Organization.Kind.INSTALLER},
    )
    dealers = models.ManyToManyField(
        Organization,
        verbose_name=_("销售代理商"),
        related_name="dealt_models",
        blank=True,
        limit_choices_to={"kind": Organization.Kind.DEALER},
    )
    is_recalled = models.BooleanField(_("已召回/停售"), default=False)
    recall_note = models.CharField(_("召回说明"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("燃具型号")
        verbose_name_plural = _("燃具型号")
        ordering = ["brand", "model_number"]
        constraints = [
            models.UniqueConstraint(fields=["manufacturer", "brand", "model_number"], name="unique_model_per_brand"),
        ]

    def __str__(self):
        return f"{self.brand} {self.model_number}"

    def fits_gas(self, supply_category=None):
        """Shorthand for the one gas rule (cases.rules.gas_mismatch)."""
        return rules.gas_mismatch(self, area_category=supply_category) is None


class Declaration(models.Model):
    """A manufacturer's request for labels for one model (申报)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("待审核")
        RETURNED = "returned", _("退回修改")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("已驳回")

    appliance_model = models.ForeignKey(
        ApplianceModel, verbose_name=_("燃具型号"), on_delete=models.PROTECT, related_name="declarations"
    )
    quantity = models.PositiveIntegerField(_("标识数量"))
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申报人"), on_delete=models.PROTECT, related_name="+", null=True
    )
    submitted_at = models.DateTimeField(_("申报时间"), null=True, blank=True)
    review_comment = models.TextField(_("审核意见"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    # Bumped on each resubmission after a return, so the review history stays readable.
    revision = models.PositiveIntegerField(_("修改次数"), default=0)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("标识申报")
        verbose_name_plural = _("标识申报")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.appliance_model} × {self.quantity}"

    @property
    def manufacturer_id(self):
        return self.appliance_model.manufacturer_id


def document_upload_to(instance, filename):
    # Random name: the original name is kept in the row, never trusted as a path.
    import uuid

    extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}.get(instance.content_type, "bin")
    return f"documents/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension}"


class Document(models.Model):
    """An uploaded certificate, test report or photo for a model (and the declaration it came with).

    Stored under MEDIA_ROOT but never served as public media: only the
    manufacturer itself and reviewers download it, through a checked view.
    """

    class Kind(models.TextChoices):
        CCC = "ccc", _("CCC 认证证书")
        TEST_REPORT = "test_report", _("检测报告")
        NAMEPLATE = "nameplate", _("铭牌照片")
        OTHER = "other", _("其他材料")

    appliance_model = models.ForeignKey(
        ApplianceModel, verbose_name=_("燃具型号"), on_delete=models.CASCADE, related_name="documents"
    )
    declaration = models.ForeignKey(
        Declaration, verbose_name=_("申报"), on_delete=models.CASCADE, related_name="documents", null=True, blank=True
    )
    kind = models.CharField(_("材料类型"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    file = models.FileField(_("文件"), upload_to=document_upload_to, max_length=200)
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=40)
    size = models.PositiveIntegerField(_("大小 (字节)"))
    sha256 = models.CharField(max_length=64, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.PROTECT, related_name="+", null=True
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("申报材料")
        verbose_name_plural = _("申报材料")
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return self.original_name

    @property
    def is_image(self):
        return self.content_type.startswith("image/")


class LabelBatch(models.Model):
    """The labels generated for one approved declaration; printed, activated and issued together."""

    declaration = models.OneToOneField(
        Declaration, verbose_name=_("申报"), on_delete=models.PROTECT, related_name="batch"
    )
    appliance_model = models.ForeignKey(
        ApplianceModel, verbose_name=_("燃具型号"), on_delete=models.PROTECT, related_name="batches"
    )
    quantity = models.PositiveIntegerField(_("数量"))

    class Stage(models.TextChoices):
        GENERATING = "generating", _("生成中")
        GENERATED = "generated", _("待印制")
        PRINTED = "printed", _("已印制")
        ACTIVATED = "activated", _("已激活")
        ISSUED = "issued", _("已发放")

    stage = models.CharField(_("阶段"), max_length=20, choices=Stage.choices, default=Stage.GENERATING, db_index=True)
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    generated_at = models.DateTimeField(_("标识生成完成时间"), null=True, blank=True)
    printed_at = models.DateTimeField(_("印制时间"), null=True, blank=True)
    activated_at = models.DateTimeField(_("激活时间"), null=True, blank=True)
    issued_at = models.DateTimeField(_("发放时间"), null=True, blank=True)
    issued_to = models.ForeignKey(
        Organization, verbose_name=_("发放给"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    printed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("印制人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("激活人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发放人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("标识批次")
        verbose_name_plural = _("标识批次")
        ordering = ["-created_at"]

    def __str__(self):
        return f"#{self.pk} {self.appliance_model} × {self.quantity}"


class LabelState(models.TextChoices):
    DECLARED = "declared", _("已申报")
    PRINTED = "printed", _("已印制")
    ACTIVATED = "activated", _("已激活")
    SOLD = "sold", _("已销售")
    INSTALLED = "installed", _("已安装")
    IGNITED = "ignited", _("已点火通气")
    SUSPENDED = "suspended", _("暂停 (待整改)")
    VOID = "void", _("已作废")


GENUINE_STATES = frozenset(
    {LabelState.ACTIVATED, LabelState.SOLD, LabelState.INSTALLED, LabelState.IGNITED, LabelState.SUSPENDED}
)
# States a label may be suspended from (installation or ignition stops until its case puts the label right).
SUSPENDABLE_STATES = [LabelState.ACTIVATED, LabelState.SOLD, LabelState.INSTALLED, LabelState.IGNITED]


class Label(ConcurrentTransitionMixin, models.Model):
    """One gas-source compatibility label, stuck on one appliance.

    State changes go through cases.services.labels.apply_transition, which locks,
    checks and logs them; the decorated methods below only say what is legal.
    """

    serial = models.CharField(_("标识编码"), max_length=serials.SERIAL_LENGTH, unique=True)
    batch = models.ForeignKey(LabelBatch, verbose_name=_("批次"), on_delete=models.PROTECT, related_name="labels")
    appliance_model = models.ForeignKey(
        ApplianceModel, verbose_name=_("燃具型号"), on_delete=models.PROTECT, related_name="labels"
    )
    # Not indexed, on purpose: an index on `state` (even a partial or composite one) makes every state
    # change write every index entry again; without one, batch moves are HOT updates (cases/migrations/0006, 0008).
    state = FSMField(_("状态"), default=LabelState.DECLARED, choices=LabelState.choices)
    state_before_suspension = models.CharField(max_length=20, blank=True, editable=False)
    state_changed_at = models.DateTimeField(_("状态变更时间"), null=True, blank=True)
    # Set by cases.services.recalls while an active recall covers this label (scan page, list, refusals).
    recall = models.ForeignKey(
        "Recall",
        verbose_name=_("召回"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="labels",
    )
    replaces = models.OneToOneField(
        "self",
        verbose_name=_("替换的标识"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
    )

    class Meta:
        verbose_name = _("标识")
        verbose_name_plural = _("标识")

    def __str__(self):
        return self.serial

    @property
    def is_genuine(self):
        return self.state in GENUINE_STATES

    # --- transitions: legality only; side effects live in services -------------

    @transition(field=state, source=LabelState.DECLARED, target=LabelState.PRINTED)
    def print_label(self):
        pass

    @transition(field=state, source=LabelState.PRINTED, target=LabelState.ACTIVATED)
    def activate(self):
        pass

    @transition(field=state, source=LabelState.ACTIVATED, target=LabelState.SOLD)
    def sell(self):
        pass

    # A dealer may forget to record the sale; the installation still counts.
    @transition(field=state, source=[LabelState.ACTIVATED, LabelState.SOLD], target=LabelState.INSTALLED)
    def install(self):
        pass

    @transition(field=state, source=LabelState.INSTALLED, target=LabelState.IGNITED)
    def ignite(self):
        pass

    @transition(field=state, source=SUSPENDABLE_STATES, target=LabelState.SUSPENDED)
    def suspend(self):
        self.state_before_suspension = self.state

    @transition(
        field=state, source="*", target=LabelState.VOID, conditions=[lambda label: label.state != LabelState.VOID]
    )
    def void(self):
        pass


class Recall(models.Model):
    """The association withdraws a model, one batch, or a run of labels of a batch (召回/停售).

    While active (not lifted) the covered labels carry it (`Label.recall`) and sale, installation,
    ignition and booking refuse them; cases.services.recalls writes it, with audit rows.
    """

    class Scope(models.TextChoices):
        MODEL = "model", _("整个型号")
        BATCH = "batch", _("一个批次")
        RANGE = "range", _("批次内的编码区间")

    scope = models.CharField(_("召回范围"), max_length=10, choices=Scope.choices)
    appliance_model = models.ForeignKey(
        ApplianceModel, verbose_name=_("燃具型号"), on_delete=models.PROTECT, related_name="recalls"
    )
    batch = models.ForeignKey(
        LabelBatch, verbose_name=_("批次"), on_delete=models.PROTECT, null=True, blank=True, related_name="recalls"
    )
    # A run in print order (label id order within the batch), first and last serial included.
    first_serial = models.CharField(_("起始编码"), max_length=serials.SERIAL_LENGTH, blank=True)
    last_serial = models.CharField(_("结束编码"), max_length=serials.SERIAL_LENGTH, blank=True)
    first_label_id = models.BigIntegerField(null=True, blank=True, editable=False)
    last_label_id = models.BigIntegerField(null=True, blank=True, editable=False)
    reason = models.CharField(_("召回原因"), max_length=255)
    recalled_on = models.DateField(_("召回日期"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    label_count = models.PositiveIntegerField(_("涉及标识数"), default=0)
    lifted_at = models.DateTimeField(_("解除时间"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("解除人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    lift_reason = models.CharField(_("解除原因"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("召回")
        verbose_name_plural = _("召回")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"#{self.pk} {self.appliance_model} ({self.get_scope_display()})"

    @property
    def is_active(self):
        return self.lifted_at is None


class LabelTransition(models.Model):
    """Append-only log of every label state change: who, when, from where."""

    class Source(models.TextChoices):
        WEB = "web", _("网页")
        API = "api", _("接口")
        SYSTEM = "system", _("系统")

    label = models.ForeignKey(Label, on_delete=models.PROTECT, related_name="transitions")
    name = models.CharField(_("操作"), max_length=40)
    from_state = models.CharField(_("原状态"), max_length=20, choices=LabelState.choices)
    to_state = models.CharField(_("新状态"), max_length=20, choices=LabelState.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("操作单位"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices)
    ip_address = models.GenericIPAddressField(_("IP"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=255, blank=True)
    at = models.DateTimeField(_("时间"), db_index=True)

    class Meta:
        verbose_name = _("标识状态记录")
        verbose_name_plural = _("标识状态记录")
        ordering = ["at", "pk"]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("label transitions are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("label transitions are append-only")


class LabelBatchTransition(models.Model):
    """Append-only log of one whole-batch move (print, activate): one row however many labels it moved.

    The labels it moved are the batch's labels that were in `from_state` at that moment; which ones those
    are follows from each label's own log (cases.selectors.label_history), so a label's history shows the
    move exactly as if it had its own row, without writing 100 000 rows per move (issue 19).
    """

    batch = models.ForeignKey(LabelBatch, verbose_name=_("批次"), on_delete=models.PROTECT, related_name="transitions")
    name = models.CharField(_("操作"), max_length=40)
    from_state = models.CharField(_("原状态"), max_length=20, choices=LabelState.choices)
    to_state = models.CharField(_("新状态"), max_length=20, choices=LabelState.choices)
    label_count = models.PositiveIntegerField(_("标识数"))
    # The first and last label moved, in print order (label id order within the batch).
    first_serial = models.CharField(_("起始编码"), max_length=serials.SERIAL_LENGTH, blank=True)
    last_serial = models.CharField(_("结束编码"), max_length=serials.SERIAL_LENGTH, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("操作单位"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    source = models.CharField(_("来源"), max_length=10, choices=LabelTransition.Source.choices)
    ip_address = models.GenericIPAddressField(_("IP"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=255, blank=True)
    at = models.DateTimeField(_("时间"), db_index=True)

    class Meta:
        verbose_name = _("批次状态记录")
        verbose_name_plural = _("批次状态记录")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"#{self.batch_id} {self.name} × {self.label_count}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("label transitions are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("label transitions are append-only")


class DeclarationProcess(Process):
    """One run of the declaration review flow (workflows/declaration/); its artifact is the Declaration.

    A proxy owned by the cases app because workflows/ has no migrations of its own.
    """

    class Meta:
        proxy = True
        verbose_name = _("申报审核流程")
        verbose_name_plural = _("申报审核流程")

    @property
    def declaration(self):
        # Cached per instance: the flow's gates and views read it several times.
        cached = getattr(self, "_declaration_cache", None)
        if cached is None or cached.pk != self.artifact_object_id:
            cached = Declaration.objects.select_related("appliance_model").get(pk=self.artifact_object_id)
            self._declaration_cache = cached
        return cached


class PrintJob(models.Model):
    """One print file of a batch, made by a Celery job on the `print` queue (cases.services.print_jobs).

    The same file (batch, kind, range) is one row: starting it again returns the
    row instead of rendering twice; a failed row says why and is retried in place.
    `file_name` (a name in Django's default storage) is set only once the file is
    whole, so a download can never serve a partial file.
    """

    class Kind(models.TextChoices):
        SHEETS = "sheets", _("A4 标签纸 (PDF)")
        ROLL = "roll", _("卷筒标签打印机，每页一张 (PDF)")
        CSV = "csv", _("编码与网址清单 (CSV)")
        XLSX = "xlsx", _("编码与网址清单 (XLSX)")

    class State(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("生成中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    batch = models.ForeignKey(LabelBatch, verbose_name=_("批次"), on_delete=models.PROTECT, related_name="print_jobs")
    kind = models.CharField(_("文件类型"), max_length=10, choices=Kind.choices)
    # A reprint covers pages first_page..last_page of the full print file, or a serial range.
    first_page = models.PositiveIntegerField(_("起始页"), null=True, blank=True)
    last_page = models.PositiveIntegerField(_("结束页"), null=True, blank=True)
    first_serial = models.CharField(_("起始编码"), max_length=serials.SERIAL_LENGTH, blank=True)
    last_serial = models.CharField(_("结束编码"), max_length=serials.SERIAL_LENGTH, blank=True)
    key = models.CharField(max_length=120, unique=True, editable=False)  # batch:kind:range, see services
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.QUEUED, db_index=True)
    done = models.PositiveIntegerField(_("已完成标识数"), default=0)
    total = models.PositiveIntegerField(_("标识总数"), default=0)
    error = models.TextField(_("失败原因"), blank=True)
    file_name = models.CharField(_("文件"), max_length=255, blank=True)
    attempt = models.PositiveIntegerField(default=0, editable=False)  # bumped by each claim: a stale run stops
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发起人"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("印制文件")
        verbose_name_plural = _("印制文件")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"#{self.pk} {self.get_kind_display()} ({self.batch_id})"

    @property
    def is_reprint(self):
        return self.first_page is not None or bool(self.first_serial)
