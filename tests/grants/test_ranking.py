"""Ranking lists per budget pool (grants/selectors/ranking.py): the order and
its tie rule, the cut-off by budget per envelope, envelopes without a budget
of their own sharing what the call's envelopes do not hold, the threshold,
and a fixed number of queries."""

from datetime import datetime
from decimal import Decimal

import pytest
from django.http import Http404
from django.utils import translation

from core.models import Role
from grants.models import ApplicationStatus
from grants.selectors.ranking import assignment_get_for, assignments_for, ranking
from grants.services.selection import conflict_declare, eligibility_decide, evaluator_assign
from tests.factories import VILNIUS, UserFactory
from tests.grants.test_selection import evaluated_application, selection_call, submitted_application

D = Decimal
S = ApplicationStatus
APPROVED, RESERVE, REJECTED = S.APPROVED, S.RESERVE, S.REJECTED


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _outline(pool):
    return [(row.application.title, row.rank, row.cumulative, row.outcome) for row in pool.rows]


def test_a_call_without_envelopes_is_one_list_cut_by_its_budget(db):
    call = selection_call(budget="100000.00", threshold="50")
    evaluated_application(call, score="70", grant="40000.00", title="B")
    evaluated_application(call, score="90", grant="50000.00", title="A")
    evaluated_application(call, score="60", grant="20000.00", title="C")  # 110 000 > budget
    evaluated_application(call, score="55", grant="5000.00", title="D")  # would fit, but no skipping
    evaluated_application(call, score="49.99", grant="1000.00", title="E")
    submitted_application(call, title="pending")
    (pool,) = ranking(call)
    assert pool.shared and pool.budget == D("100000.00")
    assert _outline(pool) == [
        ("A", 1, D("50000.00"), APPROVED),
        ("B", 2, D("90000.00"), APPROVED),
        ("C", 3, D("110000.00"), RESERVE),
        ("D", 4, D("115000.00"), RESERVE),
        ("E", 5, D("116000.00"), REJECTED),
    ]
    assert [row.fits for row in pool.rows] == [True, True, False, False, False]
    assert pool.pending == 1
    assert pool.approved_total == D("90000.00") and pool.remaining == D("10000.00")


def test_a_grant_exactly_filling_the_budget_is_approved(db):
    call = selection_call(budget="100000.00")
    evaluated_application(call, score="90", grant="60000.00", title="A")
    evaluated_application(call, score="80", grant="40000.00", title="B")
    evaluated_application(call, score="70", grant="0.01", title="C")
    (pool,) = ranking(call)
    assert [row.outcome for row in pool.rows] == [APPROVED, APPROVED, RESERVE]


def test_the_threshold_itself_passes(db):
    call = selection_call(threshold="60.00")
    evaluated_application(call, score="60.00", title="at")
    evaluated_application(call, score="59.99", title="below")
    (pool,) = ranking(call)
    assert [(r.application.title, r.outcome, r.above_threshold) for r in pool.rows] == [
        ("at", APPROVED, True),
        ("below", REJECTED, False),
    ]


def test_ties_at_the_cut_off_go_to_the_earlier_submission_then_the_lower_number(db):
    call = selection_call(budget="100000.00")
    evaluated_application(call, score="90", grant="60000.00", title="top")
    evaluated_application(
        call,
        score="75.50",
        grant="40000.00",
        title="later",
        submitted_at=datetime(2024, 2, 20, 10, 0, 1, tzinfo=VILNIUS),
    )
    evaluated_application(
        call,
        score="75.50",
        grant="40000.00",
        title="earlier",
        submitted_at=datetime(2024, 2, 20, 10, 0, tzinfo=VILNIUS),
    )
    same = datetime(2024, 2, 25, 9, tzinfo=VILNIUS)
    evaluated_application(call, score="70", grant="1.00", title="number 2", submitted_at=same, number="Z-00002")
    evaluated_application(call, score="70", grant="1.00", title="number 1", submitted_at=same, number="Z-00001")
    (pool,) = ranking(call)
    assert _outline(pool) == [
        ("top", 1, D("60000.00"), APPROVED),
        ("earlier", 2, D("100000.00"), APPROVED),
        ("later", 3, D("140000.00"), RESERVE),
        ("number 1", 4, D("140001.00"), RESERVE),
        ("number 2", 5, D("140002.00"), RESERVE),
    ]


