"""Budget tracking (grants.selectors.budget): a project's budget lines against
claimed, verified eligible and paid expenditure, to the cent, for claims in
every status; roll-ups per call, instrument and programme equal to the sum of
their projects; the as-of cut-off; fixed numbers of queries; indicator values
of claims that are not approved never count; generate_load's claims keep the
services' invariants."""

import os
from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import Role
from grants.models import (
    BudgetLine,
    ClaimStatus,
    ExpenditureItem,
    Payment,
    PaymentClaim,
    PaymentKind,
    Project,
    ProjectStatus,
)
from grants.selectors.asof import AsOf
from grants.selectors.budget import budget_rollup, project_budget, rollup_annotations, rollup_total
from grants.selectors.progress import instrument_progress
from grants.selectors.projects import project_indicators
from grants.services import payment_create, project_transition
from tests.factories import IndicatorFactory, UserFactory, make_call, make_instrument, make_project
from tests.grants.budget_fixtures import every_status, indicator_value, make_claim

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def project():
    instrument = make_instrument(code="BUD", allocation="900000.00")
    project = make_project(instrument, lines={"STAFF": "8000.00", "EQUIP": "2000.00"})
    return project_transition(actor=None, project=project, to_status=ProjectStatus.IN_IMPLEMENTATION)


@pytest.fixture
def officer():
    return UserFactory(role=Role.OFFICER)


def _with_advance(project, amount="3000.00"):
    payment_create(actor=None, project=project, kind=PaymentKind.ADVANCE, paid_on=date(2020, 2, 1), amount=amount)


# --------------------------------------------------------------------------- the project's table


def test_project_table_counts_each_status_to_the_cent(project):
    every_status(project)
    _with_advance(project)
    table = project_budget(project)
    rows = {row.category_code: (row.planned, row.claimed, row.verified, row.paid) for row in table.rows}
    # Claimed: submitted 200 + returned 50 + approved 1,000 + paid 1,500.25 (not the draft, not the rejected).
    # Verified: approved 900.50 + paid 1,500.25 (not the one under verification). Paid: the paid claim's.
    assert rows == {
        "EQUIP": (D("2000.00"), D("799.99"), D("480.00"), D("80.00")),
        "STAFF": (D("8000.00"), D("2750.25"), D("2400.75"), D("1500.25")),
    }
    assert (table.planned, table.claimed, table.verified, table.paid) == (
        D("10000.00"),
        D("3550.24"),
        D("2880.75"),
        D("1580.25"),
    )
    # Payments: the advance 3,000.00 and the paid claim's 1,113.18.
    assert table.grant == D("7000.00")
    assert table.payments_total == D("4113.18")
    assert table.remaining_grant == D("2886.82")


def test_project_page_shows_the_budget_line_table(client, officer, project):
    every_status(project)
    _with_advance(project)
    client.force_login(officer)
    client.cookies["django_language"] = "en"
    html = client.get(reverse("project-detail", args=[project.pk])).content.decode()
    assert '<table class="data" id="budget-lines">' in html
    assert 'aria-labelledby="budget-caption"' in html and '<caption id="budget-caption">' in html
    for figure in ("€2,750.25", "€2,400.75", "€1,500.25", "€799.99", "€480.00", "€3,550.24", "€2,880.75"):
        assert figure in html, figure
    assert 'data-col="remaining_grant">€2,886.82<' in html
    assert 'data-col="payments_total">€4,113.18<' in html
    assert html.count('<th scope="col" class="num">') >= 4


def test_a_line_without_claims_is_all_zero_and_a_project_without_lines_is_empty(project):
    table = project_budget(project)
    assert [(r.claimed, r.verified, r.paid) for r in table.rows] == [(D("0.00"),) * 3] * 2
    assert table.remaining_grant == project.grant_amount


# --------------------------------------------------------------------------- roll-ups


