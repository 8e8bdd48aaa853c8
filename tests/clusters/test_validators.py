"""Lithuanian company codes: nine digits whose last is the Register of Legal
Entities' check digit."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from clusters.models import OrganisationType, Region
from clusters.services import organisation_create
from clusters.validators import company_code_check_digit, validate_company_code
from core.errors import ApplicationError

# Codes of well-known legal entities, as published in the Register of Legal Entities.
REGISTERED = ("121215434", "123033512", "110053842", "188659752")


@pytest.mark.parametrize("code", REGISTERED)
def test_codes_of_registered_entities_are_valid(code):
    validate_company_code(code)
    assert company_code_check_digit(code[:8]) == int(code[8])


def _remainder(digits: str, weights) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11


@pytest.mark.parametrize("code", REGISTERED)
def test_a_mistyped_digit_is_caught(code):
    """Weights 1..8 are prime to 11, so one wrong digit always changes the first
    remainder; only where that remainder becomes 10 (and the second weights apply)
    can a typo pass."""
    for position in range(9):
        for digit in "0123456789":
            typo = code[:position] + digit + code[position + 1 :]
            if typo == code or typo[0] not in "123" or _remainder(typo[:8], range(1, 9)) == 10:
                continue
            with pytest.raises(ValidationError):
                validate_company_code(typo)


def test_a_remainder_of_ten_is_retried_with_the_second_weights():
    first_eight = next(f"{n:08d}" for n in range(30000000, 30100000) if _remainder(f"{n:08d}", range(1, 9)) == 10)
    second = _remainder(first_eight, (3, 4, 5, 6, 7, 8, 9, 1))
    assert company_code_check_digit(first_eight) == (0 if second == 10 else second)
    validate_company_code(f"{first_eight}{company_code_check_digit(first_eight)}")
    # Both remainders 10: the check digit is 0.
    both = next(
        f"{n:08d}"
        for n in range(30000000, 31000000)
        if _remainder(f"{n:08d}", range(1, 9)) == 10 and _remainder(f"{n:08d}", (3, 4, 5, 6, 7, 8, 9, 1)) == 10
    )
    assert company_code_check_digit(both) == 0


@pytest.mark.parametrize("code", ["", "12121543", "1212154345", "421215434", "12121543a", "302500000"])
def test_malformed_or_wrong_codes_are_refused(code):
    with pytest.raises(ValidationError):
        validate_company_code(code)


@pytest.mark.django_db
def test_organisation_create_refuses_a_code_with_a_wrong_check_digit():
    with translation.override("en"), pytest.raises(ApplicationError) as caught:
        organisation_create(
            actor=None,
            name="UAB „Klaida“",
            legal_code="121215435",
            organisation_type=OrganisationType.SME,
            region=Region.VILNIUS,
        )
    assert caught.value.field == "legal_code"
    assert "check digit" in caught.value.message
