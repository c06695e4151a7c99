"""The periodic report to the regulator: period arithmetic, contents of the XLSX and the PDF text,
idempotence per period, the beat entry, and who may download it."""

import datetime
import io
import subprocess

import openpyxl
import pytest
from django.conf import settings
from django.urls import reverse

from cases.models import LabelState
from stats import reports
from stats.models import Report
from stats.tasks import generate_due_reports
from tests.factories import PASSWORD

from .factories_stats import at, make_stats_city, populate_labels
from .test_stats_remediation import build_cases

pytestmark = pytest.mark.django_db

WEEK = reports.period_for(Report.Kind.WEEKLY, datetime.date(2026, 3, 9))  # Monday 9 March → 2–8 March


@pytest.fixture
def city():
    c = make_stats_city()
    populate_labels(c)
    a, b, late = c.labels("A1", LabelState.IGNITED, 3)
    c.install(a, "inst_1", "futian", at(2026, 3, 2), rating=4)
    c.install(b, "inst_2", "nanshan", at(2026, 3, 8, 23, 59))
    c.install(late, "inst_2", "nanshan", at(2026, 3, 9, 0, 1))  # the next week
    c.ignite(a, "gas_1", at(2026, 3, 3))
    build_cases(c)  # c2 reported 5 March: contact missed; escalations open at generation time
    return c


def test_periods_are_the_last_complete_week_and_month():
    assert (WEEK.start, WEEK.end) == (datetime.date(2026, 3, 2), datetime.date(2026, 3, 8))
    sunday = reports.period_for(Report.Kind.WEEKLY, datetime.date(2026, 3, 8))
    assert (sunday.start, sunday.end) == (datetime.date(2026, 2, 23), datetime.date(2026, 3, 1))
    month = reports.period_for(Report.Kind.MONTHLY, datetime.date(2026, 3, 1))
    assert (month.start, month.end) == (datetime.date(2026, 2, 1), datetime.date(2026, 2, 28))
    january = reports.period_for(Report.Kind.MONTHLY, datetime.date(2026, 1, 15))
    assert (january.start, january.end) == (datetime.date(2025, 12, 1), datetime.date(2025, 12, 31))


def summary(report):
    return {item["key"]: item["value"] for item in report.figures["summary"]}


def test_weekly_report_figures_and_spreadsheet(city):
    report = reports.generate_report(Report.Kind.WEEKLY, WEEK)
    s = summary(report)
    assert s["installations"] == 2 and s["ignitions"] == 1
    assert s["cases_reported"] == 1  # c2 on 5 March; c1 on Sunday 1 March belongs to the week before
    assert s["cases_closed"] == 1  # c1, closed on 2 March
    assert s["deadlines_met"] == 1 and s["deadlines_missed"] == 1 and s["pct_met"] == 50.0
    assert s["open_escalations"] == 3

    book = openpyxl.load_workbook(io.BytesIO(bytes(report.xlsx)))
    overview = {row[0]: row[1] for row in book["概要"].iter_rows(min_row=3, values_only=True) if row[0]}
    assert overview["安装数"] == 2 and overview["时限按时率 (%)"] == 50 and overview["未办结督办"] == 3
    districts = {r[0]: r[1] for r in book["各区安装数"].iter_rows(min_row=2, values_only=True)}
    assert districts["福田区"] == 1 and districts["南山区"] == 1 and districts["罗湖区"] == 0
    totals = {r[0]: r[1] for r in book["标识状态总览"].iter_rows(min_row=2, values_only=True)}
    assert totals["已安装"] == 5 and totals["已点火通气"] == 3 + 3
    escalations = list(book["未办结督办明细"].iter_rows(min_row=2, values_only=True))
    assert len(escalations) == 3


def test_pdf_text_carries_the_figures(city):
    report = reports.generate_report(Report.Kind.WEEKLY, WEEK)
    pdf = bytes(report.pdf)
    assert pdf.startswith(b"%PDF")
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    assert "2026-03-02 至 2026-03-08" in text
    lines = {" ".join(line.split()[:-1]): line.split()[-1] for line in text.splitlines() if len(line.split()) >= 2}
    assert lines["安装数"] == "2" and lines["点火通气数"] == "1"
    assert lines["时限按时率 (%)"] == "50.0"
    assert lines["未办结督办"] == "3"
    assert "各代理商时限按时率" in text and "一号代理商" in text


def test_generation_is_idempotent_per_period(city):
    first = reports.generate_report(Report.Kind.WEEKLY, WEEK)
    again = reports.generate_report(Report.Kind.WEEKLY, WEEK)
    assert again.pk == first.pk and Report.objects.count() == 1


def test_beat_task_makes_the_weekly_and_monthly_reports_once(city):
    import time_machine

    with time_machine.travel(at(2026, 4, 6, 8), tick=False):  # Monday 6 April, 08:00
        ids = generate_due_reports()
        assert generate_due_reports() == ids
    stored = {(r.kind, r.period_start, r.period_end) for r in Report.objects.all()}
    assert stored == {
        ("weekly", datetime.date(2026, 3, 30), datetime.date(2026, 4, 5)),
        ("monthly", datetime.date(2026, 3, 1), datetime.date(2026, 3, 31)),
    }
    monthly = Report.objects.get(kind="monthly")
    assert summary(monthly)["cases_reported"] == 2 and summary(monthly)["installations"] == 3


def test_one_beat_entry_runs_the_report_task_daily_at_eight():
    entry = settings.CELERY_BEAT_SCHEDULE["stats-periodic-reports"]
    assert entry["task"] == "stats.tasks.generate_due_reports"
    assert entry["schedule"].hour == {8} and entry["schedule"].minute == {0}
    assert settings.CELERY_TIMEZONE == "Asia/Shanghai"


def test_reports_download_for_regulator_only(client, city):
    report = reports.generate_report(Report.Kind.WEEKLY, WEEK)
    client.login(username="regulator", password=PASSWORD)
    page = client.get(reverse("stats:reports")).content.decode()
    assert f'data-report="{report.pk}"' in page
    pdf = client.get(reverse("stats:report-download", args=[report.pk, "pdf"]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content == bytes(report.pdf)
    assert "gaslabel-weekly-20260302-20260308.pdf" in pdf["Content-Disposition"]
    xlsx = client.get(reverse("stats:report-download", args=[report.pk, "xlsx"]))
    assert openpyxl.load_workbook(io.BytesIO(xlsx.content))["概要"]["A1"].value.startswith(settings.ASSOCIATION_NAME)
    assert client.get(reverse("stats:report-download", args=[report.pk, "doc"])).status_code == 404
    client.login(username="dealer_1_staff", password=PASSWORD)
    assert client.get(reverse("stats:report-download", args=[report.pk, "pdf"])).status_code == 403


def test_daily_task_also_summarises_closed_days(city):
    import time_machine

    from stats import summaries

    with time_machine.travel(at(2026, 4, 6, 8), tick=False):
        generate_due_reports()
    assert summaries.summarised_through() == datetime.date(2026, 4, 4)
