"""The installable field app in real chromium on a phone viewport, with Playwright's offline switch.

Installable (manifest and service worker headers, chromium's own installability check), the app shell and
scanner opening with no signal, honest offline label answers, and the outbox: a job submitted offline is
sent when the connection returns, recorded once even when its request is sent twice, and a refusal that
arrives after reconnecting is shown with its reason and the way forward.
"""

import io
import os
import re
import shutil
from urllib.parse import unquote
from urllib.request import urlopen

import pytest
import segno
from django.core.cache import cache
from django.db import connections
from django.test import Client
from PIL import Image

from accounts import roles
from accounts.models import Organization
from cases.models import Label
from field.models import Ignition, ScanLog, WorkRecord
from field.services.permits import revoke_permit
from tests.factories import OrganizationFactory, UserFactory
from tests.factories_field import igniter_with_permit, installer_with_permit, label_for, qualified
from tests.test_browser_field import CHROMIUM, CHROMIUM_ARGS, PHONE, fake_camera_args

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def browser(transactional_db, live_server):
    """Chromium, closed before the live server stops and the test database is flushed (its service worker and
    outbox timer would otherwise still be talking to the server)."""
    if not shutil.which(CHROMIUM):
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright

    cache.clear()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
        connections.close_all()  # the ORM connection opened in Playwright's greenlet


def session_for(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def phone(browser, live_server, user, **options):
    """A phone signed in as `user` (a User, or the session id of one signed in before the browser started)."""
    context = browser.new_context(**PHONE, **options)
    session = user if isinstance(user, str) else session_for(user)
    context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
    return context


def install_app(page, url):
    """Open `url` and wait until the service worker has precached the shell and controls the page."""
    page.goto(url)
    page.wait_for_function("() => !!navigator.serviceWorker.controller", timeout=20000)


def outbox_item(page, status):
    return page.wait_for_selector(f"[data-outbox-list] li[data-status={status}]", timeout=20000)


def test_manifest_and_service_worker_are_served_right_and_the_app_is_installable(
    browser, live_server, client, tmp_path
):
    response = client.get("/manifest.webmanifest")
    assert response["Content-Type"] == "application/manifest+json"
    manifest = response.json()
    assert manifest["name"].startswith("燃具码") and manifest["lang"] == "zh-CN"
    assert manifest["start_url"].startswith("/field/scan/") and manifest["display"] == "standalone"
    for icon in manifest["icons"]:
        with urlopen(f"{live_server.url}{icon['src']}") as image:  # static files: the live server serves them
            assert image.headers["Content-Type"] == "image/png"
            png = Image.open(io.BytesIO(image.read()))
        assert f"{png.width}x{png.height}" == icon["sizes"]

    worker = client.get("/sw.js")
    assert worker["Content-Type"].startswith("text/javascript")
    assert worker["Cache-Control"] == "no-cache" and worker["Service-Worker-Allowed"] == "/"
    assert "script-src 'self'" in worker["Content-Security-Policy"]

    installer, _permit = installer_with_permit()
    # A persistent profile: chromium never offers to install from an incognito one (Playwright's usual contexts).
    client = Client()
    client.force_login(installer)
    context = browser.browser_type.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=CHROMIUM, args=CHROMIUM_ARGS, **PHONE
    )
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    page = context.new_page()
    violations = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    install_app(page, f"{live_server.url}{manifest['start_url']}")
    cdp = page.context.new_cdp_session(page)
    assert cdp.send("Page.getAppManifest")["errors"] == []
    assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []
    assert violations == []
    context.close()


@pytest.fixture
def two_labels(transactional_db):
    """An installer's session and two labels, written before chromium starts (the test body needs no ORM)."""
    installer, _permit = installer_with_permit()
    checked = label_for(installer.organization, state="sold", brand="华焰", model_number="JZT-2H10")
    never_checked = label_for(installer.organization, state="sold", brand="华焰", model_number="JSQ25")
    yield session_for(installer), checked, never_checked
    # stats' SQLite trigger adds a rollup row for every deleted label; inside the teardown flush that row can
    # point at an appliance model already flushed (an intermittent FOREIGN KEY failure), so the labels go first.
    ScanLog.objects.all().delete()
    Label.objects.all().delete()


