"""Read queries for field pages and the API."""

from dataclasses import dataclass, field
from functools import cache

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts import roles
from accounts.models import Organization
from cases import lifecycle, rules
from cases.models import ApplianceModel, Label, LabelState
from core import digital_link, serials

from . import scan_sql
from .models import Booking, Sale, ScanLog, SuspectedClone, WorkPermit, WorkRecord
from .services import supply_areas


@cache
def _choice_labels(model, field_name: str, language: str | None) -> dict:
    """A field's choice labels in one language, built once per process: `get_FOO_display` rebuilds the choices
    dict on every call, translating every lazy label on the way (the scan page showed four such fields)."""
    return {value: str(label) for value, label in model._meta.get_field(field_name).flatchoices}


def choice_label(obj: models.Model, field_name: str) -> str:
    """What `obj.get_<field_name>_display()` gives, from the per-language cache."""
    value = getattr(obj, field_name)
    return _choice_labels(type(obj), field_name, get_language()).get(value, value)


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
    def is_genuine(self) -> bool:
        return self.verdict == ScanLog.Verdict.GENUINE

    @property
    def model(self) -> ApplianceModel | None:
        return self.label.appliance_model if self.label else None

    @property
    def fits_gas(self) -> bool:
        return self.model is not None and self.model.fits_gas(self.supply_gas)

    @property
    def sale(self) -> Sale | None:
        """The label's sale (its dealer cached with it), or None: the one-to-one came with the look-up."""
        return getattr(self.label, "sale", None) if self.label else None

    @property
    def installation(self) -> WorkRecord | None:
        installs = [r for r in self.work_records if r.kind == WorkRecord.Kind.INSTALLATION]
        return installs[-1] if installs else None

    @property
    def installed_elsewhere(self) -> WorkRecord | None:
        """For a worker's scan: the recorded installation of this label (if the appliance in front of them
        is not that one, the label is a copy). Comes from the records already loaded: no query."""
        if self.label is None or not lifecycle.is_in_service(self.label):
            return None
        return self.installation

    @property
    def state_display(self) -> str:
        return choice_label(self.label, "state") if self.label else ""

    @property
    def category_display(self) -> str:
        return choice_label(self.model, "category") if self.model else ""

    @property
    def gas_display(self) -> str:
        return choice_label(self.model, "gas_category") if self.model else ""

    @property
    def history(self) -> list[tuple]:
        """(record, its kind's label) for the page's history list."""
        return [(record, choice_label(record, "kind")) for record in self.work_records]

    @property
    def is_suspended(self) -> bool:
        return self.label is not None and self.label.state == LabelState.SUSPENDED

    @property
    def is_recalled(self) -> bool:
        return self.recall is not None


def resolve_scan(code: str, *, gtin: str = "") -> ScanView:
    """Classify a scanned/typed code and load what a genuine label shows: one query (two for an appliance
    off the city's gas with an installation, or a label of a model recalled as a whole).

    `gtin` comes with a GS1 Digital Link (`/01/{gtin}/21/{serial}`): it must be the GTIN of the label's
    model, else the code is a copy on the wrong product and is not shown as genuine (no extra query: the
    model comes with the label).
    """
    try:
        parsed = serials.parse_label_code(code or "")
    except serials.InvalidSerial:
        return ScanView(code=code or "", verdict=ScanLog.Verdict.MALFORMED)
    serial, gtin = parsed.serial, gtin or parsed.gtin
    # One query, prepared once: label, model, manufacturer, recall, the (one-to-one) ignition and sale, and the
    # installation and repair history with each company.
    label, records = scan_sql.label_and_history(serial)
    if label is None:
        return ScanView(code=code, serial=serial, verdict=ScanLog.Verdict.UNKNOWN)
    if label.state == LabelState.VOID:
        return ScanView(code=code, serial=serial, label=label, verdict=ScanLog.Verdict.VOID)
    if gtin and not digital_link.same_gtin(gtin, label.appliance_model.gtin):
        return ScanView(code=code, serial=serial, label=label, verdict=ScanLog.Verdict.GTIN_MISMATCH)
    if not label.is_genuine:
        return ScanView(code=code, serial=serial, label=label, verdict=ScanLog.Verdict.NOT_ACTIVATED)
    ignition = getattr(label, "ignition", None)
    supply = rules.city_gas_category()
    installs = [r for r in records if r.kind == WorkRecord.Kind.INSTALLATION]
    if installs and label.appliance_model.gas_category != supply:
        # Only an appliance not on the city's gas pays a query for its area (an LPG cooker in an LPG area fits);
        # the services refuse a mismatch at installation and ignition whatever this page says.
        supply = supply_areas.gas_category_at(district=installs[0].district)
    return ScanView(
        code=code,
        serial=serial,
        label=label,
        verdict=ScanLog.Verdict.GENUINE,
        work_records=records,
        ignition=ignition,
        supply_gas=supply,
        recall=rules.active_recall(label),
    )


