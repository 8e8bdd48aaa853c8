"""Formatting of money, quantities and percentages for pages and PDFs."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def eur(value) -> str:
    """1234567.5 -> '1,234,567.50' (thousands with commas, two places)."""
    if value is None or value == "":
        return "–"
    return f"{Decimal(value):,.2f}"


@register.filter
def qty(value) -> str:
    """A quantity: whole numbers without decimals, others with two places."""
    if value is None or value == "":
        return "–"
    value = Decimal(value)
    return f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}"


@register.filter
def pct(value) -> str:
    if value is None or value == "":
        return "–"
    return f"{Decimal(value):,.1f} %"
