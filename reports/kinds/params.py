"""Parameter rules shared by every report kind: ids of existing objects,
dates, periods, free text. Each rule raises ApplicationError naming the
parameter, so the API answers 400 with the field and the form shows the message
next to it. Every kind checks its parameters with these rules when the report
is requested, so a job never starts with parameters it cannot render.

Dates: no date may lie in the future or before EARLIEST_DATE (Fondas holds
programmes from 2000 on; Lithuania's first EU-funded programmes started in
2004), and a period or date range may not be longer than MAX_SPAN_YEARS
(a programme period with its closure runs about 10 years)."""

import re
import unicodedata
from datetime import date
from typing import Any

from django import forms
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import ApplicationError
from core.i18n import LANGUAGE_CODES, LITHUANIAN, active_language
from core.permissions import Access
from grants.models import Instrument, Programme
from grants.selectors.projects import projects_visible_to

EARLIEST_DATE = date(2000, 1, 1)
MAX_SPAN_YEARS = 15
MAX_TEXT_LENGTH = 64
ID_RE = re.compile(r"\s*\d{1,18}\s*")
OBJECT_TYPE_RE = re.compile(r"[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*")

__all__ = ["ApplicationError"]  # re-exported for the kind modules


def today() -> date:
    return timezone.localdate()


def _shown(name: Any) -> str:
    """A parameter name fit to print (no control characters, bounded)."""
    text = "".join(ch if ch.isprintable() else "?" for ch in str(name))
    return text[:40]


def reject_unknown(params: dict, allowed: set[str]) -> None:
    for name in params:
        if name not in allowed:
            shown = _shown(name)
            raise ApplicationError(_("Unknown parameter “%(name)s”.") % {"name": shown}, field=shown)


def require_object(params: Any) -> dict:
    if not isinstance(params, dict):
        raise ApplicationError(_("Report parameters must be an object."), field="params")
    return params


def clean_text(params: dict, name: str, *, max_length: int = MAX_TEXT_LENGTH, required: bool = True) -> str | None:
    """Printable text without NUL, lone surrogates or other control characters
    (PostgreSQL cannot store NUL, and a lone surrogate cannot be encoded)."""
    value = params.get(name)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ApplicationError(_("“%(name)s” is required.") % {"name": name}, field=name)
        return None
    if not isinstance(value, str):
        raise ApplicationError(_("“%(name)s” must be text.") % {"name": name}, field=name)
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in value):
        raise ApplicationError(
            _("“%(name)s” contains a control character or an invalid one.") % {"name": name}, field=name
        )
    value = value.strip()
    if len(value) > max_length:
        raise ApplicationError(
            _("“%(name)s” must be at most %(max)d characters.") % {"name": name, "max": max_length}, field=name
        )
    return value


# What the id rules say about the object a parameter names, by noun
# (Lithuanian declines the noun, so each message is whole).
NOUN_MESSAGES = {
    "programme": (
        gettext_lazy("Choose a programme (“%(name)s” is required)."),
        gettext_lazy("There is no programme %(id)s."),
    ),
    "instrument": (
        gettext_lazy("Choose an instrument (“%(name)s” is required)."),
        gettext_lazy("There is no instrument %(id)s."),
    ),
    "project": (
        gettext_lazy("Choose a project (“%(name)s” is required)."),
        gettext_lazy("There is no project %(id)s."),
    ),
    "call": (
        gettext_lazy("Choose a call (“%(name)s” is required)."),
        gettext_lazy("There is no call %(id)s."),
    ),
}
GENERIC_NOUN_MESSAGES = (
    gettext_lazy("Choose a value (“%(name)s” is required)."),
    gettext_lazy("There is no object %(id)s (“%(name)s”)."),
)


def clean_id(params: dict, name: str, *, noun: str) -> int:
    """A positive whole number, given as a number or as digits."""
    value = params.get(name)
    if value is None or value == "":
        message = NOUN_MESSAGES.get(noun, GENERIC_NOUN_MESSAGES)[0]
        raise ApplicationError(str(message) % {"name": name}, field=name)
    if isinstance(value, bool):
        raise ApplicationError(_("“%(name)s” must be a whole number.") % {"name": name}, field=name)
    if isinstance(value, str) and ID_RE.fullmatch(value):
        value = int(value)
    if not isinstance(value, int) or value <= 0:
        raise ApplicationError(_("“%(name)s” must be a positive whole number.") % {"name": name}, field=name)
    return value


