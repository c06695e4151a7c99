"""Residents confirmed by their own phones: one-time SMS codes for bookings and ratings.

Limits: per number (one code a minute for one purpose, PHONE_CODES_PER_NUMBER_PER_HOUR an hour; counted in the
database so every worker sees them) and per client (the shared rate-limit buckets, core.ratelimit,
applied by the views). Five wrong guesses end a code. The code travels as the approved `verify_code`
SMS template; only its keyed hash is stored here.
"""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from remediation import notifications

from ..models import PhoneCode
from .common import clean_mobile
from .errors import FieldError

MAX_FAILED_ATTEMPTS = 5


def _hash(phone: str, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def request_code(*, phone: str, purpose: str, client: str = "") -> str:
    """Send a fresh code to `phone`; returns it (callers never show it: it goes by SMS only)."""
    if purpose not in PhoneCode.Purpose.values:
        raise FieldError("invalid", _("未知的验证码用途。"))
    phone = clean_mobile(phone)
    now = timezone.now()
    with transaction.atomic():
        recent = PhoneCode.objects.select_for_update().filter(phone=phone, created_at__gte=now - timedelta(hours=1))
        sent = list(recent.values_list("created_at", "purpose"))
        times = [at for at, _purpose in sent]
        # One a minute for one purpose (a booking just confirmed does not hold back the rating that follows).
        if any(at > now - timedelta(seconds=60) and kind == purpose for at, kind in sent):
            raise FieldError("rate_limited", _("验证码已发送，请 1 分钟后再试。"))
        if len(times) >= settings.PHONE_CODES_PER_NUMBER_PER_HOUR:
            raise FieldError("rate_limited", _("该手机号请求验证码过于频繁，请稍后再试。"))
        code = f"{secrets.randbelow(10**6):06d}"
        row = PhoneCode.objects.create(
            phone=phone,
            purpose=purpose,
            code_hash=_hash(phone, code),
            client=client[:64],
            created_at=now,
            expires_at=now + timedelta(minutes=10),
        )
        notifications.notify_resident(phone, f"code{row.pk}", template="verify_code", params={"code": code})
    return code


def confirm_code(*, phone: str, purpose: str, code: str) -> None:
    """The resident typed the code sent to `phone`: raise FieldError unless it is right and fresh."""
    phone = clean_mobile(phone)
    code = (code or "").strip()
    wrong = FieldError("invalid", _("短信验证码错误或已过期，请重新获取。"))
    if not code:
        raise FieldError("invalid", _("请填写发送到该手机的短信验证码。"))
    with transaction.atomic():
        row = (
            PhoneCode.objects.select_for_update()
            .filter(phone=phone, purpose=purpose, expires_at__gt=timezone.now())
            .filter(failed_attempts__lt=MAX_FAILED_ATTEMPTS)
            .order_by("-created_at", "-pk")
            .first()
        )
        right = row is not None and hmac.compare_digest(row.code_hash, _hash(phone, code))
        if row is not None and not right:
            # Counted inside the transaction, refused after it: the count must survive the refusal.
            PhoneCode.objects.filter(pk=row.pk).update(failed_attempts=row.failed_attempts + 1)
        elif right and row.confirmed_at is None:
            PhoneCode.objects.filter(pk=row.pk).update(confirmed_at=timezone.now())
    if not right:
        raise wrong
