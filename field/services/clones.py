"""Cloned labels caught: a genuine code copied onto other appliances shows up where one appliance cannot be.

Three signals, each raising (or adding its evidence to) the label's ONE open "suspected clone" case:
- second installation: an installer tries to install a label already installed (record_work);
- two districts: workers record work on one label in two districts within CLONE_DISTRICT_WINDOW_HOURS
  (record_work, one query per work record);
- frequent scans: more than CLONE_SCAN_THRESHOLD scans of one label within CLONE_SCAN_WINDOW_HOURS
  (a beat sweep over the scan log, so the anonymous scan page pays nothing for it).

Exactly one case also when two workers raise it at the same moment: the partial unique constraint
`one_open_clone_case_per_label` lets one INSERT win; the loser takes the winner's row under a row lock
(lock order: label, then case; the sweep locks only the case).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Min
from django.utils import timezone

from accounts import city
from accounts.models import Organization, User
from audit import services as audit
from cases.models import Label
from cases.services.labels import SYSTEM, Origin

from ..models import CloneSignal, ScanLog, SuspectedClone, WorkRecord

MAX_EVIDENCE = 20  # per signal: enough to see the pattern, bounded however often it fires


def evidence(*, at: datetime, what: str, district: str = "", who: str = "", company: str = "") -> dict[str, str]:
    """One piece of evidence; the district's name is kept as shown then, beside its code."""
    return {
        "at": timezone.localtime(at).isoformat(timespec="minutes"),
        "what": what,
        "district": district,
        "district_name": city.district_name(district),
        "who": who,
        "company": company,
    }


def work_evidence(record: WorkRecord) -> dict[str, str]:
    return evidence(
        at=record.at,
        what=record.get_kind_display(),
        district=record.district,
        who=record.worker.username,
        company=record.company.name,
    )


def _open_case(label_id: int, origin: Origin) -> SuspectedClone:
    case = SuspectedClone.objects.select_for_update().filter(label_id=label_id, status=SuspectedClone.Status.OPEN)
    case = case.first()
    if case is not None:
        return case
    try:
        with transaction.atomic():
            case = SuspectedClone.objects.create(label_id=label_id)
    except IntegrityError:
        # Another worker's request opened it at the same moment; its INSERT committed before ours failed.
        return SuspectedClone.objects.select_for_update().get(label_id=label_id, status=SuspectedClone.Status.OPEN)
    audit.record(action="clone.opened", obj=case, origin=origin, to_state=SuspectedClone.Status.OPEN)
    return case


def raise_suspicion(
    *, label_id: int, kind: str, items: list[dict[str, str]], origin: Origin = SYSTEM
) -> SuspectedClone:
    """Open the label's suspected-clone case (or take the open one) and record this signal's evidence once."""
    with transaction.atomic():
        case = _open_case(label_id, origin)
        signal = CloneSignal.objects.filter(case=case, kind=kind).first()
        if signal is None:
            CloneSignal.objects.create(case=case, kind=kind, evidence=items[:MAX_EVIDENCE])
            audit.record(action="clone.signal", obj=case, origin=origin, detail=kind)
        else:
            new = [item for item in items if item not in signal.evidence]
            if new and len(signal.evidence) < MAX_EVIDENCE:
                signal.evidence = (signal.evidence + new)[:MAX_EVIDENCE]
                signal.save(update_fields=["evidence"])
    return case


def second_installation(label: Label, *, user: User, company: Organization, district: str, origin: Origin) -> None:
    """An installation attempted on a label already installed: the copy is on another appliance."""
    installs = WorkRecord.objects.filter(label=label, kind=WorkRecord.Kind.INSTALLATION).select_related(
        "worker", "company"
    )
    items = [work_evidence(record) for record in installs.order_by("at", "pk")]
    items.append(
        evidence(
            at=timezone.now(),
            what=str(CloneSignal.Kind.SECOND_INSTALLATION.label),
            district=district,
            who=user.username,
            company=company.name,
        )
    )
    raise_suspicion(label_id=label.pk, kind=CloneSignal.Kind.SECOND_INSTALLATION, items=items, origin=origin)


def check_districts(record: WorkRecord, *, origin: Origin) -> SuspectedClone | None:
    """After a work record: other workers' records of this label in another district within the window."""
    window = timedelta(hours=settings.CLONE_DISTRICT_WINDOW_HOURS)
    others = list(
        WorkRecord.objects.filter(label_id=record.label_id, at__gte=record.at - window, at__lte=record.at + window)
        .exclude(district=record.district)
        .exclude(pk=record.pk)
        .select_related("worker", "company")
        .order_by("at", "pk")
    )
    if not others:
        return None
    items = [work_evidence(other) for other in others] + [work_evidence(record)]
    return raise_suspicion(label_id=record.label_id, kind=CloneSignal.Kind.TWO_DISTRICTS, items=items, origin=origin)


def sweep_frequent_scans(*, now: datetime | None = None) -> int:
    """Raise a case for each label scanned more than CLONE_SCAN_THRESHOLD times in the window; idempotent."""
    now = now or timezone.now()
    since = now - timedelta(hours=settings.CLONE_SCAN_WINDOW_HOURS)
    busy = list(
        ScanLog.objects.filter(at__gte=since, at__lte=now, label__isnull=False)
        .values("label")
        .annotate(scans=Count("pk"), networks=Count("network", distinct=True), first=Min("at"), last=Max("at"))
        .filter(scans__gt=settings.CLONE_SCAN_THRESHOLD)
    )
    done = set(
        CloneSignal.objects.filter(
            kind=CloneSignal.Kind.FREQUENT_SCANS,
            case__status=SuspectedClone.Status.OPEN,
            case__label_id__in=[row["label"] for row in busy],
        ).values_list("case__label_id", flat=True)
    )
    raised = 0
    for row in busy:
        if row["label"] in done:
            continue
        first = timezone.localtime(row["first"])
        what = f"{first:%m-%d %H:%M} 起扫码 {row['scans']} 次，来自 {row['networks']} 个网段"
        item = evidence(at=row["last"], what=what)
        raise_suspicion(label_id=row["label"], kind=CloneSignal.Kind.FREQUENT_SCANS, items=[item])
        raised += 1
    return raised


def close_case(*, case_id: int, note: str, origin: Origin) -> SuspectedClone:
    """The association has looked into it; a later signal opens a new case."""
    with transaction.atomic():
        case = SuspectedClone.objects.select_for_update().get(pk=case_id)
        if case.status == SuspectedClone.Status.OPEN:
            case.status, case.closed_at, case.note = SuspectedClone.Status.CLOSED, timezone.now(), note[:255]
            case.save(update_fields=["status", "closed_at", "note"])
            audit.record(
                action="clone.closed", obj=case, origin=origin, from_state="open", to_state="closed", detail=case.note
            )
    return case
