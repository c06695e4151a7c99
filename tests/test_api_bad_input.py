"""Bad input to the mobile API gets a clear JSON 4xx in one shape ({"code", "detail", "errors"}):
malformed serials, unknown or absurd ids, unknown paths, malformed JSON, wrong content types, bad fields."""

import pytest
from rest_framework.test import APIClient

from field.models import Sale
from tests.factories import PASSWORD
from tests.factories_field import dealer_user, installer_with_permit, label_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def installer_client():
    installer, permit = installer_with_permit()
    client = APIClient()
    client.login(username=installer.username, password=PASSWORD)
    client.permit = permit
    return client


def assert_error(response, status, code=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["detail"] and body["code"] and isinstance(body["errors"], dict)
    if code:
        assert body["code"] == code
    return body


@pytest.mark.parametrize("serial", ["!!!", "ABC", "0" * 200, "%E2%9C%93", "null"])
def test_malformed_serials_are_404_unknown_code(installer_client, serial):
    body = {"permit": installer_client.permit.number, "nameplate_confirmed": True, "district": "futian"}
    assert_error(installer_client.post(f"/api/v1/labels/{serial}/work/", body, format="json"), 404, "unknown_code")


def test_scan_of_a_malformed_code_is_a_404_verdict_not_an_error():
    response = APIClient().get("/api/v1/scan/not-a-serial/")
    assert response.status_code == 404 and response.json()["genuine"] is False and response.json()["brand"] is None


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/reports/99999/",
        "/api/v1/reports/abc/",
        "/api/v1/reports/123456789012345678901234567890/",
        "/api/v1/nothing-here/",
    ],
)
def test_unknown_ids_and_paths_are_json_404(installer_client, path):
    assert_error(installer_client.get(path), 404)


@pytest.mark.parametrize(
    "path",
    ["/api/v1/work/99999/rating/", "/api/v1/work/99999999999999999999999/rating/", "/api/v1/bookings/0/schedule/"],
)
def test_writes_to_unknown_ids_are_404(installer_client, path):
    body = {"phone": "13800135678", "rating": 3, "when": "2030-01-01T10:00:00+08:00"}
    assert_error(installer_client.post(path, body, format="json"), 404)


def test_a_slashless_path_still_redirects(installer_client):
    response = installer_client.get("/api/v1/me")
    assert response.status_code == 301 and response["Location"].endswith("/api/v1/me/")


def test_malformed_json_is_400_parse_error():
    dealer = dealer_user()
    label = label_for(state="activated")
    client = APIClient()
    client.force_authenticate(dealer)
    response = client.post(f"/api/v1/labels/{label.serial}/sell/", '{"district": ', content_type="application/json")
    assert_error(response, 400, "parse_error")
    assert not Sale.objects.exists()


def test_wrong_content_type_is_415():
    dealer = dealer_user()
    label = label_for(state="activated")
    client = APIClient()
    client.force_authenticate(dealer)
    response = client.post(f"/api/v1/labels/{label.serial}/sell/", "district=futian", content_type="text/plain")
    assert_error(response, 415, "unsupported_media_type")
    assert not Sale.objects.exists()


def test_a_json_list_where_an_object_is_expected_is_400(installer_client):
    assert_error(installer_client.post("/api/v1/reports/1/contact/", [None, None], format="json"), 400, "invalid")


def test_field_errors_keep_their_per_field_messages(installer_client):
    label = label_for(state="sold")
    body = {"permit": installer_client.permit.number, "nameplate_confirmed": True, "district": "atlantis"}
    error = assert_error(
        installer_client.post(f"/api/v1/labels/{label.serial}/work/", body, format="json"), 400, "invalid"
    )
    assert list(error["errors"]) == ["district"] and "atlantis" in error["detail"]


def test_unauthenticated_write_is_401_in_the_same_shape():
    label = label_for(state="activated")
    assert_error(APIClient().post(f"/api/v1/labels/{label.serial}/sell/", {}, format="json"), 401, "not_authenticated")
