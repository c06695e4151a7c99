"""RFC 9264 linksets for GS1 Digital Link requests (`Accept: application/linkset+json`), as GS1 resolvers answer.

A linkset is `{"linkset": [{"anchor": <the Digital Link URI>, <link type URI>: [{"href", "title", "type",
"hreflang"}], …}]}`. Link types are GS1 Web Vocabulary terms written as full URIs (https://gs1.org/voc/…),
as the GS1-Conformant resolver standard does; every target is a page of ours on PUBLIC_BASE_URL.
"""

from django.urls import reverse
from django.utils.translation import gettext as _

from cases.qr import public_url
from core import digital_link

from .selectors import may_book

MEDIA_TYPE = "application/linkset+json"
GS1 = "https://gs1.org/voc/"
DEFAULT_LINK = f"{GS1}defaultLink"
PIP = f"{GS1}pip"  # product information page
CERTIFICATION_INFO = f"{GS1}certificationInfo"
VERIFICATION_SERVICE = f"{GS1}verificationService"
SERVICE_INFO = f"{GS1}serviceInfo"
SAFETY_INFO = f"{GS1}safetyInfo"

HREFLANG = ["zh-CN"]


def wants_linkset(request) -> bool:
    """A linkset is asked for by media type, or by GS1's `linkType=linkset` / `linkType=all` parameter."""
    if MEDIA_TYPE in request.headers.get("Accept", ""):
        return True
    return request.GET.get("linkType", "").removeprefix("gs1:") in ("linkset", "all")


def _target(path: str, title: str) -> list[dict]:
    return [{"href": public_url(path), "title": title, "type": "text/html", "hreflang": HREFLANG}]


def _model_links(model) -> dict:
    model_page = digital_link.path(model.gtin)
    links = {PIP: _target(model_page, _("产品信息：%(model)s") % {"model": model})}
    if model.ccc_certificate_number:
        links[CERTIFICATION_INFO] = _target(
            f"{model_page}#certificates", _("CCC 证书 %(number)s") % {"number": model.ccc_certificate_number}
        )
    return links


def model_linkset(model) -> dict:
    """The links of a GTIN-only Digital Link: the model's own page and its certificates."""
    anchor = public_url(digital_link.path(model.gtin))
    links = _model_links(model)
    return {"linkset": [{"anchor": anchor, "itemDescription": str(model), DEFAULT_LINK: links[PIP], **links}]}


def label_linkset(scan) -> dict:
    """The links of one genuine label: its scan page (default, and how to verify it), the model, booking."""
    model, serial = scan.model, scan.serial
    scan_page = reverse("field:scan", args=[serial])
    context = {
        "anchor": public_url(digital_link.path(model.gtin, serial)),
        "itemDescription": f"{model} · {serial}",
        DEFAULT_LINK: _target(scan_page, _("标识查询：%(serial)s") % {"serial": serial}),
        VERIFICATION_SERVICE: _target(scan_page, _("核验标识真伪及安装、点火记录")),
        **_model_links(model),
    }
    if scan.is_recalled:
        context[SAFETY_INFO] = _target(scan_page, _("该型号已召回/停售"))
    elif may_book(scan):  # the same rule as the scan page's booking button
        context[SERVICE_INFO] = _target(reverse("field:book", args=[serial]), _("预约安装或点火"))
    return {"linkset": [context]}
