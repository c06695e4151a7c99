"""Real chromium on a phone viewport: resident scan → installer install with permit and rating → ignition,
and the in-page scanner reading a label QR from a fake camera."""

import io
import os
import secrets
import shutil
from datetime import timedelta
from urllib.parse import unquote

import base32_crockford
import pytest
from django.core.cache import cache
from django.db import connections
from django.utils import timezone
from PIL import Image

from accounts.models import Organization
from cases.qr import make_label_qr, make_qr
from field.models import Booking, Ignition, WorkRecord
from remediation.models import Notification
from tests.factories import PASSWORD
from tests.factories_field import igniter_with_permit, installer_with_permit, label_for, qualified

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "user_agent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Mobile Safari/537.36",
    "locale": "zh-CN",
}

# Playwright's sync API runs an event loop in this thread; the ORM calls in the test body are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def launch():
    if not shutil.which(CHROMIUM):
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright

    cache.clear()
    browsers = []
    with sync_playwright() as playwright:

        def start(extra_args=()):
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + list(extra_args))
            browsers.append(browser)
            return browser

        yield start
        for browser in browsers:
            browser.close()
        # Playwright's sync API runs the test body in a greenlet with its own context, so the ORM
        # opened a connection there that Django's teardown cannot see: close it here.
        connections.close_all()


