"""The dealer's case cards: time left as words, and whether it is urgent (under 30 minutes) or over."""

from datetime import timedelta

from django import template
from django.utils import timezone

from ..tables import time_left_text

register = template.Library()

URGENT = timedelta(minutes=30)


@register.filter
def time_left(due):
    text, overdue = time_left_text(due)
    urgent = due is not None and (overdue or due - timezone.now() < URGENT)
    return {"text": text, "overdue": overdue, "urgent": urgent}
