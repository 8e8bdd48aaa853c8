"""Filters for the text of the PDF reports."""

from django import template

register = template.Library()

NO_BREAK_SPACE = "\u00a0"


@register.filter
def nobreak(value) -> str:
    """The text with no-break spaces, so that a figure in running text
    ('8 480 000,00 €', '12,3 %') is never split across two lines:
    {{ total|eur|nobreak }}."""
    return str(value).replace(" ", NO_BREAK_SPACE)
