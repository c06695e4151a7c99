"""The benchmarks' own parts (bench/), so they do not rot between runs: serials, the server command, the constant view.

The benchmarks themselves are not run here (they print figures; CI does not time anything).
"""

import shlex
import sys

import pytest
from django.db import connection
from django.test import override_settings

from bench import city, server
from core import serials
from tests.factories import LabelFactory

pytestmark = pytest.mark.django_db


def test_bench_serials_are_real_distinct_and_keyboard_only():
    numbers = [1, 2, 31, 32, 33, 99, 1000, 12_345_678, 99_999_999]
    made = [city.serial_for(g) for g in numbers]
    assert all(serials.normalize(s) == s and len(s) == serials.SERIAL_LENGTH for s in made)
    assert all(s[-1] in serials.ALPHABET for s in made)  # as new serials: no * ~ $ = U check symbol
    assert len({city.serial_for(g) for g in range(1, 20_000)}) == 19_999


@pytest.mark.postgres
def test_the_sql_serial_function_matches_python():
    with connection.cursor() as cursor:
        cursor.execute(city.SERIAL_FUNCTION)
        numbers = [1, 31, 32, 37, 1000, 12_345_678, 99_999_999]
        cursor.execute("SELECT g, bench_serial(g) FROM unnest(%s::bigint[]) AS g", [numbers])
        assert dict(cursor.fetchall()) == {g: city.serial_for(g) for g in numbers}


def test_the_server_is_the_procfiles_web_command_on_our_port():
    line = server.procfile_command("web")
    argv = server.web_argv(54321, {})
    assert argv[:3] == [sys.executable, "-m", "gunicorn"]
    assert argv[-2:] == ["--bind", "127.0.0.1:54321"] and argv.count("--bind") == 1
    tokens = shlex.split(line)[1:]
    at = tokens.index("--bind")
    assert argv[3:-2] == tokens[:at] + tokens[at + 2 :]  # workers, access log, …: as production runs it


def test_procfile_variables_and_bind_forms_are_handled(tmp_path):
    procfile = tmp_path / "Procfile"
    procfile.write_text(
        "worker: celery x\nweb: gunicorn project.wsgi -b 0.0.0.0:$PORT --workers ${WEB_CONCURRENCY} "
        "--threads ${THREADS:-4} --log-level=${LEVEL:-info}\n"
    )
    argv = server.web_argv(8123, {"PORT": "8123", "WEB_CONCURRENCY": "3", "LEVEL": "warning"}, procfile)
    assert argv[3:] == [
        "project.wsgi",
        "--workers",
        "3",
        "--threads",
        "4",
        "--log-level=warning",
        "--bind",
        "127.0.0.1:8123",
    ]


def test_the_constant_view_exists_only_in_the_bench_urlconf_and_passes_the_same_middleware(client):
    assert client.get("/bench/constant/").status_code == 404
    with override_settings(ROOT_URLCONF="bench.urls"):
        response = client.get("/bench/constant/")
        scan = client.get("/q/G00000AM2JKTQ1")  # a real serial, not in this database: the page still renders
    assert response.status_code == 200 and response.content == b"ok"
    for header in ("X-Frame-Options", "Content-Security-Policy", "X-Content-Type-Options"):
        assert (header in response.headers) == (header in scan.headers), header
    assert scan.status_code == 404 and "G00000AM2JKTQ1" in scan.content.decode()


@pytest.mark.parametrize("path", ["/bench/one-row/", "/bench/prepared-row/"])
def test_the_one_row_views_read_a_labels_state_in_one_query(client, django_assert_num_queries, path):
    label = LabelFactory(state="activated")
    with override_settings(ROOT_URLCONF="bench.urls"):
        with django_assert_num_queries(1):
            response = client.get(f"{path}{label.serial}")
        missing = client.get(f"{path}G00000AM2JKTQ1")
    assert response.status_code == 200 and response.content == b"activated"
    assert missing.status_code == 404 and missing.content == b""


def test_the_scan_floor_limits_looks_up_and_logs_like_a_scan(client, django_assert_num_queries):
    from field.models import ScanLog

    label = LabelFactory(state="activated")
    with override_settings(ROOT_URLCONF="bench.urls"):
        with django_assert_num_queries(2):  # the scan's look-up statement, the log row (written at once in tests)
            response = client.get(f"/bench/scan-floor/{label.serial}")
        missing = client.get("/bench/scan-floor/G00000AM2JKTQ1")
        with override_settings(FIELD_SCAN_RATE="1/m"):  # a bucket of its own (the rate is in its key)
            client.get(f"/bench/scan-floor/{label.serial}")
            limited = client.get(f"/bench/scan-floor/{label.serial}")
    assert response.status_code == 200 and len(response.content) == 2000
    assert missing.status_code == 404 and limited.status_code == 429
    assert list(ScanLog.objects.order_by("pk").values_list("label", "verdict", "code")) == [
        (label.pk, "genuine", label.serial),
        (None, "unknown", "G00000AM2JKTQ1"),
        (label.pk, "genuine", label.serial),  # the limited request is not logged
    ]
