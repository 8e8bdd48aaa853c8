"""The officers' workspace for calls: the list, creating and editing a call
(draft only), its envelopes and criteria, opening and closing it, the
ranking and the funding decision. Officers and auditors read (auditors only
read); every other role gets 404, as if the pages did not exist. Writes go
through grants.services.selection."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clusters.models import OrganisationType
from core.concurrency import StaleEditError
from core.errors import ApplicationError
from core.formatting import format_money, format_quantity
from core.i18n import active_language
from core.models import Role
from core.permissions import Access
from core.templatetags.fondas import lt_data
from grants.forms.officer import CallForm, CriterionFormSet, DecisionForm, EnvelopeForm
from grants.models import ApplicationStatus, Call, CallStatus, Envelope, FundingDecision
from grants.selectors.ranking import ranking_page, ranking_pending_count
from grants.services.instruments import call_transition
from grants.services.selection import (
    call_create,
    call_decide,
    call_update,
    criteria_set,
    envelope_create,
    envelope_update,
)

# The statuses counted on the call list (drafts are the applicants' own business).
COUNTED_STATUSES = [status for status in ApplicationStatus if status != ApplicationStatus.DRAFT]
# Rows of each budget pool's list on one page of the ranking page.
RANKING_PER_PAGE = 50


def require_reader(request) -> Access:
    """Officers and auditors (and superuser administrators) read the
    workspace; anyone else gets 404."""
    access = Access.of(request.user)
    if not access.sees_all_data:
        raise Http404(_("No such page."))
    return access


def require_officer(request) -> None:
    """Only programme officers write; an auditor, who may read the page, is
    refused with 403; anyone else gets 404."""
    require_reader(request)
    if request.user.role != Role.OFFICER:
        raise PermissionDenied(_("Only programme officers may change calls and applications."))


def call_get(pk: int) -> Call:
    return get_object_or_404(Call.objects.select_related("instrument__programme"), pk=pk)


def calls_with_counts():
    """Every call with its instrument and the number of its applications in
    each status, in one query."""
    counts = {
        f"n_{status.value}": Count("applications", filter=Q(applications__status=status.value))
        for status in COUNTED_STATUSES
    }
    return (
        Call.objects.select_related("instrument")
        .annotate(**counts, n_total=Count("applications", filter=~Q(applications__status=ApplicationStatus.DRAFT)))
        .order_by("-opens_at", "code")
    )


@login_required
@require_GET
def call_list(request):
    require_reader(request)
    calls = list(calls_with_counts())
    for call in calls:
        call.status_counts = [
            (status.label, getattr(call, f"n_{status.value}"))
            for status in COUNTED_STATUSES
            if getattr(call, f"n_{status.value}")
        ]
    return render(request, "grants/manage/call_list.html", {"calls": calls})


@login_required
@require_http_methods(["GET", "POST"])
def call_create_view(request):
    require_officer(request)
    form = CallForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {name: value for name, value in form.cleaned_data.items() if name != "version"}
        try:
            call = call_create(actor=request.user, **data)
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, _("Call %(code)s created as a draft.") % {"code": call.code})
            return redirect("manage:call-detail", call.pk)
    return render(request, "grants/manage/call_form.html", {"form": form, "call": None})


@login_required
@require_GET
def call_detail(request, pk: int):
    require_reader(request)
    call = call_get(pk)
    context = {
        "call": call,
        "envelopes": call.envelopes.all(),
        "criteria": call.criteria.all(),
        "decision": getattr(call, "decision", None),
        "is_draft": call.status == CallStatus.DRAFT,
        "applicant_types": [
            OrganisationType(value).label for value in call.eligible_applicant_types if value in OrganisationType.values
        ],
    }
    return render(request, "grants/manage/call_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def call_update_view(request, pk: int):
    require_officer(request)
    call = call_get(pk)
    if call.status != CallStatus.DRAFT:
        messages.error(request, _("Only a draft call can be edited."))
        return redirect("manage:call-detail", call.pk)
    form = CallForm(request.POST or None, initial=CallForm.initial_for(call))
    if request.method == "POST" and form.is_valid():
        try:
            call_update(actor=request.user, call=call, **form.cleaned_data)
        except StaleEditError as error:
            # Someone saved the call meanwhile: their change is kept and the
            # form shows the call as it is now, with the message above it.
            call = call_get(pk)
            context = {"form": CallForm(initial=CallForm.initial_for(call)), "call": call, "stale": error.message}
            return render(request, "grants/manage/call_form.html", context, status=409)
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, _("Call %(code)s saved.") % {"code": call.code})
            return redirect("manage:call-detail", call.pk)
    return render(request, "grants/manage/call_form.html", {"form": form, "call": call})


@login_required
@require_POST
def call_status_change(request, pk: int, to_status: str):
    """Open or close a call (CALL_TRANSITIONS decides what is allowed)."""
    require_officer(request)
    call = call_get(pk)
    try:
        call_transition(actor=request.user, call=call, to_status=to_status)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        if to_status == CallStatus.OPEN:
            messages.success(request, _("Call %(code)s is open.") % {"code": call.code})
        else:
            messages.success(request, _("Call %(code)s is closed.") % {"code": call.code})
    return redirect("manage:call-detail", call.pk)


@login_required
@require_http_methods(["GET", "POST"])
def envelope_edit(request, pk: int, envelope_pk: int | None = None):
    """Add an envelope to a call, or change one."""
    require_officer(request)
    call = call_get(pk)
    envelope = get_object_or_404(Envelope, call=call, pk=envelope_pk) if envelope_pk else None
    if call.status != CallStatus.DRAFT:
        messages.error(request, _("Only a draft call's envelopes can be changed."))
        return redirect("manage:call-detail", call.pk)
    initial = EnvelopeForm.initial_for(envelope) if envelope else None
    form = EnvelopeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if envelope:
                envelope_update(actor=request.user, envelope=envelope, **form.cleaned_data)
            else:
                envelope = envelope_create(actor=request.user, call=call, **form.cleaned_data)
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, _("Envelope %(code)s saved.") % {"code": form.cleaned_data["code"]})
            return redirect("manage:call-detail", call.pk)
    return render(request, "grants/manage/envelope_form.html", {"form": form, "call": call, "envelope": envelope})


@login_required
@require_http_methods(["GET", "POST"])
def criteria_edit(request, pk: int):
    """The call's evaluation criteria as one formset; saving replaces them all."""
    require_officer(request)
    call = call_get(pk)
    if call.status != CallStatus.DRAFT:
        messages.error(request, _("Only a draft call's criteria can be changed."))
        return redirect("manage:call-detail", call.pk)
    initial = [
        {"code": c.code, "name_lt": c.name_lt, "name_en": c.name_en, "weight": c.weight, "max_score": c.max_score}
        for c in call.criteria.all()
    ]
    formset = CriterionFormSet(request.POST or None, initial=initial, prefix="criteria")
    service_error = None
    if request.method == "POST" and formset.is_valid():
        try:
            criteria_set(actor=request.user, call=call, criteria=formset.criteria())
        except ApplicationError as error:
            service_error = error.message
        else:
            messages.success(request, _("The criteria of %(code)s are saved.") % {"code": call.code})
            return redirect("manage:call-detail", call.pk)
    context = {"formset": formset, "call": call, "service_error": service_error}
    return render(request, "grants/manage/criteria_form.html", context)


