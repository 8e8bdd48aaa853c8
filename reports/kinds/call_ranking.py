"""The ranking list of a call: per budget pool (an envelope with a budget of
its own, or the call's shared budget), the evaluated applications by score
with their grants, the cumulative total against the budget and the outcome;
and the funding decision when it has been taken (outcome, reasons, who and
when). Officers and auditors only. Data: grants.selectors.ranking."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from grants.models import Call, FundingDecision
from grants.selectors.ranking import ranking, ranking_pending_count
from reports.kinds import params as p
from reports.kinds import register
from reports.kinds.base import ReportKindBase, slug


@register
class CallRankingReport(ReportKindBase):
    code = "call_ranking"
    label = _("Call ranking list")
    short_name = _("call ranking list")
    fields = ("call_id",)
    order = 50

    def form_fields(self, user):
        calls = Call.objects.select_related("instrument").order_by("-closes_at", "code")
        field = forms.ModelChoiceField(label=_("Call"), queryset=calls, required=False, empty_label="—")
        field.label_from_instance = lambda call: f"{call.code} — {call.title}"
        return {"call_id": field}

    def clean(self, params: dict) -> dict:
        params = p.require_object(params)
        p.reject_unknown(params, set(self.fields))
        return {"call_id": p.clean_existing(params, "call_id", Call, noun="call")}

    def subject(self, params: dict) -> str:
        call = Call.objects.filter(pk=params.get("call_id")).first()
        return f"{call.code} {call.title}" if call else gettext("call %(id)s") % {"id": params.get("call_id")}

    def running_title(self, params: dict) -> str:
        code = Call.objects.filter(pk=params.get("call_id")).values_list("code", flat=True).first()
        return f"{self.label} — {code or params.get('call_id')}"

    def file_stem(self, params: dict) -> str:
        code = Call.objects.filter(pk=params.get("call_id")).values_list("code", flat=True).first()
        return f"call-ranking-{slug(code or params.get('call_id'))}"

    def context(self, params, as_of, index):
        call = Call.objects.select_related("instrument").get(pk=params["call_id"])
        decision = FundingDecision.objects.select_related("decided_by").filter(call=call).first()
        pools = ranking(call)
        return {
            "call": call,
            "pools": [{"pool": pool, "sharing": ", ".join(e.code for e in pool.envelopes)} for pool in pools],
            "pending": ranking_pending_count(pools),
            "decision": decision,
        }, False
