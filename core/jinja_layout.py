"""A Jinja2 page whose layout is rendered once per language: per request, only its content block is rendered, and the
request's path is put into the links that carry it (issue 19: cached rendering of what does not change per label).

For a page whose layout depends on nothing but the language, the script prefix and the request's path: the public
layout (templates/jinja2/public_base.html) as a visitor sees it. A visitor with messages to show gets the whole page
rendered, as before. tests/test_scan_page_render.py checks the result is the page a full render gives.
"""

import re
from collections.abc import Callable
from functools import lru_cache
from urllib.parse import quote

from django.contrib.messages import get_messages
from django.http import HttpRequest
from django.template import engines
from django.urls import get_script_prefix
from django.utils.translation import get_language, trans_real
from jinja2 import Template
from markupsafe import escape

# Placeholders no request path or translation contains (C0 controls; the hostile-request guard refuses them in a
# path), as they come out of `|urlencode` (the paths) or raw (the content).
_PATH, _FULL_PATH, _CONTENT = "\x02path\x03", "\x02full-path\x03", "\x02content\x03"
_HOLES = {quote(_PATH): "path", quote(_FULL_PATH): "full_path", _CONTENT: "content"}
_SPLIT = re.compile("(" + "|".join(re.escape(hole) for hole in _HOLES) + ")")

# (template name, language, script prefix) → the layout as literal text and hole names, alternating
_shells: dict[tuple[str, str, str], list[str]] = {}


class _Placeholders:
    """The request as the layout sees it while its shell is rendered: its path is a placeholder."""

    path = _PATH

    def __init__(self, request: HttpRequest) -> None:
        self._request = request

    def get_full_path(self) -> str:
        return _FULL_PATH

    def __getattr__(self, name: str) -> object:
        return getattr(self._request, name)


def render(request: HttpRequest, template_name: str, context: dict, layout: Callable[[HttpRequest], dict]) -> str:
    """The page `template_name` (which fills the layout's `content` block) for `request`.

    `layout(request)` gives the layout's own context (menu, languages, messages); it is asked for only when the
    shell of this language is first rendered, or when the visitor has messages to show.
    """
    template = engines["jinja2"].get_template(template_name).template
    if len(get_messages(request)):  # shown once, then gone: this page is not the cached layout
        return template.render({**context, **layout(request), "request": request})
    key = (template_name, get_language(), get_script_prefix())
    shell = _shells.get(key)
    if shell is None:
        shell = _shells[key] = _render_shell(template, request, layout(request))
    # The content's `_` is this language's catalogue, bound once: Django's gettext looks the language up on each call.
    # shared=True with the globals merged once per template: otherwise Jinja2 copies its globals' ChainMap into
    # every new context (2 % of a scan page).
    variables = {**_globals(template), **context, "request": request, "_": trans_real.catalog().gettext}
    content_context = template.new_context(variables, shared=True)
    values = {
        "content": "".join(template.blocks["content"](content_context)),
        "path": escape(quote(request.path)),
        "full_path": escape(quote(request.get_full_path())),
    }
    return "".join(values[part] if i % 2 else part for i, part in enumerate(shell))


@lru_cache(maxsize=64)
def _globals(template: Template) -> dict:
    return dict(template.globals)


def _render_shell(template: Template, request: HttpRequest, layout_context: dict) -> list[str]:
    context = template.new_context({**layout_context, "request": _Placeholders(request)})
    context.blocks["content"] = [lambda _context: iter((_CONTENT,))]
    parts = _SPLIT.split("".join(template.root_render_func(context)))
    return [part if i % 2 == 0 else _HOLES[part] for i, part in enumerate(parts)]
