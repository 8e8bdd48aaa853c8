"""The national cluster-policy scorecard page (/clusters/scorecard/): every
target as of a day (today by default) with its trend chart, the clusters behind
it and the EU benchmarks beside. Officers, auditors and applicants; others 404."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from clusters import charts
from clusters.selectors.scorecard import scorecard, scorecard_today
from core.permissions import Access


def may_see_scorecard(user) -> bool:
    access = Access.of(user)
    return access.sees_all_data or access.acts_for_organisation


class ScorecardDayForm(forms.Form):
    day = forms.DateField(
        label=_("As of"),
        required=False,
        help_text=_("A day in the form YYYY-MM-DD; empty for today."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


@login_required
def scorecard_page(request):
    if not may_see_scorecard(request.user):
        raise Http404
    form = ScorecardDayForm(request.GET or None)
    day = form.cleaned_data.get("day") if form.is_valid() else None
    card = scorecard(day or scorecard_today())
    return render(
        request,
        "clusters/scorecard/scorecard.html",
        {
            "form": form,
            "card": card,
            "charts": charts.trend_charts(card),
            "is_today": card.day == scorecard_today(),
        },
    )
