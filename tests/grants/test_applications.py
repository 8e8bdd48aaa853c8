"""Applications through their services: the draft's steps and their checks,
submission (every problem listed by field, the deadline to the second across
daylight-saving changes, the receipt number under the call's lock), withdrawal,
the status e-mails, and the rule that only the applicant organisation's users
change a draft."""

import threading
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection
from django.utils import translation

from clusters.models import OrganisationType
from clusters.services import cluster_create, cluster_member_add, cluster_member_leave
from core.errors import ApplicationError
from core.models import AuditEvent, AuditEventType, Role
from grants.models import Application, ApplicationStatus, Call, CallStatus, Envelope
from grants.services import applications as services
from grants.services import call_transition
from grants.services.applications import (
    APPLICATION_TRANSITIONS,
    application_budget_set,
    application_create,
    application_declarations_set,
    application_indicators_set,
    application_partners_set,
    application_problems,
    application_project_update,
    application_submit,
    application_withdraw,
)
from grants.tasks import application_status_email
from tests.factories import (
    CostCategoryFactory,
    IndicatorFactory,
    OrganisationFactory,
    UserFactory,
    make_call,
    make_instrument,
)

pytestmark = pytest.mark.django_db

VILNIUS = ZoneInfo("Europe/Vilnius")
UTC = ZoneInfo("UTC")
S = ApplicationStatus
D = Decimal
OPEN_MOMENT = datetime(2020, 2, 1, 12, tzinfo=VILNIUS)
SECOND = timedelta(seconds=1)


@pytest.fixture(autouse=True)
def english():
    """Messages are checked in English (the Lithuanian catalogue translates them)."""
    with translation.override("en"):
        yield


