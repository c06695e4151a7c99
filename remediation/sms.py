"""SMS through pre-approved templates: the interface, the template list, and the console/test backends.

Chinese SMS providers send only templates the operator has had approved, so a message is a template
name plus its parameters, never free text. `TEMPLATES` is the one list (the README copies it for the
association's application); the provider's own template id for each name comes from the environment
(SMS_TEMPLATE_IDS). Provider adapters live in sms_aliyun.py and sms_tencent.py; SMS_BACKEND picks one.

A backend's send() returns a SendResult, raises ProviderRejected when the provider answered "not sent"
(safe to retry), or OutcomeUnknown when the request may have reached the provider but no answer came
back (a retry could send it twice: a person must check).
"""

import string
import sys
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

from accounts.pii import mask_phone

DEFAULT_BACKEND = "remediation.sms.ConsoleBackend"


@dataclass(frozen=True)
class Template:
    name: str
    params: tuple[str, ...]  # in order: Tencent takes a list, Alibaba a JSON object
    text: str  # the wording submitted for approval; ${param} placeholders as Alibaba writes them
    purpose: str


TEMPLATES = {
    t.name: t
    for t in [
        Template(
            "case_new",
            ("case", "kind", "due"),
            "新整改单#${case}（${kind}），请于${due}前联系用户。",
            "代理商：新整改单",
        ),
        Template(
            "case_due_soon",
            ("case", "step", "due"),
            "整改单#${case}“${step}”将于${due}到期，请尽快处理。",
            "代理商：截止前30分钟",
        ),
        Template(
            "case_escalated",
            ("case", "level"),
            "整改单#${case}已超时或上报，现由${level}督办，请登录处理。",
            "协会、主管部门：督办升级",
        ),
        Template(
            "case_review",
            ("case", "reason"),
            "整改单#${case}需协会处理：${reason}。请登录查看。",
            "协会：未找到代理商或标识未售出",
        ),
        Template(
            "case_taken",
            ("case", "dealer"),
            "您的燃具整改单#${case}已由${dealer}受理，将尽快为您处理。",
            "居民：代理商已受理",
        ),
        Template(
            "case_closed", ("case",), "您的燃具整改单#${case}已处理完毕，请重新预约安装或点火通气。", "居民：整改完成"
        ),
        Template(
            "booking_received",
            ("kind", "company"),
            "您的${kind}预约已提交给${company}，对方安排后将短信通知您。",
            "居民：预约已收到",
        ),
        Template(
            "booking_scheduled",
            ("kind", "time"),
            "您的${kind}已安排在${time}上门，请保持电话畅通。",
            "居民：预约已安排",
        ),
        Template(
            "booking_new",
            ("kind", "district", "date"),
            "新${kind}：${district}，期望${date}，请登录安排上门时间。",
            "安装/供气单位：新预约",
        ),
        Template(
            "declaration_returned",
            ("model",),
            "您申报的型号${model}被退回修改，请登录查看审核意见。",
            "燃具企业：申报退回",
        ),
        Template(
            "declaration_approved", ("model",), "您申报的型号${model}已审核通过，标识正在生成。", "燃具企业：申报通过"
        ),
        Template(
            "labels_ready",
            ("model", "count"),
            "型号${model}的${count}张标识已就绪，请登录查看。",
            "燃具企业：标识已就绪",
        ),
        Template(
            "permit_expiring",
            ("number", "holder", "date"),
            "上岗证${number}（${holder}）将于${date}到期，请及时办理。",
            "安装单位：证件30天内到期",
        ),
        Template(
            "verify_code", ("code",), "您的验证码为${code}，10分钟内有效。如非本人操作请忽略。", "居民：手机验证码"
        ),
        Template("rating_link", ("link",), "请为本次燃具安装服务评分：${link}", "居民：评价链接"),
        Template(
            "recall_new",
            ("model", "scope", "date"),
            "燃具${model}（${scope}）自${date}起召回，请勿销售、安装或点火，请登录查看。",
            "企业、代理商、安装和供气单位：召回",
        ),
        Template(
            "recall_lifted",
            ("model", "scope"),
            "燃具${model}（${scope}）的召回已解除，请登录查看。",
            "企业、代理商、安装和供气单位：召回解除",
        ),
    ]
}


def render(template: str, params: dict) -> str:
    """The text a resident reads (also the in-app and e-mail body)."""
    return string.Template(TEMPLATES[template].text).safe_substitute({k: str(v) for k, v in params.items()})


def check_params(template: str, params: dict) -> dict:
    """Exactly the template's parameters, as strings (providers reject a missing or extra one)."""
    expected = TEMPLATES[template].params
    if set(params) != set(expected):
        raise ValueError(f"template {template} takes {expected}, got {sorted(params)}")
    return {name: str(params[name]) for name in expected}


def provider_template_id(template: str) -> str:
    """The provider's id for one of our templates (SMS_TEMPLATE_IDS), or our name if unmapped."""
    return settings.SMS_TEMPLATE_IDS.get(template, template)


@dataclass(frozen=True)
class SendResult:
    provider: str
    provider_id: str  # Alibaba BizId, Tencent SerialNo: what their delivery reports refer to
    status: str  # the provider's own code, e.g. "OK"


class SmsError(Exception):
    pass


class ProviderRejected(SmsError):
    """The provider answered and did not send (limit, bad template, …): retrying cannot double it."""


class OutcomeUnknown(SmsError):
    """No answer after the request may have left: the message may or may not have gone out."""


class ConsoleBackend:
    """Writes each message to stdout, like Django's console mail backend."""

    name = "console"

    def send(self, *, phone: str, template: str, params: dict, message_id: str) -> SendResult:
        # stdout ends up in logs: residents' numbers are personal data, so only the masked form.
        sys.stdout.write(f"SMS to {mask_phone(phone)} [{template}]: {render(template, params)}\n")
        sys.stdout.flush()
        return SendResult(self.name, message_id, "OK")


# Messages sent through LocmemBackend, for tests (like django.core.mail.outbox): (phone, text, template, params).
outbox = []


class LocmemBackend:
    name = "locmem"

    def send(self, *, phone: str, template: str, params: dict, message_id: str) -> SendResult:
        outbox.append((phone, render(template, params), template, dict(params)))
        return SendResult(self.name, message_id, "OK")


def get_backend():
    return import_string(settings.SMS_BACKEND)()


def send_sms(*, phone: str, template: str, params: dict, message_id: str) -> SendResult:
    return get_backend().send(
        phone=phone, template=template, params=check_params(template, params), message_id=message_id
    )
