"""Read queries for field pages and the API."""

from dataclasses import dataclass, field

from django.db.models import Q

from cases import rules, serials
from cases.models import Label, LabelState

from .models import Booking, ScanLog, WorkPermit, WorkRecord


@dataclass
class ScanView:
    """Everything the public scan page and the scan API show about one code."""

    code: str
    verdict: str
    serial: str = ""
    label: Label | None = None
    work_records: list = field(default_factory=list)
    ignition: object = None
    supply_gas: str = ""
    recall: object = None  # the active cases.Recall covering this label, if any

    @property
    def is_genuine(self):
        return self.verdict == ScanLog.Verdict.GENUINE

    @property
    def model(self):
        return self.label.appliance_model if self.label else None

    @property
    def fits_gas(self):
        return self.model is not None and self.model.fits_gas(self.supply_gas)

    @property
    def installation(self):
        installs = [r for r in self.work_records if r.kind == WorkRecord.Kind.INSTALLATION]
        return installs[-1] if installs else None

    @property
    def is_suspended(self):
        return self.label is not None and self.label.state == LabelState.SUSPENDED

    @property
    def is_recalled(self):
        return self.recall is not None


def resolve_scan(code):
    """Classify a scanned/typed code and load what a genuine label shows: two queries at most."""
    try:
        serial = serials.parse_code(code or "")
    except serials.InvalidSerial:
        return ScanView(code=code or "", verdict=ScanLog.Verdict.MALFORMED)
    # One query: label, model, manufacturer, and the (one-to-one) ignition and sale.
    label = (
        Label.objects.select_related("appliance_model__manufacturer", "ignition__company", "sale__dealer", "recall")
        .filter(serial=serial)
        .first()
    )
    if label is None:
        return ScanView(code=code, serial=serial, verdict=ScanLog.Verdict.UNKNOWN)
    if label.state == LabelState.VOID:
        return ScanView(code=code, serial=serial, label=label, verdict=ScanLog.Verdict.VOID)
    if not label.is_genuine:
        return ScanView(code=code, serial=serial, label=label, verdict=ScanLog.Verdict.NOT_ACTIVATED)
    # Second query: the installation and repair history with each company.
    records = list(WorkRecord.objects.filter(label=label).select_related("company").order_by("at", "pk"))
    ignition = getattr(label, "ignition", None)
    return ScanView(
        code=code,
        serial=serial,
        label=label,
        verdict=ScanLog.Verdict.GENUINE,
        work_records=records,
        ignition=ignition,
        supply_gas=rules.city_gas_category(),
        recall=rules.active_recall(label),
    )


@dataclass(frozen=True)
class ScanAction:
    key: str  # the button's HTML id
    label: str
    url: str
    primary: bool = False


def scan_actions(user, scan):
    """The buttons a genuine label's page offers this visitor: booking for anyone, work for the roles that do it."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from accounts import roles

    state, serial = scan.label.state, scan.serial
    held = roles.roles_of(user)
    actions = []
    if scan.is_recalled:  # no booking, sale, installation or ignition; a repair may still be recorded
        if roles.INSTALLER in held and state in (LabelState.INSTALLED, LabelState.IGNITED):
            actions.append(ScanAction("do-repair", _("登记维修"), reverse("field:repair", args=[serial])))
        return actions
    if state in (LabelState.ACTIVATED, LabelState.SOLD):
        actions.append(ScanAction("book", _("预约安装"), reverse("field:book", args=[serial]), primary=True))
    elif state == LabelState.INSTALLED and scan.fits_gas:
        actions.append(ScanAction("book", _("预约点火"), reverse("field:book", args=[serial]), primary=True))
    if roles.DEALER in held and state == LabelState.ACTIVATED:
        actions.append(ScanAction("do-sell", _("登记销售"), reverse("field:sell", args=[serial])))
    if roles.INSTALLER in held and state in (LabelState.ACTIVATED, LabelState.SOLD):
        actions.append(ScanAction("do-install", _("登记安装"), reverse("field:install", args=[serial])))
    if roles.INSTALLER in held and state in (LabelState.INSTALLED, LabelState.IGNITED):
        actions.append(ScanAction("do-repair", _("登记维修"), reverse("field:repair", args=[serial])))
    if roles.IGNITION_WORKER in held and state == LabelState.INSTALLED:
        actions.append(ScanAction("do-ignite", _("点火通气"), reverse("field:ignite", args=[serial])))
    return actions


def permits_for_review(*, query=""):
    permits = WorkPermit.objects.select_related("company", "holder").order_by("-issued_at")
    if query:
        permits = permits.filter(Q(number__icontains=query) | Q(holder_name__icontains=query))
    return permits


def permit_by_number(number):
    return WorkPermit.objects.select_related("company").filter(number=number).first()


def bookings_for_company(company, *, status=None):
    bookings = Booking.objects.filter(company=company).select_related("label__appliance_model")
    if status:
        bookings = bookings.filter(status=status)
    return bookings.order_by("status", "preferred_date", "created_at")


def permits_of(user, kind=None):
    """The user's own permits, newest first (to prefill the permit field on a worker's phone)."""
    permits = WorkPermit.objects.filter(holder=user, revoked_at__isnull=True)
    if kind:
        permits = permits.filter(kind=kind)
    return permits.order_by("-valid_until")
