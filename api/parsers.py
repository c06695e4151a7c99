"""The API's JSON parser: DRF's, refusing strings no database can store.

JSON may spell a lone UTF-16 surrogate ("\\ud800"); Python keeps it in the str, and encoding it later (the
Idempotency-Key fingerprint, a PostgreSQL parameter) raised UnicodeEncodeError: a 500. Such a body is a 400 here.
NUL is refused by the serializers' CharFields.
"""

import re

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser as BaseJSONParser

SURROGATE = re.compile("[\ud800-\udfff]")


def _has_surrogate(value) -> bool:
    if isinstance(value, str):
        return bool(SURROGATE.search(value))
    if isinstance(value, dict):
        return any(_has_surrogate(k) or _has_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_surrogate(v) for v in value)
    return False


class JSONParser(BaseJSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        if _has_surrogate(data):
            raise ParseError(_("JSON 中含有无效的 Unicode 字符（孤立的代理项）。"))
        return data
