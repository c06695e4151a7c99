"""150 concurrent relabels, problem reports and installations on labels of ONE model, through the real pages, on
PostgreSQL: no 500 (the label-count rollup used to lock the model's counter rows in different orders and deadlock),
and the rollup still equals a recount of the label table."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, transaction
from django.db.models import Count
from django.test import Client

from cases.models import Label, LabelState
from cases.services.labels import Origin, apply_transition
from remediation import services as remediation
from stats import label_counts_sql
from stats.models import LabelStateCount
from tests.factories_field import installer_with_permit
from tests.factories_remediation import fresh_label, make_city, sold_label

EACH = 50  # relabels, reports and installations: 150 requests


def rollup():
    counts = {}
    for model_id, state, n in LabelStateCount.objects.values_list("appliance_model_id", "state", "n"):
        counts[(model_id, state)] = counts.get((model_id, state), 0) + n
    return {key: n for key, n in counts.items() if n}


def recount():
    rows = Label.objects.values_list("appliance_model_id", "state").annotate(n=Count("pk"))
    return {(model_id, state): n for model_id, state, n in rows}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_relabels_reports_and_installs_on_one_model():
    city = make_city()
    city.model.dealers.add(city.dealer_org)
    installer, permit = installer_with_permit()
    cases = []
    for _ in range(EACH):
        case = remediation.report_problem(
            reporter=city.installer, kind="label_mismatch", serial=sold_label(city, LabelState.INSTALLED).serial
        )
        remediation.record_contact(case_id=case.pk, user=city.dealer)
        cases.append((case.pk, fresh_label(city.model).serial))
    to_report = [sold_label(city).serial for _ in range(EACH)]
    to_install = [sold_label(city).serial for _ in range(EACH)]
    assert rollup() == recount()

    def as_user(user):
        client = Client(raise_request_exception=False)
        client.force_login(user)
        return client

    def relabel(args):
        case_id, new_serial = args
        return as_user(city.dealer).post(
            f"/remediation/{case_id}/resolve/", {"resolution": "relabel", "new_serial": new_serial}
        )

    def report(serial):
        return as_user(city.igniter).post("/remediation/report/", {"serial": serial, "kind": "label_mismatch"})

    def install(serial):
        return as_user(installer).post(
            f"/field/install/{serial}/", {"permit": permit.number, "nameplate_confirmed": "on", "district": "futian"}
        )

    work = [(relabel, c) for c in cases] + [(report, s) for s in to_report] + [(install, s) for s in to_install]
    work = work[0::3] + work[1::3] + work[2::3]  # interleave the three kinds
    start = threading.Barrier(8)

    def run(item):
        function, argument = item
        try:
            if start.n_waiting < 8:
                try:
                    start.wait(timeout=2)
                except threading.BrokenBarrierError:
                    pass
            response = function(argument)
            return function.__name__, response.status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(run, work))

    statuses = {}
    for name, status in results:
        statuses.setdefault(name, []).append(status)
    assert all(status == 302 for status in statuses["relabel"]), statuses["relabel"]
    assert all(status == 302 for status in statuses["report"]), statuses["report"]
    assert all(status == 302 for status in statuses["install"]), statuses["install"]
    states = dict(Label.objects.filter(appliance_model=city.model).values_list("state").annotate(n=Count("pk")))
    # relabel: old → void, new → installed; report: sold → suspended; install: sold → installed.
    assert states == {LabelState.VOID: EACH, LabelState.INSTALLED: 2 * EACH, LabelState.SUSPENDED: EACH}
    assert rollup() == recount()
    label_counts_sql.compact(connection)
    assert rollup() == recount()
    assert LabelStateCount.objects.count() == len(recount())  # one row per key after compaction


@pytest.mark.django_db
def test_compaction_keeps_the_sums_and_leaves_one_row_per_key():
    city = make_city()
    labels = [sold_label(city) for _ in range(3)] + [fresh_label(city.model)]
    Label.objects.filter(pk=labels[-1].pk).delete()  # a delete counts too
    assert LabelStateCount.objects.count() > len(recount())  # deltas, before compaction
    assert rollup() == recount()
    label_counts_sql.compact(connection)
    assert rollup() == recount() and LabelStateCount.objects.count() == len(recount())
    label_counts_sql.compact(connection)  # idempotent
    assert rollup() == recount()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_label_changes_of_one_model_take_no_common_lock():
    """While one transaction has moved a label of the model (and not committed), another moves another label of
    the same model through the same states without waiting: the rollup no longer locks shared counter rows."""
    city = make_city()
    first, second = fresh_label(city.model), fresh_label(city.model)
    moved, release, outcome = threading.Event(), threading.Event(), []

    def hold_open():
        try:
            with transaction.atomic():
                apply_transition(label_id=first.pk, name="sell", origin=Origin(actor=city.dealer))
                moved.set()
                release.wait(10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_open)
    holder.start()
    try:
        assert moved.wait(10)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")  # the old upserting triggers waited here
            apply_transition(label_id=second.pk, name="sell", origin=Origin(actor=city.dealer))
        outcome.append("moved")
    finally:
        release.set()
        holder.join(10)
    assert outcome == ["moved"]
    assert rollup() == recount()
