"""Real chromium: the vendored Chart.js draws every figure of a dashboard page beside its table."""

import os
import shutil

import pytest
from django.db import connections

from tests.factories import PASSWORD

from .factories_stats import make_stats_city, populate_labels

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def test_labels_dashboard_draws_a_chart_per_figure_on_a_phone(live_server):
    if not shutil.which(CHROMIUM):
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright

    city = make_stats_city()
    populate_labels(city)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
            failed = []
            page.on("requestfailed", lambda request: failed.append(request.url))
            page.on("response", lambda response: response.status >= 400 and failed.append(response.url))
            page.goto(f"{live_server.url}/accounts/login/?next=/stats/labels/")
            page.fill("input[name=username]", "maker_a_staff")
            page.fill("input[name=password]", PASSWORD)
            page.press("input[name=password]", "Enter")
            page.wait_for_url(lambda url: url.endswith("/stats/labels/"))
            drawn = page.evaluate(
                """() => Array.from(document.querySelectorAll('canvas[data-chart]')).map(c => {
                    const chart = Chart.getChart(c);
                    return chart ? [c.dataset.chart, chart.config.type, chart.data.labels, c.width > 0] : [c.dataset.chart, null];
                })"""
            )
            browser.close()
    finally:
        connections.close_all()
    assert [d for d in failed if "/static/" in d] == []
    charts = {key: rest for key, *rest in drawn}
    assert set(charts) == {
        "chart-label_totals",
        "chart-labels_by_manufacturer",
        "chart-labels_by_brand",
        "chart-labels_by_model",
    }
    assert charts["chart-labels_by_model"][0] == "bar" and sorted(charts["chart-labels_by_model"][1]) == [
        "A-100",
        "A-200",
    ]
    assert charts["chart-label_totals"][0] == "doughnut" and all(c[2] for c in charts.values())
