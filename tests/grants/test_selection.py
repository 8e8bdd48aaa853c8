"""Selection services: calls' conditions, envelopes, criteria, the
eligibility check, evaluators, conflicts of interest and scores
(grants/services/selection.py). The helpers here are shared with
test_ranking.py and test_decision.py."""

from datetime import datetime, timedelta
from decimal import Decimal
from itertools import count

import pytest
from django.core import mail
from django.utils import timezone, translation

from core.errors import ApplicationError
from core.models import AuditEvent, AuditEventType, Role
from grants.models import (
    Application,
    ApplicationBudgetLine,
    ApplicationStatus,
    AssignmentStatus,
    CallStatus,
    CriterionScore,
    Envelope,
    EvaluationCriterion,
)
from grants.services.selection import (
    call_create,
    call_transition,
    call_update,
    conflict_declare,
    criteria_set,
    eligibility_decide,
    eligibility_start,
    envelope_create,
    envelope_update,
    evaluator_assign,
    evaluator_score,
    mean_score,
    scores_submit,
)
from tests.factories import VILNIUS, OrganisationFactory, UserFactory, make_instrument

D = Decimal
S = ApplicationStatus
_numbers = count(1)

CRITERIA = [
    {"code": "K1", "name_lt": "Projekto kokybė", "name_en": "Quality", "weight": "60", "max_score": 10},
    {"code": "K2", "name_lt": "Poveikis", "name_en": "Impact", "weight": "40", "max_score": 5},
]


# -- helpers (shared with test_ranking.py and test_decision.py) ------------------------------


def selection_instrument(**kwargs):
    """An instrument paying 50 % of the eligible costs, up to 200 000 €."""
    kwargs.setdefault("allocation", "100000000.00")
    kwargs.setdefault("rate", "50.00")
    kwargs.setdefault("max_grant", "200000.00")
    return make_instrument(**kwargs)


def selection_call(
    instrument=None,
    *,
    budget="1000000.00",
    envelopes=(),
    threshold="50.00",
    criteria=CRITERIA,
    status=CallStatus.CLOSED,
    **conditions,
):
    """A call with its criteria and envelopes ({code, budget_amount, ...}),
    moved to `status` (closed by default, ready for a decision)."""
    instrument = instrument or selection_instrument()
    call = call_create(
        actor=None,
        instrument=instrument,
        code=f"SEL-{next(_numbers)}",
        title_lt="Atrankos kvietimas",
        title_en="Selection call",
        budget_amount=D(budget),
        opens_at=datetime(2024, 1, 1, 9, tzinfo=VILNIUS),
        closes_at=datetime(2024, 3, 1, 17, tzinfo=VILNIUS),
        quality_threshold=D(threshold),
        **conditions,
    )
    for envelope in envelopes:
        envelope = dict(envelope)
        envelope.setdefault("name_lt", f"Krepšelis {envelope['code']}")
        budget_amount = envelope.pop("budget_amount", None)
        envelope_create(
            actor=None, call=call, budget_amount=None if budget_amount is None else D(budget_amount), **envelope
        )
    if criteria:
        criteria_set(actor=None, call=call, criteria=criteria)
    if status in (CallStatus.OPEN, CallStatus.CLOSED):
        call_transition(actor=None, call=call, to_status=CallStatus.OPEN)
    if status == CallStatus.CLOSED:
        call_transition(actor=None, call=call, to_status=CallStatus.CLOSED)
    return call