@pytest.fixture
def committing(django_capture_on_commit_callbacks):
    """`with committing(): ...` runs what the block queued for after commit."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def categories():
    return {
        "STAFF": CostCategoryFactory(code="STAFF"),
        "EQUIP": CostCategoryFactory(code="EQUIP"),
        "PAT": CostCategoryFactory(code="PAT", max_share_percent=D("25.00")),
    }


@pytest.fixture
def indicator():
    return IndicatorFactory(code="P.S.001")


@pytest.fixture
def instrument(categories, indicator):
    return make_instrument(categories=list(categories.values()), indicators={indicator: "10"})


def open_call(instrument, **conditions):
    call = make_call(instrument)
    conditions = {
        "eligible_applicant_types": [OrganisationType.SME, OrganisationType.RESEARCH],
        "min_own_contribution_percent": D("30.00"),
        "funding_rate": D("70.00"),
        "max_grant_amount": D("100000.00"),
        **conditions,
    }
    Call.objects.filter(pk=call.pk).update(**conditions)
    call.refresh_from_db()
    call_transition(actor=None, call=call, to_status=CallStatus.OPEN)
    return call


@pytest.fixture
def call(instrument):
    return open_call(instrument)


def fill(application, applicant, categories, indicator, *, staff="10000.00", start=date(2020, 6, 1)):
    """Fill every step of a draft so that it can be submitted."""
    application_project_update(
        actor=applicant,
        application=application,
        title="Skaitmeninis dvynys",
        summary="Gamybos linijos skaitmeninis dvynys.",
        start_date=start,
        end_date=start + timedelta(days=500),
        envelope=application.envelope,
    )
    application_budget_set(actor=applicant, application=application, lines={categories["STAFF"]: D(staff)})
    application_indicators_set(actor=applicant, application=application, targets={indicator: D("2")})
    application_declarations_set(
        actor=applicant, application=application, de_minimis_received=D("0"), no_double_funding=True, data_accurate=True
    )
    return application


@pytest.fixture
def draft(call, applicant):
    return application_create(actor=applicant, call=call)


@pytest.fixture
def stranger(db):
    return UserFactory(role=Role.APPLICANT, organisation=OrganisationFactory())


@pytest.fixture
def sent(monkeypatch):
    """Status e-mails run at once instead of through the broker; returns the calls."""
    calls = []

    def delay(application_id, status):
        calls.append((application_id, status))
        return application_status_email(application_id, status)

    monkeypatch.setattr(application_status_email, "delay", delay)
    return calls


# --- the transition table ------------------------------------------------------------------


def test_transition_table_is_the_documented_one():
    documented = {
        ("draft", "submitted"),
        ("draft", "withdrawn"),
        ("submitted", "eligibility_check"),
        ("submitted", "withdrawn"),
        ("eligibility_check", "ineligible"),
        ("eligibility_check", "under_evaluation"),
        ("eligibility_check", "withdrawn"),
        ("under_evaluation", "evaluated"),
        ("under_evaluation", "withdrawn"),
        ("evaluated", "approved"),
        ("evaluated", "reserve"),
        ("evaluated", "rejected"),
    }
    assert {(str(a), str(b)) for a, targets in APPLICATION_TRANSITIONS.items() for b in targets} == documented
    assert set(APPLICATION_TRANSITIONS) == set(S.values)


# --- creating a draft ----------------------------------------------------------------------


def test_create_a_draft_for_the_actors_organisation(call, applicant, organisation):
    application = application_create(actor=applicant, call=call)
    assert (application.status, application.applicant, application.created_by) == (S.DRAFT, organisation, applicant)
    assert application.number is None
    assert AuditEvent.objects.filter(
        object_type="grants.application", object_id=str(application.pk), event_type=AuditEventType.CREATED
    ).exists()


def test_only_an_applicant_with_an_organisation_creates(call, officer):
    loner = UserFactory(role=Role.APPLICANT)
    for actor in (officer, loner):
        with pytest.raises(ApplicationError, match="create or join your organisation"):
            application_create(actor=actor, call=call)
    assert not Application.objects.exists()


def test_only_open_calls_take_drafts(instrument, applicant):
    call = make_call(instrument)
    with pytest.raises(ApplicationError, match="not open"):
        application_create(actor=applicant, call=call)


def test_applicant_type_must_be_eligible(call):
    large = UserFactory(role=Role.APPLICANT, organisation=OrganisationFactory(organisation_type=OrganisationType.LARGE))
    with pytest.raises(ApplicationError, match="cannot apply") as info:
        application_create(actor=large, call=call)
    assert info.value.details["fields"]["__all__"]


def test_applicant_type_is_checked_again_at_submission(draft, applicant, categories, indicator, call):
    fill(draft, applicant, categories, indicator)
    Call.objects.filter(pk=call.pk).update(eligible_applicant_types=[OrganisationType.NGO])
    draft.call.refresh_from_db()
    with pytest.raises(ApplicationError, match="cannot apply"):
        application_submit(actor=applicant, application=draft, now=OPEN_MOMENT)


def test_a_call_without_types_takes_every_type(instrument):
    call = open_call(instrument, eligible_applicant_types=[])
    large = UserFactory(role=Role.APPLICANT, organisation=OrganisationFactory(organisation_type=OrganisationType.LARGE))
    assert application_create(actor=large, call=call).status == S.DRAFT


# --- step 1: the project -------------------------------------------------------------------


def test_project_step_saves_and_audits(draft, applicant):
    application_project_update(
        actor=applicant,
        application=draft,
        title="  Naujas produktas ",
        summary="Aprašas",
        start_date=date(2020, 5, 1),
        end_date=date(2021, 4, 30),
    )
    draft.refresh_from_db()
    assert (draft.title, draft.start_date, draft.end_date) == ("Naujas produktas", date(2020, 5, 1), date(2021, 4, 30))
    event = AuditEvent.objects.filter(
        object_type="grants.application", object_id=str(draft.pk), event_type=AuditEventType.UPDATED
    ).get()
    assert event.new_values["title"] == "Naujas produktas"


@pytest.mark.parametrize(
    ("title", "start", "end", "field", "message"),
    [
        ("", date(2020, 5, 1), date(2021, 1, 1), "title", "Enter the project title"),
        ("T", date(2020, 5, 1), date(2020, 4, 30), "end_date", "end on or after"),
        ("T", date(2020, 5, 1), date(2025, 5, 2), "end_date", "at most 5 years"),
        ("T", date(2019, 12, 31), date(2021, 1, 1), "start_date", r"before the call opens \(2020-01-01\)"),
    ],
)
def test_project_step_checks(draft, applicant, title, start, end, field, message):
    with pytest.raises(ApplicationError, match=message) as info:
        application_project_update(
            actor=applicant, application=draft, title=title, summary="", start_date=start, end_date=end
        )
    assert info.value.field == field
    assert field in info.value.details["fields"]
    draft.refresh_from_db()
    assert draft.title == "" and draft.start_date is None


def test_five_years_exactly_is_accepted(draft, applicant):
    application_project_update(
        actor=applicant,
        application=draft,
        title="T",
        summary="",
        start_date=date(2020, 5, 1),
        end_date=date(2025, 5, 1),
    )


def test_envelope_must_belong_to_the_call(draft, applicant, instrument):
    other = open_call(instrument)
    foreign = Envelope.objects.create(
        call=other, code="E1", name_lt="Kitas", funding_rate=D("50"), max_grant_amount=D("1000")
    )
    with pytest.raises(ApplicationError, match="another call") as info:
        application_project_update(
            actor=applicant, application=draft, title="T", summary="", start_date=None, end_date=None, envelope=foreign
        )
    assert info.value.field == "envelope"
    with pytest.raises(ApplicationError, match="another call"):
        application_create(actor=applicant, call=draft.call, envelope=foreign)


def test_envelope_is_required_at_submission_when_the_call_has_envelopes(draft, applicant, categories, indicator, call):
    fill(draft, applicant, categories, indicator)
    Envelope.objects.create(call=call, code="E1", name_lt="Regionas", funding_rate=D("50"), max_grant_amount=D("1000"))
    with pytest.raises(ApplicationError) as info:
        application_submit(actor=applicant, application=draft, now=OPEN_MOMENT)
    assert info.value.details["fields"] == {"envelope": ["Choose the envelope you apply to."]}


def test_the_envelopes_rate_and_maximum_apply(draft, applicant, categories, call):
    envelope = Envelope.objects.create(
        call=call, code="E1", name_lt="Regionas", funding_rate=D("50.00"), max_grant_amount=D("4000.00")
    )
    application_budget_set(actor=applicant, application=draft, lines={categories["STAFF"]: D("7000.03")})
    draft.refresh_from_db()
    assert draft.grant_requested == D("4900.02")  # the call's 70 %: 4 900.021 → 4 900.02
    application_project_update(
        actor=applicant, application=draft, title="T", summary="", start_date=None, end_date=None, envelope=envelope
    )
    draft.refresh_from_db()
    assert (draft.grant_requested, draft.own_contribution) == (D("3500.02"), D("3500.01"))  # 50 %: 3 500.015 → 3 500.02
    application_budget_set(actor=applicant, application=draft, lines={categories["STAFF"]: D("9000.00")})
    draft.refresh_from_db()
    assert draft.grant_requested == D("4000.00")  # the envelope's maximum, not the call's 100 000


# --- step 2: partners ----------------------------------------------------------------------


@pytest.fixture
def cluster(organisation):
    cluster = cluster_create(
        actor=None, name="Lazerių klasteris", coordinator=organisation, established_on=date(2015, 1, 1)
    )
    return cluster


def test_partners_must_be_current_members_of_the_applicants_cluster(draft, applicant, organisation, cluster):
    member = OrganisationFactory()
    cluster_member_add(actor=None, cluster=cluster, organisation=member, joined_on=date(2016, 1, 1))
    former = OrganisationFactory()
    membership = cluster_member_add(actor=None, cluster=cluster, organisation=former, joined_on=date(2016, 1, 1))
    cluster_member_leave(actor=None, member=membership, left_on=date(2018, 1, 1))
    outsider = OrganisationFactory()
    other_cluster = cluster_create(actor=None, name="Kitas", coordinator=outsider, established_on=date(2015, 1, 1))
    cluster_member_add(
        actor=None, cluster=other_cluster, organisation=OrganisationFactory(), joined_on=date(2016, 1, 1)
    )

    application_partners_set(actor=applicant, application=draft, partners=[member])
    assert list(draft.partners.all()) == [member]
    for refused in (former, outsider):
        with pytest.raises(ApplicationError, match="not a member of a cluster") as info:
            application_partners_set(actor=applicant, application=draft, partners=[member, refused])
        assert info.value.field == "partners"
    with pytest.raises(ApplicationError, match="its own partner"):
        application_partners_set(actor=applicant, application=draft, partners=[organisation])
    assert list(draft.partners.all()) == [member]


def test_a_partner_who_left_is_a_problem_at_submission(draft, applicant, categories, indicator, cluster):
    member = OrganisationFactory()
    membership = cluster_member_add(actor=None, cluster=cluster, organisation=member, joined_on=date(2016, 1, 1))
    fill(draft, applicant, categories, indicator)
    application_partners_set(actor=applicant, application=draft, partners=[member])
    cluster_member_leave(actor=None, member=membership, left_on=date(2020, 1, 15))
    assert "partners" in application_problems(draft, now=OPEN_MOMENT)


def test_an_applicant_that_left_its_cluster_has_no_partners(draft, applicant, organisation):
    outsider = OrganisationFactory()
    cluster = cluster_create(actor=None, name="K", coordinator=outsider, established_on=date(2015, 1, 1))
    membership = cluster_member_add(actor=None, cluster=cluster, organisation=organisation, joined_on=date(2016, 1, 1))
    cluster_member_leave(actor=None, member=membership, left_on=date(2017, 1, 1))
    with pytest.raises(ApplicationError, match="not a member"):
        application_partners_set(actor=applicant, application=draft, partners=[outsider])


# --- step 3: the budget --------------------------------------------------------------------


def test_budget_computes_and_stores_the_financing(draft, applicant, categories):
    application_budget_set(
        actor=applicant,
        application=draft,
        lines={categories["STAFF"]: D("7500.00"), categories["PAT"]: D("2500.00"), categories["EQUIP"]: D("0")},
    )
    draft.refresh_from_db()
    assert (draft.eligible_cost, draft.grant_requested, draft.own_contribution) == (
        D("10000.00"),
        D("7000.00"),
        D("3000.00"),
    )
    assert sorted(draft.budget_lines.values_list("cost_category__code", "amount")) == [
        ("PAT", D("2500.00")),
        ("STAFF", D("7500.00")),
    ]  # the line of 0 is not kept


def test_budget_refusals_change_nothing(draft, applicant, categories):
    application_budget_set(actor=applicant, application=draft, lines={categories["STAFF"]: D("1000.00")})
    foreign = CostCategoryFactory(code="OTHER")
    cases = [
        ({categories["STAFF"]: D("7499.99"), categories["PAT"]: D("2500.00")}, "budget_PAT", "at most 25.0 %"),
        ({categories["STAFF"]: D("100"), foreign: D("1")}, "budget_OTHER", "not an eligible cost category"),
        ({categories["STAFF"]: D("-1")}, "budget_STAFF", "cannot be negative"),
    ]
    for lines, field, message in cases:
        with pytest.raises(ApplicationError, match=message) as info:
            application_budget_set(actor=applicant, application=draft, lines=lines)
        assert info.value.field == field
    draft.refresh_from_db()
    assert draft.eligible_cost == D("1000.00")
    assert list(draft.budget_lines.values_list("amount", flat=True)) == [D("1000.00")]


def test_own_contribution_minimum_refuses_the_budget(instrument, applicant, categories):
    call = open_call(instrument, funding_rate=D("80.00"), min_own_contribution_percent=D("25.00"))
    draft = application_create(actor=applicant, call=call)
    with pytest.raises(ApplicationError, match="own contribution") as info:
        application_budget_set(actor=applicant, application=draft, lines={categories["STAFF"]: D("1000.00")})
    assert info.value.field == "budget"


def test_the_minimum_own_contribution_is_met_thanks_to_the_maximum_grant(instrument, applicant, categories):
    call = open_call(
        instrument, funding_rate=D("80.00"), min_own_contribution_percent=D("25.00"), max_grant_amount=D("750.00")
    )
    draft = application_create(actor=applicant, call=call)
    application_budget_set(actor=applicant, application=draft, lines={categories["STAFF"]: D("1000.00")})
    draft.refresh_from_db()
    assert (draft.grant_requested, draft.own_contribution) == (D("750.00"), D("250.00"))


# --- step 4: indicators --------------------------------------------------------------------


def test_indicator_targets(draft, applicant, indicator):
    application_indicators_set(actor=applicant, application=draft, targets={indicator: D("3.5")})
    assert list(draft.indicator_targets.values_list("indicator__code", "target_value")) == [("P.S.001", D("3.50"))]
    foreign = IndicatorFactory(code="R.N.999")
    with pytest.raises(ApplicationError, match="not an indicator of this call") as info:
        application_indicators_set(actor=applicant, application=draft, targets={foreign: D("1")})
    assert info.value.field == "target_R.N.999"
    with pytest.raises(ApplicationError, match="cannot be negative"):
        application_indicators_set(actor=applicant, application=draft, targets={indicator: D("-1")})
    assert list(draft.indicator_targets.values_list("target_value", flat=True)) == [D("3.50")]


# --- step 6: declarations ------------------------------------------------------------------


def test_declarations(draft, applicant):
    application_declarations_set(
        actor=applicant, application=draft, de_minimis_received=D("1200.5"), no_double_funding=True, data_accurate=False
    )
    draft.refresh_from_db()
    assert (draft.de_minimis_received, draft.declares_no_double_funding, draft.declares_data_accurate) == (
        D("1200.50"),
        True,
        False,
    )
    with pytest.raises(ApplicationError, match="cannot be negative") as info:
        application_declarations_set(
            actor=applicant,
            application=draft,
            de_minimis_received=D("-0.01"),
            no_double_funding=True,
            data_accurate=True,
        )
    assert info.value.field == "de_minimis_received"


# --- submission ----------------------------------------------------------------------------


def test_a_complete_draft_is_submitted_with_a_receipt(draft, applicant, categories, indicator, call, sent, committing):
    fill(draft, applicant, categories, indicator)
    assert application_problems(draft, now=OPEN_MOMENT) == {}
    with committing():
        submitted = application_submit(actor=applicant, application=draft, now=OPEN_MOMENT)
    draft.refresh_from_db()
    assert submitted.status == draft.status == S.SUBMITTED
    assert draft.number == f"{call.code}-00001"
    assert draft.submitted_at == OPEN_MOMENT
    assert (draft.eligible_cost, draft.grant_requested, draft.own_contribution) == (
        D("10000.00"),
        D("7000.00"),
        D("3000.00"),
    )
    event = AuditEvent.objects.get(
        object_type="grants.application", object_id=str(draft.pk), event_type=AuditEventType.STATUS_CHANGED
    )
    assert (event.actor, event.old_values, event.new_values["status"], event.new_values["number"]) == (
        applicant,
        {"status": "draft"},
        "submitted",
        draft.number,
    )
    assert sent == [(draft.pk, "submitted")]


def test_submission_lists_every_problem_by_field_and_changes_nothing(draft, applicant, sent):
    with pytest.raises(ApplicationError) as info:
        application_submit(actor=applicant, application=draft, now=OPEN_MOMENT)
    fields = info.value.details["fields"]
    assert set(fields) == {
        "title",
        "summary",
        "start_date",
        "end_date",
        "budget",
        "target_P.S.001",
        "de_minimis_received",
        "declares_no_double_funding",
        "declares_data_accurate",
    }
    assert info.value.field == "title" and info.value.message == fields["title"][0]
    draft.refresh_from_db()
    assert (draft.status, draft.number, draft.submitted_at) == (S.DRAFT, None, None)
    assert sent == []


def test_numbers_are_a_sequence_per_call(call, applicant, categories, indicator, instrument, sent):
    numbers = []
    for _ in range(3):
        application = fill(application_create(actor=applicant, call=call), applicant, categories, indicator)
        numbers.append(application_submit(actor=applicant, application=application, now=OPEN_MOMENT).number)
    application_withdraw(actor=applicant, application=Application.objects.get(number=numbers[1]))
    application = fill(application_create(actor=applicant, call=call), applicant, categories, indicator)
    numbers.append(application_submit(actor=applicant, application=application, now=OPEN_MOMENT).number)
    assert numbers == [f"{call.code}-{n:05d}" for n in (1, 2, 3, 4)]
    other = open_call(instrument)
    application = fill(application_create(actor=applicant, call=other), applicant, categories, indicator)
    assert application_submit(actor=applicant, application=application, now=OPEN_MOMENT).number == f"{other.code}-00001"


def test_a_submitted_application_cannot_be_submitted_or_changed_again(draft, applicant, categories, indicator, sent):
    fill(draft, applicant, categories, indicator)
    application_submit(actor=applicant, application=draft, now=OPEN_MOMENT)
    with pytest.raises(ApplicationError, match="Only a draft"):
        application_submit(actor=applicant, application=draft, now=OPEN_MOMENT)
    with pytest.raises(ApplicationError, match="Only a draft"):
        application_budget_set(actor=applicant, application=draft, lines={categories["STAFF"]: D("1")})


# --- the deadline --------------------------------------------------------------------------


def submit_at(application, applicant, now):
    try:
        application_submit(actor=applicant, application=application, now=now)
    except ApplicationError as error:
        return error
    return None


@pytest.mark.parametrize(
    "closes_at",
    [
        datetime(2020, 3, 1, 17, 0, 0, tzinfo=VILNIUS),
        # Summer time ends on 2026-10-25 at 04:00 EEST: 03:00–03:59:59 happen twice; this is the first (UTC+3).
        datetime(2026, 10, 25, 3, 59, 59, tzinfo=VILNIUS),
        # The second 03:59:59 of that night (UTC+2), an hour later.
        datetime(2026, 10, 25, 3, 59, 59, fold=1, tzinfo=VILNIUS),
        # Summer time starts on 2026-03-29 at 03:00 EET: one second after 02:59:59 is 04:00:00 EEST.
        datetime(2026, 3, 29, 2, 59, 59, tzinfo=VILNIUS),
    ],
)
def test_deadline_to_the_second(instrument, applicant, categories, indicator, closes_at, sent, committing):
    # Seconds are counted on the time line (UTC): wall-clock arithmetic in
    # Vilnius time would skip or repeat an hour on these nights.
    deadline = closes_at.astimezone(UTC)
    call = open_call(instrument, closes_at=closes_at)
    before = fill(application_create(actor=applicant, call=call), applicant, categories, indicator)
    at = fill(application_create(actor=applicant, call=call), applicant, categories, indicator)
    after = fill(application_create(actor=applicant, call=call), applicant, categories, indicator)
    with committing():
        assert submit_at(before, applicant, deadline - SECOND) is None
    error = submit_at(at, applicant, deadline)
    assert error is not None and "closed at" in error.message
    assert submit_at(after, applicant, deadline + SECOND) is not None
    assert Application.objects.filter(status=S.SUBMITTED).count() == 1
    before.refresh_from_db()
    assert before.submitted_at == deadline - SECOND


def test_one_second_after_the_spring_deadline_is_four_oclock():
    deadline = datetime(2026, 3, 29, 2, 59, 59, tzinfo=VILNIUS).astimezone(UTC)
    assert (deadline + SECOND).astimezone(VILNIUS).strftime("%H:%M:%S %Z") == "04:00:00 EEST"


def test_the_refusal_names_the_deadline_in_vilnius_time(instrument, applicant, categories, indicator):
    call = open_call(instrument, closes_at=datetime(2026, 10, 25, 3, 59, 59, tzinfo=VILNIUS))
    application = fill(application_create(actor=applicant, call=call), applicant, categories, indicator)
    error = submit_at(application, applicant, datetime(2026, 10, 25, 1, 0, 0, tzinfo=ZoneInfo("UTC")))
    assert "closed at 2026-10-25 03:59:59 (Vilnius time)" in error.message
    assert error.details["fields"]["__all__"]


def test_summer_time_deadline_in_utc(instrument):
    # The first 03:59:59 is 00:59:59 UTC, the second 01:59:59 UTC.
    first = datetime(2026, 10, 25, 3, 59, 59, tzinfo=VILNIUS)
    second = datetime(2026, 10, 25, 3, 59, 59, fold=1, tzinfo=VILNIUS)
    assert first.astimezone(ZoneInfo("UTC")).hour == 0 and second.astimezone(ZoneInfo("UTC")).hour == 1


def test_not_before_the_call_opens_nor_when_it_is_not_open(draft, applicant, categories, indicator, call, sent):
    fill(draft, applicant, categories, indicator)
    error = submit_at(draft, applicant, call.opens_at - SECOND)
    assert error is not None and "opens at 2020-01-01 09:00:00" in error.message
    call_transition(actor=None, call=call, to_status=CallStatus.CLOSED)
    error = submit_at(draft, applicant, OPEN_MOMENT)
    assert error is not None and "not open" in error.message
    assert submit_at(draft, applicant, call.opens_at) is not None  # closed wins over the moment


def test_the_opening_second_is_accepted(draft, applicant, categories, indicator, call, sent):
    fill(draft, applicant, categories, indicator)
    assert submit_at(draft, applicant, call.opens_at) is None


# --- who may change a draft ----------------------------------------------------------------


def test_another_organisation_cannot_change_submit_or_withdraw(draft, stranger, officer, categories, indicator):
    for actor in (stranger, officer):
        attempts = [
            lambda a: application_project_update(
                actor=a, application=draft, title="X", summary="", start_date=None, end_date=None
            ),
            lambda a: application_partners_set(actor=a, application=draft, partners=[]),
            lambda a: application_budget_set(actor=a, application=draft, lines={categories["STAFF"]: D("1")}),
            lambda a: application_indicators_set(actor=a, application=draft, targets={indicator: D("1")}),
            lambda a: application_declarations_set(
                actor=a, application=draft, de_minimis_received=D("0"), no_double_funding=True, data_accurate=True
            ),
            lambda a: application_submit(actor=a, application=draft, now=OPEN_MOMENT),
            lambda a: application_withdraw(actor=a, application=draft),
        ]
        for attempt in attempts:
            with pytest.raises(ApplicationError, match="Only the applicant organisation"):
                attempt(actor)
    draft.refresh_from_db()
    assert (draft.status, draft.title, draft.eligible_cost) == (S.DRAFT, "", D("0"))
    assert not AuditEvent.objects.filter(
        object_type="grants.application", object_id=str(draft.pk), event_type=AuditEventType.UPDATED
    ).exists()


def test_a_colleague_in_the_same_organisation_may_change_the_draft(draft, organisation):
    colleague = UserFactory(role=Role.APPLICANT, organisation=organisation)
    application_project_update(
        actor=colleague, application=draft, title="Kolegos", summary="", start_date=None, end_date=None
    )
    draft.refresh_from_db()
    assert draft.title == "Kolegos"


# --- withdrawal ----------------------------------------------------------------------------


def test_withdraw_a_draft_and_a_submitted_application(call, applicant, categories, indicator, sent, committing):
    first = application_create(actor=applicant, call=call)
    with committing():
        application_withdraw(actor=applicant, application=first)
    first.refresh_from_db()
    assert (first.status, first.number) == (S.WITHDRAWN, None)
    second = fill(application_create(actor=applicant, call=call), applicant, categories, indicator)
    with committing():
        application_submit(actor=applicant, application=second, now=OPEN_MOMENT)
    with committing():
        application_withdraw(actor=applicant, application=second)
    second.refresh_from_db()
    assert second.status == S.WITHDRAWN and second.number.endswith("-00001")
    assert [s for _, s in sent] == ["withdrawn", "submitted", "withdrawn"]


@pytest.mark.parametrize("status", [S.EVALUATED, S.APPROVED, S.RESERVE, S.REJECTED, S.INELIGIBLE, S.WITHDRAWN])
def test_no_withdrawal_after_the_decision(draft, applicant, categories, indicator, status, sent):
    fill(draft, applicant, categories, indicator)
    application_submit(actor=applicant, application=draft, now=OPEN_MOMENT)
    Application.objects.filter(pk=draft.pk).update(status=status)
    with pytest.raises(ApplicationError, match="can no longer be withdrawn") as info:
        application_withdraw(actor=applicant, application=draft)
    assert info.value.field == "status"
    draft.refresh_from_db()
    assert draft.status == status


# --- status e-mails ------------------------------------------------------------------------


def test_status_email_goes_to_every_user_of_the_applicant_in_their_language(
    draft, applicant, organisation, categories, indicator, stranger, sent, committing
):
    applicant.language = "en"
    applicant.save()
    colleague = UserFactory(role=Role.APPLICANT, organisation=organisation, language="lt")
    UserFactory(role=Role.APPLICANT, organisation=organisation, email="")  # no address: no e-mail
    fill(draft, applicant, categories, indicator)
    mail.outbox.clear()
    with committing():
        application_submit(actor=applicant, application=draft, now=OPEN_MOMENT)
    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert set(by_recipient) == {applicant.email, colleague.email}  # not the stranger, not the user without address
    english, lithuanian = by_recipient[applicant.email], by_recipient[colleague.email]
    assert english.subject == f"Application {draft.number}: Submitted"
    assert "Grant requested: €7,000.00" in english.body
    assert draft.number in lithuanian.subject
    assert "2020-02-01 12:00:00" in english.body  # the receipt moment, Vilnius time


def test_status_email_is_sent_once_when_the_task_runs_twice(draft, applicant, categories, indicator, sent, committing):
    fill(draft, applicant, categories, indicator)
    with committing():
        application_submit(actor=applicant, application=draft, now=OPEN_MOMENT)
    assert len(mail.outbox) == 1
    assert application_status_email(draft.pk, "submitted") == 0
    assert len(mail.outbox) == 1
    assert application_status_email(draft.pk + 1000, "submitted") == 0
    assert application_status_email(draft.pk, "no-such-status") == 0


def test_status_email_is_queued_only_after_commit(
    draft, applicant, categories, indicator, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(application_status_email, "delay", lambda *args: queued.append(args))
    fill(draft, applicant, categories, indicator)
    with django_capture_on_commit_callbacks() as callbacks:
        application_submit(actor=applicant, application=draft, now=OPEN_MOMENT)
        assert queued == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert queued == [(draft.pk, "submitted")]


def test_a_broker_that_is_down_does_not_fail_the_change(
    draft, applicant, monkeypatch, django_capture_on_commit_callbacks
):
    def down(*args):
        raise ConnectionError("broker down")

    monkeypatch.setattr(application_status_email, "delay", down)
    with django_capture_on_commit_callbacks(execute=True):
        application_withdraw(actor=applicant, application=draft)
    draft.refresh_from_db()
    assert draft.status == S.WITHDRAWN


def test_notify_status_is_exported_for_the_selection_services():
    assert callable(services.notify_status)


# --- numbers under concurrency -------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_get_distinct_numbers(instrument, categories, indicator, organisation, monkeypatch):
    monkeypatch.setattr(application_status_email, "delay", lambda *args: None)
    call = open_call(instrument)
    users = [UserFactory(role=Role.APPLICANT, organisation=organisation) for _ in range(4)]
    drafts = [fill(application_create(actor=u, call=call), u, categories, indicator) for u in users]
    barrier = threading.Barrier(len(drafts))
    errors = []

    def submit(application, user):
        try:
            barrier.wait()
            application_submit(actor=user, application=application, now=OPEN_MOMENT)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=pair) for pair in zip(drafts, users, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    numbers = sorted(Application.objects.filter(call=call).values_list("number", flat=True))
    assert numbers == [f"{call.code}-{n:05d}" for n in range(1, 5)]