def test_app_shell_scanner_and_label_answers_offline(two_labels, browser, live_server):
    session, checked, never_checked = two_labels
    context = phone(browser, live_server, session)
    page = context.new_page()
    install_app(page, f"{live_server.url}/field/scan/")
    page.goto(f"{live_server.url}/q/{checked.serial}")  # checked live: the phone keeps this answer
    assert "真品标识" in page.inner_text("#verdict")
    assert page.is_hidden("#offline-banner")

    context.set_offline(True)
    page.goto(f"{live_server.url}/field/scan/")
    assert page.evaluate("() => typeof jsQR") == "function"  # the scanner and its decoder, from the phone
    assert page.is_visible("[data-scanner] video")
    page.goto(f"{live_server.url}/field/install/")
    assert page.is_visible("#manual-serial")

    page.goto(f"{live_server.url}/q/{checked.serial}")
    banner = page.inner_text("#offline-banner")
    assert re.fullmatch(r"离线 — 未联网核验 \(checked at \d\d:\d\d\)", banner.strip())
    assert "华焰 JZT-2H10" in page.inner_text("main")

    # Never checked live: never shown as genuine, whether scanned or typed.
    page.goto(f"{live_server.url}/q/{never_checked.serial}")
    assert "无法核验该标识" in page.inner_text("#verdict") and "真品标识" not in page.inner_text("main")
    assert page.get_attribute("#verdict", "data-verdict") == "unverified"
    page.goto(f"{live_server.url}/field/scan/")
    page.fill("#serial", never_checked.serial.lower())
    page.click("#manual-serial button[type=submit]")
    page.wait_for_url(lambda url: unquote(url).endswith(f"/q/{never_checked.serial}"))  # $ and = come encoded
    assert "无法核验该标识" in page.inner_text("#verdict")


def test_installation_submitted_offline_is_recorded_once_when_the_connection_returns(browser, live_server):
    installer, permit = installer_with_permit()
    label = label_for(installer.organization, state="sold")
    # No service worker here: the page is open when the signal goes, as between scanning and submitting.
    context = phone(browser, live_server, installer, service_workers="block")
    page = context.new_page()
    page.goto(f"{live_server.url}/field/install/{label.serial}/")
    assert page.input_value("#id_permit") == permit.number

    # The first send reaches the server and is recorded, but its answer is lost on the way back.
    posts = []

    def lose_first_answer(route):
        response = route.fetch()
        posts.append((route.request.headers["idempotency-key"], response.status, response.headers))
        if len(posts) == 1:
            route.abort("connectionreset")
        else:
            route.fulfill(response=response)

    page.route("**/api/v1/labels/*/work/", lose_first_answer)
    context.set_offline(True)
    page.check("#id_nameplate_confirmed")
    page.select_option("#id_district", "nanshan")
    page.click("#work-form button[type=submit]")
    assert "联网后自动发送" in outbox_item(page, "waiting").inner_text()
    assert WorkRecord.objects.count() == 0

    context.set_offline(False)  # the "online" event sends it, nobody taps anything
    page.wait_for_function("() => document.querySelector('[data-outbox-list] li') !== null")
    for _ in range(100):
        if posts:
            break
        page.wait_for_timeout(100)
    assert WorkRecord.objects.count() == 1
    page.evaluate("() => GLOutbox.flush()")  # the phone sends it again (as its 20 s timer would)
    page.evaluate("() => Promise.all([GLOutbox.flush(), GLOutbox.flush()])")
    assert "已受理" in outbox_item(page, "accepted").inner_text()

    assert len(posts) == 2 and posts[0][0] == posts[1][0]  # the same Idempotency-Key both times
    assert posts[1][1] == 201 and posts[1][2].get("idempotent-replayed") == "true"
    record = WorkRecord.objects.get()
    assert (record.label_id, record.permit_id, record.district) == (label.pk, permit.pk, "nanshan")
    label.refresh_from_db()
    assert label.state == "installed"
    # Accepted after the fact: the worker can still hand the phone to the resident to rate.
    assert page.get_attribute("[data-outbox-list] li a", "href") == f"/field/work/{record.pk}/rate/"


