"""A figure's table rows rendered in one pass: the same HTML as a template loop over the cells, which at a
few thousand cells a page (the labels page) was the larger part of the page's time."""

from django import template
from django.conf import settings
from django.template.base import render_value_in_context
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def table_rows(context, rows):
    """`<tr>` per row of (key, value) cells; a missing value shows as an en dash. Values are localised and
    escaped as `{{ value }}` would be."""
    plain_ints = not settings.USE_THOUSAND_SEPARATOR  # then a count localises to str(count): skip the formatter
    html = []
    for cells in rows:
        html.append("<tr>")
        for key, value in cells:
            if value is None:
                shown = "–"
            elif plain_ints and type(value) is int:
                shown = str(value)
            else:
                shown = render_value_in_context(value, context)
            html.append(f'<td data-col="{conditional_escape(key)}">{shown}</td>')
        html.append("</tr>")
    return mark_safe("".join(html))  # noqa: S308 - every part escaped above
