"""GS1 Digital Link: printed labels carry /01/{gtin}/21/{serial}, the resolver checks the GTIN, answers linksets."""

import json
import shutil
import subprocess
from urllib.parse import urlsplit, urlunsplit

import jsonschema
import pytest
import zxingcpp
from django.core.cache import cache
from PIL import Image

from accounts import city
from cases import pdf, qr
from cases.models import LabelBatch
from cases.services.batches import generate_labels
from core import digital_link
from field import linkset
from field.models import ScanLog, WorkRecord
from tests.factories import ApplianceModelFactory, LabelBatchFactory, LabelFactory
from tests.factories_declarations import maker_and_model
from tests.factories_field import installer_with_permit, label_for, qualified

pytestmark = pytest.mark.django_db

GTIN = "6901234567892"  # GTIN-13, check digit valid
GTIN14 = "06901234567892"
OTHER_GTIN14 = "06901234567885"  # valid check digit, another product
needs_pdftoppm = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs pdftoppm (poppler-utils)")

# RFC 9264 §4.2 (application/linkset+json), as a schema: a "linkset" array of context objects with an anchor;
# every other member of a context object is a link relation type whose value is an array of target objects
# with an "href"; target attributes are strings, except hreflang, an array of strings.
LINKSET_SCHEMA = {
    "type": "object",
    "required": ["linkset"],
    "additionalProperties": False,
    "properties": {
        "linkset": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["anchor"],
                "properties": {"anchor": {"type": "string", "format": "uri"}, "itemDescription": {"type": "string"}},
                "patternProperties": {
                    "^https?://": {
                        "type": "array",
                        "minItems": 1,
                        "items": {
                            "type": "object",
                            "required": ["href"],
                            "properties": {
                                "href": {"type": "string", "format": "uri"},
                                "title": {"type": "string"},
                                "type": {"type": "string"},
                                "hreflang": {"type": "array", "items": {"type": "string"}},
                            },
                        },
                    }
                },
                "additionalProperties": False,
            },
        }
    },
}


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()


def as_url(decoded):
    parts = urlsplit(decoded)  # scheme and host come upper case (QR alphanumeric mode)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, parts.query, parts.fragment))


def gtin_model(**kwargs):
    return ApplianceModelFactory(gtin=GTIN, digital_link=True, ccc_certificate_number="2024010302000001", **kwargs)


def test_parse_accepts_short_gtins_prefixes_and_qualifiers_and_refuses_bad_ones():
    assert digital_link.parse(f"https://x.example/01/{GTIN}/21/ABC") == digital_link.DigitalLink(GTIN14, "ABC")
    assert digital_link.parse(f"HTTPS://X.EXAMPLE/resolve/01/{GTIN14}/10/LOT7/21/ABC?linkType=all").serial == "ABC"
    assert digital_link.parse(f"/01/{GTIN14}") == digital_link.DigitalLink(GTIN14, "")
    for bad in (f"/01/{GTIN[:-1]}3/21/ABC", "/01/12345/21/ABC", f"/01/{GTIN}/21", f"/01/{GTIN}/99/X", "/q/ABC"):
        with pytest.raises(digital_link.InvalidDigitalLink):
            digital_link.parse(bad)


def test_label_url_is_a_digital_link_per_model_or_for_the_association(settings):
    plain = ApplianceModelFactory(gtin="6901234567885")
    chosen = gtin_model()
    no_gtin = ApplianceModelFactory(digital_link=True)
    assert digital_link.label_gtin(plain) == "" and digital_link.label_gtin(no_gtin) == ""
    assert qr.label_url("ABC", digital_link.label_gtin(chosen)) == f"{settings.PUBLIC_BASE_URL}/01/{GTIN14}/21/ABC"
    settings.GS1_DIGITAL_LINK = True  # the association's switch: every model with a GTIN
    assert digital_link.label_gtin(plain) == "6901234567885" and digital_link.label_gtin(no_gtin) == ""


