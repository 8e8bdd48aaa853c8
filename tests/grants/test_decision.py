"""The funding decision (grants.services.selection.call_decide): approved
while each pool's budget lasts, reserve above the threshold, rejected below;
approval contracts the project; the de minimis ceiling; once per call and
only when every eligible application is evaluated."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.utils import translation

from core.errors import ApplicationError
from core.models import AuditEvent, AuditEventType, Role
from grants.models import (
    Application,
    ApplicationIndicatorTarget,
    ApplicationStatus,
    CallStatus,
    FundingDecision,
    Project,
    StateAidRegime,
)
from grants.services.selection import call_decide, call_transition, years_before
from tests.factories import VILNIUS, IndicatorFactory, OrganisationFactory, UserFactory, make_project
from tests.grants.test_selection import (
    evaluate,
    evaluated_application,
    selection_call,
    selection_instrument,
    submitted_application,
)

D = Decimal
S = ApplicationStatus
NOW = datetime(2024, 6, 3, 10, tzinfo=VILNIUS)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _statuses(call):
    return dict(Application.objects.filter(call=call).values_list("title", "status"))


def test_the_decision_approves_reserves_rejects_and_contracts(officer, django_capture_on_commit_callbacks):
    indicator = IndicatorFactory()
    instrument = selection_instrument(indicators={indicator: "100"})
    call = selection_call(
        instrument, budget="300000.00", envelopes=[{"code": "N", "budget_amount": "100000.00"}, {"code": "X"}]
    )
    partner = OrganisationFactory()
    top = evaluated_application(call, envelope="N", score="90", grant="60000.00", title="top")
    top.partners.set([partner])
    ApplicationIndicatorTarget.objects.create(application=top, indicator=indicator, target_value=D("3"))
    evaluated_application(call, envelope="N", score="85", grant="50000.00", title="reserve")
    evaluated_application(call, envelope="N", score="40", grant="1000.00", title="rejected")
    evaluated_application(call, envelope="X", score="70", grant="200000.00", title="shared")
    submitted_application(call, status=S.INELIGIBLE, title="ineligible")
    submitted_application(call, status=S.WITHDRAWN, title="withdrawn")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        decision = call_decide(actor=officer, call=call, reasons="Pagal reitingą ir biudžetą.", now=NOW)

    assert (decision.decided_by, decision.decided_at, decision.reasons) == (officer, NOW, "Pagal reitingą ir biudžetą.")
    assert _statuses(call) == {
        "top": S.APPROVED,
        "reserve": S.RESERVE,
        "rejected": S.REJECTED,
        "shared": S.APPROVED,
        "ineligible": S.INELIGIBLE,
        "withdrawn": S.WITHDRAWN,
    }
    assert len(callbacks) == 4  # one e-mail per decided application
    decided = Application.objects.filter(call=call, decision=decision)
    assert decided.count() == 4
    top.refresh_from_db()
    project = top.project
    assert project.code == f"{call.code}-{top.number.rsplit('-', 1)[1]}"
    assert (project.call, project.beneficiary, project.title) == (call, top.applicant, "top")
    assert (project.eligible_cost, project.grant_amount, project.own_contribution) == (
        D("120000.00"),
        D("60000.00"),
        D("60000.00"),
    )
    assert (project.start_date, project.end_date) == (top.start_date, top.end_date)
    assert list(project.partners.all()) == [partner]
    assert [(line.cost_category_id, line.planned_amount) for line in project.budget_lines.all()] == [
        (line.cost_category_id, line.amount) for line in top.budget_lines.all()
    ]
    assert list(project.indicator_targets.values_list("indicator", "target_value")) == [(indicator.pk, D("3.00"))]
    assert Project.objects.filter(call=call).count() == 2
    assert not Application.objects.filter(call=call, status__in=[S.RESERVE, S.REJECTED], project__isnull=False).exists()
    event = AuditEvent.objects.get(object_type="grants.fundingdecision", object_id=str(decision.pk))
    assert event.event_type == AuditEventType.CREATED
    assert (event.new_values["approved"], event.new_values["reserve"], event.new_values["rejected"]) == (2, 1, 1)


def test_the_decision_waits_for_every_eligible_application(officer):
    call = selection_call()
    evaluated_application(call, score="80", title="done")
    for status in (S.SUBMITTED, S.ELIGIBILITY_CHECK, S.UNDER_EVALUATION):
        pending = submitted_application(call, status=status, title="pending")
        with pytest.raises(ApplicationError, match="1 application") as info:
            call_decide(actor=officer, call=call, reasons="Sprendimas", now=NOW)
        assert info.value.details["pending"] == 1
        Application.objects.filter(pk=pending.pk).update(status=S.WITHDRAWN)
    assert not FundingDecision.objects.exists()
    assert _statuses(call)["done"] == S.EVALUATED
    call_decide(actor=officer, call=call, reasons="Sprendimas", now=NOW)
    assert _statuses(call)["done"] == S.APPROVED


def test_a_call_is_decided_once(officer):
    call = selection_call()
    evaluated_application(call, score="80")
    call_decide(actor=officer, call=call, reasons="Sprendimas", now=NOW)
    with pytest.raises(ApplicationError, match="already been decided"):
        call_decide(actor=officer, call=call, reasons="Dar kartą", now=NOW)
    assert FundingDecision.objects.filter(call=call).count() == 1


def test_the_decision_needs_reasons_an_officer_and_a_closed_call(officer, applicant):
    call = selection_call(status=CallStatus.OPEN)
    evaluated_application(call, score="80")
    with pytest.raises(ApplicationError) as info:
        call_decide(actor=officer, call=call, reasons="  ", now=NOW)
    assert info.value.field == "reasons"
    for user in (applicant, UserFactory(role=Role.EVALUATOR), UserFactory(role=Role.AUDITOR)):
        with pytest.raises(ApplicationError, match="Only a programme officer"):
            call_decide(actor=user, call=call, reasons="Sprendimas", now=NOW)
    with pytest.raises(ApplicationError, match="Close call"):
        call_decide(actor=officer, call=call, reasons="Sprendimas", now=NOW)
    assert not FundingDecision.objects.exists()


def test_the_decision_follows_the_whole_flow_through_the_services(officer):
    call = selection_call(budget="15000.00", status=CallStatus.OPEN)
    evaluators = [UserFactory(role=Role.EVALUATOR) for _ in range(2)]
    first = submitted_application(call, grant="10000.00", title="first")
    second = submitted_application(call, grant="10000.00", title="second")
    evaluate(first, officer, [(evaluators[0], {"K1": "9", "K2": "4"}), (evaluators[1], {"K1": "8", "K2": "5"})])
    evaluate(second, officer, [(evaluators[0], {"K1": "7", "K2": "4"})])
    # (54 + 32 = 86, 48 + 40 = 88) / 2
    assert (first.status, first.score) == (S.EVALUATED, D("87.00"))
    assert second.score == D("74.00")
    call_transition(actor=officer, call=call, to_status=CallStatus.CLOSED)
    call_decide(actor=officer, call=call, reasons="Sprendimas", now=NOW)
    assert _statuses(call) == {"first": S.APPROVED, "second": S.RESERVE}


# -- de minimis --------------------------------------------------------------------------------


def _previous_grant(instrument, organisation, grant, start=date(2022, 1, 1)):
    """A de minimis grant Fondas awarded earlier (a project contracted without
    an application: dated by its start)."""
    project = make_project(
        instrument, beneficiary=organisation, lines={"STAFF": str(D(grant) * 2)}, grant=grant, code=None
    )
    Project.objects.filter(pk=project.pk).update(start_date=start, end_date=date(2025, 12, 31))
    return project


def _de_minimis_call(**kwargs):
    instrument = selection_instrument()
    assert instrument.state_aid_regime == StateAidRegime.DE_MINIMIS
    return instrument, selection_call(instrument, budget="1000000.00", **kwargs)


def test_the_de_minimis_ceiling_blocks_the_whole_decision(officer):
    instrument, call = _de_minimis_call()
    organisation = OrganisationFactory(name="UAB Riba")
    _previous_grant(instrument, organisation, "100000.00")
    other = evaluated_application(call, score="95", grant="10000.00", title="other")
    breach = evaluated_application(
        call, score="90", grant="150000.00", applicant=organisation, de_minimis="50000.01", title="breach"
    )
    with pytest.raises(ApplicationError) as info:
        call_decide(actor=officer, call=call, reasons="Sprendimas", now=NOW)
    message = info.value.message
    assert "UAB Riba" in message and breach.number in message
    for amount in ("€100,000.00", "€50,000.01", "€150,000.00", "€300,000.01", "€300,000.00"):
        assert amount in message, amount
    assert info.value.details["total"] == "300000.01"
    assert not FundingDecision.objects.exists()
    assert not Project.objects.filter(call=call).exists()
    assert _statuses(call) == {"other": S.EVALUATED, "breach": S.EVALUATED}
    other.refresh_from_db()
    assert other.decision is None


def test_de_minimis_just_at_the_ceiling_passes(officer):
    instrument, call = _de_minimis_call()
    organisation = OrganisationFactory()
    _previous_grant(instrument, organisation, "100000.00")
    evaluated_application(call, score="90", grant="150000.00", applicant=organisation, de_minimis="50000.00")
    call_decide(actor=officer, call=call, reasons="Sprendimas", now=NOW)
    assert Project.objects.filter(call=call, beneficiary=organisation, grant_amount=D("150000.00")).exists()


def test_de_minimis_counts_three_years_back_only(officer):
    instrument, call = _de_minimis_call()
    organisation = OrganisationFactory()
    _previous_grant(instrument, organisation, "100000.00", start=date(2021, 6, 3))  # exactly three years: outside
    evaluated_application(call, score="90", grant="200000.00", applicant=organisation, de_minimis="100000.00")
    call_decide(actor=officer, call=call, reasons="Sprendimas", now=NOW)
    assert _statuses(call) == {"Projektas": S.APPROVED}


def test_de_minimis_counts_earlier_decisions_by_their_date(officer):
    instrument, first_call = _de_minimis_call()
    organisation = OrganisationFactory()
    evaluated_application(first_call, score="90", grant="200000.00", applicant=organisation, title="earlier")
    call_decide(actor=officer, call=first_call, reasons="Pirmas", now=datetime(2023, 1, 10, tzinfo=VILNIUS))
    second_call = selection_call(instrument)
    evaluated_application(second_call, score="90", grant="100000.01", applicant=organisation, title="later")
    with pytest.raises(ApplicationError, match="De minimis"):
        call_decide(actor=officer, call=second_call, reasons="Antras", now=NOW)
    # Three years after the first decision it no longer counts.
    call_decide(actor=officer, call=second_call, reasons="Antras", now=datetime(2026, 1, 10, 0, 0, 1, tzinfo=VILNIUS))
    assert _statuses(second_call) == {"later": S.APPROVED}


def test_two_approvals_of_one_undertaking_in_a_decision_count_together(officer):
    instrument, call = _de_minimis_call()
    organisation = OrganisationFactory()
    evaluated_application(call, score="90", grant="200000.00", applicant=organisation, title="one")
    evaluated_application(call, score="80", grant="100000.01", applicant=organisation, title="two")
    with pytest.raises(ApplicationError, match="De minimis") as info:
        call_decide(actor=officer, call=call, reasons="Sprendimas", now=NOW)
    assert info.value.details["this_decision"] == "200000.00"


def test_other_aid_regimes_are_not_held_to_the_de_minimis_ceiling(officer):
    instrument = selection_instrument()
    instrument.state_aid_regime = StateAidRegime.GBER
    instrument.save(update_fields=["state_aid_regime"])
    call = selection_call(instrument)
    evaluated_application(call, score="90", grant="200000.00", de_minimis="250000.00")
    call_decide(actor=officer, call=call, reasons="Sprendimas", now=NOW)
    assert Project.objects.filter(call=call).count() == 1


def test_years_before_keeps_the_moment():
    assert years_before(datetime(2024, 6, 3, 10, tzinfo=VILNIUS), 3) == datetime(2021, 6, 3, 10, tzinfo=VILNIUS)
    assert years_before(datetime(2024, 2, 29, tzinfo=VILNIUS), 3) == datetime(2021, 2, 28, tzinfo=VILNIUS)


def _decision_queries(officer, size):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    indicator = IndicatorFactory()
    instrument = selection_instrument(indicators={indicator: "100"})
    call = selection_call(
        instrument, budget="1000000.00", envelopes=[{"code": "N", "budget_amount": "500000.00"}, {"code": "X"}]
    )
    for i in range(size):
        application = evaluated_application(
            call, envelope="NX"[i % 2], score=str(90 - i), grant="1000.00", applicant=OrganisationFactory()
        )
        application.partners.set([OrganisationFactory()])
        ApplicationIndicatorTarget.objects.create(application=application, indicator=indicator, target_value=D("2"))
    evaluated_application(call, envelope="N", score="10", grant="1000.00", title="below")
    with CaptureQueriesContext(connection) as queries:
        call_decide(actor=officer, call=call, reasons="Sprendimas", now=NOW)
    assert Project.objects.filter(call=call).count() == size
    assert AuditEvent.objects.filter(object_type="grants.indicatortarget").count() >= size
    return len(queries)


def test_the_decision_costs_a_fixed_number_of_queries(officer):
    """Bulk: the projects, their lines, partners, targets, the statuses and
    the audit events cost the same queries for 2 approvals as for 12."""
    assert _decision_queries(officer, 2) == _decision_queries(officer, 12)