def submitted_application(
    call,
    *,
    grant="10000.00",
    envelope=None,
    applicant=None,
    status=S.SUBMITTED,
    score=None,
    submitted_at=None,
    number=None,
    de_minimis=None,
    title="Projektas",
):
    """An application as H6a's application_submit leaves it (rows written
    directly: these tests are about what happens after submission). The
    eligible cost is twice the grant (the instrument's 50 %) on one line."""
    if isinstance(envelope, str):
        envelope = Envelope.objects.get(call=call, code=envelope)
    grant = D(grant)
    seq = next(_numbers)
    application = Application.objects.create(
        call=call,
        envelope=envelope,
        applicant=applicant or OrganisationFactory(),
        created_by=UserFactory(role=Role.APPLICANT),
        status=status,
        number=number or f"{call.code}-{seq:05d}",
        submitted_at=submitted_at or datetime(2024, 2, 1, 12, tzinfo=VILNIUS) + timedelta(minutes=seq),
        title=title,
        summary="Santrauka",
        start_date=datetime(2024, 6, 1).date(),
        end_date=datetime(2026, 5, 31).date(),
        eligible_cost=grant * 2,
        grant_requested=grant,
        own_contribution=grant,
        de_minimis_received=None if de_minimis is None else D(de_minimis),
        declares_no_double_funding=True,
        declares_data_accurate=True,
        score=None if score is None else D(score),
    )
    category = call.instrument.eligible_cost_categories.order_by("code").first()
    ApplicationBudgetLine.objects.create(application=application, cost_category=category, amount=grant * 2)
    return application


def evaluated_application(call, *, score, **kwargs):
    return submitted_application(call, status=S.EVALUATED, score=score, **kwargs)


def criteria_of(call):
    return {c.code: c for c in EvaluationCriterion.objects.filter(call=call)}


def evaluate(application, officer, evaluators_scores):
    """Through the services: eligible, each evaluator assigned, declares no
    conflict and scores {criterion code: score}."""
    eligibility_decide(actor=officer, application=application, eligible=True, checklist={"type": True})
    criteria = criteria_of(application.call)
    # Every evaluator is assigned first: the last one to finish makes it evaluated.
    assignments = [
        (evaluator_assign(actor=officer, application=application, evaluator=evaluator), evaluator, scores)
        for evaluator, scores in evaluators_scores
    ]
    for assignment, evaluator, scores in assignments:
        conflict_declare(actor=evaluator, assignment=assignment, has_conflict=False)
        scores_submit(
            actor=evaluator,
            assignment=assignment,
            scores={criteria[code]: (D(value), "Pastaba") for code, value in scores.items()},
        )
    application.refresh_from_db()
    return application


@pytest.fixture
def evaluator(db):
    return UserFactory(role=Role.EVALUATOR)


@pytest.fixture
def evaluator2(db):
    return UserFactory(role=Role.EVALUATOR)


@pytest.fixture
def call(db):
    return selection_call()


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


# -- calls ---------------------------------------------------------------------------------


def _call_kwargs(instrument, **overrides):
    kwargs = {
        "actor": None,
        "instrument": instrument,
        "code": f"C-{next(_numbers)}",
        "title_lt": "Kvietimas",
        "title_en": "Call",
        "budget_amount": D("100000.00"),
        "opens_at": datetime(2024, 1, 1, 9, tzinfo=VILNIUS),
        "closes_at": datetime(2024, 3, 1, 17, tzinfo=VILNIUS),
        "funding_rate": D("50.00"),
        "max_grant_amount": D("100000.00"),
        "min_own_contribution_percent": D("50.00"),
        "eligible_applicant_types": ["sme", "large"],
        "quality_threshold": D("60.00"),
    }
    kwargs.update(overrides)
    return kwargs


def test_a_call_is_created_with_its_conditions_and_audited(db):
    instrument = selection_instrument()
    call = call_create(**_call_kwargs(instrument, code="C-NEW"))
    assert call.status == CallStatus.DRAFT
    assert (call.funding_rate, call.max_grant_amount) == (D("50.00"), D("100000.00"))
    assert call.eligible_applicant_types == ["sme", "large"]
    assert call.quality_threshold == D("60.00")
    event = AuditEvent.objects.get(object_type="grants.call", object_id=str(call.pk))
    assert event.event_type == AuditEventType.CREATED
    assert event.new_values["funding_rate"] == "50.00"