@needs_pdftoppm
def test_printed_digital_link_label_decodes_and_opens_its_label(client, tmp_path):
    _maker, model = maker_and_model(brand="华焰", model_number="JZT-2H10")
    model.gtin, model.digital_link = GTIN, True
    model.save()
    batch = LabelBatchFactory(
        declaration__appliance_model=model, declaration__quantity=3, declaration__status="approved"
    )
    generate_labels(batch_id=batch.pk)
    batch = LabelBatch.objects.get(pk=batch.pk)
    (tmp_path / "labels.pdf").write_bytes(b"".join(pdf.render_batch(batch)))
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(tmp_path / "labels.pdf"), str(tmp_path / "p")], check=True)
    results = zxingcpp.read_barcodes(Image.open(next(tmp_path.glob("p-*.png"))), formats=zxingcpp.BarcodeFormat.QRCode)
    urls = sorted(as_url(r.text) for r in results)
    serials = sorted(batch.labels.values_list("serial", flat=True))
    assert urls == sorted(qr.label_url(s, GTIN) for s in serials)
    assert all(f"/01/{GTIN14}/21/" in url for url in urls)

    batch.labels.update(state="activated")
    response = client.get(urlsplit(urls[0]).path)
    html = response.content.decode()
    assert response.status_code == 200 and 'data-verdict="genuine"' in html and "华焰 JZT-2H10" in html
    assert ScanLog.objects.get().verdict == "genuine"


def test_wrong_gtin_is_suspicious_not_genuine(client):
    label = LabelFactory(batch__declaration__appliance_model=gtin_model(), state="sold")
    response = client.get(f"/01/{OTHER_GTIN14}/21/{label.serial}")
    assert response.status_code == 404
    html = response.content.decode()
    assert 'data-verdict="gtin_mismatch"' in html and "真品标识" not in html and "复制" in html
    log = ScanLog.objects.get()
    assert (log.verdict, log.label) == ("gtin_mismatch", label)
    # A label whose model has no GTIN at all cannot be opened through any GTIN either.
    bare = LabelFactory(state="sold")
    assert client.get(f"/01/{GTIN14}/21/{bare.serial}").status_code == 404
    # A GTIN with a bad check digit is a malformed link (GS1 resolvers answer 400).
    assert client.get(f"/01/{GTIN14[:-1]}3/21/{label.serial}").status_code == 400


def test_digital_link_scan_keeps_two_queries_like_q(client, django_assert_num_queries):
    company = qualified("installer", name="安居安装")
    user, permit = installer_with_permit(company)
    label = label_for(company, state="installed", brand="华焰", model_number="JZT-2H10")
    model = label.appliance_model
    model.gtin = GTIN
    model.save()
    WorkRecord.objects.create(
        label=label, kind="installation", worker=user, permit=permit, company=company, district="futian"
    )
    city.current_city()  # the city is cached across requests (tests/test_city.py counts the cold read)
    for path in (f"/q/{label.serial}", f"/01/{GTIN14}/21/{label.serial}", f"/01/{GTIN}/21/{label.serial}/"):
        with django_assert_num_queries(2):  # label with model & co and work history, scan log insert
            response = client.get(path)
        assert response.status_code == 200 and "安居安装" in response.content.decode()
    assert ScanLog.objects.filter(verdict="genuine", label=label).count() == 3


