"""Tencent Cloud SMS (sms 2021-01-11) through its official SDK.

SendSms has no idempotency key either: our message id goes in SessionContext, which Tencent echoes in
its answer and its delivery reports, so an "outcome unknown" message can be matched by a person.
The SDK's retryer stays unset (no automatic resend).
"""

from django.conf import settings
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111 import models, sms_client

from .sms import OutcomeUnknown, ProviderRejected, SendResult, provider_template_id

# SDK error codes raised before or without a provider answer: the message may have gone out.
_TRANSPORT_CODES = {"ClientNetworkError", "ServerNetworkError"}


class TencentBackend:
    name = "tencent"

    def __init__(self):
        http = HttpProfile(
            endpoint=settings.SMS_ENDPOINT or "sms.tencentcloudapi.com",
            protocol=settings.SMS_PROTOCOL,
            reqTimeout=settings.SMS_TIMEOUT_SECONDS,
        )
        cred = credential.Credential(settings.SMS_ACCESS_KEY_ID, settings.SMS_ACCESS_KEY_SECRET)
        self.client = sms_client.SmsClient(cred, settings.SMS_REGION, ClientProfile(httpProfile=http))

    def send(self, *, phone: str, template: str, params: dict, message_id: str) -> SendResult:
        request = models.SendSmsRequest()
        request.PhoneNumberSet = [phone]
        request.SmsSdkAppId = settings.SMS_APP_ID
        request.SignName = settings.SMS_SIGN_NAME
        request.TemplateId = provider_template_id(template)
        request.TemplateParamSet = list(params.values())  # check_params put them in template order
        request.SessionContext = message_id
        try:
            response = self.client.SendSms(request)
        except TencentCloudSDKException as exc:
            if exc.get_code() in _TRANSPORT_CODES:
                if "Connection refused" in str(exc.get_message()):
                    raise ProviderRejected(f"connect: {exc.get_message()}") from exc
                raise OutcomeUnknown(str(exc.get_message())[:200]) from exc
            raise ProviderRejected(f"{exc.get_code()}: {exc.get_message()}") from exc
        except Exception as exc:
            raise OutcomeUnknown(str(exc)[:200]) from exc
        status = response.SendStatusSet[0]
        if status.Code != "Ok":
            raise ProviderRejected(f"{status.Code}: {status.Message}")
        return SendResult(self.name, status.SerialNo or "", status.Code)