def test_a_call_without_conditions_takes_the_instrument_s(db):
    instrument = selection_instrument()
    kwargs = _call_kwargs(instrument)
    for name in ("funding_rate", "max_grant_amount", "min_own_contribution_percent", "eligible_applicant_types"):
        kwargs.pop(name)
    call = call_create(**kwargs)
    assert call.funding_rate == instrument.funding_rate
    assert call.max_grant_amount == instrument.max_grant_amount
    assert call.min_own_contribution_percent == D("0.00")
    assert call.eligible_applicant_types == ["sme", "large", "research", "public", "ngo"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"funding_rate": D("0")}, "funding_rate"),
        ({"funding_rate": D("100.01")}, "funding_rate"),
        ({"funding_rate": D("60.00")}, "funding_rate"),  # above the instrument's 50 %
        ({"max_grant_amount": D("-1")}, "max_grant_amount"),
        ({"max_grant_amount": D("200000.01")}, "max_grant_amount"),  # above the instrument's maximum
        ({"closes_at": datetime(2024, 1, 1, 9, tzinfo=VILNIUS)}, "closes_at"),
        ({"quality_threshold": D("100.01")}, "quality_threshold"),
        ({"quality_threshold": D("-0.01")}, "quality_threshold"),
        ({"min_own_contribution_percent": D("101")}, "min_own_contribution_percent"),
        ({"eligible_applicant_types": ["sme", "pirates"]}, "eligible_applicant_types"),
        ({"eligible_applicant_types": []}, "eligible_applicant_types"),
        ({"budget_amount": D("-1")}, "budget_amount"),
        ({"budget_amount": D("100000000.01")}, "budget_amount"),  # above the allocation
        ({"title_lt": " "}, "title_lt"),
        ({"code": ""}, "code"),
    ],
)
def test_a_call_s_conditions_are_checked(db, overrides, field):
    instrument = selection_instrument()
    with pytest.raises(ApplicationError) as info:
        call_create(**_call_kwargs(instrument, **overrides))
    assert info.value.field == field


def test_the_calls_of_an_instrument_stay_within_its_allocation(db):
    instrument = selection_instrument(allocation="150000.00")
    call_create(**_call_kwargs(instrument, budget_amount=D("100000.00")))
    with pytest.raises(ApplicationError, match="allocation") as info:
        call_create(**_call_kwargs(instrument, budget_amount=D("50000.01")))
    assert info.value.field == "budget_amount"
    call_create(**_call_kwargs(instrument, budget_amount=D("50000.00")))


def test_a_call_code_is_unique(db):
    instrument = selection_instrument()
    call_create(**_call_kwargs(instrument, code="SAME"))
    with pytest.raises(ApplicationError) as info:
        call_create(**_call_kwargs(instrument, code="SAME"))
    assert info.value.field == "code"


def test_a_draft_call_is_updated_and_the_change_audited(officer):
    instrument = selection_instrument(allocation="300000.00")
    call = call_create(**_call_kwargs(instrument))
    call_create(**_call_kwargs(instrument, budget_amount=D("100000.00")))
    call_update(actor=officer, call=call, budget_amount=D("200000.00"), quality_threshold=D("70"))
    call.refresh_from_db()
    assert (call.budget_amount, call.quality_threshold) == (D("200000.00"), D("70.00"))
    event = AuditEvent.objects.filter(object_type="grants.call", object_id=str(call.pk)).latest("id")
    assert event.event_type == AuditEventType.UPDATED
    assert event.old_values == {"budget_amount": "100000.00", "quality_threshold": "60.00"}
    # Its own old budget does not count against it; the other call's does.
    with pytest.raises(ApplicationError, match="allocation"):
        call_update(actor=officer, call=call, budget_amount=D("200000.01"))


def test_only_a_draft_call_changes_its_conditions(officer):
    call = selection_call(status=CallStatus.OPEN)
    with pytest.raises(ApplicationError, match="no longer a draft"):
        call_update(actor=officer, call=call, quality_threshold=D("10"))
    with pytest.raises(ApplicationError, match="no longer a draft"):
        envelope_create(actor=officer, call=call, code="X", name_lt="X")
    with pytest.raises(ApplicationError, match="no longer a draft"):
        criteria_set(actor=officer, call=call, criteria=CRITERIA)


def test_only_an_officer_changes_a_call(applicant, evaluator):
    call = selection_call(status=CallStatus.DRAFT)
    for user in (applicant, evaluator):
        with pytest.raises(ApplicationError, match="Only a programme officer"):
            call_update(actor=user, call=call, quality_threshold=D("10"))


# -- envelopes -------------------------------------------------------------------------------


