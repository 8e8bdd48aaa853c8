"""The programme implementation report: a programme's financial and indicator
progress by instrument, its projects by status, the cluster landscape against
the national targets, and the annex of every project."""

from django.utils.translation import gettext_lazy as _

from grants.models import Instrument, Programme
from grants.selectors.progress import count_projects
from reports.kinds import params as p
from reports.kinds import register
from reports.kinds.base import slug
from reports.kinds.implementation import PERIOD_FIELDS, ImplementationKind


@register
class ProgrammeReport(ImplementationKind):
    code = "programme"
    label = _("Programme implementation report")
    short_name = _("programme report")
    fields = ("programme_id", *PERIOD_FIELDS)
    with_landscape = True
    subject_model = Programme
    subject_noun = "programme"
    order = 10

    def form_fields(self, user):
        return {"programme_id": p.programme_form_field(user), **super().form_fields(user)}

    def file_stem(self, params: dict) -> str:
        return f"programme-report-{slug(self.day(params))}"

    def row_count(self, params: dict) -> int:
        return count_projects(programme_id=params["programme_id"])

    def scope(self, params: dict):
        programme = Programme.objects.get(pk=params["programme_id"])
        return programme, None, Instrument.objects.filter(programme=programme)
