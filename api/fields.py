"""Serializer fields the API needs beyond DRF's own."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts import city
from accounts.models import validate_district_code


class DateTimeField(serializers.DateTimeField):
    """DRF's DateTimeField, but a naive time at the edge of the calendar (year 1, year 9999) is a 400, not a 500.

    DRF catches the overflow of an aware value but not of a naive one made aware in the local zone.
    """

    def enforce_timezone(self, value):
        try:
            return super().enforce_timezone(value)
        except (OverflowError, ValueError):
            self.fail("overflow")


class DistrictField(serializers.CharField):
    """A district code of the current city (accounts.City / District: data, not code).

    The schema shows a string with the pattern of a code, not an enum: the codes change with the city an
    administrator sets up, and a schema fixed at build time would lie after that. A code that is not one of the
    current city's districts is a 400 naming the valid ones.
    """

    default_error_messages = {"district": _("“{value}”不是当前城市的行政区代码；可用的代码：{codes}")}

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault(
            "help_text", "district code of the current city (its districts are set up in the admin: City)"
        )
        super().__init__(**kwargs)
        self.validators.append(validate_district_code)  # the one rule for a code (accounts.models)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if value and not city.is_district(value):
            self.fail("district", value=value, codes=", ".join(d.code for d in city.districts()))
        return value
