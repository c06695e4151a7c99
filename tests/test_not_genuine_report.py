"""A resident reports a label the scan page called not genuine: a case for the association, photo optional.

Through the real page: the link on the not-genuine verdict, the form, the unassigned case with its deadlines,
the association's inbox message, the audit rows, the photo kept after a full decode; a photo bomb is a 400 with
no case, no photo row and no file; anonymous writes share the per-client limit; the hotline is on the page.
"""

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts import roles
from accounts.models import City, Organization
from audit.models import AuditEntry
from core import serials
from remediation.models import CaseEvent, CasePhoto, Deadline, Notification, RemediationCase
from tests.factories import LabelFactory, OrganizationFactory, UserFactory
from tests.factories_declarations import image_bytes
from tests.test_image_uploads import BAD_IMAGES

pytestmark = pytest.mark.django_db

REPORT = "/q/report/"


@pytest.fixture(autouse=True)
def setup(settings, tmp_path):
    cache.clear()
    settings.MEDIA_ROOT = tmp_path / "media"
    City.objects.filter(is_current=True).update(hotline="0755-12345678")  # the city's data (accounts.City)


@pytest.fixture
def association_user():
    org = OrganizationFactory(kind=Organization.Kind.ASSOCIATION, name="协会")
    return UserFactory(organization=org, role=roles.REVIEWER)


def stored_files(settings):
    root = settings.MEDIA_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_not_genuine_scan_links_to_the_report_form_with_the_hotline(client):
    code = serials.new_serial()
    page = client.get(f"/q/{code}").content.decode()
    assert f'href="/q/report/?code={code}"' in page and 'href="tel:0755-12345678"' in page
    form = client.get(REPORT, {"code": code}).content.decode()
    assert 'id="report-form"' in form and f'value="{code}"' in form and 'href="tel:0755-12345678"' in form
    assert 'type="file"' in form and 'enctype="multipart/form-data"' in form


def test_report_of_an_unknown_code_opens_an_unassigned_case_for_the_association(client, settings, association_user):
    code = serials.new_serial()
    photo = SimpleUploadedFile("label.jpg", image_bytes("JPEG", (64, 48)), content_type="image/jpeg")
    response = client.post(
        REPORT,
        {
            "code": code,
            "description": "网购的灶具，标识扫不出来",
            "phone": "13812345678",
            "district": "futian",
            "photo": photo,
        },
        REMOTE_ADDR="10.1.2.3",
    )
    page = response.content.decode()
    case = RemediationCase.objects.get()
    assert response.status_code == 200 and f'data-case="{case.pk}"' in page and 'href="tel:0755-12345678"' in page
    assert case.kind == "counterfeit" and case.typed_code == code and case.label_id is None
    assert case.dealer_id is None and case.reported_by_id is None and case.resident_phone == "13812345678"
    assert set(Deadline.objects.filter(case=case).values_list("step", flat=True)) == {"contact", "resolve"}
    inbox = Notification.objects.get(case=case, recipient=association_user, channel="inbox")
    assert str(case.pk) in inbox.subject
    assert list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True)[:2]) == ["reported", "assigned"]
    photo_row = CasePhoto.objects.get(case=case)
    assert photo_row.content_type == "image/jpeg" and photo_row.file.read() == image_bytes("JPEG", (64, 48))
    audit = AuditEntry.objects.filter(object_type="remediationcase", object_id=str(case.pk))
    assert {"case.reported", "case.photo"} <= set(audit.values_list("action", flat=True))
    by_resident = audit.filter(action__in=["case.reported", "case.assigned", "case.photo"])
    assert set(by_resident.values_list("ip_address", "source", "actor")) == {("10.1.2.3", "web", None)}


def test_a_second_report_of_the_same_code_adds_to_the_open_case(client):
    label = LabelFactory(state="void")
    for text in ("第一次", "第二次"):
        assert client.post(REPORT, {"code": label.serial, "description": text}).status_code == 200
    case = RemediationCase.objects.get()
    assert case.label == label and case.description == "第一次"
    label.refresh_from_db()
    assert label.state == "void"  # a resident's word moves no label
    assert CaseEvent.objects.filter(case=case, kind="note", text__contains="第二次").exists()


def test_a_genuine_label_is_not_reported_as_counterfeit(client):
    label = LabelFactory(state="sold")
    response = client.post(REPORT, {"code": label.serial})
    assert response.status_code == 409 and RemediationCase.objects.count() == 0
    assert "真品" in response.content.decode()


@pytest.mark.parametrize("case", sorted(BAD_IMAGES))
def test_a_bad_photo_is_refused_and_nothing_is_stored(client, settings, case):
    body, message = BAD_IMAGES[case]
    photo = SimpleUploadedFile("label.png", body, content_type="image/png")
    response = client.post(REPORT, {"code": serials.new_serial(), "photo": photo})
    assert response.status_code == 400 and message in response.content.decode()
    assert RemediationCase.objects.count() == 0 and CasePhoto.objects.count() == 0 and Notification.objects.count() == 0
    assert stored_files(settings) == []


def test_a_pdf_is_not_a_photo(client):
    pdf = SimpleUploadedFile("x.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    response = client.post(REPORT, {"code": serials.new_serial(), "photo": pdf})
    assert response.status_code == 400 and RemediationCase.objects.count() == 0


def test_reports_share_the_anonymous_write_limit(client, settings):
    settings.ANONYMOUS_WRITE_RATE = "2/h"
    codes = [client.post(REPORT, {"code": serials.new_serial()}).status_code for _ in range(3)]
    assert codes == [200, 200, 429] and RemediationCase.objects.count() == 2
    other = client.post(REPORT, {"code": serials.new_serial()}, REMOTE_ADDR="10.9.9.9")
    assert other.status_code == 200 and RemediationCase.objects.count() == 3


def test_the_association_sees_the_photo_on_the_case_page(client, association_user):
    body = image_bytes("PNG", (20, 10))
    client.post(REPORT, {"code": serials.new_serial(), "photo": SimpleUploadedFile("a.png", body, "image/png")})
    case, photo = RemediationCase.objects.get(), CasePhoto.objects.get()
    client.force_login(association_user)
    page = client.get(f"/remediation/{case.pk}/").content.decode()
    assert f"/remediation/{case.pk}/photos/{photo.pk}/" in page and "住户扫码上报" in page
    served = client.get(f"/remediation/{case.pk}/photos/{photo.pk}/")
    assert b"".join(served.streaming_content) == body and served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff"
