"""Formatting of money, quantities and percentages for pages and PDFs in the
active language (core.formatting), and form fields tied to their help text
and errors for assistive technology."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from core.formatting import format_money, format_percent, format_quantity
from core.i18n import LITHUANIAN, active_language, value_language

register = template.Library()


@register.filter
def eur(value) -> str:
    """An amount in the active language: '8 480 000,00 €' or '€8,480,000.00'."""
    return format_money(value)


@register.filter
def qty(value) -> str:
    """A quantity: whole numbers without decimals, others with two places."""
    return format_quantity(value)


@register.filter
def pct(value) -> str:
    """A percentage with one decimal: '12,5 %' or '12.5 %'."""
    return format_percent(value)


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


@register.simple_tag(takes_context=True)
def lang_of(context, obj, field: str = "name") -> str:
    """` lang="lt"` when the text of `obj.<field>` (a name kept in both
    languages) is in another language than the page, else nothing:
    <td{% lang_of instrument %}>{{ instrument.name }}</td>."""
    language = value_language(obj, field)
    return format_html(' lang="{}"', language) if language != active_language() else ""


@register.simple_tag
def lt_data() -> str:
    """` lang="lt"` on an element holding Lithuanian data (a project title, an
    organisation's name) when the page is not in Lithuanian, else nothing."""
    return "" if active_language() == LITHUANIAN else mark_safe(' lang="lt"')  # noqa: S308 - a constant
