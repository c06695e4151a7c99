"""The dashboard's figures: what each one is called, its columns, its chart, and its selector.

Pages, CSV/XLSX exports and tests all go through this registry, so a figure's
numbers, table and chart never drift apart.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from cases.models import LabelState
from field.models import CloneSignal, ScanLog

from . import scoping, selectors

STATE_COLUMNS = tuple((code, label) for code, label in LabelState.choices)


@dataclass(frozen=True)
class Figure:
    key: str
    title: str
    section: str
    columns: tuple  # (row key, column header)
    select: object  # (scope, period) -> list of dicts
    chart: str = "bar"  # bar | stacked | line | doughnut
    x: str = ""  # the row key on the chart's category axis
    series: tuple = ()  # the row keys drawn as datasets
    chart_rows: int = 30  # bars beyond this many are left to the table
    periodic: bool = True  # whether the period filter applies
    notes: str = ""
    extra: dict = field(default_factory=dict)

    def rows(self, scope, period):
        return self.select(scope, period) if self.periodic else self.select(scope)

    def chart_data(self, rows):
        """Chart.js `data` for these rows: category labels and one dataset per series."""
        shown = rows[: self.chart_rows]
        headers = dict(self.columns)
        return {
            "type": self.chart,
            "labels": [str(r[self.x]) for r in shown],
            "datasets": [
                {"label": str(headers[s]), "data": [r[s] if r[s] is not None else 0 for r in shown]}
                for s in self.series
            ],
        }


def _label_figure(key, title, group_columns, select, x):
    return Figure(
        key=key,
        title=title,
        section=scoping.LABELS,
        select=select,
        periodic=False,
        columns=(*group_columns, *STATE_COLUMNS, ("total", _("合计"))),
        chart="stacked",
        x=x,
        series=tuple(code for code, _l in STATE_COLUMNS),
    )


_COUNT = ("count", _("数量"))
_MFR = ("manufacturer", _("燃具企业"))
_BRAND = ("brand", _("品牌"))
_COMPLIANCE = (("met", _("按时完成")), ("missed", _("超时")), ("pct_met", _("按时率 (%)")))

FIGURES = [
    Figure(
        key="label_totals",
        title=_("标识状态总览"),
        section=scoping.LABELS,
        select=selectors.label_totals,
        periodic=False,
        columns=(("state", _("状态")), _COUNT),
        chart="doughnut",
        x="state",
        series=("count",),
    ),
    _label_figure(
        "labels_by_manufacturer", _("各燃具企业标识状态"), (_MFR,), selectors.labels_by_manufacturer, "manufacturer"
    ),
    _label_figure("labels_by_brand", _("各品牌标识状态"), (_MFR, _BRAND), selectors.labels_by_brand, "brand"),
    _label_figure(
        "labels_by_model", _("各型号标识状态"), (_MFR, _BRAND, ("model", _("型号"))), selectors.labels_by_model, "model"
    ),
    Figure(
        key="installations_per_month",
        title=_("每月安装数"),
        section=scoping.FIELD,
        select=selectors.installations_per_month,
        columns=(("month", _("月份")), _COUNT),
        chart="line",
        x="month",
        series=("count",),
    ),
    Figure(
        key="installations_per_district",
        title=_("各区安装数"),
        section=scoping.FIELD,
        select=selectors.installations_per_district,
        columns=(("district", _("区")), _COUNT),
        x="district",
        series=("count",),
    ),
    Figure(
        key="installations_per_company",
        title=_("各安装维修企业安装数"),
        section=scoping.FIELD,
        select=selectors.installations_per_company,
        columns=(("company", _("安装维修企业")), _COUNT),
        x="company",
        series=("count",),
    ),
    Figure(
        key="ignitions_per_month",
        title=_("每月点火通气数"),
        section=scoping.FIELD,
        select=selectors.ignitions_per_month,
        columns=(("month", _("月份")), _COUNT),
        chart="line",
        x="month",
        series=("count",),
    ),
    Figure(
        key="ignitions_per_district",
        title=_("各区点火通气数"),
        section=scoping.FIELD,
        select=selectors.ignitions_per_district,
        columns=(("district", _("区")), _COUNT),
        x="district",
        series=("count",),
        notes=_("点火地点按该燃具的安装记录所在区统计。"),
    ),
    Figure(
        key="ignitions_per_supplier",
        title=_("各供气单位点火通气数"),
        section=scoping.FIELD,
        select=selectors.ignitions_per_supplier,
        columns=(("company", _("供气单位")), _COUNT),
        x="company",
        series=("count",),
    ),
    Figure(
        key="supply_areas",
        title=_("供气区域"),
        section=scoping.FIELD,
        select=selectors.supply_areas,
        periodic=False,
        columns=(("area", _("区域")), ("gas", _("供气气源")), ("supplier", _("供气单位"))),
        x="area",
        series=(),  # a table: the districts' counts are the figures above
        notes=_("未设供气区域的区按全市供气气源；燃具安装、点火时按安装地址所在区域的气源核对。"),
    ),
    Figure(
        key="installer_ratings",
        title=_("安装维修企业服务评分"),
        section=scoping.FIELD,
        select=selectors.installer_ratings,
        columns=(
            ("company", _("安装维修企业")),
            ("rated", _("评价数")),
            ("average", _("平均分")),
            ("stars_1", _("1 星")),
            ("stars_2", _("2 星")),
            ("stars_3", _("3 星")),
            ("stars_4", _("4 星")),
            ("stars_5", _("5 星")),
        ),
        x="company",
        series=("average",),
    ),
    Figure(
        key="cases_by_kind",
        title=_("整改单问题类型"),
        section=scoping.REMEDIATION,
        select=selectors.cases_by_kind,
        columns=(("kind", _("问题类型")), _COUNT),
        chart="doughnut",
        x="kind",
        series=("count",),
    ),
    Figure(
        key="cases_by_dealer",
        title=_("各代理商整改单"),
        section=scoping.REMEDIATION,
        select=selectors.cases_by_dealer,
        columns=(
            ("dealer", _("代理商")),
            ("total", _("合计")),
            ("open", _("处理中")),
            ("closed", _("已结案")),
            ("escalated", _("已升级督办")),
        ),
        chart="stacked",
        x="dealer",
        series=("open", "closed"),
    ),
    Figure(
        key="cases_by_outcome",
        title=_("整改处理结果"),
        section=scoping.REMEDIATION,
        select=selectors.cases_by_outcome,
        columns=(("outcome", _("处理结果")), _COUNT),
        chart="doughnut",
        x="outcome",
        series=("count",),
    ),
    Figure(
        key="compliance_per_step",
        title=_("各环节时限按时率"),
        section=scoping.REMEDIATION,
        select=selectors.compliance_per_step,
        columns=(("step", _("环节")), *_COMPLIANCE),
        x="step",
        series=("pct_met",),
        notes=_("统计期内到期或完成的时限；计时中和已取消的不计。"),
    ),
    Figure(
        key="compliance_per_dealer",
        title=_("各代理商时限按时率"),
        section=scoping.REMEDIATION,
        select=selectors.compliance_per_dealer,
        columns=(("dealer", _("代理商")), *_COMPLIANCE),
        x="dealer",
        series=("pct_met",),
        notes=_("代理商的两个时限：联系用户、完成整改（时长见协会的时限设置）。"),  # hours: DeadlinePolicy
    ),
    Figure(
        key="open_escalations",
        title=_("未办结督办"),
        section=scoping.REMEDIATION,
        select=selectors.open_escalations,
        periodic=False,
        columns=(("level", _("督办级别")), _COUNT, ("oldest_hours", _("最久已等待 (小时)"))),
        x="level",
        series=("count",),
    ),
    Figure(
        key="suspicious_scans_per_day",
        title=_("异常扫码趋势 (疑似假冒)"),
        section=scoping.SCANS,
        select=selectors.suspicious_scans_per_day,
        columns=(("day", _("日期")), *((v, ScanLog.Verdict(v).label) for v in selectors.SUSPICIOUS_VERDICTS)),
        chart="line",
        x="day",
        series=tuple(selectors.SUSPICIOUS_VERDICTS),
    ),
    Figure(
        key="suspected_clones_per_day",
        title=_("疑似克隆标识趋势"),
        section=scoping.SCANS,
        select=selectors.suspected_clones_per_day,
        columns=(
            ("day", _("日期")),
            ("cases", _("新案件")),
            *((kind, CloneSignal.Kind(kind).label) for kind in selectors.CLONE_SIGNALS),
        ),
        chart="line",
        x="day",
        series=("cases", *selectors.CLONE_SIGNALS),
        notes=_("同一编码第二处安装、短时间内在两个区作业或扫码次数异常时开案（阈值见设置）。"),
    ),
    Figure(
        key="top_unknown_codes",
        title=_("被多次扫描的未知编码"),
        section=scoping.SCANS,
        select=selectors.top_unknown_codes,
        columns=(("code", _("编码")), ("scans", _("扫描次数")), ("networks", _("来源网段数")), ("last", _("最近扫描"))),
        x="code",
        series=("scans",),
    ),
]
BY_KEY = {f.key: f for f in FIGURES}

SECTIONS = {
    scoping.LABELS: _("标识"),
    scoping.FIELD: _("安装与点火"),
    scoping.REMEDIATION: _("现场整改"),
    scoping.SCANS: _("扫码监测"),
}
# The period a section shows when none is chosen (days back from today).
DEFAULT_DAYS = {scoping.LABELS: 365, scoping.FIELD: 365, scoping.REMEDIATION: 90, scoping.SCANS: 30}


def for_section(section):
    return [f for f in FIGURES if f.section == section]
