"""The scan path's query budget and its prepared read (issue 19), for every label state and every endpoint.

The look-up with its history is one prepared SQL statement (field/scan_sql.py): these tests check they give what the ORM
gave (the same instances and relations, no lazy query afterwards) and that the scan log is still written.
"""

import psycopg
import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import translation

from accounts import city
from cases.models import LabelState
from core import serials
from field import scan_sql, selectors
from field.models import Ignition, ScanLog
from tests.factories_field import label_for, label_with_history

pytestmark = pytest.mark.django_db

GTIN = "6901234567892"
GTIN14 = "06901234567892"
ENDPOINTS = ["/q/{serial}", f"/01/{GTIN14}/21/{{serial}}", "/api/v1/scan/{serial}/"]


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    city.current_city()  # the city is cached across requests (tests/test_city.py counts the cold read)
    city.current_city()  # the city (hotline, gas) is cached across requests: warm, as after any earlier request


def label_in(state, *, recalled=False):
    """A label in `state` with everything the page can show: sale, installation and repair, ignition."""
    return label_with_history(
        state, recalled=recalled, brand="华焰", model_number="JZT-2H10", gtin=GTIN, digital_link=True
    )


@pytest.mark.parametrize("path", ENDPOINTS, ids=["page", "digital-link", "api"])
@pytest.mark.parametrize("recalled", [False, True], ids=["", "recalled"])
@pytest.mark.parametrize("state", LabelState.values)
def test_every_state_answers_in_two_queries(client, django_assert_max_num_queries, state, recalled, path):
    label = label_in(state, recalled=recalled)
    genuine = label.is_genuine
    with django_assert_max_num_queries(2):  # label & co with its history, scan-log insert
        response = client.get(path.format(serial=label.serial))
    assert response.status_code == (200 if genuine else 404)
    body = response.content.decode()
    if genuine:
        assert "华焰" in body and ("安居安装" in body) == (state in ("installed", "ignited", "suspended"))
        assert ("好家电" in body) == (state != "activated" and "api" not in path)  # the API omits the dealer
        assert ("深燃" in body) == (state == "ignited" and "api" not in path)
        assert ("阀门缺陷" in body) == recalled
    log = ScanLog.objects.get()
    expected = "genuine" if genuine else ("void" if state == "void" else "not_activated")
    assert (log.label, log.verdict) == (label, expected)


@pytest.mark.parametrize("path", ENDPOINTS, ids=["page", "digital-link", "api"])
def test_unknown_and_malformed_codes_cost_one_look_up_at_most(client, django_assert_num_queries, path):
    with django_assert_num_queries(2):  # the look-up that finds nothing, the scan-log insert
        assert client.get(path.format(serial=serials.new_serial())).status_code == 404
    if "/01/" not in path:  # a Digital Link with a bad serial is a bad link, answered like the page's typo
        with django_assert_num_queries(1):  # no look-up for a code that cannot be a serial: only the log
            client.get(path.format(serial="NOT-A-SERIAL"))
    assert list(ScanLog.objects.order_by("pk").values_list("verdict", "label")[:1]) == [("unknown", None)]


def test_prepared_look_up_gives_what_select_related_gave(django_assert_num_queries):
    label = label_in("ignited", recalled=True)
    ignited_at = Ignition.objects.get().at
    with django_assert_num_queries(1):
        found, history = scan_sql.label_and_history(label.serial)
    with django_assert_num_queries(0):  # every relation the page reads is loaded
        assert found == label and found.state == "ignited" and found.recall.reason == "阀门缺陷"
        assert found.appliance_model.manufacturer.name and found.appliance_model.gtin == GTIN
        assert found.sale.dealer.name == "好家电" and found.ignition.company.name == "深燃"
        assert found.ignition.at == ignited_at  # converters applied (aware datetimes on SQLite too)
        assert [(r.kind, r.company.name, r.label is found) for r in history] == [
            ("installation", "安居安装", True),
            ("repair", "安居安装", True),
        ]
    bare = label_for(None, state="activated")
    with django_assert_num_queries(1):
        found, history = scan_sql.label_and_history(bare.serial)
    with django_assert_num_queries(0):  # a missing sale or ignition is known to be missing, as with select_related
        assert getattr(found, "sale", None) is None and getattr(found, "ignition", None) is None
        assert found.recall is None and history == []
    assert scan_sql.label_and_history(serials.new_serial()) == (None, [])


