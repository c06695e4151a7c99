"""One client-address rule (core.client): audit origins, login lock-out, rate limits and scan logs agree.

Behind the recommended proxy (TRUSTED_PROXY_HOPS=1) every request arrives from the proxy's address; keying
anything on REMOTE_ADDR would put every resident in one bucket and let one person lock a user out for everyone.
"""

import logging

import pytest
from django.urls import reverse

from cases.models import LabelTransition
from core.client import client_ip
from tests.factories import PASSWORD, LabelFactory, UserFactory
from tests.factories_field import dealer_user

pytestmark = pytest.mark.django_db
PROXY = {"REMOTE_ADDR": "10.0.0.1"}


class FakeRequest:
    def __init__(self, **meta):
        self.META = meta


@pytest.mark.parametrize(
    ("hops", "meta", "expected"),
    [
        (0, {"REMOTE_ADDR": "203.0.113.5", "HTTP_X_FORWARDED_FOR": "1.2.3.4"}, "203.0.113.5"),  # no proxy: ignore XFF
        (1, {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.7"}, "203.0.113.7"),
        (2, {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.7, 10.0.0.2"}, "203.0.113.7"),
        (2, {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "10.0.0.2"}, "10.0.0.1"),  # fewer entries than hops
        (1, {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "not-an-ip\x00"}, "10.0.0.1"),  # garbage: the peer
        (1, {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "2001:DB8::0001"}, "2001:db8::1"),  # normalised
        (0, {"REMOTE_ADDR": ""}, ""),
    ],
)
def test_client_ip_rule(settings, hops, meta, expected):
    settings.TRUSTED_PROXY_HOPS = hops
    assert client_ip(FakeRequest(**meta)) == expected


def test_audit_origin_records_the_forwarded_client(client, settings):
    settings.TRUSTED_PROXY_HOPS = 1
    dealer = dealer_user()
    label = LabelFactory(state="activated")
    client.force_login(dealer)
    response = client.post(
        f"/field/sell/{label.serial}/", {"district": "nanshan"}, HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7", **PROXY
    )
    assert "已登记销售" in response.content.decode()
    assert LabelTransition.objects.get(label=label, name="sell").ip_address == "203.0.113.7"


def test_lockout_keys_on_the_client_behind_the_proxy(client, settings):
    settings.TRUSTED_PROXY_HOPS = 1
    user = UserFactory()
    attacker = {"HTTP_X_FORWARDED_FOR": "198.51.100.66", **PROXY}
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": user.username, "password": "wrong"}, **attacker)
    locked = client.post(reverse("login"), {"username": user.username, "password": PASSWORD}, **attacker)
    assert locked.status_code == 429
    # The real user, through the same proxy from another address, still gets in.
    response = client.post(
        reverse("login"),
        {"username": user.username, "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="203.0.113.20",
        **PROXY,
    )
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(user.pk)


def test_rate_limit_fails_open_with_a_warning_when_the_cache_is_unreachable(client, settings, caplog):
    # A real Redis client pointed at a port nobody listens on: every cache call raises ConnectionError.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
            "OPTIONS": {"socket_connect_timeout": 0.2},
        }
    }
    settings.FIELD_SCAN_RATE = "1/m"
    label = LabelFactory(state="activated")
    with caplog.at_level(logging.WARNING, logger="core.ratelimit"):
        codes = [client.get(f"/q/{label.serial}").status_code for _ in range(3)]
        api = client.get(f"/api/v1/scan/{label.serial}/")
    assert codes == [200, 200, 200]
    assert api.status_code == 200 and api.json()["genuine"] is True
    assert any("cache is unreachable" in r.getMessage() for r in caplog.records)
