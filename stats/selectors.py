"""Read queries behind every statistics figure: one function per figure, each returning plain rows.

Every function takes a `Scope` (stats.scoping) and applies its filters here, so the
pages, the exports and the periodic report show the same numbers. When a source model
changes, only the function reading it changes. Each figure is one query.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any

from django.db.models import Count, Max, Min, Q, Sum
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import city
from cases import rules
from cases.models import LabelBatchTransition, LabelState, LabelTransition
from field.models import CloneSignal, Ignition, ScanLog, SupplyArea, SuspectedClone, WorkRecord
from remediation.models import Deadline, Escalation, Level, ProblemKind, RemediationCase, Resolution, Stage, Step

from . import summaries
from .models import DailyFieldCount, LabelStateCount
from .scoping import Scope

Rows = list[dict[str, Any]]  # each figure's rows, ready for a table or a chart

STATES = [code for code, _label in LabelState.choices]


_UNREAD = object()


@dataclass(frozen=True)
class Period:
    """A range of local calendar days, both ends included.

    `through` carries the daily summary's watermark once read (see `with_watermark`),
    so a page of several figures reads it once.
    """

    start: datetime.date
    end: datetime.date
    through: object = field(default=_UNREAD, compare=False, repr=False)  # a date, None, or _UNREAD

    def with_watermark(self) -> "Period":
        return replace(self, through=summaries.summarised_through())

    def watermark(self) -> datetime.date | None:
        return summaries.summarised_through() if self.through is _UNREAD else self.through

    @property
    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        """Aware datetimes [from, until) covering the days in the current time zone."""
        tz = timezone.get_current_timezone()
        since = datetime.datetime.combine(self.start, datetime.time.min, tzinfo=tz)
        until = datetime.datetime.combine(self.end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
        return since, until

    def q(self, field: str) -> Q:
        since, until = self.bounds
        return Q(**{f"{field}__gte": since, f"{field}__lt": until})

    @classmethod
    def last_days(cls, days: int, today: datetime.date | None = None) -> "Period":
        today = today or timezone.localdate()
        return cls(today - datetime.timedelta(days=days - 1), today)


def _pct(part, whole):
    return round(100.0 * part / whole, 1) if whole else None


# --- labels (read from the trigger-maintained rollup, never from the label table) ---------


def _label_pivot(scope, group):
    """Label counts per state (one column each) and in total, grouped by `group` fields."""
    if not (scope.city or scope.manufacturer_id):
        return []
    # Delta rows (stats/label_counts_sql.py): sums per key, never single rows; empty groups left out.
    rows = LabelStateCount.objects.all()
    if not scope.city:
        rows = rows.filter(appliance_model__manufacturer_id=scope.manufacturer_id)
    per_state = {state: Coalesce(Sum("n", filter=Q(state=state)), 0) for state in STATES}
    rows = rows.values(*group).annotate(**per_state, total=Sum("n")).filter(total__gt=0).order_by(*group)
    return list(rows)


def labels_by_manufacturer(scope: Scope) -> Rows:
    return [
        {"manufacturer": r.pop("appliance_model__manufacturer__name"), **r}
        for r in _label_pivot(scope, ["appliance_model__manufacturer__name"])
    ]


def labels_by_brand(scope: Scope) -> Rows:
    return [
        {"manufacturer": r.pop("appliance_model__manufacturer__name"), "brand": r.pop("appliance_model__brand"), **r}
        for r in _label_pivot(scope, ["appliance_model__manufacturer__name", "appliance_model__brand"])
    ]


def labels_by_model(scope: Scope) -> Rows:
    group = ["appliance_model__manufacturer__name", "appliance_model__brand", "appliance_model__model_number"]
    return [
        {
            "manufacturer": r.pop("appliance_model__manufacturer__name"),
            "brand": r.pop("appliance_model__brand"),
            "model": r.pop("appliance_model__model_number"),
            **r,
        }
        for r in _label_pivot(scope, group)
    ]


def label_totals(scope: Scope) -> Rows:
    """City (or manufacturer) totals per state: one row per state."""
    if not (scope.city or scope.manufacturer_id):
        return []
    rows = LabelStateCount.objects.all()
    if not scope.city:
        rows = rows.filter(appliance_model__manufacturer_id=scope.manufacturer_id)
    counts = dict(rows.values_list("state").annotate(c=Sum("n")).values_list("state", "c"))
    return [{"state": str(label), "count": counts.get(code, 0) or 0} for code, label in LabelState.choices]


def label_transitions_in(period: Period, scope: Scope) -> Rows:
    """How many label state changes of each kind happened in the period (from the transition logs).

    A label's own changes are one row each; a batch move is one row that counts the labels it moved.
    """
    if not (scope.city or scope.manufacturer_id):
        return []
    rows = LabelTransition.objects.filter(period.q("at"))
    moves = LabelBatchTransition.objects.filter(period.q("at"))
    if not scope.city:
        rows = rows.filter(label__appliance_model__manufacturer_id=scope.manufacturer_id)
        moves = moves.filter(batch__appliance_model__manufacturer_id=scope.manufacturer_id)
    counts = Counter(dict(rows.values_list("to_state").annotate(c=Count("pk")).values_list("to_state", "c")))
    counts.update(dict(moves.values_list("to_state").annotate(c=Sum("label_count")).values_list("to_state", "c")))
    return [{"state": str(label), "count": counts.get(code, 0)} for code, label in LabelState.choices]


# --- installations, ignitions, ratings -----------------------------------------------------
#
# City-wide and per-company figures read closed days from the daily summary
# (stats.summaries) and count only the days after it live; a manufacturer's figures,
# which the summary does not break down, are counted live.

Metric = DailyFieldCount.Metric
Grain = DailyFieldCount.Grain


def _company_field(scope, metric):
    """The summary's company filter for this scope; None: the scope may not see the metric; False: count live."""
    if scope.city:
        return {}
    if scope.installer_id and metric in (Metric.INSTALLATION, Metric.RATING):
        return {"company_id": scope.installer_id}
    if scope.gas_supplier_id and metric == Metric.IGNITION:
        return {"company_id": scope.gas_supplier_id}
    if scope.manufacturer_id and metric != Metric.RATING:
        return False
    return None