def _pool_links(request, pool) -> dict:
    """The pager's and the "go to the cut-off" links of one pool's list: the
    query string with this pool's page changed, the other pools' kept."""
    parameter = f"page-{pool.key}"

    def to(page: int, anchor: str = "") -> str:
        query = request.GET.copy()
        query[parameter] = page
        return f"?{query.urlencode()}{anchor}"

    links = {}
    if pool.page > 1:
        links["first"], links["previous"] = to(1), to(pool.page - 1)
    if pool.page < pool.pages:
        links["next"], links["last"] = to(pool.page + 1), to(pool.pages)
    if pool.cutoff_page is not None:
        links["cutoff"] = to(pool.cutoff_page, f"#ranking-pool-{pool.pool_id}-cutoff")
    return links


# One row of a ranking list (the page's cells; the data-col attributes name
# the columns for tests). Built in Python rather than in the template: up to
# RANKING_PER_PAGE rows per pool, and the page must stay within 3× the raw
# ranking query's time (issue 8, "Performance"); Django's template engine
# spends about 40 µs on such a row, format_html a tenth of that.
_RANKING_ROW = (
    '<tr data-number="{number}"{cut_off_attributes}>'
    '<td class="num" data-col="rank">{rank}</td>'
    '<th scope="row"><a href="{url}">{number}</a>{cut_off_mark}</th>'
    "<td{lt}>{applicant}</td>"
    '<td class="num" data-col="score">{score}</td>'
    '<td class="num" data-col="grant">{grant}</td>'
    '<td class="num" data-col="cumulative">{cumulative}</td>'
    '<td data-col="outcome">{outcome}</td>'
    "</tr>\n"
)


