"""The financing of an application at the cent: eligible costs, the grant
(rate, rounded once half-up, then the maximum grant), the own contribution and
the cost-category caps (compared exactly, refused and never cut)."""

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import ApplicationError
from grants.services.financing import budget_field, financing_compute

D = Decimal


def test_eligible_grant_and_own_contribution():
    result = financing_compute({"STAFF": D("10000.00"), "EQUIP": D("5000.00")}, D("70.00"), D("200000.00"))
    assert result.eligible_cost == D("15000.00")
    assert result.grant == D("10500.00")
    assert result.own_contribution == D("4500.00")
    assert result.rate == D("70.00")
    assert result.max_grant == D("200000.00")
    assert result.shares == {"STAFF": D("66.67"), "EQUIP": D("33.33")}
    assert not result.grant_capped


def test_grant_is_rounded_once_half_up_at_the_cent():
    # 0.01 × 50 % = 0.005 → 0.01 (half-up), not 0.00 (banker's rounding).
    assert financing_compute({"A": D("0.01")}, D("50.00"), D("100")).grant == D("0.01")
    # 0.03 × 50 % = 0.015 → 0.02; own contribution the exact rest.
    result = financing_compute({"A": D("0.03")}, D("50.00"), D("100"))
    assert (result.grant, result.own_contribution) == (D("0.02"), D("0.01"))
    # Rounded once on the total, not per line: 3 × 0.01 at 50 % = 0.015 → 0.02 (per line it would be 0.03).
    result = financing_compute({"A": D("0.01"), "B": D("0.01"), "C": D("0.01")}, D("50.00"), D("100"))
    assert result.grant == D("0.02")
    # 33.33 % of 100.00 = 33.33; of 100.01 = 33.333333 → 33.33; of 100.02 = 33.336666 → 33.34.
    assert financing_compute({"A": D("100.02")}, D("33.33"), D("1000")).grant == D("33.34")


def test_maximum_grant_caps_the_grant():
    result = financing_compute({"A": D("300000.00")}, D("70.00"), D("200000.00"))
    assert result.grant == D("200000.00")
    assert result.own_contribution == D("100000.00")
    assert result.grant_capped
    # One cent under the cap: the rate decides.
    result = financing_compute({"A": D("285714.28")}, D("70.00"), D("200000.00"))
    assert result.grant == D("200000.00")  # 199 999.996 → 200 000.00
    result = financing_compute({"A": D("285714.27")}, D("70.00"), D("200000.00"))
    assert result.grant == D("199999.99")


def test_a_category_at_exactly_its_cap_is_accepted():
    lines = {"STAFF": D("75000.00"), "PAT": D("25000.00")}
    result = financing_compute(lines, D("70"), D("1000000"), {"PAT": D("25.00")})
    assert result.shares["PAT"] == D("25.00")


def test_a_category_one_cent_over_its_cap_is_refused():
    lines = {"STAFF": D("75000.00"), "PAT": D("25000.01")}
    # 25 000.01 × 100 = 2 500 001 > 25 × 100 000.01 = 2 500 000.25: refused.
    with pytest.raises(ApplicationError) as info:
        financing_compute(lines, D("70"), D("1000000"), {"PAT": D("25.00"), "STAFF": None})
    assert info.value.field == budget_field("PAT") == "budget_PAT"
    assert info.value.details["cap_percent"] == "25.00"


def test_caps_compare_exactly_without_rounding_the_share():
    # 1.00 of 3.99 is 25.06 %: over 25 % though the share rounds to 25.1 % and 3.99 × 25 % = 0.9975 rounds to 1.00.
    with pytest.raises(ApplicationError):
        financing_compute({"A": D("2.99"), "PAT": D("1.00")}, D("70"), D("100"), {"PAT": D("25")})
    # 1.00 of 4.00 is exactly 25 %.
    financing_compute({"A": D("3.00"), "PAT": D("1.00")}, D("70"), D("100"), {"PAT": D("25")})


def test_caps_are_not_cut_and_apply_against_the_whole_eligible_total():
    # Both capped categories are checked against the same total (100.00), neither changes the other's base.
    lines = {"A": D("50.00"), "PAT": D("25.00"), "LIC": D("25.00")}
    result = financing_compute(lines, D("50"), D("1000"), {"PAT": D("25"), "LIC": D("25")})
    assert result.lines == lines
    assert result.eligible_cost == D("100.00")


def test_own_contribution_minimum():
    # Rate 70 %: own contribution 30 % — exactly the minimum of 30 % is accepted.
    result = financing_compute({"A": D("100.00")}, D("70"), D("1000"), min_own_percent=D("30"))
    assert result.own_contribution == D("30.00")
    # Rate 70.01 %: 70.01 → own 29.99 < 30.00: refused.
    with pytest.raises(ApplicationError) as info:
        financing_compute({"A": D("100.00")}, D("70.01"), D("1000"), min_own_percent=D("30"))
    assert info.value.field == "budget"
    # Half-up rounding of the grant can break the minimum by half a cent: 0.05 × 70 % = 0.035 → 0.04, own 0.01 < 0.015.
    with pytest.raises(ApplicationError):
        financing_compute({"A": D("0.05")}, D("70"), D("1000"), min_own_percent=D("30"))


def test_negative_line_refused():
    with pytest.raises(ApplicationError) as info:
        financing_compute({"A": D("-0.01")}, D("70"), D("1000"))
    assert info.value.field == "budget_A"


def test_empty_budget_is_zero():
    result = financing_compute({}, D("70"), D("1000"))
    assert (result.eligible_cost, result.grant, result.own_contribution) == (D("0.00"), D("0.00"), D("0.00"))
    assert result.shares == {}


def test_floats_are_refused():
    with pytest.raises(TypeError):
        financing_compute({"A": 100.0}, D("70"), D("1000"))
    with pytest.raises(TypeError):
        financing_compute({"A": D("100")}, 70.0, D("1000"))


cents = st.integers(min_value=0, max_value=10**11).map(lambda c: D(c) / 100)
rates = st.integers(min_value=1, max_value=10000).map(lambda c: D(c) / 100)


@given(lines=st.lists(cents, min_size=1, max_size=6), rate=rates, max_grant=cents)
def test_invariants(lines, rate, max_grant):
    result = financing_compute(dict(enumerate(lines)), rate, max_grant)
    eligible = sum(lines, D("0"))
    assert result.eligible_cost == eligible
    expected = min((eligible * rate / 100).quantize(D("0.01"), rounding=ROUND_HALF_UP), max_grant)
    assert result.grant == expected
    assert result.grant + result.own_contribution == result.eligible_cost
    assert D("0") <= result.grant <= max_grant
    assert result.own_contribution >= 0


@given(other=cents, capped=cents, cap=st.integers(min_value=0, max_value=100).map(D))
def test_cap_rule_is_exact(other, capped, cap):
    lines = {"A": other, "PAT": capped}
    eligible = other + capped
    if capped * 100 <= cap * eligible:
        financing_compute(lines, D("50"), D("10000000000"), {"PAT": cap})
    else:
        with pytest.raises(ApplicationError):
            financing_compute(lines, D("50"), D("10000000000"), {"PAT": cap})
