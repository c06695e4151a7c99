"""API tokens expire after API_TOKEN_TTL_HOURS and can be revoked; an expired or revoked token is a JSON 401."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def sign_in(user):
    response = APIClient().post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 200
    return response.json()


def me(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/v1/me/")


def test_a_token_expires_and_signing_in_again_issues_a_new_one(settings):
    settings.API_TOKEN_TTL_HOURS = 24
    user = UserFactory()
    first = sign_in(user)
    assert me(first["token"]).status_code == 200
    assert sign_in(user)["token"] == first["token"]  # still live: the same token
    with time_machine.travel(timezone.now() + timedelta(hours=24, seconds=1)):
        expired = me(first["token"])
        assert expired.status_code == 401
        assert expired.json()["code"] == "token_expired" and set(expired.json()) == {"code", "detail", "errors"}
        second = sign_in(user)
        assert second["token"] != first["token"] and me(second["token"]).status_code == 200
        assert Token.objects.filter(user=user).count() == 1


def test_expires_at_is_reported_in_rfc3339(settings):
    settings.API_TOKEN_TTL_HOURS = 2
    body = sign_in(UserFactory())
    issued = Token.objects.get(key=body["token"]).created
    assert body["expires_at"] == timezone.localtime(issued + timedelta(hours=2)).isoformat()


def test_delete_revokes_the_callers_token():
    user, other = UserFactory(), UserFactory()
    key, other_key = sign_in(user)["token"], sign_in(other)["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.delete("/api/v1/auth/token/").status_code == 204
    assert me(key).status_code == 401
    assert me(other_key).status_code == 200  # only the caller's
    anonymous = APIClient().delete("/api/v1/auth/token/")
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "not_authenticated"
