"""Suite-wide rules: PostgreSQL-only tests, and no silent skips on CI's PostgreSQL run."""

import os

import pytest


def pytest_collection_modifyitems(config, items):
    from django.conf import settings

    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    if on_postgres:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://... to run it")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


def pytest_sessionfinish(session, exitstatus):
    # CI's PostgreSQL + Redis run must exercise everything: a skip there is a failure.
    if os.environ.get("GASLABEL_FORBID_SKIPS") != "1":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        reporter.write_line(
            f"GASLABEL_FORBID_SKIPS=1 but {len(skipped)} test(s) were skipped: failing the run", red=True
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    # The default PBKDF2 makes every factory user cost ~0.3 s; strength is not under test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def scan_log_written_at_once(settings):
    # Tests read a scan's log row right after the scan; the batched writer has its own tests (test_scan_log_buffer.py)
    # and the gunicorn fault tests run it as deployed.
    settings.SCAN_LOG_BATCH = 0


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    # Rate-limit buckets live in the cache and key on the client address, which is 127.0.0.1 for every test:
    # without a fresh cache, bookings made by earlier tests would use up a later test's anonymous-write limit.
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def chinese_after_each_test():
    # A request with the English cookie activates English in this thread and nothing switches it back:
    # without this, a test after an English page would read English text where the product shows Chinese.
    from django.conf import settings
    from django.utils import translation

    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def warm_city(db):
    # The current city (accounts.city) is read once and kept in the cache, which every test starts empty: a
    # query count of a hot path warms it first, as any earlier request in production has.
    from accounts import city

    return city.current_city()


@pytest.fixture(autouse=True)
def clock_warns_afresh():
    # The service-hours clock warns once per process about each year it has no holidays for (remediation/clock.py):
    # each test starts as a fresh process would, whatever year an earlier test counted through.
    from remediation import clock

    clock.forget_warnings()
