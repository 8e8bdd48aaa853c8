"""Money helpers. Every amount is a Decimal in EUR with two places; rounding
happens once, half-up to the cent (DESIGN.md, "Money")."""

from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from django.core.validators import MinValueValidator
from django.db import models

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal("100")


def to_money(value: Decimal | int | str) -> Decimal:
    """Round to the cent, half-up. Floats are refused: they are not exact."""
    if isinstance(value, float):
        raise TypeError("Money must not be a float; pass a Decimal, int or str.")
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def apply_rate(amount: Decimal, rate_percent: Decimal) -> Decimal:
    """amount × rate%, rounded once."""
    return to_money(Decimal(amount) * Decimal(rate_percent) / HUNDRED)


def base_for_rate(result: Decimal, rate_percent: Decimal) -> Decimal:
    """The smallest amount (in cents) whose apply_rate is at least `result`."""
    base = (Decimal(result) * HUNDRED / Decimal(rate_percent)).quantize(CENT, rounding=ROUND_CEILING)
    while apply_rate(base - CENT, rate_percent) >= result and base > ZERO:
        base -= CENT
    return base


def percent(part: Decimal | int | None, whole: Decimal | int | None) -> Decimal | None:
    """part / whole as a percentage with two places; None when whole is 0."""
    if not whole:
        return None
    return (Decimal(part or 0) * HUNDRED / Decimal(whole)).quantize(CENT, rounding=ROUND_HALF_UP)


def MoneyField(verbose_name: str | None = None, **kwargs) -> models.DecimalField:  # noqa: N802
    """A non-negative EUR amount: DecimalField(max_digits=14, decimal_places=2)."""
    kwargs.setdefault("validators", [MinValueValidator(ZERO)])
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, **kwargs)


def RateField(verbose_name: str | None = None, **kwargs) -> models.DecimalField:  # noqa: N802
    """A percentage such as 70.00."""
    return models.DecimalField(verbose_name, max_digits=5, decimal_places=2, **kwargs)