def login(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_resident_installer_igniter_walk(live_server, launch):
    base = live_server.url
    installer_company = qualified(Organization.Kind.INSTALLER, name="安居安装维修")
    installer, install_permit = installer_with_permit(installer_company)
    igniter, ignite_permit = igniter_with_permit(qualified(Organization.Kind.GAS_SUPPLIER, name="示例燃气"))
    label = label_for(installer_company, state="sold", brand="华焰", model_number="JZT-2H10")
    browser = launch()

    # Resident: scan (the phone's camera app opens /q/<serial>), see it is genuine, book installation.
    resident = browser.new_context(**PHONE).new_page()
    resident.goto(f"{base}/q/{label.serial}")
    assert "真品标识" in resident.inner_text("#verdict")
    assert "华焰 JZT-2H10" in resident.inner_text("main")
    resident.click("#book")
    resident.select_option("#id_company", label="安居安装维修")
    resident.fill("#id_phone", "13912345678")
    resident.select_option("#id_district", "futian")
    resident.fill("#id_preferred_date", (timezone.localdate() + timedelta(days=1)).isoformat())
    resident.click("#send-code")  # the booking needs the code the resident's own phone receives
    assert "验证码已发送" in resident.inner_text("#code-sent")
    assert resident.input_value("#id_phone") == "13912345678"  # the form came back filled in
    sms = Notification.objects.get(template="verify_code", address="13912345678")
    resident.fill("#id_sms_code", sms.params["code"])
    resident.click("#submit-booking")
    assert "预约已提交" in resident.inner_text("#done")

    # Installer: logs in on a phone, opens the same code, installs with the permit, the resident rates.
    worker = browser.new_context(**PHONE).new_page()
    login(worker, base, installer.username)
    worker.goto(f"{base}/q/{label.serial}")
    worker.click("#do-install")
    assert worker.input_value("#id_permit") == install_permit.number
    worker.check("#id_nameplate_confirmed")
    worker.select_option("#id_district", "futian")
    worker.click("#work-form button[type=submit]")
    worker.wait_for_url("**/rate/")
    # The installer alone cannot rate: the resident's phone receives a code, typed here.
    worker.fill("#id_phone", "13912345678")
    worker.check("input[name=rating][value='5']")
    worker.click("#submit-rating")
    assert "验证码" in worker.inner_text("main") and not WorkRecord.objects.filter(rated_at__isnull=False).exists()
    worker.click("#send-code")
    assert "验证码已发送" in worker.inner_text("#code-sent")
    code = Notification.objects.filter(template="verify_code", address="13912345678").latest("pk").params["code"]
    worker.fill("#id_sms_code", code)
    worker.check("input[name=rating][value='5']")
    worker.fill("#id_comment", "师傅很专业")
    worker.click("#submit-rating")
    assert "感谢您的评价" in worker.inner_text("#done")

    # Ignition worker: scans, the system checks, the gas is turned on.
    gas = browser.new_context(**PHONE).new_page()
    login(gas, base, igniter.username)
    gas.goto(f"{base}/q/{label.serial}")
    gas.click("#do-ignite")
    gas.fill("#id_permit", ignite_permit.number)
    gas.click("#ignite-form button[type=submit]")
    assert "已点火通气" in gas.inner_text("#done")

    # The resident's scan page now shows the installer and the ignition.
    resident.goto(f"{base}/q/{label.serial}")
    assert "已点火通气" in resident.inner_text("#label-state")
    assert "安居安装维修" in resident.inner_text("#installer")
    assert "示例燃气" in resident.inner_text("#ignition")
    assert WorkRecord.objects.get().rating == 5 and Ignition.objects.count() == 1
    assert Booking.objects.get().status == "done"


def write_y4m(path, image, frames=15):
    """A tiny YUV4MPEG2 (I420) video of one still image: what chromium's fake camera plays in a loop."""
    width, height = image.size
    y, cb, cr = image.convert("YCbCr").split()
    half = (width // 2, height // 2)
    planes = y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + planes)


def fake_camera_args(tmp_path, code):
    """Chromium flags that make the camera show the segno QR `code` (as a .y4m video on a white frame)."""
    png = io.BytesIO()
    code.save(png, kind="png", scale=6, border=4)
    qr = Image.open(io.BytesIO(png.getvalue())).convert("RGB")
    frame = Image.new("RGB", (640, 480), "white")
    qr.thumbnail((440, 440))
    frame.paste(qr, ((640 - qr.width) // 2, (480 - qr.height) // 2))
    video = tmp_path / "camera.y4m"
    write_y4m(video, frame)
    return [
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
        "--use-fake-ui-for-media-stream",
    ]


def test_in_page_scanner_reads_label_from_fake_camera(live_server, launch, tmp_path):
    label = label_for(state="sold", brand="华焰", model_number="JSQ25-13H1")
    # A label issued before serials kept to letters and digits may end in a check symbol (* ~ $ =):
    # it must survive the scanner's URL parsing too.
    number = next(n for n in iter(lambda: secrets.randbits(64) | (1 << 64), None) if n % 37 >= 32)
    label.serial = base32_crockford.encode(number, checksum=True)
    assert label.serial[-1] in "*~$=U"
    label.save(update_fields=["serial"])
    browser = launch(fake_camera_args(tmp_path, make_label_qr(label.serial)))  # the printed label's QR
    context = browser.new_context(**PHONE)
    context.grant_permissions(["camera"], origin=live_server.url)
    page = context.new_page()
    page.goto(f"{live_server.url}/field/scan/")
    page.wait_for_url(lambda url: unquote(url).endswith(f"/q/{label.serial}"), timeout=20000)
    assert "真品标识" in page.inner_text("#verdict")
    assert "华焰 JSQ25-13H1" in page.inner_text("main")


def test_install_page_fills_permit_number_from_scanned_permit_card(live_server, launch, tmp_path, settings):
    settings.PUBLIC_BASE_URL = live_server.url  # the rating link the SMS carries
    from field.services.permits import permit_url

    installer, permit = installer_with_permit()
    label = label_for(permit.company, state="sold")
    browser = launch(fake_camera_args(tmp_path, make_qr(permit_url(permit.number))))  # the permit card's QR
    context = browser.new_context(**PHONE)
    context.grant_permissions(["camera"], origin=live_server.url)
    page = context.new_page()
    login(page, live_server.url, installer.username)
    page.goto(f"{live_server.url}/field/install/{label.serial}/")
    page.fill("#id_permit", "")
    page.click("[data-scan-start]")
    # A function, not an expression string: the page's CSP forbids the eval Playwright uses for strings.
    page.wait_for_function("(n) => document.querySelector('#id_permit').value === n", arg=permit.number, timeout=20000)
    page.check("#id_nameplate_confirmed")
    page.select_option("#id_district", "nanshan")
    page.click("#work-form button[type=submit]")
    page.wait_for_url("**/rate/")
    assert WorkRecord.objects.get().permit == permit
    # The other way to rate: a one-time link by SMS, opened later on the resident's own phone.
    page.fill("#id_phone", "13700001111")
    page.click("#send-link")
    assert "评价链接已发送" in page.inner_text("#done")
    link = Notification.objects.get(template="rating_link", address="13700001111").params["link"]
    resident = browser.new_context(**PHONE).new_page()
    resident.goto(link)
    resident.check("input[name=rating][value='4']")
    resident.click("#submit-rating")
    assert "感谢您的评价" in resident.inner_text("#done")
    record = WorkRecord.objects.get()
    assert (record.rating, record.resident_phone) == (4, "13700001111")
    resident.goto(link)  # once only
    assert "已评价" in resident.inner_text("#done")
