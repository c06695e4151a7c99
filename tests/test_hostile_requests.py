"""Control characters, overlong URLs and Django's own body guards: a 4xx with a clear message, JSON on the API.

PostgreSQL refuses NUL in text, so a NUL that reached a lookup (a serial, a permit number, a session cookie) was
a 500; project.middleware.RefuseHostileRequestsMiddleware turns it into a 400 before any view or query runs.
"""

import json

import pytest
from django.test import Client
from django.urls import reverse

from cases.models import Label
from field.models import ScanLog
from tests.factories import LabelFactory, UserFactory

pytestmark = pytest.mark.django_db


def assert_json_error(response, status, code):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "detail", "errors"} and body["code"] == code and body["detail"]
    return body


@pytest.mark.parametrize(
    "url",
    [
        "/q/abc%00def",
        "/q/?serial=a%00b",
        "/p/AZ%00",
        "/q/abc%0Adef/book/",
        "/field/scan/?serial=%1B[31m",
        "/backoffice/labels/?q=%00",
    ],
)
def test_control_characters_on_pages_are_a_400_page(client, url):
    client.force_login(UserFactory(is_superuser=True))
    response = client.get(url)
    assert response.status_code == 400
    html = response.content.decode()
    assert response["Content-Type"].startswith("text/html") and "请求有误" in html and "控制字符" in html
    assert not ScanLog.objects.exists()


@pytest.mark.parametrize(
    "url", ["/api/v1/scan/abc%00def/", "/api/v1/permits/check/A%00/", "/api/v1/scan/X/?x=%7F", "/api/nothing%00/"]
)
def test_control_characters_on_the_api_are_a_json_400(client, url):
    body = assert_json_error(client.get(url), 400, "bad_request")
    assert "控制字符" in body["detail"]


def test_a_tab_or_newline_in_a_query_value_is_allowed(client):
    client.force_login(UserFactory(is_superuser=True))
    assert client.get("/field/permits/", {"q": "张\t三\n"}).status_code == 200


def test_nul_in_a_header_or_cookie_is_a_400_not_a_database_error(client):
    label = LabelFactory(state="activated")
    client.cookies["sessionid"] = "abc\x00def"
    assert client.get(f"/q/{label.serial}").status_code == 400
    response = Client().post(
        f"/api/v1/labels/{label.serial}/bookings/", "{}", content_type="application/json", HTTP_IDEMPOTENCY_KEY="k\x00"
    )
    assert_json_error(response, 400, "bad_request")


def test_overlong_urls_are_refused(client):
    assert client.get("/q/" + "A" * 5000).status_code == 400
    assert_json_error(client.get("/api/v1/scan/X/", {"q": "x" * 9000}), 400, "bad_request")


def test_body_over_the_memory_limit_is_a_json_413_on_the_api(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    label = LabelFactory(state="activated")
    body = json.dumps({"note": "x" * 20_000})
    response = Client().post(f"/api/v1/labels/{label.serial}/bookings/", body, content_type="application/json")
    body = assert_json_error(response, 413, "too_large")
    assert not label.bookings.exists() if hasattr(label, "bookings") else True


def test_too_many_form_fields_is_a_json_400_on_the_api(settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 50
    form = "&".join(f"f{i}=1" for i in range(60))
    response = Client().post(reverse("api-token"), form, content_type="application/x-www-form-urlencoded")
    assert_json_error(response, 400, "too_many_fields")


def test_too_many_form_fields_on_a_page_is_the_400_page(client, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 50
    form = "&".join(f"f{i}=1" for i in range(60))
    response = client.post(reverse("login"), form, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400 and "请求有误" in response.content.decode()


def test_unknown_api_path_and_api_500_are_json(client, settings):
    assert_json_error(client.get("/api/v1/no-such-thing/"), 404, "not_found")
    # The 500 handler itself, as Django calls it for an unhandled error under /api/.
    from core.errors import server_error

    request = Client().get("/").wsgi_request
    request.path = "/api/v1/scan/X/"
    response = server_error(request)
    assert response.status_code == 500 and json.loads(response.content)["code"] == "server_error"
    assert Label.objects.count() == 0
