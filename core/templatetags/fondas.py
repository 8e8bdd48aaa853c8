"""Formatting of money, quantities and percentages for pages and PDFs, and
form fields tied to their help text and errors for assistive technology."""

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


@register.filter
def accessible(bound_field) -> str:
    """Render a form field tied to its help text and errors: aria-describedby
    names `<id>-help` and `<id>-error-<n>` (the ids the template gives them),
    aria-invalid is set when the field has errors."""
    field_id = bound_field.id_for_label
    described_by = [f"{field_id}-help"] if bound_field.help_text else []
    described_by += [f"{field_id}-error-{n}" for n in range(1, len(bound_field.errors) + 1)]
    attrs = {}
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    if bound_field.errors:
        attrs["aria-invalid"] = "true"
    return bound_field.as_widget(attrs=attrs)