def test_linkset_lists_the_labels_links_and_validates(client, settings):
    label = LabelFactory(batch__declaration__appliance_model=gtin_model(brand="华焰"), state="sold")
    response = client.get(f"/01/{GTIN14}/21/{label.serial}", HTTP_ACCEPT="application/linkset+json")
    assert response.status_code == 200 and response["Content-Type"] == "application/linkset+json"
    assert "Accept" in response["Vary"]
    body = json.loads(response.content)
    jsonschema.validate(body, LINKSET_SCHEMA, format_checker=jsonschema.FormatChecker())
    (context,) = body["linkset"]
    base = settings.PUBLIC_BASE_URL
    assert context["anchor"] == f"{base}/01/{GTIN14}/21/{label.serial}"
    types = {key for key in context if key.startswith("https://gs1.org/voc/")}
    expected = {linkset.DEFAULT_LINK, linkset.VERIFICATION_SERVICE, linkset.PIP, linkset.CERTIFICATION_INFO}
    assert types == expected | {linkset.SERVICE_INFO}
    assert context[linkset.DEFAULT_LINK][0]["href"] == f"{base}/q/{label.serial}"
    assert context[linkset.PIP][0]["href"] == f"{base}/01/{GTIN14}"
    assert "2024010302000001" in context[linkset.CERTIFICATION_INFO][0]["title"]
    # The sold label can be booked: the booking page is its service link.
    assert context[linkset.SERVICE_INFO][0]["href"] == f"{base}/q/{label.serial}/book/"
    # GS1's own parameter asks for the same thing; a copied code on another product gets no linkset.
    assert json.loads(client.get(f"/01/{GTIN14}/21/{label.serial}?linkType=all").content) == body
    wrong = client.get(f"/01/{OTHER_GTIN14}/21/{label.serial}", HTTP_ACCEPT="application/linkset+json")
    assert wrong.status_code == 404 and json.loads(wrong.content)["code"] == "gtin_mismatch"


def test_gtin_only_link_shows_the_model_and_its_linkset(client, django_assert_num_queries):
    gtin_model(brand="华焰", model_number="JZT-2H10")
    city.current_city()  # cached across requests
    with django_assert_num_queries(1):
        response = client.get(f"/01/{GTIN14}")
    html = response.content.decode()
    assert response.status_code == 200 and "华焰 JZT-2H10" in html and 'id="certificates"' in html
    assert "2024010302000001" in html and not ScanLog.objects.exists()
    body = json.loads(client.get(f"/01/{GTIN}", HTTP_ACCEPT="application/linkset+json").content)
    jsonschema.validate(body, LINKSET_SCHEMA, format_checker=jsonschema.FormatChecker())
    assert body["linkset"][0][linkset.PIP][0]["href"].endswith(f"/01/{GTIN14}")
    assert client.get(f"/01/{OTHER_GTIN14}").status_code == 404


def test_one_parser_takes_digital_links_at_every_entry_point(client):
    from core import serials
    from field.services.errors import FieldError
    from field.services.labels import find_label

    label = LabelFactory(batch__declaration__appliance_model=gtin_model(), state="sold")
    link = f"HTTP://GASLABEL.EXAMPLE/01/{GTIN14}/21/{label.serial}"
    assert serials.parse_label_code(link) == serials.LabelCode(label.serial, GTIN14)
    assert serials.parse_code(link) == label.serial
    with pytest.raises(serials.InvalidSerial):
        serials.parse_code(f"https://x.example/01/{GTIN14}")  # a model, not a label
    assert find_label(link) == label
    with pytest.raises(FieldError) as refused:
        find_label(f"https://x.example/01/{OTHER_GTIN14}/21/{label.serial}")
    assert refused.value.code == "not_genuine" and "GTIN" in refused.value.message
    # The home page's form and the scanner open the Digital Link page, where the GTIN is checked.
    assert client.get("/q/", {"serial": link})["Location"] == f"/01/{GTIN14}/21/{label.serial}"
    assert client.get("/field/scan/", {"serial": link})["Location"] == f"/01/{GTIN14}/21/{label.serial}"
    user, _permit = installer_with_permit()
    client.force_login(user)
    assert client.get("/field/install/", {"serial": link})["Location"] == f"/field/install/{label.serial}/"
    wrong = client.get("/field/install/", {"serial": f"/01/{OTHER_GTIN14}/21/{label.serial}"})
    assert wrong.status_code == 409 and "GTIN" in wrong.content.decode()
