"""The scan page's Jinja2 rendering (core/jinja.py): the public layout is base.html's twin, the label part is the same
for a visitor and a signed-in worker, and its texts follow the language like every other page."""

import re

import pytest
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.template import engines
from django.test import RequestFactory
from django.utils import translation

from accounts.context_processors import public_layout
from core import serials
from tests.factories_field import installed_label

pytestmark = pytest.mark.django_db

CONTENT = '{% block content %}<p id="page">内容</p>{% endblock %}'


def visitor_request(path):
    request = RequestFactory().get(path, HTTP_USER_AGENT="Mozilla/5.0 (iPhone) Mobile")
    request.user = AnonymousUser()
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


def normalized(html):
    """Whitespace between tags and the per-render CSRF token are not what the twins must share."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken" value="T"', html)
    html = re.sub(r">\s+<", "><", html.strip())
    return re.sub(r"\s+", " ", html)


def both_layouts(request):
    django_page = engines["django"].from_string('{% extends "base.html" %}' + CONTENT).render({}, request)
    jinja_page = (
        engines["jinja2"]
        .from_string('{% extends "public_base.html" %}' + CONTENT)
        .render(public_layout(request), request)
    )
    return normalized(django_page), normalized(jinja_page)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_public_layout_is_base_html_as_a_visitor_sees_it(language):
    request = visitor_request("/q/G0012ZHBZCT33B?from=poster&x=<b>")
    with translation.override(language):
        django_page, jinja_page = both_layouts(request)
    assert jinja_page == django_page
    assert f'<html lang="{language}">' in jinja_page and 'id="page">内容<' in jinja_page
    assert (
        '?next=/q/G0012ZHBZCT33B"' in jinja_page and "from=poster&amp;x=%3Cb%3E" in jinja_page
    )  # escaped as Django does


def test_public_layout_shows_a_visitors_messages_like_base_html():
    request = visitor_request("/q/G0012ZHBZCT33B")
    messages.success(request, "预约已提交 <ok>")
    django_page, _ = both_layouts(request)
    request = visitor_request("/q/G0012ZHBZCT33B")
    messages.success(request, "预约已提交 <ok>")
    _, jinja_page = both_layouts(request)
    assert jinja_page == django_page and "预约已提交 &lt;ok&gt;" in jinja_page


def main_of(response):
    html = response.content.decode()
    return normalized(html[html.index('<main class="page">') : html.index("</main>")])


def test_visitor_gets_public_layout_and_worker_gets_their_menu_around_the_same_facts(client):
    label, installer = installed_label(brand="华焰", model_number="JZT-2H10")
    visitor = client.get(f"/q/{label.serial}")
    client.force_login(installer)
    worker = client.get(f"/q/{label.serial}")
    assert visitor.status_code == worker.status_code == 200
    assert 'data-nav="field_scan"' not in visitor.content.decode()  # the public menu
    assert 'data-nav="field_scan"' in worker.content.decode()  # the installer's own menu, from base.html
    visitor_main, worker_main = main_of(visitor), main_of(worker)
    # The worker also sees the clone warning (this label is installed) and the repair button; the facts are one partial.
    facts = re.search(r'<section class="card"><h1>.*?</section>', visitor_main).group(0)
    assert facts in worker_main and "华焰 JZT-2H10" in facts and "安居安装" in facts
    assert 'id="clone-warning"' in worker_main and 'id="clone-warning"' not in visitor_main
    assert 'id="do-repair"' in worker_main and 'id="do-repair"' not in visitor_main


def test_label_part_follows_the_language_with_its_placeholders_filled(client):
    label, _installer = installed_label(brand="华焰", model_number="JZT-2H10")
    client.cookies["django_language"] = "en"
    html = client.get(f"/q/{label.serial}").content.decode()
    assert 'data-verdict="genuine">✔ Genuine label<' in html
    assert "<dt>Label code</dt>" in html and '<dt>Installed by</dt><dd id="installer">安居安装</dd>' in html
    assert "(checked at __CHECKED_AT__)" in html  # the offline banner's placeholder, for the service worker
    assert "<title>Label look-up" in html and "标识编码" not in html and "真品标识" not in html


def test_malformed_code_is_escaped_in_text_and_link(client):
    response = client.get("/q/ab<i>&c")
    html = response.content.decode()
    assert response.status_code == 404 and 'data-verdict="malformed"' in html
    assert "<code>ab&lt;i&gt;&amp;c</code>" in html and "<i>" not in html


def test_unknown_serial_offers_the_report_link_with_the_code_quoted(client):
    serial = serials.new_serial()
    html = client.get(f"/q/{serial}").content.decode()
    assert 'data-verdict="unknown"' in html and f'href="/q/report/?code={serial}"' in html
