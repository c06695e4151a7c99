"""Idempotency-Key on the mobile API's writes: a retried sale/work/ignition/report/booking records once and
returns the first response; the same key with another body is 422; keys are per user and expire."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Organization
from api.idempotency import purge_expired
from api.models import IdempotencyKey
from cases.models import LabelTransition
from field.models import Booking, Ignition, Sale, WorkRecord
from remediation.models import RemediationCase
from tests.factories_field import (
    dealer_user,
    igniter_with_permit,
    installer_with_permit,
    label_for,
    qualified,
    verified_code,
)
from tests.test_field_api import api_as

pytestmark = pytest.mark.django_db


def post_twice(client, url, body, key="k-1"):
    first = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    second = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    return first, second


def test_sale_work_rating_and_ignition_retried_record_once():
    installer, install_permit = installer_with_permit()
    igniter, ignite_permit = igniter_with_permit()
    dealer = dealer_user()
    label = label_for(install_permit.company, state="activated")
    base = f"/api/v1/labels/{label.serial}"

    first, second = post_twice(api_as(dealer), f"{base}/sell/", {"district": "futian"})
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json() and second.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert Sale.objects.count() == 1

    work = {"permit": install_permit.number, "nameplate_confirmed": True, "district": "nanshan"}
    first, second = post_twice(api_as(installer), f"{base}/work/", work)
    assert first.status_code == second.status_code == 201 and second.json()["id"] == first.json()["id"]
    assert WorkRecord.objects.count() == 1

    rating = {"phone": "13800135678", "rating": 5, "comment": "", "sms_code": verified_code("13800135678", "rating")}
    first, second = post_twice(api_as(installer), f"/api/v1/work/{first.json()['id']}/rating/", rating, key="r")
    assert first.status_code == second.status_code == 200 and second.json() == first.json()

    first, second = post_twice(api_as(igniter), f"{base}/ignite/", {"permit": ignite_permit.number})
    assert first.status_code == second.status_code == 201 and second.json() == first.json()
    assert Ignition.objects.count() == 1
    assert list(LabelTransition.objects.filter(label=label).values_list("name", flat=True).order_by("pk")) == [
        "sell",
        "install",
        "ignite",
    ]


def test_without_a_key_a_retried_ignition_is_refused_not_doubled():
    # Natural idempotence: the label is already ignited, so the retry is a 409, not a second record.
    igniter, permit = igniter_with_permit()
    label = label_for(state="installed")
    client = api_as(igniter)
    assert (
        client.post(f"/api/v1/labels/{label.serial}/ignite/", {"permit": permit.number}, format="json").status_code
        == 201
    )
    again = client.post(f"/api/v1/labels/{label.serial}/ignite/", {"permit": permit.number}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "already_done"
    assert Ignition.objects.count() == 1


def test_a_retried_problem_report_opens_one_case():
    installer, _permit = installer_with_permit()
    label = label_for(state="sold")
    body = {"kind": "label_mismatch", "serial": label.serial, "resident_phone": "13800135678"}
    first, second = post_twice(api_as(installer), "/api/v1/reports/", body)
    assert first.status_code == second.status_code == 201 and second.json()["id"] == first.json()["id"]
    assert RemediationCase.objects.count() == 1


def test_same_key_with_another_body_is_422_and_changes_nothing():
    dealer = dealer_user()
    one, two = label_for(state="activated"), label_for(state="activated")
    client = api_as(dealer)
    assert (
        client.post(f"/api/v1/labels/{one.serial}/sell/", {}, format="json", HTTP_IDEMPOTENCY_KEY="k").status_code
        == 201
    )
    other = client.post(f"/api/v1/labels/{two.serial}/sell/", {}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused" and other.json()["detail"]
    two.refresh_from_db()
    assert two.state == "activated" and Sale.objects.count() == 1


def test_keys_are_per_user():
    one, two = dealer_user(), dealer_user()
    a, b = label_for(state="activated"), label_for(state="activated")
    assert (
        api_as(one).post(f"/api/v1/labels/{a.serial}/sell/", {}, format="json", HTTP_IDEMPOTENCY_KEY="same").status_code
        == 201
    )
    theirs = api_as(two).post(f"/api/v1/labels/{b.serial}/sell/", {}, format="json", HTTP_IDEMPOTENCY_KEY="same")
    assert theirs.status_code == 201 and theirs.json()["serial"] == b.serial
    assert Sale.objects.count() == 2


def test_a_refused_request_keeps_no_key_so_a_fixed_retry_goes_through():
    installer, permit = installer_with_permit()
    label = label_for(permit.company, state="sold")
    client = api_as(installer)
    url = f"/api/v1/labels/{label.serial}/work/"
    body = {"permit": permit.number, "nameplate_confirmed": True, "district": "atlantis"}
    assert client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="w").status_code == 400
    assert not IdempotencyKey.objects.exists()
    body["district"] = "futian"
    assert client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="w").status_code == 201
    assert WorkRecord.objects.count() == 1


def test_public_booking_keys_are_per_client_address():
    company = qualified(Organization.Kind.INSTALLER)
    label = label_for(company, state="sold")
    body = {
        "kind": "installation",
        "company": company.pk,
        "phone": "13912345678",
        "sms_code": verified_code("13912345678"),
        "district": "futian",
        "preferred_date": str(timezone.localdate() + timedelta(days=1)),
    }
    url = f"/api/v1/labels/{label.serial}/bookings/"
    first, second = post_twice(APIClient(), url, body)
    assert first.status_code == second.status_code == 201 and Booking.objects.count() == 1
    elsewhere = APIClient().post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1", REMOTE_ADDR="10.9.9.9")
    assert elsewhere.json().get("id") != first.json()["id"] and "Idempotent-Replayed" not in elsewhere.headers


def test_overlong_key_is_400():
    dealer = dealer_user()
    label = label_for(state="activated")
    response = api_as(dealer).post(
        f"/api/v1/labels/{label.serial}/sell/", {}, format="json", HTTP_IDEMPOTENCY_KEY="x" * 300
    )
    assert response.status_code == 400 and response.json()["code"] == "invalid_idempotency_key"
    assert Sale.objects.count() == 0


def test_an_expired_key_is_forgotten_and_purged(settings):
    settings.IDEMPOTENCY_KEY_TTL_HOURS = 24
    dealer = dealer_user()
    a, b = label_for(state="activated"), label_for(state="activated")
    client = api_as(dealer)
    assert (
        client.post(f"/api/v1/labels/{a.serial}/sell/", {}, format="json", HTTP_IDEMPOTENCY_KEY="old").status_code
        == 201
    )
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        reused = client.post(f"/api/v1/labels/{b.serial}/sell/", {}, format="json", HTTP_IDEMPOTENCY_KEY="old")
        assert reused.status_code == 201 and reused.json()["serial"] == b.serial
        assert purge_expired() == 0  # the fresh one stays
    with time_machine.travel(timezone.now() + timedelta(hours=50)):
        assert purge_expired() == 1
    assert not IdempotencyKey.objects.exists()


def test_schema_documents_the_header():
    from django.test import Client

    schema = Client().get("/api/schema/").content.decode()
    assert "Idempotency-Key" in schema


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_retries_with_one_key_record_once():
    dealer = dealer_user()
    label = label_for(state="activated")
    client = api_as(dealer)
    barrier = threading.Barrier(2)
    responses = []

    def send():
        try:
            barrier.wait(5)
            responses.append(
                client.post(f"/api/v1/labels/{label.serial}/sell/", {}, format="json", HTTP_IDEMPOTENCY_KEY="race")
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(r.status_code for r in responses) == [201, 201]
    assert responses[0].json() == responses[1].json()
    assert sum("Idempotent-Replayed" in r.headers for r in responses) == 1
    assert Sale.objects.count() == 1 and LabelTransition.objects.filter(name="sell").count() == 1
