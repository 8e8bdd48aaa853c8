"""Form fields shared by every Fondas form."""

from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator

from core.formatting import format_number, parse_amount
from core.money import ZERO


class AmountInput(forms.TextInput):
    """A text box for an amount, shown in the active language's format
    ('1 234,56' in Lithuanian). `inputmode` brings up a numeric keyboard."""

    def __init__(self, attrs=None):
        super().__init__({"inputmode": "decimal", "autocomplete": "off", **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, Decimal | int):
            return format_number(value, 2)
        return super().format_value(value)


class AmountField(forms.Field):
    """A non-negative EUR amount typed in the active language's format
    (core.formatting.parse_amount); cleaned to a Decimal with two places.
    What the person typed is shown back unchanged when it is refused."""

    widget = AmountInput

    def __init__(self, *, max_value: Decimal | None = None, **kwargs):
        super().__init__(**kwargs)
        self.validators.append(MinValueValidator(ZERO))
        if max_value is not None:
            self.validators.append(MaxValueValidator(max_value))

    def to_python(self, value):
        if value in self.empty_values:
            return None
        return parse_amount(value)
