"""The periodic report the association sends to the regulator: figures, PDF and XLSX.

Weekly reports cover Monday–Sunday, monthly ones a calendar month. One report per
kind and period (a unique constraint): generating it again returns the stored one.
"""

import datetime
import io

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts import city
from core.exports import safe_cell

from . import figures, scoping, selectors
from .models import Report

# Figures of the dashboard that go into the report, in order.
REPORT_FIGURES = [
    "label_totals",
    "installations_per_district",
    "ignitions_per_district",
    "installations_per_company",
    "installer_ratings",
    "cases_by_kind",
    "cases_by_outcome",
    "compliance_per_step",
    "compliance_per_dealer",
    "open_escalations",
    "suspicious_scans_per_day",
]

SUMMARY_LABELS = [
    ("installations", gettext_noop("安装数")),
    ("ignitions", gettext_noop("点火通气数")),
    ("cases_reported", gettext_noop("新报整改单")),
    ("cases_closed", gettext_noop("结案整改单")),
    ("deadlines_met", gettext_noop("按时完成的时限")),
    ("deadlines_missed", gettext_noop("超时的时限")),
    ("pct_met", gettext_noop("时限按时率 (%)")),
    ("open_escalations", gettext_noop("未办结督办")),
    ("suspicious_scans", gettext_noop("异常扫码次数")),
]


def period_for(kind, today):
    """The last complete week (Mon–Sun) or calendar month before `today`."""
    if kind == Report.Kind.WEEKLY:
        this_monday = today - datetime.timedelta(days=today.weekday())
        start = this_monday - datetime.timedelta(days=7)
        return selectors.Period(start, start + datetime.timedelta(days=6))
    first_of_this_month = today.replace(day=1)
    end = first_of_this_month - datetime.timedelta(days=1)
    return selectors.Period(end.replace(day=1), end)


def build_figures(period):
    """Everything the report shows, as JSON-ready data (city-wide scope)."""
    scope = scoping.CITY
    period = period.with_watermark()
    summary = selectors.period_summary(scope, period)
    sections = []
    changes = selectors.label_transitions_in(period, scope)
    sections.append(
        {
            "key": "label_changes",
            "title": _("统计期内标识状态变更"),
            "columns": [["state", _("变更为")], ["count", _("数量")]],
            "rows": changes,
        }
    )
    for key in REPORT_FIGURES:
        figure = figures.BY_KEY[key]
        sections.append(
            {
                "key": key,
                "title": str(figure.title),
                "columns": [[k, str(h)] for k, h in figure.columns],
                "rows": figure.rows(scope, period),
            }
        )
    escalations = selectors.open_escalation_list(scope)
    sections.append(
        {
            "key": "open_escalation_list",
            "title": _("未办结督办明细"),
            "columns": [
                ["case", _("整改单")],
                ["kind", _("问题类型")],
                ["dealer", _("代理商")],
                ["level", _("级别")],
                ["reason", _("原因")],
                ["since", _("升级时间")],
            ],
            "rows": escalations,
        }
    )
    return {
        "summary": [{"key": k, "label": _(label), "value": summary[k]} for k, label in SUMMARY_LABELS],
        "sections": sections,
    }


def _cell(value):
    return "–" if value is None else safe_cell(value)


def render_xlsx(title, data):
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = _("概要")
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([])
    for item in data["summary"]:
        sheet.append([item["label"], _cell(item["value"])])
    for section in data["sections"]:
        # Sheet titles: at most 31 characters, no []:*?/\ .
        ws = book.create_sheet(section["title"][:31].translate(str.maketrans("", "", "[]:*?/\\")))
        ws.append([header for _key, header in section["columns"]])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in section["rows"]:
            ws.append([_cell(row[key]) for key, _h in section["columns"]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


FONT = "STSong-Light"


def render_pdf(title, data):
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    h1 = ParagraphStyle("h1", fontName=FONT, fontSize=16, leading=22, spaceAfter=6)
    h2 = ParagraphStyle("h2", fontName=FONT, fontSize=12, leading=16, spaceBefore=8, spaceAfter=4)
    body = ParagraphStyle("body", fontName=FONT, fontSize=8, leading=10)
    style = TableStyle(
        [
            ("FONTNAME", (0, 0), (-1, -1), FONT),
            ("FONTSIZE", (0, 0), (-1, -1), 8),
            ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#ffedd5")),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ]
    )

    def para(value):
        return Paragraph(str(_cell(value)), body)

    story = [Paragraph(title, h1)]
    story.append(Table([[para(i["label"]), para(i["value"])] for i in data["summary"]], style=style, hAlign="LEFT"))
    for section in data["sections"]:
        story.append(Paragraph(section["title"], h2))
        header = [para(h) for _k, h in section["columns"]]
        rows = [[para(row[k]) for k, _h in section["columns"]] for row in section["rows"]]
        if not rows:
            story.append(Paragraph(_("无"), body))
            continue
        story.append(Table([header, *rows], style=style, hAlign="LEFT", repeatRows=1))
    story.append(Spacer(1, 6 * mm))
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, title=title, leftMargin=12 * mm, rightMargin=12 * mm).build(story)
    return out.getvalue()


def report_title(kind, period):

    name = _("周报") if kind == Report.Kind.WEEKLY else _("月报")
    return _("%(association)s 燃气具标识管理%(kind)s（%(start)s 至 %(end)s）") % {
        "association": city.current_city().association_name,
        "kind": name,
        "start": period.start,
        "end": period.end,
    }


def generate_report(kind, period):
    """The report of this kind and period: the stored one if any, else built and stored now."""
    existing = Report.objects.filter(kind=kind, period_start=period.start).first()
    if existing is not None:
        return existing
    data = build_figures(period)
    title = report_title(kind, period)
    report = Report(
        kind=kind,
        period_start=period.start,
        period_end=period.end,
        generated_at=timezone.now(),
        figures=data,
        pdf=render_pdf(title, data),
        xlsx=render_xlsx(title, data),
    )
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:  # another worker stored it first
        return Report.objects.get(kind=kind, period_start=period.start)
    return report


def generate_due_reports(today=None):
    """The last complete week's and month's reports, made if missing; returns them."""
    today = today or timezone.localdate()
    return [generate_report(kind, period_for(kind, today)) for kind in (Report.Kind.WEEKLY, Report.Kind.MONTHLY)]
