"""Residents confirmed by their own phones: a booking needs the SMS code sent to the number it gives.

The code goes out as the approved `verify_code` template (a Notification row, sent like every SMS);
limits per number (one a minute, PHONE_CODES_PER_NUMBER_PER_HOUR an hour) and per client
(PHONE_CODE_RATE); five wrong guesses end a code; codes expire after 10 minutes.
"""

from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Organization
from field.models import Booking, PhoneCode
from field.services.errors import FieldError
from field.services.phone_codes import confirm_code, request_code
from remediation.models import Notification
from tests.factories_field import label_for, qualified

pytestmark = pytest.mark.django_db
PHONE = "13912345678"


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()
    yield
    cache.clear()


def sent_code(phone=PHONE):
    row = Notification.objects.filter(template="verify_code", address=phone).order_by("-pk").first()
    return row.params["code"]


def test_resident_books_with_the_code_sent_to_their_phone(client):
    company = qualified(Organization.Kind.INSTALLER, name="安装公司")
    label = label_for(company, state="sold")
    url = f"/q/{label.serial}/book/"
    form = {"company": company.pk, "phone": PHONE, "district": "futian", "preferred_date": timezone.localdate()}
    refused = client.post(url, form)
    assert refused.status_code == 400 and "短信验证码" in refused.content.decode()
    sent = client.post(url, {**form, "send_code": "1"})
    page = sent.content.decode()
    assert sent.status_code == 200 and 'id="code-sent"' in page and PHONE in page  # the form comes back filled
    code = sent_code()
    assert code not in page and len(code) == 6  # by SMS only
    assert PhoneCode.objects.get().code_hash != code  # stored hashed
    wrong = client.post(url, {**form, "sms_code": "000000" if code != "000000" else "111111"})
    assert wrong.status_code == 400 and not Booking.objects.exists()
    booked = client.post(url, {**form, "sms_code": code})
    assert booked.status_code == 200 and "预约已提交" in booked.content.decode()
    assert Booking.objects.get().resident_phone == PHONE


def test_a_code_for_another_number_does_not_confirm_this_one():
    request_code(phone=PHONE, purpose="booking")
    with pytest.raises(FieldError):
        confirm_code(phone="13800000000", purpose="booking", code=sent_code())
    with pytest.raises(FieldError):
        confirm_code(phone=PHONE, purpose="rating", code=sent_code())  # nor another purpose
    confirm_code(phone=PHONE, purpose="booking", code=sent_code())


def test_a_number_typed_in_full_width_is_the_same_number_and_other_digits_are_refused():
    # ０ is U+FF10: the SMS goes to the ASCII number, and the per-number limit sees one number.
    full_width = PHONE[:-1] + chr(ord(PHONE[-1]) + 0xFEE0)
    request_code(phone=full_width, purpose="booking")
    assert PhoneCode.objects.get().phone == PHONE
    assert Notification.objects.get(template="verify_code").address == PHONE
    with pytest.raises(FieldError) as again:
        request_code(phone=PHONE, purpose="booking")
    assert again.value.status == 429
    confirm_code(phone=PHONE, purpose="booking", code=sent_code())
    with pytest.raises(FieldError):
        request_code(phone="1391234567\u0663", purpose="rating")  # Arabic-Indic 3: a digit to \d, not a phone's


def test_five_wrong_guesses_end_a_code_and_codes_expire():
    request_code(phone=PHONE, purpose="booking")
    code = sent_code()
    for _ in range(5):
        with pytest.raises(FieldError):
            confirm_code(phone=PHONE, purpose="booking", code="99999" + ("8" if code[-1] != "8" else "7"))
    with pytest.raises(FieldError):
        confirm_code(phone=PHONE, purpose="booking", code=code)  # right, but too late
    with time_machine.travel(timezone.now() + timedelta(minutes=2), tick=False):
        request_code(phone=PHONE, purpose="booking")
        fresh = sent_code()
    with time_machine.travel(timezone.now() + timedelta(minutes=13), tick=False):
        with pytest.raises(FieldError):
            confirm_code(phone=PHONE, purpose="booking", code=fresh)  # expired after 10 minutes


def test_codes_are_limited_per_number(settings):
    settings.PHONE_CODES_PER_NUMBER_PER_HOUR = 3
    start = timezone.now()
    request_code(phone=PHONE, purpose="booking")
    with pytest.raises(FieldError) as again:
        request_code(phone=PHONE, purpose="booking")
    assert again.value.status == 429
    for minutes in (2, 4):
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            request_code(phone=PHONE, purpose="booking")
    with time_machine.travel(start + timedelta(minutes=6), tick=False):
        with pytest.raises(FieldError):
            request_code(phone=PHONE, purpose="booking")  # 3 an hour
        request_code(phone="13800000000", purpose="booking")  # another number is not held back
    assert Notification.objects.filter(template="verify_code").count() == 4


def test_codes_are_limited_per_client_through_the_api(settings):
    settings.PHONE_CODE_RATE = "2/h"
    api = APIClient()
    answers = [
        api.post("/api/v1/phone-codes/", {"phone": f"1380000000{i}", "purpose": "booking"}, format="json")
        for i in range(3)
    ]
    assert [a.status_code for a in answers] == [202, 202, 429]
    other = APIClient().post(
        "/api/v1/phone-codes/", {"phone": "13800000009", "purpose": "booking"}, format="json", REMOTE_ADDR="10.1.2.3"
    )
    assert other.status_code == 202
    assert Notification.objects.filter(template="verify_code").count() == 3