def _portfolio():
    """Two programmes' instruments, calls and projects with claims and payments."""
    first = make_instrument(code="RA", allocation="500000.00")
    second = make_instrument(code="RB", allocation="300000.00")
    calls = [
        make_call(first, code="RA-1", budget="100000.00"),
        make_call(first, code="RA-2", budget="100000.00"),
        make_call(second, code="RB-1", budget="100000.00"),
    ]
    projects = []
    for i, call in enumerate([calls[0], calls[0], calls[1], calls[2], calls[2], None]):
        instrument = call.instrument if call else second
        project = make_project(instrument, call=call, lines={"STAFF": f"{5000 + 10 * i}.00", "EQUIP": "1000.00"})
        project_transition(actor=None, project=project, to_status=ProjectStatus.IN_IMPLEMENTATION)
        make_claim(project, ClaimStatus.PAID, [("STAFF", f"{100 + i}.10", f"{90 + i}.05"), ("EQUIP", "10.00", "9.99")])
        make_claim(project, ClaimStatus.SUBMITTED, [("EQUIP", f"{i + 1}.01", None)])
        make_claim(project, ClaimStatus.APPROVED, [("STAFF", "20.00", "19.99")])
        _with_advance(project, f"{500 + i}.00")
        projects.append(project)
    return first, second, calls, projects


def _sums(projects) -> dict:
    tables = [project_budget(p) for p in projects]
    return {
        "project_count": len(projects),
        "planned": sum((p.eligible_cost for p in projects), D("0.00")),
        "grant": sum((p.grant_amount for p in projects), D("0.00")),
        "claimed": sum((t.claimed for t in tables), D("0.00")),
        "verified": sum((t.verified for t in tables), D("0.00")),
        "paid": sum((t.payments_total for t in tables), D("0.00")),
    }


def _figures(row) -> dict:
    return {k: getattr(row, k) for k in ("project_count", "planned", "grant", "claimed", "verified", "paid")}


def test_each_rollup_level_equals_the_sum_of_its_projects():
    first, second, calls, projects = _portfolio()
    by_instrument = {row.pk: row for row in budget_rollup("instrument", ids=[first.pk, second.pk])}
    for instrument in (first, second):
        mine = [p for p in projects if p.instrument_id == instrument.pk]
        assert _figures(by_instrument[instrument.pk]) == _sums(mine)
        assert by_instrument[instrument.pk].remaining == instrument_row_remaining(mine)
    by_call = {row.pk: row for row in budget_rollup("call", parent_ids=[first.pk, second.pk])}
    assert set(by_call) == {c.pk for c in calls}
    for call in calls:
        assert _figures(by_call[call.pk]) == _sums([p for p in projects if p.call_id == call.pk])
    programmes = {row.pk: row for row in budget_rollup("programme")}
    for instrument in (first, second):
        mine = [p for p in projects if p.instrument.programme_id == instrument.programme_id]
        assert _figures(programmes[instrument.programme_id]) == _sums(mine)
    total = rollup_total(list(by_instrument.values()))
    assert total.claimed == _sums(projects)["claimed"] and total.remaining == total.grant - total.paid


def instrument_row_remaining(projects) -> Decimal:
    sums = _sums(projects)
    return sums["grant"] - sums["paid"]


def test_the_annotations_give_the_rollups_figures():
    first, _second, calls, _projects = _portfolio()
    rows = {row.pk: row for row in budget_rollup("call", parent_ids=[first.pk])}
    from grants.models import Call

    for call in Call.objects.filter(instrument=first).annotate(**rollup_annotations("call")):
        row = rows[call.pk]
        assert (
            call.rollup_planned,
            call.rollup_grant,
            call.rollup_claimed,
            call.rollup_verified,
            call.rollup_paid,
        ) == (
            row.planned,
            row.grant,
            row.claimed,
            row.verified,
            row.paid,
        )
        assert call.rollup_remaining == row.remaining


def test_the_instrument_progress_declares_the_verified_eligible_expenditure():
    first, second, _calls, _projects = _portfolio()
    progress = {row.pk: row for row in instrument_progress(instrument_ids=[first.pk, second.pk])}
    for row in budget_rollup("instrument", ids=[first.pk, second.pk]):
        assert progress[row.pk].verified_total == row.verified > 0


def test_an_unknown_level_is_refused():
    with pytest.raises(ValueError, match="level"):
        budget_rollup("project")


# --------------------------------------------------------------------------- as-of cut-off