def test_each_envelope_with_its_own_budget_is_ranked_and_cut_on_its_own(db):
    call = selection_call(
        budget="300000.00",
        envelopes=[{"code": "N", "budget_amount": "100000.00"}, {"code": "S", "budget_amount": "200000.00"}],
    )
    evaluated_application(call, envelope="N", score="95", grant="80000.00", title="N1")
    evaluated_application(call, envelope="N", score="90", grant="30000.00", title="N2")  # 110 000 > 100 000
    evaluated_application(call, envelope="S", score="60", grant="150000.00", title="S1")
    evaluated_application(call, envelope="S", score="55", grant="50000.00", title="S2")  # 200 000 = budget
    north, south = ranking(call)  # no shared pool: every envelope holds its own budget
    assert (north.envelope.code, north.budget) == ("N", D("100000.00"))
    assert _outline(north) == [("N1", 1, D("80000.00"), APPROVED), ("N2", 2, D("110000.00"), RESERVE)]
    assert (south.envelope.code, south.budget) == ("S", D("200000.00"))
    assert _outline(south) == [("S1", 1, D("150000.00"), APPROVED), ("S2", 2, D("200000.00"), APPROVED)]


def test_envelopes_without_a_budget_share_what_the_others_do_not_hold(db):
    call = selection_call(
        budget="250000.00",
        envelopes=[{"code": "OWN", "budget_amount": "150000.00"}, {"code": "X"}, {"code": "Y"}],
    )
    evaluated_application(call, envelope="OWN", score="50", grant="150000.00", title="own")
    evaluated_application(call, envelope="X", score="90", grant="60000.00", title="x1")
    evaluated_application(call, envelope="Y", score="80", grant="30000.00", title="y1")
    evaluated_application(call, envelope="X", score="70", grant="20000.00", title="x2")  # 110 000 > 100 000
    evaluated_application(call, envelope="Y", score="65", grant="5000.00", title="y2")
    own, shared = ranking(call)
    assert _outline(own) == [("own", 1, D("150000.00"), APPROVED)]
    assert shared.shared and shared.budget == D("100000.00")
    assert [e.code for e in shared.envelopes] == ["X", "Y"]
    assert _outline(shared) == [
        ("x1", 1, D("60000.00"), APPROVED),
        ("y1", 2, D("90000.00"), APPROVED),
        ("x2", 3, D("110000.00"), RESERVE),
        ("y2", 4, D("115000.00"), RESERVE),
    ]


def test_ineligible_withdrawn_and_draft_applications_are_not_ranked(db):
    call = selection_call()
    evaluated_application(call, score="80", title="ranked")
    for status in (S.INELIGIBLE, S.WITHDRAWN, S.UNDER_EVALUATION):
        submitted_application(call, status=status, title=status)
    (pool,) = ranking(call)
    assert [row.application.title for row in pool.rows] == ["ranked"]
    assert pool.pending == 1  # the one under evaluation


@pytest.mark.parametrize("size", [3, 30])
def test_the_ranking_costs_a_fixed_number_of_queries(db, django_assert_max_num_queries, size):
    call = selection_call(
        budget="10000000.00",
        envelopes=[{"code": "A", "budget_amount": "1000000.00"}, {"code": "B"}, {"code": "C"}],
    )
    for i in range(size):
        evaluated_application(call, envelope="ABC"[i % 3], score=str(50 + i % 40))
    submitted_application(call, envelope="B")
    with django_assert_max_num_queries(3):
        pools = ranking(call)
        titles = [(row.application.applicant.name, row.application.envelope.code) for p in pools for row in p.rows]
    assert len(titles) == size


def test_an_evaluator_sees_only_their_own_assignments(db, officer):
    call = selection_call()
    mine, theirs = UserFactory(role=Role.EVALUATOR), UserFactory(role=Role.EVALUATOR)
    first, second = submitted_application(call), submitted_application(call)
    for application in (first, second):
        eligibility_decide(actor=officer, application=application, eligible=True)
    own = evaluator_assign(actor=officer, application=first, evaluator=mine)
    other = evaluator_assign(actor=officer, application=second, evaluator=theirs)
    assert list(assignments_for(mine)) == [own]
    with pytest.raises(Http404):
        assignment_get_for(user=mine, pk=other.pk, content=False)
    # The content only after declaring no conflict.
    assert assignment_get_for(user=mine, pk=own.pk, content=False) == own
    with pytest.raises(Http404):
        assignment_get_for(user=mine, pk=own.pk)
    conflict_declare(actor=mine, assignment=own, has_conflict=False)
    assert assignment_get_for(user=mine, pk=own.pk) == own
    conflict_declare(actor=theirs, assignment=other, has_conflict=True)
    with pytest.raises(Http404):
        assignment_get_for(user=theirs, pk=other.pk, content=False)
