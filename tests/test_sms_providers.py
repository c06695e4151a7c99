"""Each SMS adapter through its provider's real SDK, against a local fake of the provider's HTTP API.

What must hold: the approved template's id and its parameters arrive; our message id travels with it
(neither SendSms has an idempotency key, so it is how a person matches an unknown outcome); a provider
error is recorded and retried; a message is never sent twice, even when no answer came back.
"""

import json

import pytest
from django.utils import timezone

from remediation import notifications
from remediation.models import Notification
from remediation.notifications import deliver, requeue_unsent, settle_unknown
from remediation.sms import ProviderRejected
from tests.fake_sms_providers import FakeAliyun, FakeTencent

pytestmark = pytest.mark.django_db

PROVIDERS = {
    "aliyun": (FakeAliyun, "remediation.sms_aliyun.AliyunBackend"),
    "tencent": (FakeTencent, "remediation.sms_tencent.TencentBackend"),
}


@pytest.fixture(params=sorted(PROVIDERS))
def provider(request, settings):
    fake_class, backend = PROVIDERS[request.param]
    with fake_class() as fake:
        settings.SMS_BACKEND = backend
        settings.SMS_ENDPOINT = fake.endpoint
        settings.SMS_PROTOCOL = "http"
        settings.SMS_ACCESS_KEY_ID = "test-id"
        settings.SMS_ACCESS_KEY_SECRET = "test-secret"
        settings.SMS_SIGN_NAME = "深圳燃气协会"
        settings.SMS_APP_ID = "1400000001"
        settings.SMS_TIMEOUT_SECONDS = 1
        settings.SMS_TEMPLATE_IDS = {"booking_scheduled": "SMS_900001"}
        fake.kind = request.param
        yield fake


def queued_sms():
    row = notifications.resident_row(
        "13812345678", "test", template="booking_scheduled", params={"kind": "预约安装", "time": "12-03 09:30"}
    )
    row.save()
    return row


def arrived(fake):
    """(phone, template id, parameters in order, our message id) of each request the fake received."""
    out = []
    for request in fake.received:
        if fake.kind == "aliyun":
            params = list(json.loads(request["TemplateParam"]).values())
            out.append((request["PhoneNumbers"], request["TemplateCode"], params, request["OutId"]))
        else:
            assert request["_action"] == "SendSms" and request["_authorization"].startswith("TC3-HMAC-SHA256")
            out.append(
                (
                    request["PhoneNumberSet"][0],
                    request["TemplateId"],
                    request["TemplateParamSet"],
                    request["SessionContext"],
                )
            )
    return out


def test_template_and_parameters_arrive_and_the_provider_id_is_recorded(provider):
    row = queued_sms()
    assert deliver(row.pk) is True
    assert arrived(provider) == [("13812345678", "SMS_900001", ["预约安装", "12-03 09:30"], f"gl-{row.pk}")]
    row.refresh_from_db()
    assert row.state == "sent" and row.sent_at is not None and row.attempts == 1
    assert row.provider == provider.kind
    assert row.provider_id == ("biz-1" if provider.kind == "aliyun" else "serial-1")
    assert row.delivery_status.upper() == "OK"
    assert deliver(row.pk) is False  # a duplicate task: nothing more leaves
    assert len(provider.received) == 1


def test_a_provider_error_is_recorded_and_retried_once(provider):
    provider.script = ["error"]
    row = queued_sms()
    with pytest.raises(ProviderRejected):
        deliver(row.pk)  # the Celery task retries on this
    row.refresh_from_db()
    assert row.state == "failed" and row.sent_at is None
    assert ("BUSINESS_LIMIT_CONTROL" if provider.kind == "aliyun" else "LimitExceeded") in row.last_error
    assert deliver(row.pk) is True
    assert deliver(row.pk) is False
    assert len(provider.received) == 2  # the refused request and the one that went out
    row.refresh_from_db()
    assert row.state == "sent" and row.attempts == 2


def test_no_answer_is_never_resent_blindly(provider):
    provider.script = ["hang"]
    row = queued_sms()
    assert deliver(row.pk) is False  # timed out after the request left
    row.refresh_from_db()
    assert row.state == "unknown" and row.sent_at is None
    Notification.objects.filter(pk=row.pk).update(created_at=timezone.now() - timezone.timedelta(hours=1))
    requeue_unsent()
    assert deliver(row.pk) is False
    assert len(provider.received) == 1
    # A person checked the provider's records (our id is there) and found it did not go out.
    assert settle_unknown(notification_id=row.pk, went_out=False) is True
    assert deliver(row.pk) is True
    assert [message[3] for message in arrived(provider)] == [f"gl-{row.pk}"] * 2


def test_a_claimed_row_is_not_sent_by_a_second_worker(provider):
    row = queued_sms()
    Notification.objects.filter(pk=row.pk).update(state="sending", claimed_at=timezone.now())
    assert deliver(row.pk) is False
    assert provider.received == []
    # The claim holder died: after the requeue delay the row goes to a person, not back to the queue.
    Notification.objects.filter(pk=row.pk).update(claimed_at=timezone.now() - timezone.timedelta(hours=1))
    assert requeue_unsent() == 0
    row.refresh_from_db()
    assert row.state == "unknown"
    assert provider.received == []


def test_an_unreachable_provider_counts_as_not_sent(provider, settings):
    provider.__exit__()  # nothing listens on the port any more: the request never left
    row = queued_sms()
    with pytest.raises(ProviderRejected):
        deliver(row.pk)
    row.refresh_from_db()
    assert row.state == "failed"
