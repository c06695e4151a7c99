"""CSRF on every form: each page with a POST form carries the token in every such form, and the form's target
refuses a POST without it (403), signed in or not. Session-authenticated API writes need it too."""

from html.parser import HTMLParser
from urllib.parse import urljoin

import pytest
from django.db import transaction
from django.test import Client

from tests.factories_security import ANON, DEAL, IGN, INST, MAN, REG, REV, world  # noqa: F401

# (role, page) → every POST form on it. Together these pages hold every POST form of the app.
PAGES = [
    (ANON, lambda w: "/accounts/login/"),
    (ANON, lambda w: f"/q/{w.sold_label.serial}/book/"),
    (ANON, lambda w: f"/q/report/?code={w.activated.serial}"),
    (REV, lambda w: "/"),  # navigation: the logout form (the language switch is links)
    (REV, lambda w: "/field/permits/"),
    (REV, lambda w: "/field/clones/"),  # a close form per open suspected-clone case
    (REV, lambda w: "/recalls/"),  # recall form and a lift form per active recall
    (REV, lambda w: f"/declarations/{w.declaration.pk}/"),
    (REV, lambda w: f"/backoffice/batches/{w.batch.pk}/"),  # print-file forms (start, retry, reprint)
    (REV, lambda w: f"/remediation/{w.case.pk}/"),
    (REG, lambda w: f"/remediation/{w.case.pk}/"),
    (DEAL, lambda w: f"/remediation/{w.case.pk}/"),
    (DEAL, lambda w: "/remediation/mine/"),  # the cards' one-tap "contacted"
    (DEAL, lambda w: f"/field/sell/{w.activated.serial}/"),
    (DEAL, lambda w: "/remediation/inbox/"),  # the new case's notification: mark read
    (INST, lambda w: "/remediation/report/"),
    (INST, lambda w: f"/field/install/{w.sold_label.serial}/"),
    (INST, lambda w: f"/field/repair/{w.installed.serial}/"),
    (INST, lambda w: f"/field/work/{w.work.pk}/rate/"),
    (INST, lambda w: "/field/bookings/"),
    (INST, lambda w: "/field/offline/"),  # the offline job forms (sent later through the outbox)
    (IGN, lambda w: f"/field/ignite/{w.installed.serial}/"),
    (MAN, lambda w: "/backoffice/models/new/"),
    (MAN, lambda w: "/declarations/new/"),
]


class Forms(HTMLParser):
    """Each <form method=post>: its action and whether a csrfmiddlewaretoken input is inside."""

    def __init__(self):
        super().__init__()
        self.forms, self._open = [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self._open = {"action": attrs.get("action") or "", "token": False}
        elif tag == "input" and self._open is not None and attrs.get("name") == "csrfmiddlewaretoken":
            self._open["token"] = bool(attrs.get("value"))

    def handle_endtag(self, tag):
        if tag == "form" and self._open is not None:
            self.forms.append(self._open)
            self._open = None


def clients(world, role):
    lax, strict = Client(), Client(enforce_csrf_checks=True)
    if role != ANON:
        lax.force_login(world.users[role])
        strict.force_login(world.users[role])
    return lax, strict


@pytest.mark.django_db
@pytest.mark.parametrize("role,page", PAGES, ids=[f"{r}-{i}" for i, (r, _p) in enumerate(PAGES)])
def test_every_post_form_has_the_token_and_its_target_refuses_a_post_without_it(world, role, page):
    lax, strict = clients(world, role)
    url = page(world)
    with transaction.atomic():
        response = lax.get(url)
        assert response.status_code == 200, (url, response.status_code)
        parser = Forms()
        parser.feed(response.content.decode())
        assert parser.forms, f"no POST form on {url}"
        for form in parser.forms:
            assert form["token"], f"a POST form to {form['action'] or url} on {url} has no CSRF token"
            target = urljoin(f"http://testserver{url}", form["action"])
            refused = strict.post(target, {})
            assert refused.status_code == 403, (target, refused.status_code)
            assert "CSRF" in refused.content.decode(), target
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_session_authenticated_api_writes_need_the_token_too(world):
    _lax, strict = clients(world, INST)
    response = strict.post("/api/v1/reports/", {"kind": "label_missing"}, content_type="application/json")
    assert response.status_code == 403 and "CSRF" in response.content.decode()


# A Jinja2 template with a POST form: its name → (role, page in PAGES that shows it, the form's action). None today:
# the visitors' layout (jinja2/public_base.html) switches language by links.
JINJA_PAGES: dict = {}


def templates_with_post_forms():
    from django.conf import settings

    roots = [settings.BASE_DIR / "templates", *sorted(settings.BASE_DIR.glob("*/templates"))]
    found = set()
    for root in roots:
        for path in root.rglob("*.html"):
            if 'method="post"' in path.read_text(encoding="utf-8").lower():
                found.add(str(path.relative_to(root)))
    return found


@pytest.mark.django_db
def test_the_pages_above_render_every_template_holding_a_post_form(world):
    rendered = set()
    for role, page in PAGES:
        lax, _strict = clients(world, role)
        with transaction.atomic():
            rendered |= {t.name for t in lax.get(page(world)).templates if t.name}
            transaction.set_rollback(True)
    # The test client hears only Django templates render; a Jinja2 template is covered by the page that shows it.
    for name, (role, page, form_action) in JINJA_PAGES.items():
        assert (role, page) in PAGES
        lax, _strict = clients(world, role)
        if f'action="{form_action}"' in lax.get(page(world)).content.decode():
            rendered.add(name)
    missing = templates_with_post_forms() - rendered
    assert not missing, f"POST forms not covered by PAGES: {sorted(missing)}"