def test_envelopes_share_out_the_call_budget(officer):
    call = selection_call(budget="100000.00", status=CallStatus.DRAFT)
    north = envelope_create(
        actor=officer, call=call, code="N", name_lt="Šiaurė", budget_amount=D("60000.00"), funding_rate=D("40")
    )
    assert (north.funding_rate, north.max_grant_amount) == (D("40.00"), call.max_grant_amount)
    envelope_create(actor=officer, call=call, code="S", name_lt="Pietūs", budget_amount=D("40000.00"))
    shared = envelope_create(actor=officer, call=call, code="X", name_lt="Kita")  # no budget of its own
    assert shared.budget_amount is None
    with pytest.raises(ApplicationError, match="exceed the call's budget") as info:
        envelope_create(actor=officer, call=call, code="T", name_lt="Per daug", budget_amount=D("0.01"))
    assert info.value.field == "budget_amount"
    with pytest.raises(ApplicationError) as info:
        envelope_create(actor=officer, call=call, code="N", name_lt="Dar kartą")
    assert info.value.field == "code"
    # The call's budget cannot fall below what its envelopes hold.
    with pytest.raises(ApplicationError, match="exceed the call's budget"):
        call_update(actor=officer, call=call, budget_amount=D("99999.99"))
    envelope_update(
        actor=officer, envelope=north, code="N", name_lt="Šiaurė", budget_amount=D("50000.00"), funding_rate=D("40")
    )
    envelope_create(actor=officer, call=call, code="T", name_lt="Dabar telpa", budget_amount=D("10000.00"))


def test_an_envelope_s_rate_and_maximum_stay_within_the_instrument_s(officer):
    call = selection_call(status=CallStatus.DRAFT)
    with pytest.raises(ApplicationError) as info:
        envelope_create(actor=officer, call=call, code="A", name_lt="A", funding_rate=D("50.01"))
    assert info.value.field == "funding_rate"
    with pytest.raises(ApplicationError) as info:
        envelope_create(actor=officer, call=call, code="A", name_lt="A", max_grant_amount=D("200000.01"))
    assert info.value.field == "max_grant_amount"


# -- criteria --------------------------------------------------------------------------------


def test_criteria_are_replaced_and_checked(officer):
    call = selection_call(status=CallStatus.DRAFT, criteria=None)
    criteria_set(actor=officer, call=call, criteria=CRITERIA)
    assert list(call.criteria.values_list("code", "weight", "max_score")) == [
        ("K1", D("60.00"), 10),
        ("K2", D("40.00"), 5),
    ]
    criteria_set(actor=officer, call=call, criteria=CRITERIA[:1])
    assert list(call.criteria.values_list("code", flat=True)) == ["K1"]
    bad = [
        [],
        [{**CRITERIA[0], "weight": "0"}],
        [{**CRITERIA[0], "weight": "-1"}],
        [CRITERIA[0], {**CRITERIA[1], "code": "K1"}],
        [{**CRITERIA[0], "max_score": 0}],
        [{**CRITERIA[0], "max_score": "2.5"}],
        [{**CRITERIA[0], "name_lt": ""}],
    ]
    for criteria in bad:
        with pytest.raises(ApplicationError) as info:
            criteria_set(actor=officer, call=call, criteria=criteria)
        assert info.value.field == "criteria"
    assert list(call.criteria.values_list("code", flat=True)) == ["K1"]


# -- eligibility -----------------------------------------------------------------------------


def test_eligibility_check_moves_the_application_and_keeps_the_checklist(call, officer):
    application = submitted_application(call)
    eligibility_start(actor=officer, application=application)
    assert application.status == S.ELIGIBILITY_CHECK
    checklist = {"applicant_type": True, "deadline": True, "declarations": True}
    eligibility_decide(actor=officer, application=application, eligible=True, checklist=checklist)
    application.refresh_from_db()
    assert application.status == S.UNDER_EVALUATION
    event = AuditEvent.objects.filter(object_type="grants.application", object_id=str(application.pk)).latest("id")
    assert event.new_values["status"] == S.UNDER_EVALUATION
    assert event.new_values["checklist"] == checklist