def _ranking_rows_html(pool) -> str:
    """The rows of one page of a pool's list, as HTML (see _RANKING_ROW).
    The cut-off row (the first beyond the budget) is the target of the "go
    to the cut-off" link and is marked in words, not only by its style."""
    language = active_language()
    labels = {status.value: str(status.label) for status in ApplicationStatus}
    lt = lt_data()
    # The applications' links from one reversed URL (…/applications/0/).
    head, tail = reverse("manage:application-detail", args=[0]).rsplit("0", 1)
    cut_off_mark = format_html(" <mark>{}</mark>", _("budget cut-off"))
    cut_off_attributes = format_html(' id="ranking-pool-{}-cutoff" class="cut-off" tabindex="-1"', pool.pool_id)
    return mark_safe(  # noqa: S308 - every part escaped by format_html
        "".join(
            format_html(
                _RANKING_ROW,
                number=row.application.number,
                cut_off_attributes=cut_off_attributes if row.cut_off else "",
                rank=row.rank,
                url=f"{head}{row.application.pk}{tail}",
                cut_off_mark=cut_off_mark if row.cut_off else "",
                lt=lt,
                applicant=row.application.applicant.name,
                score=format_quantity(row.score, language),
                grant=format_money(row.grant, language),
                cumulative=format_money(row.cumulative, language),
                outcome=labels[row.outcome],
            )
            for row in pool.rows
        )
    )


def ranking_context(request, call: Call, form: DecisionForm) -> dict:
    """Each budget pool's summary and one page of its list (RANKING_PER_PAGE
    rows; the page of each pool in the query string, `page-<pool key>`)."""
    pages = {key.removeprefix("page-"): value for key, value in request.GET.items() if key.startswith("page-")}
    pools = ranking_page(call, pages=pages, per_page=RANKING_PER_PAGE)
    for pool in pools:
        pool.envelope_codes = ", ".join(e.code for e in pool.envelopes)
        pool.links = _pool_links(request, pool)
        pool.rows_html = _ranking_rows_html(pool)
    decision = FundingDecision.objects.filter(call=call).select_related("decided_by").first()
    return {
        "call": call,
        "pools": pools,
        "pending": ranking_pending_count(pools),
        "decision": decision,
        "form": form,
        "can_decide": decision is None and call.status == CallStatus.CLOSED,
    }


@login_required
@require_GET
def ranking_view(request, pk: int):
    require_reader(request)
    call = call_get(pk)
    return render(request, "grants/manage/ranking.html", ranking_context(request, call, DecisionForm()))


@login_required
@require_POST
def call_decide_view(request, pk: int):
    require_officer(request)
    call = call_get(pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            call_decide(actor=request.user, call=call, reasons=form.cleaned_data["reasons"])
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, _("The funding decision on %(code)s is recorded.") % {"code": call.code})
            return redirect("manage:ranking", call.pk)
    return render(request, "grants/manage/ranking.html", ranking_context(request, call, form), status=400)
