"""The instrument implementation report: one instrument's financial and
indicator progress, its projects by status, and the annex of its projects."""

from grants.models import Instrument
from grants.selectors.progress import count_projects
from reports.kinds import params as p
from reports.kinds import register
from reports.kinds.base import slug
from reports.kinds.implementation import PERIOD_FIELDS, ImplementationKind


@register
class InstrumentReport(ImplementationKind):
    code = "instrument"
    label = "Instrument implementation report"
    short_name = "instrument report"
    fields = ("instrument_id", *PERIOD_FIELDS)
    order = 20

    def form_fields(self, user):
        return {"instrument_id": p.instrument_form_field(user), **super().form_fields(user)}

    def clean(self, params: dict) -> dict:
        params = p.require_object(params)
        p.reject_unknown(params, set(self.fields))
        instrument_id = p.clean_existing(params, "instrument_id", Instrument, noun="instrument")
        return {"instrument_id": instrument_id, **p.clean_period_or_as_of(params)}

    def subject(self, params: dict) -> str:
        name = Instrument.objects.filter(pk=params.get("instrument_id")).values_list("name", flat=True).first()
        return name or f"instrument {params.get('instrument_id')}"

    def file_stem(self, params: dict) -> str:
        code = Instrument.objects.filter(pk=params.get("instrument_id")).values_list("code", flat=True).first()
        return f"instrument-report-{slug(code or params.get('instrument_id'))}-{slug(self.day(params))}"

    def row_count(self, params: dict) -> int:
        return count_projects(instrument_id=params["instrument_id"])

    def scope(self, params: dict):
        instrument = Instrument.objects.select_related("programme").get(pk=params["instrument_id"])
        return instrument.programme, instrument, Instrument.objects.filter(pk=instrument.pk)
