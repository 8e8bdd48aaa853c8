"""Languages in Fondas: which language a request gets, and names stored in
both languages (programmes, instruments, indicators, cost categories, calls).

A named row keeps `<field>_lt` (required: the official name) and
`<field>_en` (optional). `localized_name` picks the active language's column
and falls back to Lithuanian when the English one is empty; `localized(path)`
does the same in SQL for `values()` and `annotate()`. Why a pair of columns and
not a translation library: docs/architecture.md, "Languages"."""

from django.conf import settings
from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import translation
from django.utils.translation import gettext_lazy as _

LITHUANIAN = "lt"
ENGLISH = "en"
LANGUAGE_CODES = tuple(code for code, _name in settings.LANGUAGES)


def active_language() -> str:
    """The active language's code, one of LANGUAGE_CODES (Lithuanian when none is active)."""
    code = (translation.get_language() or LITHUANIAN).split("-")[0].lower()
    return code if code in LANGUAGE_CODES else LITHUANIAN


def supported_language(code: str | None) -> str | None:
    """`code` when Fondas speaks it ('lt', 'en', 'en-GB' → 'en'), else None."""
    if not code:
        return None
    base = str(code).split("-")[0].lower()
    return base if base in LANGUAGE_CODES else None


def localized(path: str, language: str | None = None):
    """An SQL expression for the name at `path` (e.g. 'instrument__name') in
    `language` (the active one by default), Lithuanian when it is empty."""
    language = language or active_language()
    if language == LITHUANIAN:
        return F(f"{path}_{LITHUANIAN}")
    return Coalesce(NullIf(F(f"{path}_{language}"), Value("")), F(f"{path}_{LITHUANIAN}"))


def localized_value(obj, field: str, language: str | None = None) -> str:
    """`obj.<field>_<language>`, or the Lithuanian value when that is empty."""
    language = language or active_language()
    return getattr(obj, f"{field}_{language}", "") or getattr(obj, f"{field}_{LITHUANIAN}")


def value_language(obj, field: str, language: str | None = None) -> str:
    """The language `localized_value` returns the text in: the asked one, or
    Lithuanian when it fell back (pages mark such text with lang="lt")."""
    language = language or active_language()
    return language if getattr(obj, f"{field}_{language}", "") else LITHUANIAN


class BilingualName(models.Model):
    """A `name` in Lithuanian (required) and English (optional). Read
    `obj.name` for the active language; write `name_lt` and `name_en`."""

    name_lt = models.CharField(_("name in Lithuanian"), max_length=250)
    name_en = models.CharField(_("name in English"), max_length=250, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localized_value(self, "name")

    @property
    def name_lang(self) -> str:
        return value_language(self, "name")