def test_the_cutoff_counts_claims_from_submission_decision_and_payment(project):
    make_claim(
        project,
        ClaimStatus.PAID,
        [("STAFF", "1000.00", "800.00")],
        submitted_on=date(2024, 3, 10),
        decided_on=date(2024, 5, 2),
        paid_on=date(2024, 5, 20),
        payment="560.00",
    )
    instrument = project.instrument

    def rollup(day):
        row = budget_rollup("instrument", ids=[instrument.pk], cutoff=day)[0]
        return row.claimed, row.verified, row.paid

    assert rollup(date(2024, 3, 9)) == (D("0.00"), D("0.00"), D("0.00"))
    assert rollup(date(2024, 3, 10)) == (D("1000.00"), D("0.00"), D("0.00"))
    assert rollup(date(2024, 5, 2)) == (D("1000.00"), D("800.00"), D("0.00"))
    assert rollup(date(2024, 5, 20)) == (D("1000.00"), D("800.00"), D("560.00"))
    line = {day: project_budget(project, cutoff=day).rows for day in (date(2024, 5, 19), date(2024, 5, 20))}
    staff = {day: next(r for r in rows if r.category_code == "STAFF") for day, rows in line.items()}
    assert (staff[date(2024, 5, 19)].verified, staff[date(2024, 5, 19)].paid) == (D("800.00"), D("0.00"))
    assert staff[date(2024, 5, 20)].paid == D("800.00")
    assert project_budget(project, cutoff=date(2024, 5, 19)).payments_total == D("0.00")
    # An AsOf works too, as the reports pass it.
    assert budget_rollup("instrument", ids=[instrument.pk], cutoff=AsOf.at(as_of_date=date(2024, 3, 9)))[0].claimed == 0


# --------------------------------------------------------------------------- indicators


def test_only_values_of_progress_reports_and_approved_claims_count(project):
    indicator = IndicatorFactory(code="BUD-O1", unit="companies")
    approved = make_claim(project, ClaimStatus.APPROVED, [("STAFF", "10.00", "10.00")])
    paid = make_claim(project, ClaimStatus.PAID, [("STAFF", "10.00", "10.00")])
    submitted = make_claim(project, ClaimStatus.SUBMITTED, [("STAFF", "10.00", None)])
    rejected = make_claim(project, ClaimStatus.REJECTED, [("STAFF", "10.00", "0.00")])
    indicator_value(project, indicator, "1")  # a progress report
    indicator_value(project, indicator, "10", approved)
    indicator_value(project, indicator, "100", paid)
    # Never written by the services (values become rows on approval), guarded anyway.
    indicator_value(project, indicator, "1000", submitted)
    indicator_value(project, indicator, "10000", rejected)
    achieved = {row.code: row.achieved for row in project_indicators(project)}
    assert achieved == {"BUD-O1": D("111")}
    from grants.services import instrument_indicator_set

    instrument_indicator_set(actor=None, instrument=project.instrument, indicator=indicator, target_value=D("200"))
    row = instrument_progress(instrument_ids=[project.instrument_id])[0]
    assert [(i.code, i.achieved, i.percent_of_target) for i in row.indicators] == [("BUD-O1", D("111.00"), D("55.50"))]


# --------------------------------------------------------------------------- fixed queries


def _count(function) -> int:
    with CaptureQueriesContext(connection) as ctx:
        function()
    return len(ctx.captured_queries)


def test_the_project_page_and_table_cost_the_same_queries_with_few_or_many_claims(client, officer, project):
    client.force_login(officer)
    url = reverse("project-detail", args=[project.pk])
    make_claim(project, ClaimStatus.PAID, [("STAFF", "10.00", "10.00")])
    page_small, table_small = _count(lambda: client.get(url)), _count(lambda: project_budget(project))
    for status in (ClaimStatus.PAID, ClaimStatus.APPROVED, ClaimStatus.SUBMITTED) * 6:
        make_claim(project, status, [("STAFF", "10.00", "9.00"), ("EQUIP", "5.00", "5.00")] * 3)
    assert _count(lambda: client.get(url)) == page_small
    assert _count(lambda: project_budget(project)) == table_small == 2
    assert _count(lambda: project_budget(project, payments_total=D("0.00"))) == 1


