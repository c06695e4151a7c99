"""The Jinja2 environment (settings.TEMPLATES, second engine) for the few templates on a hot path.

Django templates stay the rule. Jinja2 compiles a template to Python once, so the public scan page's label
part renders about seven times faster than the same markup in Django's engine (issue 19). What those
templates need of Django is given here under Django's own names and behaviour: `_` is Django's gettext
(`makemessages` extracts `{{ _("…") }}` from them like any template), `date` converts to the current time
zone first as Django's filter does, `urlencode` takes Django's `safe` argument.
"""

import datetime
from functools import cache

from django.template import defaultfilters
from django.templatetags.static import static
from django.urls import get_script_prefix, reverse
from django.utils.timezone import template_localtime
from django.utils.translation import get_language, gettext, pgettext
from jinja2 import Environment


def url(name: str, *args: object) -> str:
    if args:
        return reverse(name, args=args)
    return _url(get_script_prefix(), name)


@cache
def _url(prefix: str, name: str) -> str:
    """A URL without arguments is the same for every request under one script prefix: reversed once."""
    return reverse(name)


def date(value: object, fmt: str) -> str:
    """Django's `date` filter. A format of numbers only ("Y-m-d", "Y-m-d H:i") reads the same in every language, so
    it takes a strftime shortcut: Django's formatter costs the scan page about 25 µs a date."""
    pattern, with_time = _strftime_pattern(fmt)
    if (
        pattern is None
        or not isinstance(value, datetime.date)
        or (with_time and not isinstance(value, datetime.datetime))  # Django refuses a time of a date
        or value.year < 1000  # %Y does not pad
    ):
        return defaultfilters.date(template_localtime(value), fmt)
    return template_localtime(value).strftime(pattern)


_DATE_PARTS = {"Y": "%Y", "m": "%m", "d": "%d"}
_TIME_PARTS = {"H": "%H", "i": "%M", "s": "%S"}


@cache
def _strftime_pattern(fmt: str) -> tuple[str | None, bool]:
    """(the strftime pattern, whether it shows a time) for a Django date format of numeric parts and punctuation;
    (None, False) for any other."""
    pattern = []
    for char in fmt:
        part = _DATE_PARTS.get(char) or _TIME_PARTS.get(char)
        if part:
            pattern.append(part)
        elif char.isalpha() or char == "\\":  # a named part (month names, am/pm…) or an escape: Django formats it
            return None, False
        else:
            pattern.append("%%" if char == "%" else char)
    return "".join(pattern), any(char in _TIME_PARTS for char in fmt)


def environment(**options: object) -> Environment:
    env = Environment(**options)
    # A static file's URL is fixed for the life of the process (the manifest is read at start): looked up once.
    static_url = cache(static)
    env.globals.update(
        {"_": gettext, "pgettext": pgettext, "url": url, "static": static_url, "get_language": get_language}
    )
    env.filters.update({"date": date, "urlencode": defaultfilters.urlencode})
    return env
