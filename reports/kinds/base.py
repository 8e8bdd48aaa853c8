"""What every report kind provides. A kind is one module in reports/kinds/
with a subclass of `ReportKindBase` registered by `reports.kinds.register`, and
one template, templates/reports/pdf/<code>.html (extending
reports/pdf/base.html). The renderer and the job pipeline ask the kind for
everything kind-specific through these methods."""

import math
from datetime import datetime
from typing import Any, ClassVar

from django import forms
from django.core.exceptions import PermissionDenied
from django.utils.text import slugify
from django.utils.translation import gettext as _

from core.permissions import Access
from grants.selectors.asof import AsOf, local_zone
from reports.kinds import params as p


class ReportKindBase:
    """One kind of report. Subclasses set `code`, `label`, `short_name` and
    `fields`, and implement `clean`, `subject`, `file_stem` and `context`.
    Every kind also takes `language` ('lt' or 'en'), checked here in
    `validate`: the language the document is written in."""

    # The job's `kind` value and the template's name: reports/pdf/<code>.html.
    code: ClassVar[str] = ""
    # "Programme implementation report": the first words of every title.
    label: ClassVar[str] = ""
    # "programme report": the form's hint under a field that only some kinds use.
    short_name: ClassVar[str] = ""
    # The names of the parameters, in the form's order.
    fields: ClassVar[tuple[str, ...]] = ()
    # Split the report into sections of this many rows (0: never split).
    rows_per_section: ClassVar[int] = 0
    # Whether an applicant may ask for this kind (about its own organisation).
    for_applicants: ClassVar[bool] = False
    # Where the kind comes in lists (the form's choices), lowest first.
    order: ClassVar[int] = 100

    @property
    def template(self) -> str:
        return f"reports/pdf/{self.code}.html"

    # ------------------------------------------------------------ who and what

    def available_to(self, access: Access) -> bool:
        """Whether the role may ask for this kind at all (the form's choices)."""
        return access.requests_any_report or (self.for_applicants and access.uses_reports)

    def require_may_request(self, actor, params: dict) -> None:
        """Raise PermissionDenied unless `actor` may request this report with
        `params` (called on the raw parameters and again on the clean ones)."""
        if not Access.of(actor).requests_any_report:
            raise PermissionDenied(_("Your role does not allow requesting this report."))

    def form_fields(self, user) -> dict[str, forms.Field]:
        """The request form's field for each parameter (named as the parameter)."""
        return {}

    def validate(self, params: dict) -> dict:
        """The kind's parameters (`clean`) and the report's language, checked
        and normalised: what a job stores. Absent, the language is the active
        one, i.e. the requester's."""
        params = p.require_object(params)
        language = p.clean_language(params)
        clean = self.clean({name: value for name, value in params.items() if name != "language"})
        return {**clean, "language": language}

    def clean(self, params: dict) -> dict:
        """Check the kind's own parameters (without `language`) and return them
        normalised and JSON-safe. Raises ApplicationError naming the offending field."""
        raise NotImplementedError

    def language(self, params: dict) -> str:
        """The language of the document: the stored `language`, or Lithuanian
        for a job requested before reports had one."""
        return p.report_language(params)

    # ------------------------------------------------------------ names

    def subject(self, params: dict) -> str:
        """What the report is about (a programme's name, a project's code and title)."""
        raise NotImplementedError

    def title(self, params: dict) -> str:
        """'<label> — <subject>', e.g. 'Project statement — PRJ-1 Circular economy'."""
        return f"{self.label} — {self.subject(params)}"

    def running_title(self, params: dict) -> str:
        """The page header: the title without long free text."""
        return p.shorten(f"{self.label} — {self.subject(params)}", 100)

    def running_when(self, params: dict, as_of: datetime) -> str:
        return _("As of %(moment)s") % {"moment": f"{as_of.astimezone(local_zone()):%Y-%m-%d %H:%M}"}

    def file_stem(self, params: dict) -> str:
        """The file name's middle part, e.g. 'project-statement-prj-1'."""
        raise NotImplementedError

    # ------------------------------------------------------------ data

    def as_of(self, params: dict, moment: datetime) -> AsOf:
        """The moment and cut-off date the report's data is read at."""
        period = None
        if params.get("period_start"):
            period = (p.iso_date(params["period_start"]), p.iso_date(params["period_end"]))
        return AsOf.at(moment, as_of_date=p.iso_date(params.get("as_of_date")), period=period)

    def row_count(self, params: dict) -> int:
        """How many rows the split into sections counts (now, not as of)."""
        return 0

    def section_count(self, params: dict) -> int:
        if not self.rows_per_section:
            return 1
        return max(1, math.ceil(self.row_count(params) / self.rows_per_section))

    def section_rows(self, index: int) -> tuple[int, int | None]:
        """The rows start..stop that section `index` lists."""
        if not self.rows_per_section:
            return 0, None
        return index * self.rows_per_section, (index + 1) * self.rows_per_section

    def context(self, params: dict, as_of: AsOf, index: int) -> tuple[dict[str, Any], bool]:
        """The template context of section `index` (0 holds the front matter),
        and whether the section is empty (past the end of the data)."""
        raise NotImplementedError


def slug(text: Any) -> str:
    """An ASCII piece of a file name."""
    return slugify(str(text))[:60].strip("-") or "x"
