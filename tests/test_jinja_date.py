"""core/jinja.py's `date` filter gives what Django's gives, shortcut or not."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.template import defaultfilters
from django.utils import translation
from django.utils.timezone import template_localtime

from core import jinja

UTC = datetime.UTC
VALUES = [
    datetime.datetime(2026, 12, 1, 17, 5, 9, tzinfo=UTC),  # 2 December 01:05 in Shanghai: the day changes
    datetime.datetime(2026, 3, 4, 5, 6, 7, tzinfo=ZoneInfo("Europe/Berlin")),
    datetime.datetime(2026, 3, 4, 5, 6, 7),  # naive
    datetime.date(2026, 7, 8),
    datetime.date(999, 1, 2),  # %Y would not pad it: Django formats it
    None,
    "",
]
FORMATS = ["Y-m-d", "Y-m-d H:i", "Y-m-d H:i:s", "d/m/Y", "Y年m月d日", "100% Y", "j M Y", "N j, Y, P", r"Y-m-d \a\t H:i"]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_date_is_djangos_date(language, fmt):
    with translation.override(language):
        for value in VALUES:
            try:
                expected = defaultfilters.date(template_localtime(value), fmt)
            except TypeError:  # a time of a date: Django refuses, and so does the shortcut
                with pytest.raises(TypeError):
                    jinja.date(value, fmt)
                continue
            assert jinja.date(value, fmt) == expected, (value, fmt)


def test_only_numeric_formats_take_the_shortcut():
    assert jinja._strftime_pattern("Y-m-d H:i") == ("%Y-%m-%d %H:%M", True)
    assert jinja._strftime_pattern("100% Y") == ("100%% %Y", False)
    assert jinja._strftime_pattern("j M Y") == (None, False) == jinja._strftime_pattern(r"\Y")