def test_an_ineligible_application_needs_a_reason(call, officer, django_capture_on_commit_callbacks):
    application = submitted_application(call)
    with pytest.raises(ApplicationError) as info:
        eligibility_decide(actor=officer, application=application, eligible=False, checklist={"type": False})
    assert info.value.field == "reason"
    application.refresh_from_db()
    assert application.status == S.SUBMITTED
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        eligibility_decide(
            actor=officer, application=application, eligible=False, reason="Didelė įmonė", checklist={"type": False}
        )
    application.refresh_from_db()
    assert (application.status, application.ineligibility_reason) == (S.INELIGIBLE, "Didelė įmonė")
    assert len(callbacks) == 1  # one e-mail, on the final status


def test_an_eligible_application_meets_every_checklist_item(call, officer):
    application = submitted_application(call)
    with pytest.raises(ApplicationError, match="not met: declarations") as info:
        eligibility_decide(
            actor=officer, application=application, eligible=True, checklist={"type": True, "declarations": False}
        )
    assert info.value.field == "checklist"


def test_forbidden_moves_are_refused_with_a_message(call, officer):
    draft = submitted_application(call, status=S.DRAFT, number=None)
    Application.objects.filter(pk=draft.pk).update(number=None, submitted_at=None)
    with pytest.raises(ApplicationError, match="cannot move from 'draft' to 'eligibility_check'"):
        eligibility_start(actor=officer, application=draft)
    evaluated = evaluated_application(call, score="80")
    with pytest.raises(ApplicationError, match="cannot move from 'evaluated' to 'ineligible'"):
        eligibility_decide(actor=officer, application=evaluated, eligible=False, reason="Vėlu")
    evaluated.refresh_from_db()
    assert evaluated.status == S.EVALUATED


def test_only_an_officer_checks_eligibility(call, applicant, evaluator):
    application = submitted_application(call)
    for user in (applicant, evaluator):
        with pytest.raises(ApplicationError, match="Only a programme officer"):
            eligibility_start(actor=user, application=application)


# -- evaluators ------------------------------------------------------------------------------


def _under_evaluation(call, officer, **kwargs):
    application = submitted_application(call, **kwargs)
    eligibility_decide(actor=officer, application=application, eligible=True)
    return application


def test_only_evaluators_are_assigned_once_to_applications_under_evaluation(call, officer, evaluator):
    submitted = submitted_application(call)
    with pytest.raises(ApplicationError, match="under evaluation"):
        evaluator_assign(actor=officer, application=submitted, evaluator=evaluator)
    application = _under_evaluation(call, officer)
    for user in (officer, UserFactory(role=Role.APPLICANT), UserFactory(role=Role.EVALUATOR, is_active=False)):
        with pytest.raises(ApplicationError, match="evaluator role") as info:
            evaluator_assign(actor=officer, application=application, evaluator=user)
        assert info.value.field == "evaluator"
    assignment = evaluator_assign(actor=officer, application=application, evaluator=evaluator)
    assert (assignment.status, assignment.assigned_by) == (AssignmentStatus.ASSIGNED, officer)
    with pytest.raises(ApplicationError, match="already assigned"):
        evaluator_assign(actor=officer, application=application, evaluator=evaluator)
    with pytest.raises(ApplicationError, match="Only a programme officer"):
        evaluator_assign(actor=evaluator, application=application, evaluator=evaluator)


def test_an_evaluator_cannot_act_on_an_application_not_assigned_to_them(call, officer, evaluator, evaluator2):
    application = _under_evaluation(call, officer)
    assignment = evaluator_assign(actor=officer, application=application, evaluator=evaluator)
    for user in (evaluator2, officer, None):
        with pytest.raises(ApplicationError, match="Only the assigned evaluator"):
            conflict_declare(actor=user, assignment=assignment, has_conflict=False)
    conflict_declare(actor=evaluator, assignment=assignment, has_conflict=False)
    criteria = criteria_of(call)
    with pytest.raises(ApplicationError, match="Only the assigned evaluator"):
        scores_submit(actor=evaluator2, assignment=assignment, scores={c: (D("1"), "") for c in criteria.values()})
    assert not CriterionScore.objects.exists()


