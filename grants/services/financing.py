"""The financing of an application: eligible costs, grant requested and own
contribution computed from the budget lines, and the cost-category caps. A pure
function of Decimals, shared by the service (which stores the result), the
budget page (which shows it live) and the tests.

The rule, in order (docs/domain.md, "Selection"):

1. Each line is an amount in EUR, rounded to the cent half-up; a negative line
   is refused. eligible = Σ lines (exact: a sum of cents).
2. Caps are checked against that eligible total, never cut: a line of a category
   with a cap of c % is refused when line × 100 > c × eligible (compared
   exactly, so a line at exactly c % passes and one cent more is refused).
   The caps are checked before the grant is computed, and all of them against
   the same total (one cap does not change another's base).
3. grant = min(round_half_up(eligible × rate / 100, to the cent), max_grant):
   rounded once, then capped by the maximum grant.
4. own contribution = eligible − grant (exact); refused when
   own × 100 < min_own_percent × eligible (exact).
"""

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from django.utils.translation import gettext as _

from core.errors import ApplicationError
from core.formatting import format_money, format_percent
from core.money import CENT, HUNDRED, ZERO, apply_rate, percent, to_money


@dataclass(frozen=True)
class Financing:
    """The result of `financing_compute`: amounts in EUR (cents), the rate and
    maximum applied, and each line's share of the eligible costs in %
    (two places, half-up; None when the eligible total is 0)."""

    eligible_cost: Decimal
    grant: Decimal
    own_contribution: Decimal
    rate: Decimal
    max_grant: Decimal
    shares: dict = field(default_factory=dict)
    lines: dict = field(default_factory=dict)

    @property
    def grant_capped(self) -> bool:
        """True when the maximum grant, not the rate, set the grant."""
        return self.grant < apply_rate(self.eligible_cost, self.rate)


def budget_field(key) -> str:
    """The form field name of a budget line: 'budget_<category code>' for a
    cost category (or anything with a `code`), else 'budget_<key>'."""
    return f"budget_{getattr(key, 'code', key)}"


def _label(key) -> str:
    return str(getattr(key, "name", None) or getattr(key, "code", None) or key)


def financing_compute(
    lines: Mapping[Hashable, Decimal | int | str],
    rate: Decimal | int | str,
    max_grant: Decimal | int | str,
    caps: Mapping[Hashable, Decimal | int | str | None] | None = None,
    *,
    min_own_percent: Decimal | int | str = ZERO,
) -> Financing:
    """Compute the financing of budget `lines` {key: amount} (keys are cost
    categories, or anything hashable) at funding `rate` % with `max_grant`;
    `caps` {key: max share of eligible costs in %, or None}; `min_own_percent`
    the call's minimum own contribution in %. Raises ApplicationError with
    field=budget_field(key) for a negative line or a broken cap, and
    field='budget' for a too small own contribution. See the module docstring
    for the order and the rounding."""
    if isinstance(rate, float) or isinstance(max_grant, float) or isinstance(min_own_percent, float):
        raise TypeError("Rates and amounts must not be floats; pass a Decimal, int or str.")
    rate = Decimal(rate)
    max_grant = to_money(max_grant)
    min_own_percent = Decimal(min_own_percent)
    caps = caps or {}

    checked: dict = {}
    for key, amount in lines.items():
        amount = to_money(amount)
        if amount < ZERO:
            raise ApplicationError(
                _("The amount of “%(category)s” cannot be negative.") % {"category": _label(key)},
                field=budget_field(key),
            )
        checked[key] = amount
    eligible = sum(checked.values(), ZERO)

    for key, amount in checked.items():
        cap = caps.get(key)
        if cap is None:
            continue
        cap = Decimal(cap)
        if amount * HUNDRED > cap * eligible:
            allowed = (cap * eligible / HUNDRED).quantize(CENT, rounding=ROUND_FLOOR)
            raise ApplicationError(
                _(
                    "“%(category)s” may be at most %(cap)s of the eligible costs (%(allowed)s of %(eligible)s); "
                    "the budget gives it %(amount)s."
                )
                % {
                    "category": _label(key),
                    "cap": format_percent(cap),
                    "allowed": format_money(allowed),
                    "eligible": format_money(eligible),
                    "amount": format_money(amount),
                },
                field=budget_field(key),
                details={"cap_percent": str(cap), "amount": str(amount), "eligible_cost": str(eligible)},
            )

    grant = min(apply_rate(eligible, rate), max_grant)
    own = eligible - grant
    if own * HUNDRED < min_own_percent * eligible:
        raise ApplicationError(
            _(
                "The own contribution of %(own)s is below the call's minimum of %(minimum)s of the eligible costs "
                "(%(required)s)."
            )
            % {
                "own": format_money(own),
                "minimum": format_percent(min_own_percent),
                "required": format_money((min_own_percent * eligible / HUNDRED).quantize(CENT, rounding=ROUND_CEILING)),
            },
            field="budget",
            details={"own_contribution": str(own), "min_own_percent": str(min_own_percent)},
        )
    shares = {key: percent(amount, eligible) for key, amount in checked.items()}
    return Financing(
        eligible_cost=eligible,
        grant=grant,
        own_contribution=own,
        rate=rate,
        max_grant=max_grant,
        shares=shares,
        lines=checked,
    )