@dataclass(frozen=True)
class ScanAction:
    key: str  # the button's HTML id
    label: str
    url: str
    primary: bool = False


def scan_actions(user: AbstractBaseUser | AnonymousUser, scan: ScanView) -> list[ScanAction]:
    """The buttons a genuine label's page offers this visitor: booking for anyone, work for the roles that do it."""
    label, serial = scan.label, scan.serial
    held = roles.roles_of(user)
    actions = []
    if scan.is_recalled:  # no booking, sale, installation or ignition; a repair may still be recorded
        if roles.INSTALLER in held and lifecycle.may_repair(label):
            actions.append(ScanAction("do-repair", _("登记维修"), reverse("field:repair", args=[serial])))
        return actions
    booking = may_book(scan)
    if booking == "install":
        actions.append(ScanAction("book", _("预约安装"), reverse("field:book", args=[serial]), primary=True))
    elif booking == "ignite":
        actions.append(ScanAction("book", _("预约点火"), reverse("field:book", args=[serial]), primary=True))
    if roles.DEALER in held and lifecycle.may_sell(label):
        actions.append(ScanAction("do-sell", _("登记销售"), reverse("field:sell", args=[serial])))
    if roles.INSTALLER in held and lifecycle.may_install(label):
        actions.append(ScanAction("do-install", _("登记安装"), reverse("field:install", args=[serial])))
    if roles.INSTALLER in held and lifecycle.may_repair(label):
        actions.append(ScanAction("do-repair", _("登记维修"), reverse("field:repair", args=[serial])))
    if roles.IGNITION_WORKER in held and lifecycle.may_ignite(label):
        actions.append(ScanAction("do-ignite", _("点火通气"), reverse("field:ignite", args=[serial])))
    return actions


def may_book(scan: ScanView) -> str | None:
    """What a resident may book from this scan ("install" / "ignite"), if anything: the scan page's button and
    the linkset's service link both ask here. Ignition is offered only for an appliance that fits the gas."""
    if scan.is_recalled or scan.is_suspended:
        return None
    work = lifecycle.next_work(scan.label)
    if work == "ignite" and not scan.fits_gas:
        return None
    return work


def model_by_gtin(gtin: str) -> ApplianceModel | None:
    """The appliance model a GTIN-only Digital Link names (one query), or None."""
    try:
        gtin13 = digital_link.gtin14(gtin).removeprefix("0")
    except digital_link.InvalidDigitalLink:
        return None
    if len(gtin13) != 13:  # our models hold GTIN-13 only
        return None
    return ApplianceModel.objects.select_related("manufacturer").filter(gtin=gtin13).order_by("pk").first()


def permits_for_review(*, query: str = "") -> QuerySet[WorkPermit]:
    permits = WorkPermit.objects.select_related("company", "holder").order_by("-issued_at")
    if query:
        permits = permits.filter(Q(number__icontains=query) | Q(holder_name__icontains=query))
    return permits


def permit_by_number(number: str) -> WorkPermit | None:
    return WorkPermit.objects.select_related("company").filter(number=number).first()


def bookings_for_company(company: Organization, *, status: str | None = None) -> QuerySet[Booking]:
    bookings = Booking.objects.filter(company=company).select_related("label__appliance_model")
    if status:
        bookings = bookings.filter(status=status)
    return bookings.order_by("status", "preferred_date", "created_at")


def permits_of(user: AbstractBaseUser, kind: str | None = None) -> QuerySet[WorkPermit]:
    """The user's own permits, newest first (to prefill the permit field on a worker's phone)."""
    permits = WorkPermit.objects.filter(holder=user, revoked_at__isnull=True)
    if kind:
        permits = permits.filter(kind=kind)
    return permits.order_by("-valid_until")


def recalled_in_service() -> QuerySet[Label]:
    """Labels under an active recall whose appliance is installed or ignited (suspended ones too, by where they
    were), with the district and date of their first installation: the association's follow-up list."""
    installs = WorkRecord.objects.filter(label=OuterRef("pk"), kind=WorkRecord.Kind.INSTALLATION).order_by("at", "pk")
    return (
        Label.objects.filter(recall__isnull=False, recall__lifted_at__isnull=True)
        .filter(
            Q(state__in=lifecycle.IN_SERVICE)
            | Q(state=LabelState.SUSPENDED, state_before_suspension__in=lifecycle.IN_SERVICE)
        )
        .select_related("appliance_model__manufacturer", "recall", "ignition")
        .annotate(district=Subquery(installs.values("district")[:1]), installed_at=Subquery(installs.values("at")[:1]))
        .order_by("district", "appliance_model__brand", "serial")
    )


def clone_cases(*, status: str = SuspectedClone.Status.OPEN) -> QuerySet[SuspectedClone]:
    """The association's suspected-clone cases with their label, model and signals (three queries)."""
    cases = SuspectedClone.objects.select_related("label__appliance_model").prefetch_related("signals")
    if status:
        cases = cases.filter(status=status)
    return cases.order_by("-opened_at", "-pk")
