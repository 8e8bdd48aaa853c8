"""The national cluster-policy scorecard as a PDF: every national target as of
a day (today by default) with its trend chart, and the EU benchmarks. The data
is clusters.selectors.scorecard, the same as the scorecard page, its API and the
programme report's landscape chapter. Officers, auditors and applicants."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clusters import charts as cluster_charts
from clusters.selectors.scorecard import Scorecard, scorecard
from core.permissions import Access
from reports import charts
from reports.kinds import params as p
from reports.kinds import register
from reports.kinds.base import ReportKindBase, slug


def scorecard_context(card: Scorecard, first_figure: int) -> dict[str, Any]:
    """What templates/reports/pdf/scorecard_sections.html draws: the overview
    chart numbered `first_figure`, then a trend chart per measured target."""
    trend = cluster_charts.trend_charts(card)
    figures = [
        {"target": target, "chart": trend[target.id], "number": first_figure + 1 + index}
        for index, target in enumerate(t for t in card.targets if t.id in trend)
    ]
    return {
        "card": card,
        "targets_chart": charts.targets_chart(card.targets),
        "targets_figure": first_figure,
        "trend_figures": figures if not card.is_empty else [],
    }


@register
class ScorecardReport(ReportKindBase):
    code = "scorecard"
    label = gettext_lazy("National cluster-policy scorecard")
    short_name = gettext_lazy("scorecard")
    fields = ("day",)
    for_applicants = True
    order = 15

    def require_may_request(self, actor, params: dict) -> None:
        if not Access.of(actor).uses_reports:
            raise PermissionDenied(_("Your role does not allow requesting this report."))

    def form_fields(self, user):
        return {"day": p.date_form_field(_("As of"), _("Empty for today."))}

    def clean(self, params: dict) -> dict:
        params = p.require_object(params)
        p.reject_unknown(params, set(self.fields))
        # Stored as a date, so that the report reads the same day whenever it is rendered.
        return {"day": (p.clean_date(params, "day") or p.today()).isoformat()}

    def subject(self, params: dict) -> str:
        return _("as of %(date)s") % {"date": params.get("day") or p.today().isoformat()}

    def file_stem(self, params: dict) -> str:
        return f"scorecard-{slug(params.get('day') or p.today().isoformat())}"

    def context(self, params: dict, as_of, index: int) -> tuple[dict[str, Any], bool]:
        card = scorecard(p.iso_date(params.get("day")) or p.today())
        return scorecard_context(card, first_figure=1), False
