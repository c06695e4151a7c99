"""Statistics pages: thin views over stats.figures / stats.selectors, scoped by stats.scoping."""

import datetime

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exports import TableExport

from . import figures, scoping
from .forms import PeriodForm
from .models import Report
from .selectors import Period
from .tables import table_for

TABLE_ROWS = 50  # longer tables are left to the export (kept short: rendering is most of a page's time)
EXPORT_FORMATS = ("csv", "xlsx")


def _period(section, data):
    """The period asked for, or the section's default; (period, form)."""
    period, form = _asked_period(section, data)
    # Only the field figures read the daily summary: read its watermark once for all of them.
    return (period.with_watermark() if section == scoping.FIELD else period), form


def _asked_period(section, data):
    form = PeriodForm(data)
    today = timezone.localdate()
    default = Period.last_days(figures.DEFAULT_DAYS[section], today)
    if not form.is_valid():
        return default, form
    start = form.cleaned_data.get("start") or default.start
    end = form.cleaned_data.get("end") or today
    if start > end:
        start = end - datetime.timedelta(days=figures.DEFAULT_DAYS[section] - 1)
    return Period(start, end), form


def _allowed_scope(request, section):
    if section not in figures.SECTIONS:
        raise Http404
    scope = scoping.scope_for(request.user)
    if not scope.allows(section):
        raise PermissionDenied
    return scope


def _sections(scope):
    return [(key, label) for key, label in figures.SECTIONS.items() if scope.allows(key)]


@login_required
def index(request):
    scope = scoping.scope_for(request.user)
    sections = _sections(scope)
    if not sections:
        raise PermissionDenied
    return redirect("stats:section", section=sections[0][0])


@login_required
def section_page(request, section):
    scope = _allowed_scope(request, section)
    period, form = _period(section, request.GET)
    panels = []
    for figure in figures.for_section(section):
        rows = figure.rows(scope, period)
        panels.append(
            {
                "figure": figure,
                "cells": [[(key, row[key]) for key, _h in figure.columns] for row in rows[:TABLE_ROWS]],
                "chart_id": f"chart-{figure.key}",
                "truncated": len(rows) > TABLE_ROWS,
                "chart": figure.chart_data(rows),
            }
        )
    context = {
        "section": section,
        "section_title": figures.SECTIONS[section],
        "sections": _sections(scope),
        "may_download_reports": scoping.may_download_reports(request.user),
        "panels": panels,
        "period": period,
        "form": form,
        "query": request.GET.urlencode(),
    }
    return render(request, "stats/section.html", context, status=400 if form.errors else 200)


@login_required
def export(request, section, key, fmt):
    scope = _allowed_scope(request, section)
    figure = figures.BY_KEY.get(key)
    if figure is None or figure.section != section or fmt not in EXPORT_FORMATS:
        raise Http404
    period, form = _period(section, request.GET)
    if form.errors:
        problems = " ".join(str(error) for errors in form.errors.values() for error in errors)
        return HttpResponse(_("统计期无效：") + problems, status=400, content_type="text/plain; charset=utf-8")
    table = table_for(figure, figure.rows(scope, period))
    name = f"{figure.key}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.{fmt}" if figure.periodic else f"{figure.key}.{fmt}"
    return TableExport(fmt, table).response(filename=name)


def _report_reader(request):
    if not scoping.may_download_reports(request.user):
        raise PermissionDenied


@login_required
def reports_page(request):
    _report_reader(request)
    reports = Report.objects.defer("pdf", "xlsx", "figures").order_by("-period_start", "kind")[:104]
    scope = scoping.scope_for(request.user)
    return render(
        request, "stats/reports.html", {"reports": reports, "sections": _sections(scope), "section": "reports"}
    )


CONTENT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@login_required
def report_download(request, pk, fmt):
    _report_reader(request)
    if fmt not in CONTENT_TYPES:
        raise Http404
    report = get_object_or_404(Report, pk=pk)
    response = HttpResponse(bytes(getattr(report, fmt)), content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{report.filename(fmt)}"'
    return response
