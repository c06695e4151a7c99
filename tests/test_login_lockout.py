import pytest
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_five_wrong_passwords_lock_the_account_even_against_the_right_one(client, settings):
    user = UserFactory()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = login(client, user.username, "wrong")
        assert response.status_code == 200  # the form again, with its error
    response = login(client, user.username, "wrong")
    assert response.status_code == 429
    assert "登录已暂时锁定" in response.content.decode()
    response = login(client, user.username, PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_lockout_applies_to_api_token_login(client, settings):
    user = UserFactory()
    url = reverse("api-token")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(url, {"username": user.username, "password": "wrong"})
    response = client.post(url, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 429
    assert "token" not in response.content.decode()


def test_a_success_before_the_limit_resets_the_count(client, settings):
    user = UserFactory()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        login(client, user.username, "wrong")
    assert login(client, user.username, PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        login(client, user.username, "wrong")
    assert login(client, user.username, PASSWORD).status_code == 302


def test_other_users_are_not_locked(client, settings):
    victim, other = UserFactory(), UserFactory()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, victim.username, "wrong")
    assert login(client, other.username, PASSWORD).status_code == 302
