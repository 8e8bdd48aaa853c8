"""The form that requests a report. Its kinds and their parameter fields come
from the registry (reports.kinds): each kind gives the fields of its
parameters, named as the parameters, so that an error about a parameter lands
on its field. Which parameters are valid and who may ask for what is decided
by reports.services.jobs.report_job_request, whose errors come back onto the
fields."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError
from core.permissions import Access
from reports.kinds import all_kinds, get_kind
from reports.kinds.params import language_form_field

# Start and end dates shown side by side.
PAIRED_FIELDS = {"period_start": "start", "period_end": "end", "date_from": "start", "date_to": "end"}


class ReportRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("Report"), choices=())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        access = Access.of(user)
        self.kinds = [kind for kind in all_kinds() if kind.available_to(access)]
        self.fields["kind"].choices = [(kind.code, kind.label) for kind in self.kinds]
        # A parameter that several kinds share (e.g. the period) is one field.
        for kind in self.kinds:
            for name, field in kind.form_fields(user).items():
                self.fields.setdefault(name, field)
        # Every kind is written in Lithuanian or English; the page's language first.
        self.fields["language"] = language_form_field()
        for name in self.fields:
            if name != "kind":
                self.fields[name].required = False

    def clean(self) -> dict:
        """Errors of fields the chosen kind does not use (hidden on the page) do not count."""
        cleaned = super().clean()
        code = cleaned.get("kind")
        if code:
            used = set(get_kind(code).fields)
            for name in [name for name in self._errors if name in self.fields and name != "kind"]:
                if name not in used:
                    del self._errors[name]
        return cleaned

    def initial_from_query(self, query) -> None:
        """Pre-fill an unbound form from a link such as the project page's
        '?kind=project&project_id=12'. Only known fields of kinds the user may
        ask for are taken; nothing is validated here (the submit checks it)."""
        code = query.get("kind")
        if code not in {kind.code for kind in self.kinds}:
            return
        self.initial["kind"] = code
        for name in get_kind(code).fields:
            value = query.get(name, "")
            if name in self.fields and value and len(value) <= 64 and value.isprintable():
                self.initial[name] = value

    def subject_field(self) -> str | None:
        """The field a refusal to report on this subject belongs to: the chosen
        kind's first parameter (the programme, instrument or project)."""
        code = self.cleaned_data.get("kind")
        fields = get_kind(code).fields if code else ()
        return fields[0] if fields and fields[0] in self.fields else None

    def kinds_using(self, name: str) -> list:
        return [kind for kind in self.kinds if name in kind.fields]

    def parameter_fields(self) -> list[dict]:
        """Each parameter field with the kinds that use it, for the template
        (the page shows only the chosen kind's fields when scripts run)."""
        groups = []
        for name in self.fields:
            used_by = self.kinds_using(name)
            if name in ("kind", "language") or not used_by:
                continue
            hint = "" if len(used_by) == len(self.kinds) else ", ".join(str(kind.short_name) for kind in used_by)
            groups.append(
                {
                    "field": self[name],
                    "kinds": " ".join(kind.code for kind in used_by),
                    "hint": hint,
                    "pair": PAIRED_FIELDS.get(name, ""),
                }
            )
        return groups

    def job_params(self) -> dict:
        """The chosen kind's parameters that were filled in, JSON-ready: objects
        by id, dates in ISO form."""
        kind = get_kind(self.cleaned_data["kind"])
        params = {}
        for name in kind.fields:
            value = self.cleaned_data.get(name)
            if value is None or value == "":
                continue
            if hasattr(value, "pk"):
                value = value.pk
            elif hasattr(value, "isoformat"):
                value = value.isoformat()
            params[name] = value
        if self.cleaned_data.get("language"):
            params["language"] = self.cleaned_data["language"]
        return params

    def add_application_error(self, error: ApplicationError) -> None:
        """Show a service's error next to the field it concerns (or above the form)."""
        field = (error.field or "").removeprefix("params.")
        self.add_error(field if field in self.fields else None, error.message)
