"""The instrument implementation report: one instrument's financial and
indicator progress, its projects by status, and the annex of its projects."""

from django.utils.translation import gettext_lazy as _

from grants.models import Instrument
from grants.selectors.progress import count_projects
from reports.kinds import params as p
from reports.kinds import register
from reports.kinds.base import slug
from reports.kinds.implementation import PERIOD_FIELDS, ImplementationKind


@register
class InstrumentReport(ImplementationKind):
    code = "instrument"
    label = _("Instrument implementation report")
    short_name = _("instrument report")
    fields = ("instrument_id", *PERIOD_FIELDS)
    subject_model = Instrument
    subject_noun = "instrument"
    order = 20

    def form_fields(self, user):
        return {"instrument_id": p.instrument_form_field(user), **super().form_fields(user)}

    def file_stem(self, params: dict) -> str:
        code = Instrument.objects.filter(pk=params.get("instrument_id")).values_list("code", flat=True).first()
        return f"instrument-report-{slug(code or params.get('instrument_id'))}-{slug(self.day(params))}"

    def row_count(self, params: dict) -> int:
        return count_projects(instrument_id=params["instrument_id"])

    def scope(self, params: dict):
        instrument = Instrument.objects.select_related("programme").get(pk=params["instrument_id"])
        return instrument.programme, instrument, Instrument.objects.filter(pk=instrument.pk)
