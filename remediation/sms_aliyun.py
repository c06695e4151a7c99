"""Alibaba Cloud SMS (dysmsapi 2017-05-25) through its official SDK.

SendSms has no idempotency key: our message id goes in OutId, which Alibaba stores with the message
and returns in its delivery reports, so a person checking an "outcome unknown" message can find it.
The SDK's own retries stay off: a retry that cannot tell "not sent" from "no answer" could send twice.
"""

import json

from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_dysmsapi20170525.models import SendSmsRequest
from alibabacloud_tea_openapi.utils_models import Config
from darabonba.runtime import RuntimeOptions
from django.conf import settings

from .sms import OutcomeUnknown, ProviderRejected, SendResult, provider_template_id


class AliyunBackend:
    name = "aliyun"

    def __init__(self):
        config = Config(
            access_key_id=settings.SMS_ACCESS_KEY_ID,
            access_key_secret=settings.SMS_ACCESS_KEY_SECRET,
            endpoint=settings.SMS_ENDPOINT or "dysmsapi.aliyuncs.com",
            protocol=settings.SMS_PROTOCOL,
        )
        self.client = Client(config)

    def send(self, *, phone: str, template: str, params: dict, message_id: str) -> SendResult:
        request = SendSmsRequest(
            phone_numbers=phone,
            sign_name=settings.SMS_SIGN_NAME,
            template_code=provider_template_id(template),
            template_param=json.dumps(params, ensure_ascii=False),
            out_id=message_id,
        )
        timeout_ms = settings.SMS_TIMEOUT_SECONDS * 1000
        runtime = RuntimeOptions(autoretry=False, max_attempts=1, read_timeout=timeout_ms, connect_timeout=timeout_ms)
        try:
            response = self.client.send_sms_with_options(request, runtime)
        except Exception as exc:
            raise classify(exc) from exc
        body = response.body
        if body.code != "OK":
            # Alibaba answers business errors (limits, unapproved template, bad number) with a Code.
            raise ProviderRejected(f"{body.code}: {body.message}")
        return SendResult(self.name, body.biz_id or "", body.code)


def classify(exc: Exception) -> Exception:
    """An HTTP error answer means not sent; a failed connect means not sent; anything else: unknown."""
    status = getattr(exc, "status_code", None) or getattr(exc, "statusCode", None)
    if status and 400 <= int(status) < 500:
        return ProviderRejected(f"{getattr(exc, 'code', status)}: {getattr(exc, 'message', exc)}")
    if "Connection refused" in str(exc) or "Failed to establish a new connection" in str(exc):
        return ProviderRejected(f"connect: {exc}")
    return OutcomeUnknown(str(exc)[:200])
