"""Cloned labels caught: each signal raises exactly one suspected-clone case with its evidence."""

import threading
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import roles
from accounts.models import Organization
from audit.models import AuditEntry
from cases.services.labels import Origin
from field.models import CloneSignal, ScanLog, SuspectedClone, WorkRecord
from field.services import clones
from field.services.errors import FieldError
from field.services.work import record_work
from stats import figures, scoping, selectors
from tests.factories import PASSWORD, UserFactory
from tests.factories_field import installer_with_permit, label_for, qualified

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()


def work(user, permit, label, *, kind="installation", district="futian"):
    return record_work(
        user=user,
        code=label.serial,
        kind=kind,
        permit_code=permit.number,
        nameplate_confirmed=True,
        district=district,
        origin=Origin(actor=user, source="web"),
    )


def installed_label():
    """A label installed in 福田 by one company, and a second installer of another company."""
    first_company = qualified(Organization.Kind.INSTALLER, name="安居安装")
    other_company = qualified(Organization.Kind.INSTALLER, name="别处安装")
    first, first_permit = installer_with_permit(first_company)
    other, other_permit = installer_with_permit(other_company)
    label = label_for(state="sold")
    work(first, first_permit, label)
    return label, (first, first_permit), (other, other_permit)


def api_as(user):
    client = APIClient()
    token = client.post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD}).json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_second_installation_is_refused_and_raises_one_case_on_page_and_api(client):
    label, (first, _p), (other, other_permit) = installed_label()
    client.force_login(other)
    body = {"permit": other_permit.number, "nameplate_confirmed": "on", "district": "nanshan"}
    response = client.post(f"/field/install/{label.serial}/", body)
    assert response.status_code == 409 and "克隆" in response.content.decode()
    case = SuspectedClone.objects.get()
    signal = case.signals.get()
    assert (case.label, case.status, signal.kind) == (label, "open", "second_installation")
    assert [(e["district"], e["who"], e["company"]) for e in signal.evidence] == [
        ("futian", first.username, "安居安装"),
        ("nanshan", other.username, "别处安装"),
    ]
    assert AuditEntry.objects.filter(action="clone.opened", object_id=str(case.pk)).count() == 1
    # The same attempt through the API with an Idempotency-Key: the key's transaction rolls back, the case stays
    # one and gains nothing new (same evidence), the worker gets the same refusal.
    api = api_as(other)
    answer = api.post(
        f"/api/v1/labels/{label.serial}/work/",
        {**body, "kind": "installation", "nameplate_confirmed": True, "district": "luohu"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="again-1",
    )
    assert answer.status_code == 409 and answer.json()["code"] == "suspected_clone"
    assert SuspectedClone.objects.count() == 1 and CloneSignal.objects.count() == 1
    assert [e["district"] for e in CloneSignal.objects.get().evidence] == ["futian", "nanshan", "luohu"]
    assert WorkRecord.objects.filter(label=label).count() == 1


def test_work_in_two_districts_within_the_window_raises_one_case(settings):
    settings.CLONE_DISTRICT_WINDOW_HOURS = 48
    label, (first, first_permit), (other, other_permit) = installed_label()
    work(first, first_permit, label, kind="repair", district="futian")  # same district: nothing
    assert not SuspectedClone.objects.exists()
    work(other, other_permit, label, kind="repair", district="longgang")
    work(other, other_permit, label, kind="repair", district="longgang")  # again: still one case, one signal
    signal = CloneSignal.objects.get()
    assert signal.kind == "two_districts" and SuspectedClone.objects.count() == 1
    districts = [e["district"] for e in signal.evidence]
    assert districts.count("futian") == 2 and "longgang" in districts
    assert {e["district_name"] for e in signal.evidence} == {"福田区", "龙岗区"}


def test_work_in_another_district_after_the_window_is_not_a_signal(settings):
    settings.CLONE_DISTRICT_WINDOW_HOURS = 48
    label, _first, (other, other_permit) = installed_label()
    WorkRecord.objects.filter(label=label).update(at=timezone.now() - timedelta(days=5))  # moved house since
    work(other, other_permit, label, kind="repair", district="longgang")
    assert not SuspectedClone.objects.exists()


def test_frequent_scans_sweep_raises_one_case_once(settings):
    settings.CLONE_SCAN_THRESHOLD, settings.CLONE_SCAN_WINDOW_HOURS = 5, 24
    busy, quiet = label_for(state="sold"), label_for(state="sold")
    now = timezone.now()
    for i in range(6):
        ScanLog.objects.create(label=busy, code=busy.serial, verdict="genuine", network=f"10.0.{i}.0/24", at=now)
    for _ in range(5):
        ScanLog.objects.create(label=quiet, code=quiet.serial, verdict="genuine", at=now)
    ScanLog.objects.create(label=quiet, code=quiet.serial, verdict="genuine", at=now - timedelta(hours=30))
    assert clones.sweep_frequent_scans() == 1
    assert clones.sweep_frequent_scans() == 0  # idempotent: beat may run it twice
    case = SuspectedClone.objects.get()
    (item,) = case.signals.get(kind="frequent_scans").evidence
    assert case.label == busy and "6 次" in item["what"] and "6 个网段" in item["what"]


def test_scan_page_warns_a_worker_about_a_label_installed_elsewhere(client):
    label, _first, (other, _permit) = installed_label()
    assert 'id="clone-warning"' not in client.get(f"/q/{label.serial}").content.decode()  # residents: no
    client.force_login(other)
    html = client.get(f"/q/{label.serial}").content.decode()
    assert 'id="clone-warning"' in html and "福田区" in html and "安居安装" in html
    fresh = label_for(state="sold")
    assert 'id="clone-warning"' not in client.get(f"/q/{fresh.serial}").content.decode()


def test_association_sees_evidence_and_closes_the_case(client):
    label, _first, (other, other_permit) = installed_label()
    with pytest.raises(FieldError):
        work(other, other_permit, label, district="nanshan")
    reviewer = UserFactory(organization__kind=Organization.Kind.ASSOCIATION, role=roles.REVIEWER)
    client.force_login(reviewer)
    html = client.get("/field/clones/").content.decode()
    assert label.serial in html and "同一编码第二处安装" in html and "南山区" in html and other.username in html
    case = SuspectedClone.objects.get()
    assert client.post(f"/field/clones/{case.pk}/close/", {"note": "已核实为克隆"}).status_code == 302
    case.refresh_from_db()
    assert (case.status, case.note) == ("closed", "已核实为克隆")
    assert label.serial not in client.get("/field/clones/").content.decode()
    assert AuditEntry.objects.filter(action="clone.closed", object_id=str(case.pk)).exists()
    # A new signal after closing opens a new case.
    with pytest.raises(FieldError):
        work(other, other_permit, label, district="luohu")
    assert SuspectedClone.objects.filter(status="open").count() == 1


def test_statistics_show_suspected_clones_per_day():
    label, _first, (other, other_permit) = installed_label()
    with pytest.raises(FieldError):
        work(other, other_permit, label, district="nanshan")
    period = selectors.Period.last_days(7)
    figure = figures.BY_KEY["suspected_clones_per_day"]
    rows = figure.rows(scoping.CITY, period)
    assert rows == [
        {
            "day": f"{timezone.localdate():%Y-%m-%d}",
            "cases": 1,
            "second_installation": 1,
            "two_districts": 0,
            "frequent_scans": 0,
        }
    ]
    assert figure.chart_data(rows)["datasets"][0]["data"] == [1]
    assert figure.rows(scoping.Scope(installer_id=1, sections=(scoping.FIELD,)), period) == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_the_same_moment_raise_one_case():
    label, _first, _other = installed_label()
    attempts = [installer_with_permit(qualified(Organization.Kind.INSTALLER)) for _ in range(2)]
    barrier = threading.Barrier(len(attempts) + 1)
    outcomes = []

    def attempt(user, permit, district):
        try:
            barrier.wait()
            work(user, permit, label, district=district)
            outcomes.append("installed")
        except FieldError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    def district_signal():
        # A third request at the same moment, from the two-districts check, on the same label.
        try:
            barrier.wait()
            clones.raise_suspicion(label_id=label.pk, kind="two_districts", items=[{"what": "x"}])
        finally:
            connection.close()

    threads = [
        threading.Thread(target=attempt, args=(user, permit, district))
        for (user, permit), district in zip(attempts, ["nanshan", "luohu"], strict=True)
    ]
    threads.append(threading.Thread(target=district_signal))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert outcomes == ["suspected_clone", "suspected_clone"]
    case = SuspectedClone.objects.get()
    assert sorted(case.signals.values_list("kind", flat=True)) == ["second_installation", "two_districts"]
    evidence = case.signals.get(kind="second_installation").evidence
    assert sorted(e["district"] for e in evidence) == ["futian", "luohu", "nanshan"]
    assert AuditEntry.objects.filter(action="clone.opened").count() == 1


def test_the_same_company_resending_its_installation_is_no_signal():
    label, (first, first_permit), _other = installed_label()
    with pytest.raises(FieldError) as again:
        work(first, first_permit, label)  # the same installation, sent twice (no Idempotency-Key)
    assert again.value.code == "already_done" and not SuspectedClone.objects.exists()