def _live(metric, scope, since, until):
    """The raw rows of a metric for this scope in [since, until)."""
    if metric == Metric.INSTALLATION:
        rows = WorkRecord.objects.filter(kind=WorkRecord.Kind.INSTALLATION, at__gte=since, at__lt=until)
    elif metric == Metric.IGNITION:
        rows = Ignition.objects.filter(at__gte=since, at__lt=until)
    else:
        rows = WorkRecord.objects.filter(rating__isnull=False, rated_at__gte=since, rated_at__lt=until)
    if scope.installer_id or scope.gas_supplier_id:
        rows = rows.filter(company_id=scope.installer_id or scope.gas_supplier_id)
    elif scope.manufacturer_id:
        rows = rows.filter(label__appliance_model__manufacturer_id=scope.manufacturer_id)
    return rows


_LIVE_TIME = {Metric.INSTALLATION: "at", Metric.IGNITION: "at", Metric.RATING: "rated_at"}
_GROUP_KEYS = {
    "district": ("district",),
    "month": ("month",),
    "company": ("company__name",),
    "company_rating": ("company__name", "rating"),
}


def _grouped(metric, scope, period, by):
    """Counts per key for `by` in ("district", "month", "company", "company_rating"), summary + live."""
    company = _company_field(scope, metric)
    if company is None:
        return Counter()
    tz = timezone.get_current_timezone()
    since, until = period.bounds
    counts = Counter()
    through = period.watermark() if company is not False else None
    if through is not None and through >= period.start:
        last = min(through, period.end)
        # A company's own figures read the fine grain (its rows only); city-wide ones a coarse grain.
        if company:
            grain = Grain.FULL if by in ("district", "month") and metric != Metric.RATING else Grain.COMPANY
        else:
            grain = Grain.DISTRICT if by in ("district", "month") else Grain.COMPANY
        rows = DailyFieldCount.objects.filter(
            metric=metric, grain=grain, day__gte=period.start, day__lte=last, **company
        )
        keys = _GROUP_KEYS[by]
        if by == "month":
            rows = rows.annotate(month=TruncMonth("day"))
        for row in rows.values(*keys).annotate(c=Sum("n")).order_by():
            counts[_key(by, row, keys)] += row["c"]
        since = max(since, datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz))
    if since < until:
        live = _live(metric, scope, since, until)
        keys = _GROUP_KEYS[by]
        if by == "month":
            live = live.annotate(month=TruncMonth(_LIVE_TIME[metric], tzinfo=tz))
        for row in live.values(*keys).annotate(c=Count("pk")).order_by():
            counts[_key(by, row, keys)] += row["c"]
    return counts


def _key(by, row, keys):
    if by == "month":
        return f"{row['month']:%Y-%m}"
    return tuple(row[k] for k in keys) if len(keys) > 1 else row[keys[0]]


