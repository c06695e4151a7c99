"""`<id:pk>` in every path: a database id, at most 18 digits.

`<int:…>` takes any length, and an id beyond the 64-bit range made the database raise (a 500,
found by schemathesis). Longer numbers now simply do not match: the caller gets a 404 (JSON under /api/).
"""

from django.urls import register_converter


class IdConverter:
    regex = "[0-9]{1,18}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return str(value)


register_converter(IdConverter, "id")