def test_ignition_refused_after_reconnecting_shows_the_reason_and_way_forward(browser, live_server):
    igniter, permit = igniter_with_permit()
    label = label_for(qualified(Organization.Kind.INSTALLER), state="installed")
    reviewer = UserFactory(organization=OrganizationFactory(kind=Organization.Kind.ASSOCIATION), role=roles.REVIEWER)
    context = phone(browser, live_server, igniter)
    page = context.new_page()
    install_app(page, f"{live_server.url}/field/ignite/")

    context.set_offline(True)
    page.goto(f"{live_server.url}/field/ignite/{label.serial}/")  # never opened before: the offline shell
    assert label.serial in page.inner_text("[data-offline-job]")
    page.fill("#id_permit", permit.number)
    page.click("#ignite-form button[type=submit]")
    outbox_item(page, "waiting")

    # Meanwhile the association revokes the permit.
    revoke_permit(permit_id=permit.pk, revoked_by=reviewer, reason="离职")
    context.set_offline(False)
    refused = outbox_item(page, "refused").inner_text()
    assert f"上岗证 {permit.number} 已被吊销" in refused
    assert "核对上岗证" in refused  # the way forward
    assert Ignition.objects.count() == 0
    page.goto(f"{live_server.url}/field/outbox/")  # and the outbox page lists it too
    assert "已被吊销" in outbox_item(page, "refused").inner_text()


def test_scanner_names_codes_that_are_not_ours(browser, live_server, tmp_path):
    page = browser.new_context(**PHONE).new_page()
    page.goto(f"{live_server.url}/field/scan/")
    host = live_server.url.split("//")[1]

    def classify(text):
        return page.evaluate("([t, h]) => GLScanner.classify(t, h)", [text, [host, "127.0.0.1:8000"]])

    assert classify("HTTP://127.0.0.1:8000/q/0123456789ABC*") == {"kind": "label", "code": "0123456789ABC*"}
    assert classify(f"http://{host}/p/az2026-000001") == {"kind": "permit", "code": "AZ2026-000001"}
    assert classify("wxp://f2f0E5tr4ZxE7LZxyCpX2Uf2dUnjkhy7vNyP")["kind"] == "wechat"
    assert classify("https://qr.alipay.com/fkx12345abcdef")["kind"] == "alipay"
    assert classify("https://evil.example/q/0123456789ABC*") == {"kind": "elsewhere", "host": "evil.example"}
    assert classify("weixin://dl/business/?t=abc")["kind"] == "other"
    link = "https://127.0.0.1:8000/01/06901234567892/21/0123456789ABC*"
    assert classify(link) == {"kind": "digital_link", "code": "/01/06901234567892/21/0123456789ABC*"}
    assert classify("AZ2026-000001") == {"kind": "text", "code": "AZ2026-000001"}

    # A WeChat pay code in front of the camera: the scanner says what it is and opens nothing.
    camera = browser.browser_type.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS + fake_camera_args(tmp_path, segno.make_qr("wxp://f2f0E5tr4ZxE7"))
    )
    try:
        context = camera.new_context(**PHONE)
        context.grant_permissions(["camera"], origin=live_server.url)
        scanner = context.new_page()
        scanner.goto(f"{live_server.url}/field/scan/")
        scanner.wait_for_selector(".scanner-status.error", timeout=20000)
        assert "微信收付款码" in scanner.inner_text(".scanner-status")
        assert scanner.url.endswith("/field/scan/")
    finally:
        camera.close()