def test_scores_make_the_application_evaluated_with_the_mean(call, officer, evaluator, evaluator2):
    application = _under_evaluation(call, officer)
    first = evaluator_assign(actor=officer, application=application, evaluator=evaluator)
    second = evaluator_assign(actor=officer, application=application, evaluator=evaluator2)
    criteria = criteria_of(call)
    conflict_declare(actor=evaluator, assignment=first, has_conflict=False)
    with pytest.raises(ApplicationError, match="Declare first"):
        scores_submit(actor=evaluator2, assignment=second, scores={c: (D("1"), "") for c in criteria.values()})
    # K1 8/10 × 60 + K2 3/5 × 40 = 48 + 24 = 72
    scores_submit(
        actor=evaluator, assignment=first, scores={criteria["K1"]: (D("8"), "Gerai"), criteria["K2"]: (D("3"), "")}
    )
    first.refresh_from_db()
    assert (first.status, first.score) == (AssignmentStatus.COMPLETED, D("72.00"))
    application.refresh_from_db()
    assert application.status == S.UNDER_EVALUATION  # the second evaluator has not finished
    conflict_declare(actor=evaluator2, assignment=second, has_conflict=False)
    # K1 7/10 × 60 + K2 4.5/5 × 40 = 42 + 36 = 78
    scores_submit(
        actor=evaluator2, assignment=second, scores={criteria["K1"]: (D("7"), ""), criteria["K2"]: (D("4.5"), "")}
    )
    application.refresh_from_db()
    assert (application.status, application.score) == (S.EVALUATED, D("75.00"))
    assert CriterionScore.objects.get(assignment=first, criterion=criteria["K1"]).comment == "Gerai"
    with pytest.raises(ApplicationError, match="no longer under evaluation"):
        scores_submit(actor=evaluator2, assignment=second, scores={})


@pytest.mark.parametrize(
    ("scores", "field"),
    [
        ({"K1": "8"}, "score_K2"),  # a criterion missing
        ({"K1": "11", "K2": "3"}, "score_K1"),  # above the maximum
        ({"K1": "-1", "K2": "3"}, "score_K1"),
        ({"K1": "8", "K2": "3.333"}, "score_K2"),  # more than two decimals
        ({"K1": "x", "K2": "3"}, "score_K1"),
    ],
)
def test_scores_are_checked(call, officer, evaluator, scores, field):
    application = _under_evaluation(call, officer)
    assignment = evaluator_assign(actor=officer, application=application, evaluator=evaluator)
    conflict_declare(actor=evaluator, assignment=assignment, has_conflict=False)
    criteria = criteria_of(call)
    with pytest.raises(ApplicationError) as info:
        scores_submit(actor=evaluator, assignment=assignment, scores={criteria[k]: (v, "") for k, v in scores.items()})
    assert info.value.field == field
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.SCORING
    assert not CriterionScore.objects.exists()


def test_a_criterion_of_another_call_is_refused(call, officer, evaluator):
    other = selection_call()
    application = _under_evaluation(call, officer)
    assignment = evaluator_assign(actor=officer, application=application, evaluator=evaluator)
    conflict_declare(actor=evaluator, assignment=assignment, has_conflict=False)
    scores = {c: (D("1"), "") for c in [*criteria_of(call).values(), *criteria_of(other).values()]}
    with pytest.raises(ApplicationError, match="another call"):
        scores_submit(actor=evaluator, assignment=assignment, scores=scores)


def test_a_conflicted_evaluator_is_removed_and_their_score_does_not_count(call, officer, evaluator, evaluator2):
    application = _under_evaluation(call, officer)
    conflicted = evaluator_assign(actor=officer, application=application, evaluator=evaluator)
    other = evaluator_assign(actor=officer, application=application, evaluator=evaluator2)
    conflict_declare(actor=evaluator, assignment=conflicted, has_conflict=True)
    conflicted.refresh_from_db()
    assert conflicted.status == AssignmentStatus.CONFLICT
    assert conflicted.declared_at is not None
    criteria = criteria_of(call)
    with pytest.raises(ApplicationError, match="cannot score"):
        scores_submit(actor=evaluator, assignment=conflicted, scores={c: (D("10"), "") for c in criteria.values()})
    with pytest.raises(ApplicationError, match="already been made"):
        conflict_declare(actor=evaluator, assignment=conflicted, has_conflict=False)
    conflict_declare(actor=evaluator2, assignment=other, has_conflict=False)
    scores_submit(
        actor=evaluator2, assignment=other, scores={criteria["K1"]: (D("5"), ""), criteria["K2"]: (D("2.5"), "")}
    )
    application.refresh_from_db()
    assert (application.status, application.score) == (S.EVALUATED, D("50.00"))


