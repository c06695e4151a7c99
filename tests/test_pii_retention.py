"""Residents' phones, addresses and free text are blanked PII_RETENTION_DAYS after they were recorded, once."""

import datetime

import pytest
import time_machine
from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone

from cases.services.labels import Origin
from core.retention import purge_personal_data
from core.tasks import purge_personal_data as purge_task
from field.models import Booking, WorkRecord
from field.services.work import rate_work, record_work
from remediation import services
from remediation.models import CasePhoto, Notification, RemediationCase
from tests.factories_field import installer_with_permit, label_for, verified_code
from tests.factories_remediation import fresh_label, make_city, sold_label

pytestmark = pytest.mark.django_db

PHONE = "13812345678"
START = datetime.datetime(2026, 1, 5, 10, 0, tzinfo=datetime.UTC)


def _work_record(phone=PHONE):
    installer, permit = installer_with_permit()
    label = label_for(installer.organization, state="sold")
    record = record_work(
        user=installer,
        code=label.serial,
        kind="installation",
        permit_code=permit.number,
        nameplate_confirmed=True,
        district="futian",
        origin=Origin(actor=installer),
    )
    code = verified_code(phone, "rating")
    return rate_work(
        user=installer, record_id=record.pk, phone=phone, rating=4, comment="师傅很好，电话" + phone, sms_code=code
    )


def _closed_case(city):
    label = sold_label(city)
    case = services.report_problem(
        reporter=city.igniter,
        kind="label_mismatch",
        serial=label.serial,
        address="南山区科技园某路1号3栋1201",
        resident_phone=PHONE,
    )
    services.record_contact(case_id=case.pk, user=city.dealer, note="已电话联系")
    services.resolve_case(
        case_id=case.pk, user=city.dealer, resolution="relabel", new_serial=fresh_label(city.model).serial
    )
    return RemediationCase.objects.get(pk=case.pk)


def _open_case(city):
    label = sold_label(city)
    return services.report_problem(
        reporter=city.igniter,
        kind="label_mismatch",
        serial=label.serial,
        address="福田区某路2号",
        resident_phone="13900001111",
    )


def test_retention_is_a_setting_with_a_daily_beat_entry():
    assert settings.PII_RETENTION_DAYS == 730
    entries = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "core.tasks.purge_personal_data"]
    assert len(entries) == 1


def _photo(case):
    photo = CasePhoto(case=case, content_type="image/png", size=3, sha256="-")
    photo.file.save("p.png", ContentFile(b"png"), save=True)
    return photo


def test_old_records_are_blanked_once_and_recent_or_open_ones_kept(settings, tmp_path):
    settings.PII_RETENTION_DAYS = 30
    settings.MEDIA_ROOT = tmp_path
    city = make_city()
    with time_machine.travel(START, tick=False):
        old_record = _work_record()
        old_booking = Booking.objects.create(
            label=old_record.label,
            kind=Booking.Kind.IGNITION,
            company=old_record.company,
            resident_phone=PHONE,
            district="futian",
            preferred_date=START.date(),
            note="下午在家，电话" + PHONE,
        )
        old_case = _closed_case(city)
        still_open = _open_case(city)
        old_photo, open_photo = _photo(old_case), _photo(still_open)
    assert Notification.objects.filter(case=old_case, recipient__isnull=True, address=PHONE).exists()

    with time_machine.travel(START + datetime.timedelta(days=29), tick=False):
        recent_record = _work_record("13700002222")
        assert purge_personal_data() == {
            "work_records": 0,
            "bookings": 0,
            "cases": 0,
            "case_photos": 0,
            "notifications": 0,
        }

    with time_machine.travel(START + datetime.timedelta(days=31), tick=False):
        first = purge_personal_data()
        second = purge_task.apply().get()  # the beat task, run again: nothing left to change

    # The closed case sent the resident two SMS: "the dealer took your case" and "book again".
    assert first == {"work_records": 1, "bookings": 1, "cases": 1, "case_photos": 1, "notifications": 2}
    # A resident's photo of a closed case goes with its file; the open case keeps its photo.
    assert not (tmp_path / old_photo.file.name).exists() and (tmp_path / open_photo.file.name).exists()
    assert list(CasePhoto.objects.values_list("pk", flat=True)) == [open_photo.pk]
    assert second == {"work_records": 0, "bookings": 0, "cases": 0, "case_photos": 0, "notifications": 0}
    old_record.refresh_from_db()
    old_booking.refresh_from_db()
    old_case.refresh_from_db()
    still_open.refresh_from_db()
    recent_record.refresh_from_db()
    assert (old_record.resident_phone, old_record.comment, old_record.rating) == ("", "", 4)  # the rating stays
    assert (old_booking.resident_phone, old_booking.note) == ("", "")
    assert (old_case.resident_phone, old_case.address, old_case.resolution) == ("", "", "relabel")
    assert not Notification.objects.filter(recipient__isnull=True).exclude(address="").filter(case=old_case).exists()
    # An open case: the dealer must still call, whatever its age.
    assert (still_open.resident_phone, still_open.address) == ("13900001111", "福田区某路2号")
    assert recent_record.resident_phone == "13700002222"
    assert WorkRecord.objects.count() == 2 and RemediationCase.objects.count() == 2  # records stay, data goes


def test_nothing_is_purged_inside_the_default_period():
    with time_machine.travel(timezone.now() - datetime.timedelta(days=729)):
        record = _work_record()
    purge_personal_data()
    record.refresh_from_db()
    assert record.resident_phone == PHONE
