"""The form that requests a report. It turns the page's fields into the job's
`params`; which parameters a kind needs and who may ask for what is decided by
reports.services.report_job_request, whose errors come back onto the fields."""

from django import forms

from core.errors import ApplicationError
from core.permissions import Access
from grants.models import Instrument, Programme, Project
from grants.selectors.projects import projects_visible_to
from reports.models import ReportKind

# The parameters of each kind (reports.pdf.validate_params). The form's fields
# carry the same names, so an error about a parameter lands on its field.
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    ReportKind.PROGRAMME: ("programme_id", "as_of_date", "period_start", "period_end"),
    ReportKind.INSTRUMENT: ("instrument_id", "as_of_date", "period_start", "period_end"),
    ReportKind.PROJECT: ("project_id",),
    ReportKind.AUDIT_TRAIL: ("date_from", "date_to"),
}

KIND_SHORT_NAMES = {
    ReportKind.PROGRAMME: "programme report",
    ReportKind.INSTRUMENT: "instrument report",
    ReportKind.PROJECT: "project statement",
    ReportKind.AUDIT_TRAIL: "audit-trail extract",
}

# Start and end dates shown side by side.
PAIRED_FIELDS = {"period_start": "start", "period_end": "end", "date_from": "start", "date_to": "end"}

# Above this many visible projects a drop-down becomes unwieldy; the project is
# then typed by its code (and checked against the same visible set).
PROJECT_SELECT_LIMIT = 300


def _code_and_name(obj) -> str:
    return f"{obj.code} — {obj.name}"


def _code_and_title(project) -> str:
    return f"{project.code} — {project.title}"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ReportRequestForm(forms.Form):
    kind = forms.ChoiceField(label="Report", choices=ReportKind.choices)
    programme_id = forms.ModelChoiceField(
        label="Programme", queryset=Programme.objects.none(), required=False, empty_label="—"
    )
    instrument_id = forms.ModelChoiceField(
        label="Instrument", queryset=Instrument.objects.none(), required=False, empty_label="—"
    )
    project_id = forms.ModelChoiceField(
        label="Project", queryset=Project.objects.none(), required=False, empty_label="—"
    )
    as_of_date = forms.DateField(
        label="As of", required=False, widget=DateInput(), help_text="Leave empty for today, or give a period instead."
    )
    period_start = forms.DateField(label="Period from", required=False, widget=DateInput())
    period_end = forms.DateField(label="Period to", required=False, widget=DateInput())
    date_from = forms.DateField(label="Events from", required=False, widget=DateInput())
    date_to = forms.DateField(label="Events to", required=False, widget=DateInput())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if Access.of(user).sees_all_data:
            programmes = list(Programme.objects.order_by("code"))
            self.fields["programme_id"].queryset = Programme.objects.order_by("code")
            if len(programmes) == 1:  # most deployments run one programme: choose it for the user
                self.fields["programme_id"].initial = programmes[0].pk
            self.fields["instrument_id"].queryset = Instrument.objects.order_by("code")
        else:
            # An applicant asks only for statements of its organisation's projects.
            self.fields["kind"].choices = [(ReportKind.PROJECT.value, ReportKind.PROJECT.label)]
            for kind in (ReportKind.PROGRAMME, ReportKind.INSTRUMENT, ReportKind.AUDIT_TRAIL):
                for name in KIND_FIELDS[kind]:
                    self.fields.pop(name, None)
        for name in ("programme_id", "instrument_id"):
            if name in self.fields:
                self.fields[name].label_from_instance = _code_and_name
        projects = projects_visible_to(user).distinct().order_by("code")
        project_field = self.fields["project_id"]
        project_field.queryset = projects
        project_field.label_from_instance = _code_and_title
        if projects.count() > PROJECT_SELECT_LIMIT:
            project_field.to_field_name = "code"
            project_field.widget = forms.TextInput(attrs={"placeholder": "Project code"})
            project_field.help_text = "The project's code."

    def parameter_fields(self) -> list[dict]:
        """Each parameter field with the kinds that use it, for the template
        (the page shows only the chosen kind's fields when scripts run)."""
        kinds = [kind for kind, _label in self.fields["kind"].choices]
        groups = []
        for name in self.fields:
            used_by = [kind for kind in kinds if name in KIND_FIELDS[kind]]
            if name == "kind" or not used_by:
                continue
            hint = "" if len(used_by) == len(kinds) else ", ".join(KIND_SHORT_NAMES[kind] for kind in used_by)
            pair = PAIRED_FIELDS.get(name, "")
            groups.append({"field": self[name], "kinds": " ".join(used_by), "hint": hint, "pair": pair})
        return groups

    def job_params(self) -> dict:
        """The chosen kind's parameters that were filled in, JSON-ready: objects
        by id, dates in ISO form."""
        kind = self.cleaned_data["kind"]
        params = {}
        for name in KIND_FIELDS[kind]:
            value = self.cleaned_data.get(name)
            if value is None or value == "":
                continue
            params[name] = value.pk if hasattr(value, "pk") else value.isoformat()
        return params

    def add_application_error(self, error: ApplicationError) -> None:
        """Show a service's error next to the field it concerns (or above the form)."""
        field = (error.field or "").removeprefix("params.")
        self.add_error(field if field in self.fields else None, error.message)