def clean_existing(params: dict, name: str, model: type[Model], *, noun: str) -> int:
    """The id of an existing `model` row."""
    pk = clean_id(params, name, noun=noun)
    if not model._default_manager.filter(pk=pk).exists():
        message = NOUN_MESSAGES.get(noun, GENERIC_NOUN_MESSAGES)[1]
        raise ApplicationError(str(message) % {"id": pk, "name": name}, field=name)
    return pk


def clean_date(params: dict, name: str) -> date | None:
    """An ISO date (YYYY-MM-DD) between EARLIEST_DATE and today, or None when absent."""
    value = params.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, date):
        day = value
    elif isinstance(value, str):
        try:
            day = date.fromisoformat(value.strip())
        except ValueError:
            raise ApplicationError(_("“%(name)s” must be a date (YYYY-MM-DD).") % {"name": name}, field=name) from None
    else:
        raise ApplicationError(_("“%(name)s” must be a date (YYYY-MM-DD).") % {"name": name}, field=name)
    if day > today():
        raise ApplicationError(
            _("“%(name)s” cannot be in the future (%(date)s).") % {"name": name, "date": day.isoformat()}, field=name
        )
    if day < EARLIEST_DATE:
        raise ApplicationError(
            _("“%(name)s” cannot be before %(date)s.") % {"name": name, "date": EARLIEST_DATE.isoformat()}, field=name
        )
    return day


# The messages about a period or a date range, by `what`: (no start, no end,
# end before start, too long).
SPAN_MESSAGES = {
    "The period": (
        gettext_lazy("The period needs a start date."),
        gettext_lazy("The period needs an end date."),
        gettext_lazy("The period must end on or after its start."),
        gettext_lazy("The period cannot be longer than %(years)d years."),
    ),
    "The date range": (
        gettext_lazy("The date range needs a start date."),
        gettext_lazy("The date range needs an end date."),
        gettext_lazy("The date range must end on or after its start."),
        gettext_lazy("The date range cannot be longer than %(years)d years."),
    ),
}


def _span_message(what: str, index: int) -> str:
    return str(SPAN_MESSAGES.get(what, SPAN_MESSAGES["The date range"])[index])


def check_span(start: date, end: date, *, end_name: str, what: str) -> None:
    """`what` ('The period' or 'The date range') must end on or after its start
    and last at most MAX_SPAN_YEARS."""
    if end < start:
        raise ApplicationError(_span_message(what, 2), field=end_name)
    try:
        limit = start.replace(year=start.year + MAX_SPAN_YEARS)
    except ValueError:  # 29 February
        limit = date(start.year + MAX_SPAN_YEARS, 3, 1)
    if end >= limit:
        raise ApplicationError(_span_message(what, 3) % {"years": MAX_SPAN_YEARS}, field=end_name)


def clean_date_range(params: dict, start_name: str, end_name: str, *, what: str) -> tuple[date, date]:
    """Both dates required, each valid, the range in order and not too long."""
    start, end = clean_date(params, start_name), clean_date(params, end_name)
    if not start:
        raise ApplicationError(_span_message(what, 0), field=start_name)
    if not end:
        raise ApplicationError(_span_message(what, 1), field=end_name)
    check_span(start, end, end_name=end_name, what=what)
    return start, end


def clean_period_or_as_of(params: dict) -> dict[str, str]:
    """period_start + period_end, or as_of_date (default: today), as ISO strings."""
    as_of_date = clean_date(params, "as_of_date")
    if params.get("period_start") or params.get("period_end"):
        if as_of_date:
            raise ApplicationError(_("Give either a period or an as-of date, not both."), field="as_of_date")
        start, end = clean_date_range(params, "period_start", "period_end", what="The period")
        return {"period_start": start.isoformat(), "period_end": end.isoformat()}
    return {"as_of_date": (as_of_date or today()).isoformat()}


