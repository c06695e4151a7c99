"""The Content-Security-Policy in real chromium: the pages with scripts (scanner, charts, Swagger UI, permit card)
work under it and raise no violation; an injected inline script does not run."""

import os
import shutil

import pytest
from django.core.cache import cache
from django.db import connections
from django.test import Client

from accounts import roles
from accounts.models import Organization
from tests.factories import LabelFactory, OrganizationFactory, UserFactory
from tests.factories_field import installer_with_permit

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

# Collect violations from the moment each document starts.
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
"""


@pytest.fixture
def browser_page(live_server):
    if not shutil.which(CHROMIUM):
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright

    cache.clear()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context()
        context.add_init_script(RECORD_VIOLATIONS)
        page = context.new_page()
        console = []
        page.on("console", lambda msg: console.append(msg.text))
        page.console_log = console
        yield context, page
        browser.close()
        # The test body ran in Playwright's greenlet, where the ORM opened its own connection: close it here,
        # inside the same context, or PostgreSQL cannot drop the test database.
        connections.close_all()


def sign_in(context, live_server, user):
    client = Client()
    client.force_login(user)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])


def violations(page):
    return page.evaluate("window.__csp") + [m for m in page.console_log if "Content Security Policy" in m]


def test_pages_with_scripts_work_under_the_policy(browser_page, live_server):
    context, page = browser_page
    association = OrganizationFactory(kind=Organization.Kind.ASSOCIATION)
    reviewer = UserFactory(organization=association, role=roles.REVIEWER)
    _installer, permit = installer_with_permit()
    label = LabelFactory(state="activated")
    sign_in(context, live_server, reviewer)
    base = live_server.url

    response = page.goto(f"{base}/q/{label.serial}")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert violations(page) == []

    page.goto(f"{base}/field/scan/")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("typeof jsQR") == "function"  # the vendored decoder loaded
    assert violations(page) == []

    page.goto(f"{base}/stats/labels/")
    page.wait_for_function("() => typeof Chart === 'function' && document.querySelectorAll('canvas').length > 0")
    page.wait_for_timeout(300)
    assert violations(page) == []

    page.goto(f"{base}/field/permits/{permit.pk}/card/")
    page.evaluate("window.print = () => { window.__printed = true; }")
    page.click("button[data-print]")
    assert page.evaluate("window.__printed") is True  # the handler from print.js, not an inline onclick
    assert violations(page) == []

    page.goto(f"{base}/api/docs/")
    page.wait_for_selector("#swagger-ui .info .title", timeout=15000)
    assert "GasLabel API" in page.inner_text("#swagger-ui .info .title")
    assert violations(page) == []

    page.goto(f"{base}/admin/")
    page.wait_for_load_state("networkidle")
    assert violations(page) == []


def test_an_injected_inline_script_does_not_run(browser_page, live_server):
    _context, page = browser_page
    page.goto(f"{live_server.url}/")
    page.evaluate("""() => {
        const s = document.createElement('script');
        s.textContent = 'window.__pwned = true';
        document.body.appendChild(s);
    }""")
    assert page.evaluate("window.__pwned === true") is False
    assert any("script-src" in v for v in violations(page))
