"""The programme implementation report: a programme's financial and indicator
progress by instrument, its projects by status, the cluster landscape against
the national targets, and the annex of every project."""

from grants.models import Instrument, Programme
from grants.selectors.progress import count_projects
from reports.kinds import params as p
from reports.kinds import register
from reports.kinds.base import slug
from reports.kinds.implementation import PERIOD_FIELDS, ImplementationKind


@register
class ProgrammeReport(ImplementationKind):
    code = "programme"
    label = "Programme implementation report"
    short_name = "programme report"
    fields = ("programme_id", *PERIOD_FIELDS)
    with_landscape = True
    order = 10

    def form_fields(self, user):
        return {"programme_id": p.programme_form_field(user), **super().form_fields(user)}

    def clean(self, params: dict) -> dict:
        params = p.require_object(params)
        p.reject_unknown(params, set(self.fields))
        programme_id = p.clean_existing(params, "programme_id", Programme, noun="programme")
        return {"programme_id": programme_id, **p.clean_period_or_as_of(params)}

    def subject(self, params: dict) -> str:
        name = Programme.objects.filter(pk=params.get("programme_id")).values_list("name", flat=True).first()
        return name or f"programme {params.get('programme_id')}"

    def file_stem(self, params: dict) -> str:
        return f"programme-report-{slug(self.day(params))}"

    def row_count(self, params: dict) -> int:
        return count_projects(programme_id=params["programme_id"])

    def scope(self, params: dict):
        programme = Programme.objects.get(pk=params["programme_id"])
        return programme, None, Instrument.objects.filter(programme=programme)