def test_public_look_up_reads_only_what_the_scan_shows():
    """A public, anonymous endpoint reads no resident's phone or comment and no organisation's licence or contact
    details: they are not in the statement at all (and a field left out costs no query: the tests above)."""
    sql = scan_sql._scan_query(connection.vendor).sql
    for column in ("resident_phone", "comment", "licence_number", "contact_phone", "address", "worker_id", "seller_id"):
        assert column not in sql
    for column in ('"brand"', '"gas_category"', '"reason"', '"rating"', '"name"', '"district"'):
        assert column in sql


@pytest.mark.django_db(transaction=True)
def test_scan_log_is_written_outside_the_request_transaction_with_a_relaxed_commit(client):
    label = label_in("sold")
    response = client.get(f"/q/{label.serial}", REMOTE_ADDR="10.1.2.3", HTTP_USER_AGENT="Mozilla/5.0 (iPhone) Mobile")
    assert response.status_code == 200
    log = ScanLog.objects.get()
    assert (log.label, log.verdict, log.channel, log.network, log.device) == (
        label,
        "genuine",
        "web",
        "10.1.2.0/24",
        "mobile",
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # the relaxed commit was the INSERT's own; the session keeps its setting
            cursor.execute("SHOW synchronous_commit")
            assert cursor.fetchone()[0] == "on"
            # The look-up is planned once per connection: a prepared statement, reused by the next scan.
            cursor.execute("SELECT statement FROM pg_prepared_statements WHERE from_sql IS FALSE")
            statements = [row[0] for row in cursor.fetchall()]
        assert any("l.serial = $1" in statement for statement in statements)
        assert client.get(f"/api/v1/scan/{label.serial}/").json()["serial"] == label.serial
        assert ScanLog.objects.filter(channel="api", label=label).count() == 1


def test_cached_choice_labels_are_what_get_display_gives_in_each_language():
    label = label_in("installed")
    shown = {}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            view = selectors.resolve_scan(label.serial)
            assert view.state_display == label.get_state_display()
            assert view.category_display == label.appliance_model.get_category_display()
            assert view.gas_display == label.appliance_model.get_gas_category_display()
            assert [kind for _record, kind in view.history] == [r.get_kind_display() for r in view.work_records]
            shown[language] = view.state_display
    assert shown == {"zh-hans": "已安装", "en": shown["en"]} and shown["en"] != "已安装"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/q/{serial}", "/api/v1/scan/{serial}/"])
def test_scan_pays_no_health_check_and_answers_on_a_connection_the_server_closed(client, monkeypatch, path):
    """Django's CONN_HEALTH_CHECKS costs a `SELECT 1` round trip per request; the scan's look-up is the check instead,
    and when the server has closed the connection (a restart, pg_terminate_backend) it runs again on a new one."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://... to run it")
    label = label_in("installed")
    url = path.format(serial=label.serial)
    checks = []
    is_usable = connection.is_usable
    monkeypatch.setattr(connection, "is_usable", lambda: checks.append(1) or is_usable())
    assert connection.health_check_enabled  # project/env.py turns it on for PostgreSQL
    assert client.get(url).status_code == 200
    lookup_cursor = connection.scan_lookup_cursor[1]
    connection.health_check_done = False  # a new request (the test client skips close_old_connections)
    assert client.get(url).status_code == 200
    assert checks == []  # neither the look-up nor the scan-log insert asked for a SELECT 1
    assert connection.scan_lookup_cursor[1] is lookup_cursor  # one cursor per connection: its loaders built once
    old_backend = connection.connection.info.backend_pid
    # From another session the server ends ours, as a restart or an administrator would.
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [old_backend])
    connection.health_check_done = False
    response = client.get(url)
    assert response.status_code == 200 and "华焰" in response.content.decode()
    assert connection.connection.info.backend_pid != old_backend  # answered on a new connection
    assert connection.scan_lookup_cursor[0] is connection.connection  # with a cursor of its own
    assert connection.scan_lookup_cursor[1] is not lookup_cursor
    assert ScanLog.objects.filter(label=label).count() == 3  # every scan logged once, none doubled