def test_a_conflict_of_the_last_evaluator_completes_the_evaluation(call, officer, evaluator, evaluator2):
    application = _under_evaluation(call, officer)
    done = evaluator_assign(actor=officer, application=application, evaluator=evaluator)
    late = evaluator_assign(actor=officer, application=application, evaluator=evaluator2)
    criteria = criteria_of(call)
    conflict_declare(actor=evaluator, assignment=done, has_conflict=False)
    scores_submit(actor=evaluator, assignment=done, scores={c: (D("4"), "") for c in criteria.values()})
    application.refresh_from_db()
    assert application.status == S.UNDER_EVALUATION
    conflict_declare(actor=evaluator2, assignment=late, has_conflict=True)
    application.refresh_from_db()
    # K1 4/10 × 60 + K2 4/5 × 40 = 24 + 32 = 56
    assert (application.status, application.score) == (S.EVALUATED, D("56.00"))


def test_every_conflict_leaves_the_application_under_evaluation(call, officer, evaluator):
    application = _under_evaluation(call, officer)
    assignment = evaluator_assign(actor=officer, application=application, evaluator=evaluator)
    conflict_declare(actor=evaluator, assignment=assignment, has_conflict=True)
    application.refresh_from_db()
    assert application.status == S.UNDER_EVALUATION  # an officer assigns another evaluator


def test_status_changes_e_mail_the_applicant_after_commit(
    call, officer, monkeypatch, django_capture_on_commit_callbacks
):
    from grants.tasks import application_status_email

    queued = []
    monkeypatch.setattr(application_status_email, "delay", lambda *args: queued.append(args))
    user = UserFactory(role=Role.APPLICANT, organisation=OrganisationFactory())
    application = submitted_application(call, applicant=user.organisation_link.organisation)
    with django_capture_on_commit_callbacks(execute=True):
        eligibility_start(actor=officer, application=application)
        assert queued == []  # only after the commit
    assert queued == [(application.pk, S.ELIGIBILITY_CHECK)]
    application_status_email(*queued[0])
    assert [m.to for m in mail.outbox] == [[user.email]]


# -- the score's arithmetic --------------------------------------------------------------------


def test_the_evaluator_score_is_weighted_exact_and_rounded_once_half_up():
    # 1/3 × 1 + 2/3 × 2 = 5/3 of weight 3 → 5/9 × 100 = 55.555… → 55.56
    assert evaluator_score([(D("1"), 3, D("1")), (D("2"), 3, D("2"))]) == D("55.56")
    # 0.125 × 100 = 12.5 exactly… scaled: 1/8 → 12.50
    assert evaluator_score([(D("1"), 8, D("1"))]) == D("12.50")
    # 0.00125 → 0.125 % → half-up 0.13 (binary floats would give 0.12)
    assert evaluator_score([(D("0.01"), 8, D("1"))]) == D("0.13")
    assert evaluator_score([(D("10"), 10, D("7")), (D("5"), 5, D("3"))]) == D("100.00")


def test_the_application_score_is_the_mean_rounded_half_up():
    assert mean_score([D("72.00"), D("78.01")]) == D("75.01")  # 75.005 → 75.01
    assert mean_score([D("70.00"), D("70.00"), D("70.01")]) == D("70.00")  # 70.00333…
    assert mean_score([D("60.00")]) == D("60.00")


def test_assigned_at_is_now(call, officer, evaluator):
    application = _under_evaluation(call, officer)
    before = timezone.now()
    assignment = evaluator_assign(actor=officer, application=application, evaluator=evaluator)
    assert before <= assignment.assigned_at <= timezone.now()
