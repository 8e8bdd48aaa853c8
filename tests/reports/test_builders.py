"""Report builders: figures computed in SQL at one as-of moment, with a fixed
number of queries whatever the number of projects."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clusters.models import (
    ActivityKind,
    Cluster,
    ClusterActivity,
    ClusterMember,
    ExcellenceLabel,
    LabelLevel,
    MaturityLevel,
    NetworkMembership,
)
from core.audit import audit_record
from core.models import AuditEvent, AuditEventType
from grants.models import Payment, PaymentKind, Project, ProjectStatus
from grants.services import indicator_target_set, indicator_value_report, payment_create, project_transition
from reports import builders, pdf
from reports.builders import Cutoff
from tests.factories import (
    IndicatorFactory,
    OrganisationFactory,
    ProgrammeFactory,
    UserFactory,
    make_instrument,
    make_project,
)

pytestmark = pytest.mark.django_db

LATE = date(2030, 1, 1)


def cutoff(day: date = date(2025, 12, 31), *, as_of: datetime | None = None, **period) -> Cutoff:
    return Cutoff(as_of=as_of or timezone.now(), date=day, **period)


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
    as_of = datetime(2026, 3, 10, 22, 30, tzinfo=builders.local_zone())
    assert Cutoff.for_params({"as_of_date": "2019-12-31"}, as_of).date == date(2019, 12, 31)
    assert Cutoff.for_params({"as_of_date": "2027-01-01"}, as_of).date == date(2026, 3, 10)
    period = Cutoff.for_params({"period_start": "2019-01-01", "period_end": "2019-12-31"}, as_of)
    assert (period.period_start, period.date, period.has_period) == (date(2019, 1, 1), date(2019, 12, 31), True)
    # The local (Vilnius) date of the as-of time, not the UTC one.
    late_evening_utc = datetime(2026, 3, 10, 23, 30, tzinfo=builders.local_zone()).astimezone(
        timezone.get_fixed_timezone(0)
    )
    assert Cutoff.for_params({}, late_evening_utc).date == date(2026, 3, 10)


def test_instrument_figures_match_the_database_and_follow_the_cutoff_date():
    data = portfolio(5)
    instrument, indicator, projects = data["instrument"], data["indicator"], data["projects"]
    # A payment and a value after the cut-off date must not count.
    payment_create(actor=None, project=projects[1], kind=PaymentKind.INTERIM, paid_on=date(2026, 2, 1), amount="7.00")
    indicator_value_report(
        actor=None, project=projects[1], indicator=indicator, reported_on=date(2026, 2, 1), value=Decimal(100)
    )
    report = builders.build_implementation_report(cutoff=cutoff(), instrument_id=instrument.pk)
    (row,) = report.instruments
    grants = sum((p.grant_amount for p in Project.objects.filter(instrument=instrument)), Decimal(0))
    paid = sum(
        (p.amount for p in Payment.objects.filter(project__instrument=instrument, paid_on__lte=date(2025, 12, 31))),
        Decimal(0),
    )
    assert row.project_count == 5
    assert row.contracted == grants
    assert row.paid == paid == Decimal("6500.00")
    assert row.commitment_percent == (grants * 100 / Decimal("90000000.00")).quantize(Decimal("0.01"))
    assert row.absorption_percent == Decimal("0.01")
    (ind,) = row.indicators
    assert (ind.target, ind.achieved, ind.percent_of_target) == (Decimal(500), Decimal(9), Decimal("1.80"))
    # The same data at a later cut-off date includes the late payment and value.
    later = builders.build_implementation_report(cutoff=cutoff(LATE), instrument_id=instrument.pk)
    assert later.instruments[0].paid == Decimal("6507.00")
    assert later.instruments[0].indicators[0].achieved == Decimal(109)
    # Programme totals agree with the instrument rows.
    assert (report.totals.contracted, report.totals.paid, report.totals.project_count) == (grants, paid, 5)
    assert report.totals.beneficiary_count == 5


def test_projects_recorded_after_the_as_of_time_are_left_out_everywhere():
    data = portfolio(2)
    as_of = timezone.now()
    late = make_project(data["instrument"], lines={"STAFF": "50000.00"})
    # The late project's creation event was written after as_of.
    assert AuditEvent.objects.filter(
        object_type="grants.project", object_id=str(late.pk), event_type="created", occurred_at__gt=as_of
    ).exists()
    report = builders.build_implementation_report(cutoff=cutoff(as_of=as_of), instrument_id=data["instrument"].pk)
    codes = [p.code for g in report.project_groups for p in g.rows]
    assert late.code not in codes and len(codes) == 2
    assert report.instruments[0].project_count == 2
    assert report.totals.contracted == sum((p.grant_amount for p in data["projects"]), Decimal(0))
    now = builders.build_implementation_report(cutoff=cutoff(), instrument_id=data["instrument"].pk)
    assert now.instruments[0].project_count == 3


def test_paid_in_period_counts_only_payments_inside_the_period():
    data = portfolio(4)
    period = cutoff(date(2021, 12, 31), period_start=date(2021, 1, 1), period_end=date(2021, 12, 31))
    report = builders.build_implementation_report(cutoff=period, instrument_id=data["instrument"].pk)
    assert report.instruments[0].paid == Decimal("5000.00")  # 4 advances (2020) + 2 interims (2021)
    assert report.instruments[0].paid_in_period == Decimal("1000.00")
    assert report.totals.paid_in_period == Decimal("1000.00")
    plain = builders.build_implementation_report(cutoff=cutoff(), instrument_id=data["instrument"].pk)
    assert plain.instruments[0].paid_in_period is None


def test_programme_report_lists_every_instrument_with_totals_and_statuses():
    a = portfolio(3, code="AAA")
    b = portfolio(2, code="BBB")
    project_transition(actor=None, project=b["projects"][0], to_status=ProjectStatus.SUSPENDED)
    programme = ProgrammeFactory()
    report = builders.build_implementation_report(cutoff=cutoff(), programme_id=programme.pk)
    assert [row.code for row in report.instruments] == ["AAA", "BBB"]
    assert [row.project_count for row in report.instruments] == [3, 2]
    assert report.totals.project_count == 5
    assert report.totals.allocation == Decimal("180000000.00")
    assert report.totals.contracted == sum((p.grant_amount for p in a["projects"] + b["projects"]), Decimal(0))
    statuses = {s.status: s.project_count for s in report.statuses}
    assert statuses == {ProjectStatus.IN_IMPLEMENTATION: 4, ProjectStatus.SUSPENDED: 1}
    assert [g.instrument_code for g in report.project_groups] == ["AAA", "BBB"]
    assert report.landscape is not None


def test_project_slices_continue_an_instrument_across_sections():
    data = portfolio(5, code="AAA")
    portfolio(2, code="BBB")
    programme = ProgrammeFactory()
    whole = builders.build_implementation_report(cutoff=cutoff(), programme_id=programme.pk)
    codes = [p.code for g in whole.project_groups for p in g.rows]
    parts = [
        builders.build_implementation_report(
            cutoff=cutoff(), programme_id=programme.pk, include_front=False, project_start=s, project_stop=s + 3
        )
        for s in (0, 3, 6)
    ]
    assert [p.code for r in parts for g in r.project_groups for p in g.rows] == codes
    assert [[(g.instrument_code, g.continued) for g in r.project_groups] for r in parts] == [
        [("AAA", False)],
        [("AAA", True), ("BBB", False)],
        [("BBB", True)],
    ]
    assert parts[1].instruments == [] and parts[1].landscape is None
    paid = {p.code: p.paid for g in whole.project_groups for p in g.rows}
    assert paid[data["projects"][0].code] == Decimal("1500.00")
    assert paid[data["projects"][1].code] == Decimal("1000.00")


# --------------------------------------------------------------------------- fixed number of queries


def _queries(build) -> int:
    with CaptureQueriesContext(connection) as ctx:
        build()
    return len(ctx.captured_queries)


def test_programme_report_costs_the_same_queries_for_10_and_200_projects():
    data = portfolio(10)
    programme = ProgrammeFactory()

    def build():
        report = builders.build_implementation_report(cutoff=cutoff(), programme_id=programme.pk)
        assert report.totals.project_count == Project.objects.count()

    def section_html():
        params = {"programme_id": programme.pk, "as_of_date": "2025-12-31"}
        html = pdf._section_html("programme", params, "ab12cd34-0000", timezone.now(), 0, page_numbers=True)
        assert html.count("<tr><td>PRJ-") == Project.objects.count()

    small, small_html = _queries(build), _queries(section_html)
    for i in range(190):
        make_project(data["instrument"], lines={"STAFF": f"{1000 + i}.00"})
    assert Project.objects.count() == 200
    assert _queries(build) == small
    assert small <= 16, small
    # The whole section (titles, builder, charts, template) too.
    assert _queries(section_html) == small_html


def test_project_statement_and_audit_trail_cost_fixed_queries():
    data = portfolio(1)
    project = data["projects"][0]

    def statement():
        builders.build_project_statement(project_id=project.pk, cutoff=cutoff())

    def trail():
        builders.build_audit_trail(cutoff=cutoff(), date_from=date(2000, 1, 1), date_to=LATE)

    before = (_queries(statement), _queries(trail))
    for month in range(1, 13):
        payment_create(
            actor=None, project=project, kind=PaymentKind.INTERIM, paid_on=date(2022, month, 1), amount="10.00"
        )
        indicator_value_report(
            actor=None, project=project, indicator=data["indicator"], reported_on=date(2022, month, 1), value=1
        )
    assert (_queries(statement), _queries(trail)) == before


# --------------------------------------------------------------------------- cluster landscape


def test_landscape_counts_the_registry_at_the_cutoff_date_against_the_targets():
    day = date(2021, 12, 31)
    coordinator = OrganisationFactory()
    clusters = [
        Cluster.objects.create(
            name=f"Klasteris {i}",
            coordinator=coordinator,
            established_on=date(2015, 1, 1),
            is_new_initiative=i < 2,
            considers_sustainability=i == 0,
            has_digitisation_strategy=True,
            has_circular_economy_strategy=i % 2 == 0,
            maturity_level=MaturityLevel.SELF_SUFFICIENT if i < 3 else MaturityLevel.DEVELOPING,
            in_pact_for_skills=i == 0,
        )
        for i in range(5)
    ]
    Cluster.objects.create(name="Not yet founded", coordinator=coordinator, established_on=date(2023, 1, 1))
    for cluster in clusters[:4]:
        NetworkMembership.objects.create(cluster=cluster, network="ECCP", joined_on=date(2019, 1, 1))
    NetworkMembership.objects.create(
        cluster=clusters[3], network="Vanguard", joined_on=date(2019, 1, 1), left_on=date(2020, 1, 1)
    )
    ExcellenceLabel.objects.create(
        cluster=clusters[0], level=LabelLevel.GOLD, awarded_on=date(2021, 1, 1), valid_until=date(2023, 1, 1)
    )
    ExcellenceLabel.objects.create(
        cluster=clusters[1], level=LabelLevel.SILVER, awarded_on=date(2018, 1, 1), valid_until=date(2020, 1, 1)
    )
    for i, member in enumerate(OrganisationFactory.create_batch(3)):
        ClusterMember.objects.create(cluster=clusters[0], organisation=member, joined_on=date(2016, 1, 1))
        ClusterMember.objects.create(cluster=clusters[1], organisation=member, joined_on=date(2016, 1, 1))
        if i == 0:
            ClusterMember.objects.create(
                cluster=clusters[2], organisation=member, joined_on=date(2016, 2, 1), left_on=date(2017, 1, 1)
            )
    ClusterActivity.objects.create(cluster=clusters[0], kind=ActivityKind.TRAINING, held_on=date(2021, 5, 1), title="a")
    ClusterActivity.objects.create(cluster=clusters[0], kind=ActivityKind.TRAINING, held_on=date(2021, 6, 1), title="b")
    ClusterActivity.objects.create(cluster=clusters[0], kind=ActivityKind.TRAINING, held_on=date(2022, 6, 1), title="c")

    landscape = builders.build_landscape(cutoff(day))
    assert landscape.cluster_count == 5
    assert landscape.network_clusters == 4 and landscape.network_memberships == 4
    assert landscape.network_share == Decimal("80.00")
    assert landscape.member_organisations == 3
    assert landscape.labelled_clusters == 1
    assert {label.level: label.clusters for label in landscape.labels} == {"bronze": 0, "silver": 0, "gold": 1}
    assert landscape.activities["Training"] == 2
    targets = {t.text: t for t in landscape.targets}
    networks = targets["Clusters participating in international networks"]
    assert (networks.actual, networks.met) == (Decimal("80.00"), False)  # "> 80 %" is not met by 80 %
    gold = targets["Clusters with a Gold Label of Excellence"]
    assert (gold.actual, gold.met) == (Decimal(1), True)  # ">= 1"
    assert targets["Clusters working with a digitisation strategy or projects"].met is True
    assert targets["Clusters working with a circular economy strategy or projects"].actual == Decimal("60.00")
    sustainability = targets["New cluster initiatives that take sustainability and going green into account"]
    assert (sustainability.actual, sustainability.met) == (Decimal("50.00"), True)
    assert targets["Clusters that are mature and self-sufficient"].actual == Decimal("60.00")
    assert targets["Training initiatives aimed at skills improvement for clusters"].met is True
    assert targets["Clusters participating in the Pact for Skills"].met is False  # 1 is not > 1


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

    s = builders.build_project_statement(project_id=project.pk, cutoff=cutoff())
    assert [(b.category_code, b.planned, b.share) for b in s.budget] == [
        ("EQUIP", Decimal("40000.00"), Decimal("40.00")),
        ("STAFF", Decimal("60000.00"), Decimal("60.00")),
    ]
    assert s.budget_total == s.eligible_cost == Decimal("100000.00")
    assert s.grant == Decimal("70000.00") and s.own_contribution == Decimal("30000.00")
    assert [(p.amount, p.cumulative) for p in s.payments] == [
        (Decimal("20000.00"), Decimal("20000.00")),
        (Decimal("15000.50"), Decimal("35000.50")),
    ]
    assert s.paid == Decimal("35000.50") and s.remaining == Decimal("34999.50")
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
    early = builders.build_project_statement(project_id=project.pk, cutoff=cutoff(as_of=first_change))
    assert len(early.history) == 1


# --------------------------------------------------------------------------- audit trail


def test_audit_trail_by_object_and_by_date_range():
    project = make_project(make_instrument(code="BCL"))
    start(project)
    by_object = builders.build_audit_trail(cutoff=cutoff(), object_type="grants.project", object_id=str(project.pk))
    assert [r.event_type for r in by_object.rows] == ["created", "status_changed"]
    assert by_object.event_count == 2
    change = by_object.rows[1]
    assert change.change_text == "status: contracted → in_implementation"
    today = timezone.localdate()
    in_range = builders.build_audit_trail(cutoff=cutoff(), date_from=today, date_to=today)
    assert in_range.event_count == AuditEvent.objects.count()
    assert builders.build_audit_trail(cutoff=cutoff(), date_from=date(2000, 1, 1), date_to=date(2000, 1, 2)).rows == []
    tomorrow = today + timedelta(days=1)
    assert builders.build_audit_trail(cutoff=cutoff(), date_from=tomorrow, date_to=tomorrow).event_count == 0
    # Events after the as-of time are excluded, and slices page through the rest.
    as_of = timezone.now()
    audit_record(actor=None, obj=project, event_type=AuditEventType.RECORDED, new={"note": "later"})
    assert builders.build_audit_trail(cutoff=cutoff(as_of=as_of), date_from=today, date_to=today).event_count == (
        AuditEvent.objects.count() - 1
    )
    first_two = builders.build_audit_trail(cutoff=cutoff(), date_from=today, date_to=today, start=0, stop=2)
    assert len(first_two.rows) == 2
