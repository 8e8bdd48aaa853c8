"""Validation of Lithuanian legal-entity codes (juridinio asmens kodas)."""

import re

from django.core.exceptions import ValidationError

COMPANY_CODE_RE = re.compile(r"^[1-3]\d{8}$")


def validate_company_code(value: str) -> None:
    """Nine digits, as issued by the Register of Legal Entities (first digit 1-3)."""
    if not COMPANY_CODE_RE.match(value or ""):
        raise ValidationError(
            "A Lithuanian company code has exactly 9 digits and starts with 1, 2 or 3 (e.g. 302345678).",
            code="company_code",
        )
