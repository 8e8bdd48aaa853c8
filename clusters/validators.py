"""Validation of Lithuanian legal-entity codes (juridinio asmens kodas) and
VAT codes (PVM mokėtojo kodas)."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_errors
from stdnum.lt import pvm

COMPANY_CODE_RE = re.compile(r"^[1-3]\d{8}$")
# The Register of Legal Entities computes the ninth digit like the check digit of a
# personal code (asmens kodas): the first eight digits weighted 1..8, modulo 11; a
# remainder of 10 is retried with the weights 3..9, 1, and a second 10 gives 0.
FIRST_WEIGHTS = (1, 2, 3, 4, 5, 6, 7, 8)
SECOND_WEIGHTS = (3, 4, 5, 6, 7, 8, 9, 1)


def _remainder(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(digit) * weight for digit, weight in zip(digits, weights, strict=True)) % 11


def company_code_check_digit(first_eight: str) -> int:
    """The check digit that completes the eight leading digits of a company code."""
    if not re.fullmatch(r"\d{8}", first_eight):
        raise ValueError(f"{first_eight!r} is not eight digits.")
    remainder = _remainder(first_eight, FIRST_WEIGHTS)
    if remainder == 10:
        remainder = _remainder(first_eight, SECOND_WEIGHTS)
    return 0 if remainder == 10 else remainder


def validate_company_code(value: str) -> None:
    """Nine digits, as issued by the Register of Legal Entities: first digit 1-3,
    last digit the check digit of the first eight."""
    if not COMPANY_CODE_RE.match(value or ""):
        raise ValidationError(
            _("A Lithuanian company code has exactly 9 digits and starts with 1, 2 or 3 (e.g. 302345674)."),
            code="company_code",
        )
    if int(value[8]) != company_code_check_digit(value[:8]):
        raise ValidationError(
            _(
                "The last digit of this company code is not its check digit; "
                "check the code in the Register of Legal Entities."
            ),
            code="company_code_check_digit",
        )


def normalize_vat_code(value: str) -> str:
    """A VAT code as Fondas stores it: "LT" and its digits ("LT 1195 11515" →
    "LT119511515"); blank stays blank. Raises ValidationError when it is not a
    valid Lithuanian VAT code (9 or 12 digits whose last is the check digit,
    checked by python-stdnum's stdnum.lt.pvm)."""
    value = (value or "").strip()
    if not value:
        return ""
    try:
        digits = pvm.validate(value)
    except stdnum_errors.InvalidChecksum as exc:
        raise ValidationError(
            _("The last digit of this VAT code is not its check digit; check the code on the VAT certificate."),
            code="vat_code_check_digit",
        ) from exc
    except stdnum_errors.ValidationError as exc:
        raise ValidationError(
            _("A Lithuanian VAT code is LT followed by 9 or 12 digits (e.g. LT119511515)."),
            code="vat_code",
        ) from exc
    return f"LT{digits}"


def validate_vat_code(value: str) -> None:
    """Model validator: blank, or a valid Lithuanian VAT code (see `normalize_vat_code`)."""
    normalize_vat_code(value)
