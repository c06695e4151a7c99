"""No raw codes in the Chinese UI: audit actions have Chinese names, and a crawl of every role's pages finds no
action code (`label.sell`) and none of viewflow's English task words in the text a person reads."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts import roles
from audit.actions import ACTION_NAMES, action_name
from audit.models import AuditEntry
from cases.models import LabelState
from cases.services.labels import TRANSITIONS, Origin, apply_transition
from remediation.models import CaseEvent
from tests.factories import LabelFactory, UserFactory
from tests.factories_security import ANON, ROLES, world  # noqa: F401
from tests.test_permission_matrix import MATRIX

ROOT = Path(settings.BASE_DIR)
# Action codes the services write as literals: audit.record(action="x.y", …), audit.entry(action="x.y" if … else …).
CALL = re.compile(r"""(?:record|entry)\(([^)]*)""")
CODE = re.compile(r'"([a-z_]+\.[a-z_]+)"')


def written_codes():
    codes = set()
    for path in ROOT.glob("*/**/*.py"):
        if ".venv" in path.parts or path.parts[len(ROOT.parts)] == "tests":
            continue
        for call in CALL.findall(path.read_text(encoding="utf-8")):
            codes |= set(CODE.findall(call.split(",")[0]))
    codes |= {f"label.{name}" for name in TRANSITIONS}
    codes |= {f"case.{kind}" for kind in CaseEvent.Kind.values}
    codes |= {"batch.print", "batch.activate"}  # cases/services/batches.py: f"batch.{name}"
    codes |= {f"admin.{verb}" for verb in ("add", "change", "delete")}
    codes |= {f"declaration.{step}" for step in ("review", "revise", "print_batch", "activate_batch", "issue_batch")}
    return codes


def test_every_action_written_has_a_chinese_name():
    codes = written_codes()
    assert {"permit.issue", "booking.create", "case.photo", "label.sell"} <= codes  # the walk finds them
    assert codes - set(ACTION_NAMES) == set()
    assert all(re.search(r"[\u4e00-\u9fff]", str(name)) for name in ACTION_NAMES.values())
    assert action_name("label.sell") == "标识：销售" and action_name("no.such") == "no.such"


@pytest.mark.django_db
def test_the_audit_page_shows_names_and_states_in_chinese(client):
    dealer = UserFactory(role=roles.DEALER)
    label = LabelFactory(state=LabelState.ACTIVATED)
    apply_transition(label_id=label.pk, name="sell", origin=Origin(actor=dealer))
    client.force_login(UserFactory(role=roles.REVIEWER))
    page = client.get("/audit/", {"action": "label."}).content.decode()
    row = re.search(r"<tr><td>[^<]*</td>(.*?)</tr>", page, re.S).group(1)
    assert "标识：销售" in row and "label.sell" not in row
    assert str(LabelState.ACTIVATED.label) in row and str(LabelState.SOLD.label) in row
    assert str(AuditEntry._meta.get_field("action").verbose_name) in page
    assert '<option value="label." selected>' in page


class _Text(HTMLParser):
    """The text a person reads: no script/style bodies, no attribute values, no <code> (a code typed by the user)."""

    SKIP = {"script", "style", "code", "textarea"}

    def __init__(self):
        super().__init__()
        self.parts, self.skipping = [], 0

    def handle_starttag(self, tag, attrs):
        self.skipping += tag in self.SKIP

    def handle_endtag(self, tag):
        self.skipping -= tag in self.SKIP and self.skipping > 0

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def visible_text(html):
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts)


ACTION_CODE = re.compile(r"\b(?:" + "|".join({code.split(".")[0] for code in ACTION_NAMES}) + r")\.[a-z_]+\b")
VIEWFLOW_ENGLISH = re.compile(r"\b(?:Start|Done|New|Assign|Unassign|Execute|Cancel|Undo|Revive)\b")


@pytest.mark.django_db
@pytest.mark.parametrize("role", sorted(set(ROLES) - {ANON}))
def test_each_roles_pages_show_no_raw_codes_or_viewflow_english(world, role):  # noqa: F811
    client = Client()
    client.force_login(world.users[role])
    seen = 0
    for key, (method, args, _body, allowed) in sorted(MATRIX.items()):
        if method != "get" or role not in allowed or key.startswith(("api", "schema", "swagger", "admin", "health")):
            continue
        target = args(world) if args else None
        url = target if isinstance(target, str) else reverse(key, args=target or [])
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        seen += 1
        text = visible_text(response.content.decode())
        if url == "/audit/":  # the world's sales, reports and uploads are there, by name
            assert "标识：销售" in text and "整改单：报告问题" in text
        assert not ACTION_CODE.findall(text), f"{role} {url}: raw action code {ACTION_CODE.findall(text)}"
        assert not VIEWFLOW_ENGLISH.findall(text), f"{role} {url}: English {VIEWFLOW_ENGLISH.findall(text)}"
    assert seen >= 3
