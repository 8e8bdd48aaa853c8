"""Numbers and amounts as each language writes them, and amounts typed in
either way.

    Lithuanian: 8 480 000,00 €   12,5 %   2024-06-21
    English:    €8,480,000.00    12.5 %   21 June 2024

Pages and reports format through these functions (core.templatetags.fondas),
never with f-strings of their own. `parse_amount` reads what a person types
into an amount field: '1 234,56' and '1234.56' in Lithuanian, '1,234.56' and
'1234.56' in English."""

import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.i18n import ENGLISH, active_language

DASH = "–"
# Spaces a person or a copied figure may use between groups of thousands.
GROUP_SPACES = " \u00a0\u202f\u2009"
_GROUPED_EN = re.compile(r"^\d{1,3}(,\d{3})+(\.\d*)?$")
_PLAIN = re.compile(r"^\d+([.,]\d*)?$|^[.,]\d+$")


def _grouped(value: Decimal, places: int, language: str) -> str:
    text = f"{value:,.{places}f}"
    if language == ENGLISH:
        return text
    return text.replace(",", " ").replace(".", ",")


def format_number(value, places: int = 2, language: str | None = None) -> str:
    """1234567.5 → '1 234 567,50' (lt) or '1,234,567.50' (en)."""
    if value is None or value == "":
        return DASH
    return _grouped(Decimal(value), places, language or active_language())


def format_money(value, language: str | None = None) -> str:
    """8480000 → '8 480 000,00 €' (lt) or '€8,480,000.00' (en)."""
    if value is None or value == "":
        return DASH
    language = language or active_language()
    value = Decimal(value)
    digits = _grouped(abs(value), 2, language)
    sign = "−" if value < 0 else ""
    return f"{sign}€{digits}" if language == ENGLISH else f"{sign}{digits} €"


def format_quantity(value, language: str | None = None) -> str:
    """Whole numbers without decimals ('1 234'), others with two places ('12,50')."""
    if value is None or value == "":
        return DASH
    value = Decimal(value)
    places = 0 if value == value.to_integral_value() else 2
    return format_number(value, places, language)


def format_percent(value, language: str | None = None) -> str:
    """12.345 → '12,3 %' (lt) or '12.3 %' (en)."""
    if value is None or value == "":
        return DASH
    return f"{format_number(value, 1, language)} %"


def parse_amount(text, *, places: int = 2, language: str | None = None) -> Decimal:
    """The Decimal an amount field's text means, or ValidationError with a
    message in the active language. Spaces between thousands, a leading or
    trailing '€' or 'EUR' are allowed. Lithuanian takes a comma or a point as
    the decimal separator; English takes a point, and commas only between
    groups of three digits. More than `places` decimals are refused, not rounded."""
    language = language or active_language()
    raw = str(text if text is not None else "").strip()
    cleaned = raw.replace("€", "").strip()
    cleaned = re.sub(r"(?i)^eur\s*|\s*eur$", "", cleaned).strip()
    for space in GROUP_SPACES:
        cleaned = cleaned.replace(space, "")
    if not cleaned:
        raise ValidationError(_("Enter an amount."), code="required")
    negative = cleaned.startswith(("-", "−"))
    if negative:
        raise ValidationError(_("Enter an amount that is not negative."), code="negative")
    if language == ENGLISH:
        if _GROUPED_EN.match(cleaned):
            cleaned = cleaned.replace(",", "")
        elif "," in cleaned:
            raise ValidationError(
                _("Enter the amount as digits with a point before the cents, e.g. 1234.56 or 1,234.56."),
                code="invalid",
            )
    elif "," in cleaned and "." in cleaned:
        raise ValidationError(
            _("Enter the amount as digits with a comma before the cents, e.g. 1 234,56."), code="invalid"
        )
    if not _PLAIN.match(cleaned):
        example = "1,234.56" if language == ENGLISH else "1 234,56"
        raise ValidationError(
            _("“%(value)s” is not an amount. Enter digits, e.g. %(example)s.")
            % {"value": raw[:40], "example": example},
            code="invalid",
        )
    cleaned = cleaned.replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:  # pragma: no cover - the pattern above admits only digits
        raise ValidationError(_("Enter a valid amount."), code="invalid") from exc
    if -value.as_tuple().exponent > places:
        raise ValidationError(
            _("Enter at most %(places)d digits after the decimal separator.") % {"places": places},
            code="max_decimal_places",
        )
    return value