def _per_district(metric, scope, period):
    """Every district with its count (zeros included), then any records without a known district."""
    if _company_field(scope, metric) is None:
        return []
    counts = _grouped(metric, scope, period, "district")
    result = [{"district": name, "count": counts.pop(code, 0)} for code, name in city.district_choices()]
    unknown = sum(counts.values())
    if unknown:
        result.append({"district": _("未知"), "count": unknown})
    return result


def _per_month(counts):
    return [{"month": month, "count": counts[month]} for month in sorted(counts)]


def _per_company(counts):
    return [{"company": name, "count": n} for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def installations_per_district(scope: Scope, period: Period) -> Rows:
    return _per_district(Metric.INSTALLATION, scope, period)


def installations_per_month(scope: Scope, period: Period) -> Rows:
    return _per_month(_grouped(Metric.INSTALLATION, scope, period, "month"))


def installations_per_company(scope: Scope, period: Period) -> Rows:
    return _per_company(_grouped(Metric.INSTALLATION, scope, period, "company"))


def ignitions_per_district(scope: Scope, period: Period) -> Rows:
    return _per_district(Metric.IGNITION, scope, period)


def ignitions_per_month(scope: Scope, period: Period) -> Rows:
    return _per_month(_grouped(Metric.IGNITION, scope, period, "month"))


def ignitions_per_supplier(scope: Scope, period: Period) -> Rows:
    return _per_company(_grouped(Metric.IGNITION, scope, period, "company"))


def supply_areas(scope: Scope, period: Period | None = None) -> Rows:
    """Each district's gas and supplier (its supply area, else the city's gas), a street with its own area after
    its district: one query. Installations and ignitions per district are their own figures."""
    if not scope.city:
        return []
    areas = {(a.district, a.street): a for a in SupplyArea.objects.select_related("supplier")}
    city_gas = rules.city_gas_category()
    rows = []
    for code, name in city.district_choices():
        area = areas.get((code, ""))
        supplier = area.supplier.name if area else ""
        rows.append({"area": str(name), "gas": area.gas_category if area else city_gas, "supplier": supplier})
        for (district, street), street_area in sorted(areas.items()):
            if district == code and street:
                row = {"area": f"{name} {street}", "gas": street_area.gas_category}
                rows.append({**row, "supplier": street_area.supplier.name})
    return rows


def installer_ratings(scope: Scope, period: Period) -> Rows:
    """Per installation company, ratings given in the period: how many, the average, and each star's count."""
    per_company = {}
    for (company, stars), n in _grouped(Metric.RATING, scope, period, "company_rating").items():
        per_company.setdefault(company, Counter())[stars] += n
    result = []
    for company, stars in per_company.items():
        rated = sum(stars.values())
        average = round(sum(k * v for k, v in stars.items()) / rated, 2)
        result.append(
            {
                "company": company,
                "rated": rated,
                "average": average,
                **{f"stars_{k}": stars.get(k, 0) for k in range(1, 6)},
            }
        )
    return sorted(result, key=lambda r: (-r["average"], r["company"]))


# --- remediation -----------------------------------------------------------------------


def _cases(scope):
    rows = RemediationCase.objects.all()
    if scope.city:
        return rows
    if scope.dealer_id:
        return rows.filter(dealer_id=scope.dealer_id)
    if scope.manufacturer_id:
        return rows.filter(
            Q(appliance_model__manufacturer_id=scope.manufacturer_id)
            | Q(label__appliance_model__manufacturer_id=scope.manufacturer_id)
        )
    return None


def cases_by_kind(scope: Scope, period: Period) -> Rows:
    rows = _cases(scope)
    if rows is None:
        return []
    # order_by(): the case's default ordering (viewflow's `-created`) would join the process table for nothing.
    grouped = rows.filter(period.q("reported_at")).values_list("kind").annotate(c=Count("pk")).order_by()
    counts = dict(grouped.values_list("kind", "c"))
    return [{"kind": str(label), "count": counts.get(code, 0)} for code, label in ProblemKind.choices]


def cases_by_dealer(scope: Scope, period: Period) -> Rows:
    """Per dealer: cases reported in the period, still open, closed, and escalated past the dealer."""
    rows = _cases(scope)
    if rows is None:
        return []
    grouped = (
        rows.filter(period.q("reported_at"))
        .values("dealer__name")
        .annotate(
            total=Count("pk"),
            open=Count("pk", filter=~Q(stage=Stage.CLOSED)),
            closed=Count("pk", filter=Q(stage=Stage.CLOSED)),
            escalated=Count("pk", filter=~Q(escalation_level=Level.DEALER)),
        )
        .order_by("-total", "dealer__name")
    )
    return [{"dealer": r.pop("dealer__name") or _("未指派"), **r} for r in grouped]


def cases_by_outcome(scope: Scope, period: Period) -> Rows:
    """Cases reported in the period by how they ended, and how many are still open."""
    rows = _cases(scope)
    if rows is None:
        return []
    closed = Q(stage=Stage.CLOSED)
    counts = {code: Count("pk", filter=closed & Q(resolution=code)) for code, _label in Resolution.choices}
    totals = rows.filter(period.q("reported_at")).aggregate(
        **counts, closed_other=Count("pk", filter=closed & Q(resolution="")), still_open=Count("pk", filter=~closed)
    )
    result = [{"outcome": str(label), "count": totals[code]} for code, label in Resolution.choices]
    result.append({"outcome": _("结案 (无需处理)"), "count": totals["closed_other"]})
    result.append({"outcome": _("处理中"), "count": totals["still_open"]})
    return result


def _settled_deadlines(scope, period):
    """Deadlines met or missed in the period (pending and cancelled ones say nothing about compliance)."""
    cases = _cases(scope)
    if cases is None:
        return None
    rows = Deadline.objects.filter(period.q("settled_at"), state__in=[Deadline.State.MET, Deadline.State.MISSED])
    if not scope.city:
        rows = rows.filter(case__in=cases)
    return rows


_MET = Count("pk", filter=Q(state=Deadline.State.MET))
_MISSED = Count("pk", filter=Q(state=Deadline.State.MISSED))


def compliance_per_step(scope: Scope, period: Period) -> Rows:
    """Per remediation step: deadlines met, missed, and the share met (%)."""
    rows = _settled_deadlines(scope, period)
    if rows is None:
        return []
    grouped = {r["step"]: r for r in rows.values("step").annotate(met=_MET, missed=_MISSED).order_by()}
    result = []
    for code, label in Step.choices:
        r = grouped.get(code, {"met": 0, "missed": 0})
        pct = _pct(r["met"], r["met"] + r["missed"])
        result.append({"step": str(label), "met": r["met"], "missed": r["missed"], "pct_met": pct})
    return result


def compliance_per_dealer(scope: Scope, period: Period) -> Rows:
    """Per dealer: its own deadlines (contact 2 h, resolve 24 h) met, missed, and the share met (%)."""
    rows = _settled_deadlines(scope, period)
    if rows is None:
        return []
    grouped = (
        rows.filter(level=Level.DEALER)
        .values("case__dealer__name")
        .annotate(met=_MET, missed=_MISSED)
        .order_by("case__dealer__name")
    )
    return [
        {
            "dealer": r["case__dealer__name"] or _("未指派"),
            "met": r["met"],
            "missed": r["missed"],
            "pct_met": _pct(r["met"], r["met"] + r["missed"]),
        }
        for r in grouped
    ]


def open_escalations(scope: Scope) -> Rows:
    """Escalations not yet dealt with, per level, with the age of the oldest (hours)."""
    cases = _cases(scope)
    if cases is None:
        return []
    rows = Escalation.objects.filter(closed_at__isnull=True)
    if not scope.city:
        rows = rows.filter(case__in=cases)
    grouped = {r["level"]: r for r in rows.values("level").annotate(c=Count("pk"), oldest=Min("created_at")).order_by()}
    now = timezone.now()
    result = []
    for code, label in Level.choices:
        if code == Level.DEALER:
            continue
        r = grouped.get(code)
        age = round((now - r["oldest"]).total_seconds() / 3600, 1) if r else None
        result.append({"level": str(label), "count": r["c"] if r else 0, "oldest_hours": age})
    return result


# --- scans of codes that are not genuine (the counterfeit signal) ---------------------------

SUSPICIOUS_VERDICTS = [
    ScanLog.Verdict.UNKNOWN,
    ScanLog.Verdict.MALFORMED,
    ScanLog.Verdict.VOID,
    ScanLog.Verdict.GTIN_MISMATCH,  # a genuine serial in a GS1 Digital Link of another product
]


def suspicious_scans_per_day(scope: Scope, period: Period) -> Rows:
    """Per day: scans of unknown codes, malformed codes, void labels and Digital Links of the wrong product."""
    if not scope.city:
        return []
    tz = timezone.get_current_timezone()
    # Counted on `at` (never null), not the id: the partial index stats_scanlog_suspicious holds every column
    # read, so a vacuumed log is counted from the index alone.
    per = {v: Count("at", filter=Q(verdict=v)) for v in SUSPICIOUS_VERDICTS}
    days = (
        ScanLog.objects.filter(period.q("at"), verdict__in=SUSPICIOUS_VERDICTS)
        .annotate(day=TruncDate("at", tzinfo=tz))
        .values("day")
        .annotate(**per)
        .order_by("day")
    )
    return [{"day": f"{r['day']:%Y-%m-%d}", **{v: r[v] for v in SUSPICIOUS_VERDICTS}} for r in days]


CLONE_SIGNALS = list(CloneSignal.Kind.values)


def suspected_clones_per_day(scope: Scope, period: Period) -> Rows:
    """Per day: suspected-clone cases opened, and the signals first seen (a case may gather several)."""
    if not scope.city:
        return []
    tz = timezone.get_current_timezone()
    opened = dict(
        SuspectedClone.objects.filter(period.q("opened_at"))
        .annotate(day=TruncDate("opened_at", tzinfo=tz))
        .values("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    )
    per = {kind: Count("pk", filter=Q(kind=kind)) for kind in CLONE_SIGNALS}
    signals = {
        row["day"]: row
        for row in CloneSignal.objects.filter(period.q("at"))
        .annotate(day=TruncDate("at", tzinfo=tz))
        .values("day")
        .annotate(**per)
    }
    return [
        {
            "day": f"{day:%Y-%m-%d}",
            "cases": opened.get(day, 0),
            **{k: signals.get(day, {}).get(k, 0) for k in CLONE_SIGNALS},
        }
        for day in sorted(set(opened) | set(signals))
    ]


def top_unknown_codes(scope: Scope, period: Period, limit: int = 20) -> Rows:
    """Unknown codes scanned most often in the period: a copied code shows up many times."""
    if not scope.city:
        return []
    rows = (
        ScanLog.objects.filter(period.q("at"), verdict=ScanLog.Verdict.UNKNOWN)
        .values("code")
        .annotate(scans=Count("at"), networks=Count("network", distinct=True), last=Max("at"))  # index-only, as above
        .order_by("-scans", "code")[:limit]
    )
    return [{**r, "last": timezone.localtime(r["last"]).strftime("%Y-%m-%d %H:%M")} for r in rows]


def open_escalation_list(scope: Scope, limit: int = 200) -> Rows:
    """The open escalations themselves (association and regulator level), oldest first."""
    cases = _cases(scope)
    if cases is None:
        return []
    rows = Escalation.objects.filter(closed_at__isnull=True).exclude(level=Level.DEALER)
    if not scope.city:
        rows = rows.filter(case__in=cases)
    rows = rows.select_related("case__dealer").order_by("created_at", "pk")[:limit]
    return [
        {
            "case": e.case_id,
            "kind": str(ProblemKind(e.case.kind).label),
            "dealer": e.case.dealer.name if e.case.dealer_id else _("未指派"),
            "level": str(e.get_level_display()),
            "reason": str(e.get_reason_display()),
            "since": timezone.localtime(e.created_at).strftime("%Y-%m-%d %H:%M"),
        }
        for e in rows
    ]


def period_summary(scope: Scope, period: Period) -> dict[str, Any]:
    """Headline counts of a period for the periodic report."""
    cases = _cases(scope)
    in_period = cases.filter(period.q("reported_at")) if cases is not None else RemediationCase.objects.none()
    closed = cases.filter(period.q("closed_at")) if cases is not None else RemediationCase.objects.none()
    deadlines = _settled_deadlines(scope, period)
    compliance = deadlines.aggregate(met=_MET, missed=_MISSED) if deadlines is not None else {"met": 0, "missed": 0}
    suspicious = ScanLog.objects.filter(period.q("at"), verdict__in=SUSPICIOUS_VERDICTS) if scope.city else None
    return {
        "installations": sum(_grouped(Metric.INSTALLATION, scope, period, "company").values()),
        "ignitions": sum(_grouped(Metric.IGNITION, scope, period, "company").values()),
        "cases_reported": in_period.count(),
        "cases_closed": closed.count(),
        "deadlines_met": compliance["met"],
        "deadlines_missed": compliance["missed"],
        "pct_met": _pct(compliance["met"], compliance["met"] + compliance["missed"]),
        "open_escalations": sum(r["count"] for r in open_escalations(scope)),
        "suspicious_scans": suspicious.count() if suspicious is not None else 0,
    }
