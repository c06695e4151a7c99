"""The English catalogue is complete, well-formed, compiled, and English pages show no Chinese UI text.

The .po is parsed here with a small reader (no extra dependency); the compiled .mo is read with
Python's own gettext module.
"""

import ast
import gettext
import html
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

PO = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")
PLACEHOLDER = re.compile(
    r"%\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]"  # %(name)s, %(m)02d
    r"|%[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrs]"  # %s, %d
    r"|%%"
    r"|\{[A-Za-z_]\w*\}"  # {name}
)
TAG = re.compile(r"</?([A-Za-z][\w-]*)")


class Entry:
    def __init__(self):
        self.flags = set()
        self.msgctxt = None
        self.msgid = None
        self.msgid_plural = None
        self.msgstr = {}  # index -> text; a singular entry uses index 0
        self.obsolete = False

    @property
    def translations(self):
        return [self.msgstr.get(i, "") for i in range(max(self.msgstr, default=0) + 1)]


def parse_po(path):
    """Entries of a .po file (header included, msgid ""), obsolete ones marked."""
    entries, entry, field = [], Entry(), None

    def flush():
        nonlocal entry, field
        if entry.msgid is not None:
            entries.append(entry)
        entry, field = Entry(), None

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("#~"):
            entry.obsolete = True
            line = line[2:].strip()
            if not line:
                continue
        elif line.startswith("#,"):
            if entry.msgid is not None:
                flush()
            entry.flags |= {f.strip() for f in line[2:].split(",")}
            continue
        elif line.startswith("#") or not line:
            if not line and entry.msgid is not None:
                flush()
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            text = ast.literal_eval(line)
        else:
            text = ast.literal_eval(rest.strip())
            if keyword == "msgctxt" and entry.msgid is not None:
                flush()
            field = keyword
        if field == "msgctxt":
            entry.msgctxt = (entry.msgctxt or "") + text
        elif field == "msgid":
            entry.msgid = (entry.msgid or "") + text
        elif field == "msgid_plural":
            entry.msgid_plural = (entry.msgid_plural or "") + text
        elif field == "msgstr":
            entry.msgstr[0] = entry.msgstr.get(0, "") + text
        elif field and field.startswith("msgstr["):
            index = int(field[7:-1])
            entry.msgstr[index] = entry.msgstr.get(index, "") + text
        else:
            raise AssertionError(f"cannot parse {path}: {raw!r}")
    flush()
    return entries


@pytest.fixture(scope="module")
def entries():
    return [e for e in parse_po(PO) if not e.obsolete]


@pytest.fixture(scope="module")
def messages(entries):
    return [e for e in entries if e.msgid != ""]


def placeholders(text):
    return sorted(PLACEHOLDER.findall(text))


def tags(text):
    return sorted(TAG.findall(text))


def test_catalogue_has_messages(messages):
    assert len(messages) > 100


def test_header_is_english_and_not_fuzzy(entries):
    header = next(e for e in entries if e.msgid == "")
    assert "fuzzy" not in header.flags
    assert "Language: en\n" in header.msgstr[0]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header.msgstr[0]


def test_every_message_is_translated(messages):
    untranslated = [e.msgid for e in messages if not all(t.strip() for t in e.translations)]
    assert untranslated == []
    plural_short = [e.msgid for e in messages if e.msgid_plural and len(e.msgstr) != 2]
    assert plural_short == []


def test_no_fuzzy_entries(messages):
    assert [e.msgid for e in messages if "fuzzy" in e.flags] == []


def test_no_chinese_left_in_translations(messages):
    assert [(e.msgid, e.translations) for e in messages if any(HAN.search(t) for t in e.translations)] == []


def test_placeholders_and_tags_are_kept(messages):
    wrong = []
    for e in messages:
        for index, text in enumerate(e.translations):
            source = e.msgid_plural if (e.msgid_plural and index > 0) else e.msgid
            if placeholders(text) != placeholders(source) or tags(text) != tags(source):
                wrong.append((e.msgid, text))
    assert wrong == []


def test_committed_mo_matches_po(messages):
    """The .mo is compiled from the current .po: same messages, same translations."""
    assert MO.exists(), "run: python manage.py compilemessages -l en"
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)._catalog
    expected = {}
    for e in messages:
        key = e.msgid if e.msgctxt is None else f"{e.msgctxt}\x04{e.msgid}"
        if e.msgid_plural:
            for index, text in enumerate(e.translations):
                expected[(key, index)] = text
        else:
            expected[key] = e.msgstr[0]
    compiled.pop("", None)
    assert compiled == expected, "locale/en/LC_MESSAGES/django.mo is stale: run compilemessages -l en"


def test_known_translation_is_compiled():
    with MO.open("rb") as handle:
        assert gettext.GNUTranslations(handle).gettext("燃气具气源适配性标识查询") == "Gas appliance label look-up"


# --- pages in English ----------------------------------------------------------------------------


def visible_text(page):
    """Text a visitor reads: element text plus title/placeholder/aria-label/alt/value attributes."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S | re.I)
    page = re.sub(r"<!--.*?-->", " ", page, flags=re.S)
    attrs = re.findall(r'\s(?:title|placeholder|aria-label|alt|value)="([^"]*)"', page)
    text = re.sub(r"<[^>]+>", " ", page)
    return html.unescape(" ".join([text, *attrs]))


def allowed_data():
    """Chinese that is data, not UI: the association's name and each language's own name."""
    return [settings.ASSOCIATION_NAME, *(name for _code, name in settings.LANGUAGES)]


@pytest.mark.django_db
@pytest.mark.parametrize("url", [reverse("home"), reverse("login"), "/q/ABCDEFGHJKMNP0"])
def test_english_pages_have_no_chinese_ui_text(client, url):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    response = client.get(url)
    assert response.status_code in (200, 404)
    page = response.content.decode()
    assert 'lang="en"' in page
    text = visible_text(page)
    for data in allowed_data():
        text = text.replace(data, " ")
    leftovers = sorted({m.group(0) for m in re.finditer(r"\S*[\u3400-\u9fff]\S*", text)})
    assert leftovers == [], f"Chinese UI text on {url} in English: {leftovers}"
