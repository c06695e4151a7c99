"""Serializer fields the API needs beyond DRF's own."""

from rest_framework import serializers


class DateTimeField(serializers.DateTimeField):
    """DRF's DateTimeField, but a naive time at the edge of the calendar (year 1, year 9999) is a 400, not a 500.

    DRF catches the overflow of an aware value but not of a naive one made aware in the local zone.
    """

    def enforce_timezone(self, value):
        try:
            return super().enforce_timezone(value)
        except (OverflowError, ValueError):
            self.fail("overflow")