def clean_language(params: dict) -> str:
    """The report's language, 'lt' or 'en'; the active language (the
    requester's) when absent."""
    value = params.get("language")
    if value is None or value == "":
        return active_language()
    if not isinstance(value, str) or value.strip().lower() not in LANGUAGE_CODES:
        choices = ", ".join(f"“{code}”" for code in LANGUAGE_CODES)
        raise ApplicationError(
            _("The report's language must be one of %(choices)s.") % {"choices": choices}, field="language"
        )
    return value.strip().lower()


def report_language(params: dict) -> str:
    """The language a job's stored parameters render in: Lithuanian for jobs
    requested before reports had a language."""
    language = params.get("language") if isinstance(params, dict) else None
    return language if language in LANGUAGE_CODES else LITHUANIAN


def iso_date(value: Any) -> date | None:
    """A stored (already checked) ISO date parameter."""
    if value in (None, ""):
        return None
    return value if isinstance(value, date) else date.fromisoformat(value)


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --------------------------------------------------------------------------- form fields

# Above this many visible projects a drop-down becomes unwieldy; the project is
# then typed by its code (and checked against the same visible set).
PROJECT_SELECT_LIMIT = 300


class ISODateInput(forms.TextInput):
    """A date typed as YYYY-MM-DD, whatever the browser's locale (a native
    date picker shows mm/dd/yyyy in an English browser)."""

    def __init__(self, attrs=None):
        base = {"placeholder": "YYYY-MM-DD", "inputmode": "numeric", "pattern": r"\d{4}-\d{2}-\d{2}", "size": 10}
        super().__init__(attrs={**base, **(attrs or {})})

    def format_value(self, value):
        return value.isoformat() if isinstance(value, date) else super().format_value(value)


def date_form_field(label: str, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        widget=ISODateInput(),
        input_formats=["%Y-%m-%d"],
        help_text=help_text or "YYYY-MM-DD",
        error_messages={"invalid": gettext_lazy("Enter a date as YYYY-MM-DD.")},
    )


def period_form_fields() -> dict[str, forms.Field]:
    return {
        "as_of_date": date_form_field(
            gettext_lazy("As of"), gettext_lazy("YYYY-MM-DD. Leave empty for today, or give a period instead.")
        ),
        "period_start": date_form_field(gettext_lazy("Period from")),
        "period_end": date_form_field(gettext_lazy("Period to")),
    }


def language_form_field() -> forms.ChoiceField:
    """The report's language; the form starts with the page's language."""
    return forms.ChoiceField(
        label=gettext_lazy("Language of the report"),
        choices=[(LITHUANIAN, "Lietuvių"), ("en", "English")],
        required=False,
        initial=active_language,
    )


def _code_and_name(obj) -> str:
    return f"{obj.code} — {obj.name}"


def programme_form_field(user) -> forms.ModelChoiceField:
    programmes = Programme.objects.order_by("code") if Access.of(user).sees_all_data else Programme.objects.none()
    field = forms.ModelChoiceField(
        label=gettext_lazy("Programme"), queryset=programmes, required=False, empty_label="—"
    )
    field.label_from_instance = _code_and_name
    only = list(programmes[:2])
    if len(only) == 1:  # most deployments run one programme: choose it for the user
        field.initial = only[0].pk
    return field


def instrument_form_field(user) -> forms.ModelChoiceField:
    instruments = Instrument.objects.order_by("code") if Access.of(user).sees_all_data else Instrument.objects.none()
    field = forms.ModelChoiceField(
        label=gettext_lazy("Instrument"), queryset=instruments, required=False, empty_label="—"
    )
    field.label_from_instance = _code_and_name
    return field


def project_form_field(user) -> forms.ModelChoiceField:
    projects = projects_visible_to(user).distinct().order_by("code")
    field = forms.ModelChoiceField(label=gettext_lazy("Project"), queryset=projects, required=False, empty_label="—")
    field.label_from_instance = lambda project: f"{project.code} — {project.title}"
    if projects.count() > PROJECT_SELECT_LIMIT:
        field.to_field_name = "code"
        field.widget = forms.TextInput(attrs={"placeholder": gettext_lazy("Project code")})
        field.help_text = gettext_lazy("The project's code.")
    return field
