"""The public scan page /q/<serial>: verdicts, facts, logging, the 3-query budget and the rate limit."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from accounts import city
from accounts.models import City
from core import serials
from field.models import ScanLog
from tests.factories import ApplianceModelFactory, LabelFactory
from tests.factories_field import installed_label, installer_with_permit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()


def verdict_of(response):
    html = response.content.decode()
    start = html.index('id="verdict"')
    return html[start : html.index("</div>", start)]


def test_genuine_label_shows_product_gas_fit_installer_in_two_queries(client, django_assert_num_queries):
    label, _installer = installed_label(brand="华焰", model_number="JZT-2H10")
    city.current_city()  # the city is cached across requests (tests/test_city.py counts the cold read)
    with django_assert_num_queries(2):  # label+model+maker+recall+ignition+sale+work history, scan log insert
        response = client.get(
            f"/q/{label.serial}", HTTP_USER_AGENT="Mozilla/5.0 (iPhone) Mobile", REMOTE_ADDR="10.1.2.3"
        )
    html = response.content.decode()
    assert response.status_code == 200
    assert "真品标识" in verdict_of(response)
    assert "华焰 JZT-2H10" in html and "适配本地燃气" in html and "安居安装" in html and "尚未点火通气" in html
    log = ScanLog.objects.get()
    assert (log.label, log.verdict, log.network, log.device, log.role) == (
        label,
        "genuine",
        "10.1.2.0/24",
        "mobile",
        "",
    )


@pytest.mark.parametrize(
    "make_code, verdict",
    [
        (lambda: serials.new_serial(), "unknown"),
        (lambda: LabelFactory(state="void").serial, "void"),
        (lambda: LabelFactory(state="printed").serial, "not_activated"),
    ],
)
def test_invalid_codes_are_shown_as_not_genuine(client, make_code, verdict):
    code = make_code()
    response = client.get(f"/q/{code}")
    assert response.status_code == 404
    box = verdict_of(response)
    assert "非正品 / 无效标识" in box and "verdict invalid big" in response.content.decode()
    log = ScanLog.objects.get()
    assert log.verdict == verdict


@pytest.mark.parametrize(
    "make_code",
    [
        lambda: "NOT-A-SERIAL",
        lambda: (lambda s: s[:-1] + ("0" if s[-1] != "0" else "1"))(serials.new_serial()),
        lambda: (lambda s: s[:-1] + ("*" if s[-1] != "*" else "~"))(serials.new_serial()),
    ],
    ids=["not-a-serial", "wrong-check-character", "wrong-check-symbol"],
)
def test_a_mistyped_code_asks_to_check_it_not_not_genuine(client, make_code):
    response = client.get(f"/q/{make_code()}")
    page = response.content.decode()
    assert response.status_code == 404 and ScanLog.objects.get().verdict == "malformed"
    assert "请核对您输入的编码" in verdict_of(response) and 'data-verdict="malformed"' in page
    assert "非正品" not in page and "verdict invalid" not in page and 'id="retype"' in page


def test_not_genuine_page_offers_the_association_hotline(client):
    # The hotline and the association's name are the current city's data (set up in the admin).
    City.objects.filter(is_current=True).update(hotline="0755-12345678")
    name = city.current_city().association_name
    page = client.get(f"/q/{serials.new_serial()}").content.decode()
    assert "非正品 / 无效标识" in page and 'href="tel:0755-12345678"' in page and name in page


def test_model_flagged_recalled_by_hand_is_recalled_first_and_gas_mismatch_warned(client):
    # A model flagged before recalls were rows still reads as recalled (fail safe); tests/test_recalls.py has the rest.
    model = ApplianceModelFactory(is_recalled=True, recall_note="阀门缺陷", gas_category="20Y")
    label = LabelFactory(batch__declaration__appliance_model=model, state="sold")
    html = client.get(f"/q/{label.serial}").content.decode()
    assert 'data-verdict="recalled"' in html and "阀门缺陷" in html and 'id="book"' not in html
    assert 'id="gas-warning"' in html and "不适配本地燃气" in html


def test_suspended_label_is_genuine_but_warned(client):
    label = LabelFactory(state="suspended")
    response = client.get(f"/q/{label.serial}/")  # a trailing slash is forgiven
    assert 'data-verdict="suspended"' in response.content.decode()


def test_home_form_lookup_normalizes_or_shows_invalid(client):
    label = LabelFactory(state="activated")
    typed = label.serial.lower()[:5] + " " + label.serial.lower()[5:]
    response = client.get("/q/", {"serial": typed})
    assert response.status_code == 302 and response["Location"] == f"/q/{label.serial}"
    bad = client.get("/q/", {"serial": "12345"})
    assert bad.status_code == 404 and "请核对您输入的编码" in bad.content.decode()


def test_logged_in_scan_records_role(client):
    user, _permit = installer_with_permit()
    client.force_login(user)
    label = LabelFactory(state="sold")
    html = client.get(f"/q/{label.serial}").content.decode()
    assert ScanLog.objects.get().role == "installer"
    assert reverse("field:install", args=[label.serial]) in html
    unknown = client.get(f"/q/{serials.new_serial()}").content.decode()
    assert 'id="report-counterfeit"' in unknown and "kind=counterfeit" in unknown


def test_rate_limited_per_client(client, settings):
    settings.FIELD_SCAN_RATE = "3/m"
    label = LabelFactory(state="activated")
    codes = [client.get(f"/q/{label.serial}", REMOTE_ADDR="10.9.9.9").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    # Another client is not affected.
    assert client.get(f"/q/{label.serial}", REMOTE_ADDR="10.9.9.10").status_code == 200


def test_behind_proxy_limit_and_log_use_forwarded_client(client, settings):
    settings.FIELD_SCAN_RATE = "2/m"
    settings.TRUSTED_PROXY_HOPS = 1
    label = LabelFactory(state="activated")
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    # The client may prepend anything; only the address our proxy appended counts.
    first = [
        client.get(f"/q/{label.serial}", HTTP_X_FORWARDED_FOR=f"1.1.1.{i}, 203.0.113.7", **proxy).status_code
        for i in range(3)
    ]
    assert first == [200, 200, 429]
    assert client.get(f"/q/{label.serial}", HTTP_X_FORWARDED_FOR="198.51.100.9", **proxy).status_code == 200
    assert set(ScanLog.objects.values_list("network", flat=True)) == {"203.0.113.0/24", "198.51.100.0/24"}


def test_home_lookup_and_scan_page_share_one_limit(client, settings):
    settings.FIELD_SCAN_RATE = "2/m"
    label = LabelFactory(state="activated")
    assert client.get("/q/", {"serial": label.serial}).status_code == 302
    assert client.get(f"/q/{label.serial}").status_code == 200
    assert client.get("/q/", {"serial": label.serial}).status_code == 429


def test_a_serial_typed_in_full_width_finds_its_genuine_label(client):
    # The home page's form, the page and the API: a 全角 keyboard's ＸＲ７… is the label, not a malformed code.
    label = LabelFactory(state="sold")
    typed = "".join(chr(ord(c) + 0xFEE0) for c in label.serial)
    response = client.get("/q/", {"serial": typed})
    assert response.status_code == 302 and response["Location"] == f"/q/{label.serial}"
    assert 'data-verdict="genuine"' in client.get(f"/q/{typed}").content.decode()
    assert client.get(f"/api/v1/scan/{typed}/").json()["verdict"] == "genuine"