def test_rollups_cost_four_queries_whatever_the_size():
    instrument = make_instrument(code="RQ")
    call = make_call(instrument, code="RQ-1")

    def add(n):
        for _ in range(n):
            p = make_project(instrument, call=call, lines={"STAFF": "1000.00"})
            make_claim(p, ClaimStatus.PAID, [("STAFF", "10.00", "10.00")])

    add(1)
    small = {level: _count(lambda level=level: budget_rollup(level)) for level in ("call", "instrument", "programme")}
    add(15)
    large = {level: _count(lambda level=level: budget_rollup(level)) for level in ("call", "instrument", "programme")}
    assert small == large == {"call": 4, "instrument": 4, "programme": 4}
    assert budget_rollup("call", ids=[call.pk])[0].project_count == 16


def test_the_home_page_costs_the_same_queries_with_more_claims(client, officer):
    client.force_login(officer)
    _portfolio()
    before = _count(lambda: client.get(reverse("home")))
    project = Project.objects.first()
    for _ in range(5):
        make_claim(project, ClaimStatus.APPROVED, [("STAFF", "1.00", "1.00")])
    assert _count(lambda: client.get(reverse("home"))) == before


def test_the_home_and_instrument_pages_show_the_rollup(client, officer):
    first, _second, calls, projects = _portfolio()
    client.force_login(officer)
    client.cookies["django_language"] = "en"
    home = client.get(reverse("home")).content.decode()
    assert f'id="expenditure-{first.programme_id}"' in home
    sums = _sums([p for p in projects if p.instrument_id == first.pk])
    page = client.get(reverse("instrument-detail", args=[first.pk])).content.decode()
    assert 'id="call-rollup"' in page and 'aria-labelledby="call-rollup-caption"' in page
    verified = f"€{sums['verified']:,.2f}"
    assert f'data-col="verified_total">{verified}<' in page
    row = budget_rollup("call", ids=[calls[0].pk])[0]
    assert f'data-col="claimed">€{row.claimed:,.2f}<' in page


# --------------------------------------------------------------------------- generate_load's claims


def test_generated_claims_keep_the_services_invariants():
    with open(os.devnull, "w") as out:
        call_command("generate_load", projects=60, claims_per_project=3, items_per_claim=4, seed=3, stdout=out)
    claims = PaymentClaim.objects.all()
    statuses = Counter(claims.values_list("status", flat=True))
    assert statuses[ClaimStatus.PAID] > statuses[ClaimStatus.SUBMITTED] > 0
    assert {ClaimStatus.APPROVED, ClaimStatus.DRAFT, ClaimStatus.UNDER_VERIFICATION} <= set(statuses)
    assert ExpenditureItem.objects.count() > 0
    for item in ExpenditureItem.objects.all():
        expected = item.amount_excl_vat + (D(0) if item.vat_recoverable else item.vat_amount)
        assert item.claimed_amount == expected
        assert item.eligible_amount is None or 0 <= item.eligible_amount <= item.claimed_amount
        if item.eligible_amount is not None and item.eligible_amount < item.claimed_amount:
            assert item.ineligibility_reason and item.ineligibility_note
        assert (item.eligible_amount is not None) == (item.claim.status in (ClaimStatus.APPROVED, ClaimStatus.PAID))
    for claim in claims.filter(status=ClaimStatus.PAID):
        assert claim.payment.amount == claim.payable_amount <= claim.gross_payable_amount
        assert claim.payment.paid_on >= claim.decided_at.date() >= claim.submitted_at.date() > claim.period_end
    assert not Payment.objects.filter(claim__isnull=False).exclude(claim__status=ClaimStatus.PAID).exists()
    claimed = defaultdict(Decimal)
    for line_id, amount in ExpenditureItem.objects.values_list("budget_line", "claimed_amount"):
        claimed[line_id] += amount
    for line in BudgetLine.objects.filter(pk__in=list(claimed)):
        assert claimed[line.pk] <= line.planned_amount
    for project in Project.objects.annotate(paid=Sum("payments__amount")):
        assert (project.paid or 0) <= project.grant_amount
        if project.status in (ProjectStatus.COMPLETED, ProjectStatus.CLOSED):
            assert not project.claims.exclude(status=ClaimStatus.PAID).exists()
            assert project.claims.filter(kind="final").count() == 1
