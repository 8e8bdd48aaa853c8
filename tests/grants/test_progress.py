"""The one read model of the per-instrument figures (grants.selectors.progress)
and the project statement (grants.selectors.statements): figures computed in
SQL at one as-of moment, with a fixed number of queries whatever the number of
projects."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.models import AuditEvent, AuditEventType
from grants.models import Instrument, Payment, PaymentKind, Programme, Project, ProjectStatus
from grants.selectors.asof import PROJECT_OBJECT_TYPE, AsOf, local_zone
from grants.selectors.progress import (
    instrument_progress,
    instrument_progress_at,
    progress_totals,
    project_progress_groups,
    projects_by_status,
)
from grants.selectors.statements import project_statement
from grants.services import indicator_target_set, indicator_value_report, payment_create, project_transition
from tests.factories import IndicatorFactory, ProgrammeFactory, UserFactory, make_instrument, make_project

pytestmark = pytest.mark.django_db

LATE = date(2030, 1, 1)


def cutoff(day: date = date(2025, 12, 31), *, as_of: datetime | None = None, **period) -> AsOf:
    return AsOf(moment=as_of or timezone.now(), date=day, **period)


def figures(c: AsOf, instruments) -> tuple[list, object]:
    rows = instrument_progress_at(c, instruments=instruments)
    return rows, progress_totals(rows, c)


def projects_of(c: AsOf, instruments, start=0, stop=None) -> list[str]:
    return [p.code for g in project_progress_groups(instruments, c, start, stop) for p in g.rows]


def start(project: Project) -> Project:
    return project_transition(actor=None, project=project, to_status=ProjectStatus.IN_IMPLEMENTATION)


def portfolio(n: int, *, code: str = "BCL") -> dict:
    """An instrument with an indicator and `n` projects; each project gets an
    advance, and every other one an interim payment and an indicator value."""
    indicator = IndicatorFactory(unit="companies")
    instrument = make_instrument(
        code=code, allocation="90000000.00", max_grant="200000.00", indicators={indicator: "500"}
    )
    projects = []
    for i in range(n):
        project = start(make_project(instrument, lines={"STAFF": f"{10000 + i * 10}.00"}))
        payment_create(
            actor=None, project=project, kind=PaymentKind.ADVANCE, paid_on=date(2020, 3, 1), amount="1000.00"
        )
        if i % 2 == 0:
            payment_create(
                actor=None, project=project, kind=PaymentKind.INTERIM, paid_on=date(2021, 6, 1), amount="500.00"
            )
            indicator_value_report(
                actor=None, project=project, indicator=indicator, reported_on=date(2021, 6, 1), value=Decimal(3)
            )
        projects.append(project)
    return {"instrument": instrument, "indicator": indicator, "projects": projects}


# --------------------------------------------------------------------------- the as-of rule


def test_cutoff_takes_the_requested_date_but_never_later_than_the_data():
    as_of = datetime(2026, 3, 10, 22, 30, tzinfo=local_zone())
    assert AsOf.at(as_of, as_of_date=date(2019, 12, 31)).date == date(2019, 12, 31)
    assert AsOf.at(as_of, as_of_date=date(2027, 1, 1)).date == date(2026, 3, 10)
    period = AsOf.at(as_of, period=(date(2019, 1, 1), date(2019, 12, 31)))
    assert (period.period_start, period.date, period.has_period) == (date(2019, 1, 1), date(2019, 12, 31), True)
    # The local (Vilnius) date of the as-of time, not the UTC one.
    late_evening_utc = datetime(2026, 3, 10, 23, 30, tzinfo=local_zone()).astimezone(timezone.get_fixed_timezone(0))
    assert AsOf.at(late_evening_utc).date == date(2026, 3, 10)
    assert AsOf.at().live and not AsOf.at(as_of).live


def test_instrument_figures_match_the_database_and_follow_the_cutoff_date():
    data = portfolio(5)
    instrument, indicator, projects = data["instrument"], data["indicator"], data["projects"]
    # A payment and a value after the cut-off date must not count.
    payment_create(actor=None, project=projects[1], kind=PaymentKind.INTERIM, paid_on=date(2026, 2, 1), amount="7.00")
    indicator_value_report(
        actor=None, project=projects[1], indicator=indicator, reported_on=date(2026, 2, 1), value=Decimal(100)
    )
    rows, totals = figures(cutoff(), Instrument.objects.filter(pk=instrument.pk))
    (row,) = rows
    grants = sum((p.grant_amount for p in Project.objects.filter(instrument=instrument)), Decimal(0))
    paid = sum(
        (p.amount for p in Payment.objects.filter(project__instrument=instrument, paid_on__lte=date(2025, 12, 31))),
        Decimal(0),
    )
    assert row.project_count == 5
    assert row.grant_total == grants
    assert row.paid_total == paid == Decimal("6500.00")
    assert row.commitment_percent == (grants * 100 / Decimal("90000000.00")).quantize(Decimal("0.01"))
    assert row.absorption_percent == Decimal("0.01")
    (ind,) = row.indicators
    assert (ind.target, ind.achieved, ind.percent_of_target) == (Decimal(500), Decimal(9), Decimal("1.80"))
    # The same data at a later cut-off date includes the late payment and value.
    (later,) = instrument_progress(as_of=timezone.now(), as_of_date=LATE, instrument_ids=[instrument.pk])
    assert later.paid_total == Decimal("6507.00")
    assert later.indicators[0].achieved == Decimal(109)
    # The same selector, asked for "now" (the home page), counts everything paid by today.
    (now,) = instrument_progress(instrument_ids=[instrument.pk])
    assert now.paid_total == Decimal("6507.00")
    # Programme totals agree with the instrument rows.
    assert (totals.grant_total, totals.paid_total, totals.project_count) == (grants, paid, 5)
    assert totals.beneficiary_count == 5


def test_projects_recorded_after_the_as_of_time_are_left_out_everywhere():
    data = portfolio(2)
    as_of = timezone.now()
    late = make_project(data["instrument"], lines={"STAFF": "50000.00"})
    # The late project's creation event was written after as_of.
    assert AuditEvent.objects.filter(
        object_type=PROJECT_OBJECT_TYPE,
        object_id=str(late.pk),
        event_type=AuditEventType.CREATED,
        occurred_at__gt=as_of,
    ).exists()
    instruments = Instrument.objects.filter(pk=data["instrument"].pk)
    rows, totals = figures(cutoff(as_of=as_of), instruments)
    codes = projects_of(cutoff(as_of=as_of), instruments)
    assert late.code not in codes and len(codes) == 2
    assert rows[0].project_count == 2
    assert totals.grant_total == sum((p.grant_amount for p in data["projects"]), Decimal(0))
    assert figures(cutoff(), instruments)[0][0].project_count == 3


def test_paid_in_period_counts_only_payments_inside_the_period():
    data = portfolio(4)
    period = cutoff(date(2021, 12, 31), period_start=date(2021, 1, 1), period_end=date(2021, 12, 31))
    instruments = Instrument.objects.filter(pk=data["instrument"].pk)
    rows, totals = figures(period, instruments)
    assert rows[0].paid_total == Decimal("5000.00")  # 4 advances (2020) + 2 interims (2021)
    assert rows[0].paid_in_period == Decimal("1000.00")
    assert totals.paid_in_period == Decimal("1000.00")
    plain_rows, plain_totals = figures(cutoff(), instruments)
    assert plain_rows[0].paid_in_period is None and plain_totals.paid_in_period is None


def test_programme_report_lists_every_instrument_with_totals_and_statuses():
    a = portfolio(3, code="AAA")
    b = portfolio(2, code="BBB")
    project_transition(actor=None, project=b["projects"][0], to_status=ProjectStatus.SUSPENDED)
    programme = ProgrammeFactory()
    instruments = Instrument.objects.filter(programme=programme)
    rows, totals = figures(cutoff(), instruments)
    assert [row.code for row in rows] == ["AAA", "BBB"]
    assert [row.project_count for row in rows] == [3, 2]
    assert [row.code for row in instrument_progress(programme=programme)] == ["AAA", "BBB"]
    assert totals.project_count == 5
    assert totals.allocation_amount == Decimal("180000000.00")
    assert totals.grant_total == sum((p.grant_amount for p in a["projects"] + b["projects"]), Decimal(0))
    statuses = {s.status: s.project_count for s in projects_by_status(instruments, cutoff())}
    assert statuses == {ProjectStatus.IN_IMPLEMENTATION: 4, ProjectStatus.SUSPENDED: 1}
    groups = project_progress_groups(instruments, cutoff(), 0, None)
    assert [g.instrument_code for g in groups] == ["AAA", "BBB"]


def test_project_slices_continue_an_instrument_across_sections():
    data = portfolio(5, code="AAA")
    portfolio(2, code="BBB")
    instruments = Instrument.objects.filter(programme=ProgrammeFactory())
    whole = project_progress_groups(instruments, cutoff(), 0, None)
    codes = [p.code for g in whole for p in g.rows]
    parts = [project_progress_groups(instruments, cutoff(), s, s + 3) for s in (0, 3, 6)]
    assert [p.code for groups in parts for g in groups for p in g.rows] == codes
    assert [[(g.instrument_code, g.continued) for g in groups] for groups in parts] == [
        [("AAA", False)],
        [("AAA", True), ("BBB", False)],
        [("BBB", True)],
    ]
    paid = {p.code: p.paid_total for g in whole for p in g.rows}
    assert paid[data["projects"][0].code] == Decimal("1500.00")
    assert paid[data["projects"][1].code] == Decimal("1000.00")


# --------------------------------------------------------------------------- fixed number of queries


def _queries(build) -> int:
    with CaptureQueriesContext(connection) as ctx:
        build()
    return len(ctx.captured_queries)


def test_progress_costs_the_same_queries_for_10_and_200_projects():
    data = portfolio(10)
    programme = Programme.objects.get()
    instruments = Instrument.objects.filter(programme=programme)

    def build():
        rows, totals = figures(cutoff(as_of=timezone.now()), instruments)
        projects_by_status(instruments, cutoff())
        assert len(projects_of(cutoff(), instruments)) == totals.project_count == Project.objects.count()

    def home():
        assert sum(row.project_count for row in instrument_progress(programme=programme)) == Project.objects.count()

    small, small_home = _queries(build), _queries(home)
    for i in range(190):
        make_project(data["instrument"], lines={"STAFF": f"{1000 + i}.00"})
    assert Project.objects.count() == 200
    assert _queries(build) == small
    assert small <= 8, small
    assert _queries(home) == small_home == 3  # the two reads of the selector and the count


def test_project_statement_costs_fixed_queries():
    data = portfolio(1)
    project = data["projects"][0]

    def statement():
        project_statement(project_id=project.pk, as_of=cutoff())

    before = _queries(statement)
    for month in range(1, 13):
        payment_create(
            actor=None, project=project, kind=PaymentKind.INTERIM, paid_on=date(2022, month, 1), amount="10.00"
        )
        indicator_value_report(
            actor=None, project=project, indicator=data["indicator"], reported_on=date(2022, month, 1), value=1
        )
    assert _queries(statement) == before <= 7


# --------------------------------------------------------------------------- project statement


def test_project_statement_budget_payments_indicators_and_status_history():
    officer = UserFactory(first_name="Rūta", last_name="Žukauskienė", username="ruta")
    indicator = IndicatorFactory(code="BCL-O1", unit="companies")
    untargeted = IndicatorFactory(code="BCL-R1", unit="members")
    instrument = make_instrument(code="BCL", indicators={indicator: "100", untargeted: "30"})
    project = make_project(instrument, lines={"STAFF": "60000.00", "EQUIP": "40000.00"})
    project_transition(actor=officer, project=project, to_status=ProjectStatus.IN_IMPLEMENTATION)
    project_transition(actor=None, project=project, to_status=ProjectStatus.SUSPENDED)
    indicator_target_set(actor=None, project=project, indicator=indicator, target_value=Decimal(8))
    indicator_value_report(actor=None, project=project, indicator=indicator, reported_on=date(2021, 1, 1), value=5)
    indicator_value_report(actor=None, project=project, indicator=indicator, reported_on=date(2026, 1, 1), value=9)
    project_transition(actor=None, project=project, to_status=ProjectStatus.IN_IMPLEMENTATION)
    payment_create(actor=None, project=project, kind=PaymentKind.ADVANCE, paid_on=date(2020, 2, 1), amount="20000")
    payment_create(actor=None, project=project, kind=PaymentKind.INTERIM, paid_on=date(2021, 2, 1), amount="15000.50")
    payment_create(actor=None, project=project, kind=PaymentKind.INTERIM, paid_on=date(2026, 2, 1), amount="1000")

    s = project_statement(project_id=project.pk, as_of=cutoff())
    assert [(b.category_code, b.planned_amount, b.share) for b in s.budget] == [
        ("EQUIP", Decimal("40000.00"), Decimal("40.00")),
        ("STAFF", Decimal("60000.00"), Decimal("60.00")),
    ]
    assert s.budget_total == s.eligible_cost == Decimal("100000.00")
    assert s.grant_amount == Decimal("70000.00") and s.own_contribution == Decimal("30000.00")
    assert [(p.amount, p.cumulative) for p in s.payments] == [
        (Decimal("20000.00"), Decimal("20000.00")),
        (Decimal("15000.50"), Decimal("35000.50")),
    ]
    assert s.paid_total == Decimal("35000.50") and s.remaining == Decimal("34999.50")
    assert [(i.code, i.target, i.achieved) for i in s.indicators] == [
        ("BCL-O1", Decimal(8), Decimal(5)),
        ("BCL-R1", None, Decimal(0)),
    ]
    assert [(h.actor, h.old, h.new) for h in s.history] == [
        ("Rūta Žukauskienė (ruta)", "Contracted", "In implementation"),
        ("System", "In implementation", "Suspended"),
        ("System", "Suspended", "In implementation"),
    ]
    # Status changes recorded after the as-of time are not in the history.
    first_change = s.history[0].occurred_at
    early = project_statement(project_id=project.pk, as_of=cutoff(as_of=first_change))
    assert len(early.history) == 1
