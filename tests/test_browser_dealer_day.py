"""A dealer's day in chromium at a phone viewport: a case arrives → the (fake) Alibaba Cloud SMS API receives
the dealer's message through the real SDK → the dealer taps "contacted" on the case card → resolves it
before the deadline."""

import json

import pytest

from remediation import services
from remediation.models import Deadline
from tests.factories_remediation import make_city, sold_label
from tests.fake_sms_providers import FakeAliyun
from tests.test_browser_field import PHONE, launch, login  # noqa: F401 (launch is a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def eager_celery():
    from project.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def test_a_dealers_day(live_server, launch, settings, eager_celery):  # noqa: F811
    with FakeAliyun() as fake:
        settings.SMS_BACKEND = "remediation.sms_aliyun.AliyunBackend"
        settings.SMS_ENDPOINT, settings.SMS_PROTOCOL = fake.endpoint, "http"
        settings.SMS_ACCESS_KEY_ID, settings.SMS_ACCESS_KEY_SECRET = "id", "secret"
        settings.SMS_SIGN_NAME = "深圳燃气协会"
        settings.SMS_TEMPLATE_IDS = {"case_new": "SMS_100001"}
        city = make_city()
        case = services.report_problem(
            reporter=city.installer, kind="label_mismatch", serial=sold_label(city).serial, resident_phone="13812345678"
        )
        # The dealer's phone got the approved template with its parameters (and the reviewer none: no escalation).
        to_dealer = [r for r in fake.received if r["PhoneNumbers"] == city.dealer.phone]
        assert len(to_dealer) == 1 and to_dealer[0]["TemplateCode"] == "SMS_100001"
        assert json.loads(to_dealer[0]["TemplateParam"])["case"] == str(case.pk)

        page = launch().new_context(**PHONE).new_page()
        login(page, live_server.url, city.dealer.username)
        page.goto(f"{live_server.url}/remediation/mine/")
        card = page.locator(f"[data-card='{case.pk}']")
        assert "剩余" in card.locator(".time-left").inner_text()
        assert card.locator("a.call").get_attribute("href") == "tel:13812345678"
        card.locator(f"[data-contacted='{case.pk}']").click()  # one tap
        page.wait_for_url(f"**/remediation/{case.pk}/")
        page.check("#action-resolve input[name=resolution][value='return']")
        page.click("#action-resolve button[type=submit]")
        page.wait_for_url(f"**/remediation/{case.pk}/")
        assert "已结案" in page.inner_text("#case-summary")
    case.refresh_from_db()
    assert case.stage == "closed"
    assert set(Deadline.objects.filter(case=case).values_list("step", "state")) == {
        ("contact", "met"),
        ("resolve", "met"),
    }
    # The resident heard that the dealer took the case, then that it is done (SMS rows, sent once each).
    assert sorted(r["PhoneNumbers"] for r in fake.received).count("13812345678") == 2
