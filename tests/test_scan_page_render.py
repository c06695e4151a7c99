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
from core import jinja_layout, serials
from field import selectors
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
    other = "en" if language == "zh-hans" else "zh-hans"
    assert 'login/?next=/q/G0012ZHBZCT33B"' in jinja_page  # the path only, escaped as Django does
    assert (
        f'href="/i18n/{other}/?next=/q/G0012ZHBZCT33B%3Ffrom%3Dposter%26x%3D%253Cb%253E"' in jinja_page
    )  # the query too


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


# --- the visitor's layout rendered once per language (core/jinja_layout.py) ----------------------------------


def full_render(request, context):
    """The page as the whole template renders it, layout and all: what the cached layout must give."""
    page = engines["jinja2"].get_template("field/scan_public.html")
    return page.render({**context, **public_layout(request)}, request)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("path", ["/q/{serial}", "/q/{serial}/?from=poster&x=<b>", "/q/?serial={serial}"])
def test_cached_layout_page_is_the_full_render(language, path):
    label, _installer = installed_label(brand="华焰", model_number="JZT-2H10")
    pages = []
    for code in (label.serial, serials.new_serial()):  # genuine, then unknown: the shell of the first is reused
        request = visitor_request(path.format(serial=code))
        with translation.override(language):
            scan = selectors.resolve_scan(code)
            context = {"scan": scan, "field_app": False, "hotline": "12319", "association_name": "燃气协会"}
            if scan.is_genuine:
                context["actions"] = selectors.scan_actions(request.user, scan)
            cached = jinja_layout.render(request, "field/scan_public.html", context, public_layout)
            assert cached == full_render(request, context)
            pages.append(cached)
    assert 'data-verdict="genuine"' in pages[0] and 'data-verdict="unknown"' in pages[1]
    assert f'lang="{language}"' in pages[1] and "%02" not in pages[1] and "\x02" not in pages[1]


def test_a_visitor_with_a_message_gets_it_on_the_scan_page():
    label, _installer = installed_label()
    request = visitor_request(f"/q/{label.serial}")
    messages.success(request, "预约已提交")
    scan = selectors.resolve_scan(label.serial)
    html = jinja_layout.render(request, "field/scan_public.html", {"scan": scan, "actions": []}, public_layout)
    assert '<li class="msg success">预约已提交</li>' in html and 'data-verdict="genuine"' in html
    assert html == full_render(request, {"scan": scan, "actions": []})  # the whole page, rendered as before


def test_visitors_scan_page_sets_no_cookie_and_switches_language_by_link(client):
    label, _installer = installed_label()
    response = client.get(f"/q/{label.serial}")
    assert response.status_code == 200 and not response.cookies  # no CSRF token: the page has no form
    html = response.content.decode()
    link = re.search(r'href="(/i18n/en/\?next=[^"]+)"', html).group(1)
    switched = client.get(link)
    assert switched.status_code == 302 and switched["Location"] == f"/q/{label.serial}"
    assert switched.cookies["django_language"].value == "en"
    assert switched.cookies["django_language"]["max-age"] == 365 * 24 * 60 * 60  # it sticks past the session
    assert "Genuine label" in client.get(f"/q/{label.serial}").content.decode()


@pytest.mark.parametrize(
    "next_url, goes_to",
    [("/stats/?x=1", "/stats/?x=1"), ("https://evil.example/", "/"), ("//evil.example", "/"), ("", "/")],
)
def test_language_link_goes_back_only_to_this_site(client, next_url, goes_to):
    response = client.get("/i18n/en/", {"next": next_url})
    assert response.status_code == 302 and response["Location"] == goes_to
    assert response.cookies["django_language"].value == "en"


def test_language_link_refuses_an_unknown_language_and_a_post(client):
    assert client.get("/i18n/xx/?next=/").status_code == 404
    assert client.post("/i18n/en/?next=/").status_code == 405
    assert "django_language" not in client.cookies
