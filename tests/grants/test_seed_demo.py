"""seed_demo reproduces every figure the ministry published, keeps every invariant,
is coherent as of its own dates (statuses agree with the project periods, histories
are dated when they happened, payments add up to the plan's round figures, company
codes are real-looking and valid), is idempotent, and creates demo users only where
the settings allow them."""

import copy
from collections import Counter, defaultdict
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, F, Max, Min, Q, Sum
from django.utils import timezone, translation

from clusters.models import (
    ActivityKind,
    Cluster,
    ClusterActivity,
    ClusterCommitment,
    ClusterMember,
    ExcellenceLabel,
    LabelLevel,
    MaturityAssessment,
    NetworkMembership,
    Organisation,
    OrganisationUser,
)
from clusters.selectors.scorecard import clusters_behind, scorecard
from clusters.validators import validate_company_code
from core.models import AuditEvent, AuditEventType, Role, User
from core.money import apply_rate, to_money
from grants import demo
from grants.models import (
    Application,
    ApplicationBudgetLine,
    ApplicationStatus,
    AssignmentStatus,
    BudgetLine,
    Call,
    CallStatus,
    CostCategory,
    EvaluatorAssignment,
    FundingDecision,
    Indicator,
    IndicatorTarget,
    IndicatorUnit,
    IndicatorValue,
    Instrument,
    InstrumentIndicator,
    Payment,
    PaymentKind,
    Programme,
    Project,
    ProjectStatus,
)
from grants.selectors.progress import instrument_progress
from grants.services.payments import PAYABLE_STATES

FACTS = demo.load_seed_facts()
ASSUMED = FACTS["demo_assumptions"]
AS_OF = date.fromisoformat(ASSUMED["as_of"])
TODAY = date.fromisoformat(ASSUMED["today"])
PROGRAMME_START = date.fromisoformat(ASSUMED["programme"]["period_start"])
PROGRAMME_END = date.fromisoformat(ASSUMED["programme"]["period_end"])
SHARES = ASSUMED["payments"]
PROGRAMME = ASSUMED["programme"]["code"]
SELECTION = ASSUMED["selection"]
FINISHED = {ProjectStatus.COMPLETED, ProjectStatus.CLOSED, ProjectStatus.TERMINATED}
LANDSCAPE = FACTS["cluster_landscape_now"]
DEMO_USERNAMES = [u[0] for u in demo.DEMO_USERS]
# The published programme; the demo's 2021-2027 instrument (grants.demo_selection) is apart.
PUBLISHED = Q(instrument__programme__code=ASSUMED["programme"]["code"])


@pytest.fixture(scope="class")
def seeded(django_db_setup, django_db_blocker):
    """Seed once for the tests of TestSeededDemo, inside a transaction that is
    rolled back when the class ends (each test adds a savepoint of its own)."""
    with django_db_blocker.unblock(), transaction.atomic():
        report = demo.seed_demo()
        yield report
        transaction.set_rollback(True)


@pytest.fixture
def seeded_db(seeded, db):
    return seeded


def _counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def _end_of(day: date) -> datetime:
    return datetime.combine(day, time.max, tzinfo=timezone.get_current_timezone())


def _statuses_on(day: date) -> dict[int, str]:
    """Each project's status at the end of `day`, replayed from its audit trail."""
    end = _end_of(day)
    statuses = {
        int(object_id): ProjectStatus.CONTRACTED
        for object_id in AuditEvent.objects.filter(
            object_type="grants.project", event_type=AuditEventType.CREATED, occurred_at__lte=end
        ).values_list("object_id", flat=True)
    }
    for object_id, new in (
        AuditEvent.objects.filter(
            object_type="grants.project", event_type=AuditEventType.STATUS_CHANGED, occurred_at__lte=end
        )
        .order_by("occurred_at", "pk")
        .values_list("object_id", "new_values")
    ):
        statuses[int(object_id)] = new["status"]
    return statuses


def test_the_published_facts_are_held_by_the_project_and_agree_with_each_other():
    """The ministry's figures are the project's own copy (no folder outside the
    project is read); the tests below check the seeded database against it."""
    assert demo.SEED_FACTS_PATH.is_relative_to(Path(settings.BASE_DIR))
    assert demo.load_seed_facts() == FACTS
    instruments = {i["code"]: i for i in FACTS["instruments"]}
    assert len(instruments) == len(FACTS["instruments"]) == 5
    for published in instruments.values():
        assert published["projects"] > 0
        assert Decimal(published["budget_eur"]) == to_money(published["budget_eur"]) > 0
        assert published["project_state"] in ("ongoing", "ongoing or completed")
    inolink = {r["indicator"]: r["value"] for r in instruments["INL"]["results"]}
    assert inolink["Cluster maturity sessions implemented"] == LANDSCAPE["maturity_sessions_until_2021"]
    assert (
        inolink["Clusters selected for consultations and events"]
        == LANDSCAPE["clusters_selected_for_consultations_until_2021"]
    )


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("demo_assumptions", "instruments", "DIH", "completed_projects"), 1, "published as ongoing"),
        (("demo_assumptions", "today"), "2022-06-30", "after the demo's today"),
        (("demo_assumptions", "programme", "period_start"), "2017-06-01", "within the programme period"),
        (("demo_assumptions", "instruments", "BCL", "duration_months"), [80, 90], "ends by"),
    ],
)
def test_the_plan_refuses_assumptions_that_contradict_the_facts_or_the_dates(path, value, message):
    facts = copy.deepcopy(FACTS)
    target = facts
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(ValueError, match=message):
        demo.build_plan(facts)


def test_the_plan_is_deterministic():
    first, second = demo.build_plan(), demo.build_plan()
    assert [c.labels for c in first.clusters] == [c.labels for c in second.clusters]
    assert [o.legal_code for o in first.organisations] == [o.legal_code for o in second.organisations]
    assert [
        (p.code, p.start_date, p.end_date, p.closed_on, p.payments) for i in first.instruments for p in i.projects
    ] == [(p.code, p.start_date, p.end_date, p.closed_on, p.payments) for i in second.instruments for p in i.projects]


@pytest.mark.parametrize("day", [date(2022, 3, 1), date(2026, 11, 28), date(2031, 7, 15)])
def test_labels_are_renewed_up_to_the_loading_day_and_never_after(day):
    plan = demo.build_plan(labels_renewed_through=day)
    labelled = [c for c in plan.clusters if c.labels]
    assert len(labelled) == LANDSCAPE["clusters_with_label_of_excellence"]
    for cluster in labelled:
        assert all(awarded <= day for _, awarded, _ in cluster.labels), cluster.name
        assert any(awarded <= day <= valid_until for _, awarded, valid_until in cluster.labels), cluster.name


def test_split_weighted_sums_exactly_and_follows_the_weights():
    parts = demo.split_weighted(Decimal("100.00"), [1, 1, 1])
    assert parts == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]
    assert demo.split_weighted(Decimal("621"), [3, 1], unit=Decimal(1)) == [Decimal("466"), Decimal("155")]
    assert sum(demo.split_weighted(Decimal("8480000.00"), list(range(60, 90)))) == Decimal("8480000.00")


@pytest.mark.django_db
def test_command_loads_everything_and_prints_the_logins():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    text = out.getvalue()
    for username in DEMO_USERNAMES:
        assert f"  {username} " in text
    assert demo.DEMO_PASSWORD in text
    assert Project.objects.filter(PUBLISHED).count() == sum(i["projects"] for i in FACTS["instruments"])


@pytest.mark.django_db
def test_no_demo_users_when_the_settings_forbid_them(settings):
    settings.FONDAS_DEMO_USERS = False
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert not User.objects.filter(username__in=DEMO_USERNAMES).exists()
    assert not User.objects.exists()
    assert "NOT created" in out.getvalue()
    assert demo.DEMO_PASSWORD not in out.getvalue()
    # The ministry's data is loaded all the same.
    assert Project.objects.count() == sum(i["projects"] for i in FACTS["instruments"])


@pytest.mark.django_db
def test_a_failure_halfway_leaves_nothing(monkeypatch):
    def crash(*args, **kwargs):
        raise RuntimeError("simulated crash")

    monkeypatch.setattr(demo, "_ensure_clusters", crash)
    with pytest.raises(RuntimeError, match="simulated crash"):
        demo.seed_demo()
    assert not Organisation.objects.exists()
    assert not AuditEvent.objects.exists()


class TestSeededDemo:
    """Read-only checks of one seeded database."""

    def test_every_instrument_has_its_published_projects_and_budget(self, seeded_db):
        for published in FACTS["instruments"]:
            code = published["code"]
            instrument = Instrument.objects.get(code=code)
            totals = Project.objects.filter(instrument=instrument).aggregate(n=Count("pk"), grants=Sum("grant_amount"))
            assert totals["n"] == published["projects"], code
            assert Decimal(totals["grants"]).quantize(Decimal("0.01")) == Decimal(published["budget_eur"]), code
            # The published name is the English one; the Lithuanian one is the demo's.
            assert instrument.name_en == published["name"]
            assert instrument.name_lt == ASSUMED["instruments"][code]["name_lt"]
            assert instrument.allocation_amount == Decimal(published["budget_eur"])
            largest = Project.objects.filter(instrument=instrument).order_by("-grant_amount").first().grant_amount
            assert instrument.max_grant_amount >= largest
            call = Call.objects.get(instrument=instrument)
            assert call.status == CallStatus.CLOSED
            assert call.budget_amount == instrument.allocation_amount
            assert not Project.objects.filter(instrument=instrument).exclude(call=call).exists()

    def test_the_selector_shows_the_published_figures(self, seeded_db):
        """What the implementation report reads equals what the ministry published."""
        progress = {row.code: row for row in instrument_progress()}
        for published in FACTS["instruments"]:
            row = progress[published["code"]]
            assert row.project_count == published["projects"]
            assert row.grant_total == Decimal(published["budget_eur"])
            with translation.override("en"):
                achieved = {i.name: i.achieved for i in row.indicators}
                assert row.name == published["name"]
            assert achieved == {r["indicator"]: Decimal(str(r["value"])) for r in published["results"]}
            names_lt = {i["result"]: i["name_lt"] for i in ASSUMED["instruments"][published["code"]]["indicators"]}
            with translation.override("lt"):
                assert {i.name for i in row.indicators} == {names_lt[r["indicator"]] for r in published["results"]}

    def test_each_published_result_is_the_sum_of_reported_values(self, seeded_db):
        for published in FACTS["instruments"]:
            for result in published["results"]:
                total = IndicatorValue.objects.filter(
                    project__instrument__code=published["code"], indicator__name_en=result["indicator"]
                ).aggregate(total=Sum("value"))["total"]
                assert Decimal(total) == Decimal(str(result["value"])), (published["code"], result["indicator"])
                link = InstrumentIndicator.objects.get(
                    instrument__code=published["code"], indicator__name_en=result["indicator"]
                )
                assumed = next(
                    i
                    for i in ASSUMED["instruments"][published["code"]]["indicators"]
                    if i["result"] == result["indicator"]
                )
                assert link.target_value == Decimal(assumed["target"])
                assert link.indicator.unit == result["unit"]
                # Every project of the instrument has a target for the indicator.
                targets = IndicatorTarget.objects.filter(project__instrument=link.instrument, indicator=link.indicator)
                assert targets.count() == published["projects"]

    def test_names_are_in_lithuanian_and_english(self, seeded_db):
        programme = Programme.objects.get(code=ASSUMED["programme"]["code"])
        assert programme.name_lt == "2014–2020 metų Europos Sąjungos fondų investicijų veiksmų programa"
        assert programme.name_en == FACTS["programme"]["name"]
        assert Instrument.objects.get(code="DIH").name_lt == "Skaitmeninių inovacijų centrai (DIH)"
        assert Instrument.objects.get(code="DIH").name_en == "Digital Innovation Hubs (DIH)"
        assert CostCategory.objects.get(code="STAFF").name_lt == "Darbo užmokestis"
        assert CostCategory.objects.get(code="STAFF").name_en == "Staff costs"
        for model in (Programme, Instrument, CostCategory, Indicator):
            assert not model.objects.filter(Q(name_lt="") | Q(name_en="")).exists(), model
        assert not Call.objects.filter(Q(title_lt="") | Q(title_en="")).exists()
        # Lithuanian names are written in Lithuanian
        assert all(set(name) & set("ąčęėįšųūž") for name in Indicator.objects.values_list("name_lt", flat=True))
        assert set(Indicator.objects.values_list("unit", flat=True)) <= set(IndicatorUnit.values)

    def test_projects_keep_the_money_invariants(self, seeded_db):
        lines = dict(
            BudgetLine.objects.values("project").annotate(total=Sum("planned_amount")).values_list("project", "total")
        )
        for project in Project.objects.select_related("instrument"):
            assert Decimal(lines[project.pk]).quantize(Decimal("0.01")) == project.eligible_cost, project.code
            assert project.grant_amount <= apply_rate(project.eligible_cost, project.instrument.funding_rate)
            assert project.grant_amount <= project.instrument.max_grant_amount
            assert project.own_contribution == project.eligible_cost - project.grant_amount
        eligible = {}
        for instrument in Instrument.objects.prefetch_related("eligible_cost_categories"):
            eligible[instrument.pk] = {c.pk for c in instrument.eligible_cost_categories.all()}
        for project_id, instrument_id, category_id in BudgetLine.objects.values_list(
            "project", "project__instrument", "cost_category"
        ):
            assert category_id in eligible[instrument_id], project_id

    def test_on_the_published_date_the_statuses_are_the_published_ones(self, seeded_db):
        """On as_of, DIH and Inolink were ongoing and the other instruments had their
        assumed number of projects completed; every status agreed with the dates."""
        on_as_of = _statuses_on(AS_OF)
        for published in FACTS["instruments"]:
            code = published["code"]
            projects = list(Project.objects.filter(instrument__code=code))
            statuses = Counter(on_as_of[p.pk] for p in projects)
            completed = ASSUMED["instruments"][code]["completed_projects"]
            assert statuses[ProjectStatus.COMPLETED] + statuses[ProjectStatus.CLOSED] == completed, code
            assert statuses[ProjectStatus.IN_IMPLEMENTATION] == len(projects) - completed, code
            if published["project_state"] == "ongoing":
                assert set(statuses) == {ProjectStatus.IN_IMPLEMENTATION}, code
            else:
                assert ProjectStatus.IN_IMPLEMENTATION in statuses and completed > 0, code

    @pytest.mark.parametrize("day", [date(year, 12, 31) for year in range(2016, 2025)] + [AS_OF, TODAY, date.today()])
    def test_statuses_agree_with_the_project_periods(self, seeded_db, day):
        """Only a project that has started and not yet ended is in implementation;
        one whose end date has passed is completed, closed or terminated."""
        statuses = _statuses_on(day)
        for project in Project.objects.all():
            status = statuses.get(project.pk)
            if status == ProjectStatus.IN_IMPLEMENTATION:
                assert project.start_date <= day < project.end_date, (project.code, day)
            if project.end_date < day:
                assert status in FINISHED, (project.code, day, status)
            if project.start_date > day:
                assert status in (None, ProjectStatus.CONTRACTED), (project.code, day, status)

    def test_today_every_project_of_the_ended_programme_is_closed(self, seeded_db):
        assert set(Project.objects.filter(PUBLISHED).values_list("status", flat=True)) == {ProjectStatus.CLOSED}
        assert (
            Project.objects.filter(PUBLISHED).aggregate(last=Max("end_date"))["last"]
            <= PROGRAMME_END
            < TODAY
            <= date.today()
        )
        # The status replayed from the history is the status stored.
        replayed = _statuses_on(date.today())
        assert all(replayed[p.pk] == p.status for p in Project.objects.all())
        # The 2021-2027 projects were contracted by the recent decision; those with
        # payment claims (grants.demo_claims) are under way.
        assert set(Project.objects.exclude(PUBLISHED).values_list("status", flat=True)) <= {
            ProjectStatus.CONTRACTED,
            ProjectStatus.IN_IMPLEMENTATION,
        }

    def test_histories_are_dated_when_they_happened_and_in_order(self, seeded_db):
        zone = timezone.get_current_timezone()
        now = timezone.now()
        events = defaultdict(list)
        for event in AuditEvent.objects.filter(object_type="grants.project").order_by("occurred_at", "pk"):
            events[int(event.object_id)].append(event)
        payments = defaultdict(dict)
        for payment in Payment.objects.all():
            payments[payment.project_id][payment.kind] = payment
        for project in Project.objects.filter(PUBLISHED):
            trail = events[project.pk]
            moments = [e.occurred_at for e in trail]
            assert moments == sorted(moments) and len(set(moments)) == len(moments), project.code
            assert all(m <= _end_of(TODAY) and m < now for m in moments), project.code
            created, *changes = trail
            assert created.event_type == AuditEventType.CREATED
            assert [e.event_type for e in changes] == [AuditEventType.STATUS_CHANGED] * 3, project.code
            assert [(e.old_values["status"], e.new_values["status"]) for e in changes] == [
                (ProjectStatus.CONTRACTED, ProjectStatus.IN_IMPLEMENTATION),
                (ProjectStatus.IN_IMPLEMENTATION, ProjectStatus.COMPLETED),
                (ProjectStatus.COMPLETED, ProjectStatus.CLOSED),
            ]
            started, completed, closed = (e.occurred_at.astimezone(zone).date() for e in changes)
            # Signed on the start date, in implementation from it, completed on the end date.
            assert created.occurred_at.astimezone(zone).date() == started == project.start_date, project.code
            assert completed == project.end_date, project.code
            final = payments[project.pk][PaymentKind.FINAL]
            assert project.end_date < final.paid_on < closed, project.code
            for payment in payments[project.pk].values():
                if payment.kind != PaymentKind.FINAL:
                    assert project.start_date < payment.paid_on < project.end_date, project.code

    def test_each_payment_and_report_was_made_in_a_status_that_allows_it(self, seeded_db):
        """Replay the trail in time order: a payment's kind is allowed in the project's
        status at that moment, and values are reported before the project closes."""
        payment_project = dict(Payment.objects.values_list("pk", "project"))
        value_project = dict(IndicatorValue.objects.values_list("pk", "project"))
        status = {}
        seen = Counter()
        for event in AuditEvent.objects.filter(
            object_type__in=["grants.project", "grants.payment", "grants.indicatorvalue"]
        ).order_by("occurred_at", "pk"):
            if event.object_type == "grants.project":
                status[int(event.object_id)] = event.new_values["status"]
            elif event.object_type == "grants.payment":
                state = status[payment_project[int(event.object_id)]]
                assert state in PAYABLE_STATES[event.new_values["kind"]], event.new_values
                seen["paid"] += 1
            else:
                state = status[value_project[int(event.object_id)]]
                assert state in (ProjectStatus.IN_IMPLEMENTATION, ProjectStatus.COMPLETED), state
                seen["reported"] += 1
        assert seen == {"paid": Payment.objects.count(), "reported": IndicatorValue.objects.count()}

    def test_paid_totals_are_the_plans_round_figures(self, seeded_db):
        """Each kind of payment adds up, per instrument, to its share of the grants
        concerned: no cent of per-project rounding leaks into a total."""
        on_as_of = _statuses_on(AS_OF)
        for published in FACTS["instruments"]:
            code = published["code"]
            budget = Decimal(published["budget_eur"])
            projects = {p.pk: p for p in Project.objects.filter(instrument__code=code)}
            payments = Payment.objects.filter(project__in=projects)
            by_kind = {
                row["kind"]: to_money(row["total"]) for row in payments.values("kind").annotate(total=Sum("amount"))
            }
            assert by_kind[PaymentKind.ADVANCE] == to_money(budget * Decimal(SHARES["advance_share"])), code
            done = [p for pk, p in projects.items() if on_as_of[pk] != ProjectStatus.IN_IMPLEMENTATION]
            ongoing = [p for pk, p in projects.items() if on_as_of[pk] == ProjectStatus.IN_IMPLEMENTATION]
            expected_interim = to_money(
                sum((p.grant_amount for p in done), Decimal(0)) * Decimal(SHARES["interim_share"])
            ) + to_money(sum((p.grant_amount for p in ongoing), Decimal(0)) * Decimal(SHARES["ongoing_interim_share"]))
            assert by_kind[PaymentKind.INTERIM] == expected_interim, code
            # Today every project has been paid its grant, so the instrument its budget.
            assert sum(by_kind.values()) == budget, code
            for project in projects.values():
                paid = project.payments.aggregate(total=Sum("amount"))["total"]
                assert to_money(paid) == project.grant_amount, project.code
                assert Counter(project.payments.values_list("kind", flat=True)) == Counter(
                    {PaymentKind.ADVANCE: 1, PaymentKind.INTERIM: 1, PaymentKind.FINAL: 1}
                )
            if published["project_state"] == "ongoing":
                # On the published date, advances and interim payments only: e.g. DIH 60 % of 17,600,000.00.
                share = Decimal(SHARES["advance_share"]) + Decimal(SHARES["ongoing_interim_share"])
                paid_then = payments.filter(paid_on__lte=AS_OF).aggregate(total=Sum("amount"))["total"]
                assert to_money(paid_then) == to_money(budget * share), code
        dih = Payment.objects.filter(project__instrument__code="DIH", paid_on__lte=AS_OF)
        assert to_money(dih.aggregate(total=Sum("amount"))["total"]) == Decimal("10560000.00")

    def test_indicator_values_agree_with_the_project_periods(self, seeded_db):
        projects = {p.pk: p for p in Project.objects.all()}
        for value in IndicatorValue.objects.all():
            project = projects[value.project_id]
            assert project.start_date <= value.reported_on <= project.end_date, project.code
        # Completed projects are near their targets (where a target is large enough to tell).
        achieved = {
            (row["project"], row["indicator"]): Decimal(row["total"])
            for row in IndicatorValue.objects.values("project", "indicator").annotate(total=Sum("value"))
        }
        targets = IndicatorTarget.objects.filter(target_value__gte=10, project__instrument__programme__code=PROGRAMME)
        for target in targets.exclude(project__instrument__code="INL"):
            total = achieved.get((target.project_id, target.indicator_id), Decimal(0))
            assert target.target_value * Decimal("0.7") <= total <= target.target_value * Decimal("1.4"), target.pk

    def test_dates_are_realistic(self, seeded_db):
        for project in Project.objects.filter(PUBLISHED).select_related("call"):
            assert PROGRAMME_START <= project.start_date <= project.end_date <= PROGRAMME_END, project.code
            assert project.call.opens_at.date() <= project.start_date, project.code
        # The published programme's money and results fall in its period; the
        # 2021-2027 projects' claims (grants.demo_claims) come after it.
        dates = Payment.objects.filter(project__in=Project.objects.filter(PUBLISHED)).aggregate(
            low=Min("paid_on"), high=Max("paid_on")
        )
        assert dates["low"] >= PROGRAMME_START and dates["high"] <= TODAY
        dates = IndicatorValue.objects.filter(project__in=Project.objects.filter(PUBLISHED)).aggregate(
            low=Min("reported_on"), high=Max("reported_on")
        )
        assert dates["low"] >= PROGRAMME_START and dates["high"] <= PROGRAMME_END
        dates = ClusterActivity.objects.aggregate(low=Min("held_on"), high=Max("held_on"))
        # The registry's history runs from 2016 to today (the scorecard's trend).
        assert date(2016, 1, 1) <= dates["low"] and dates["high"] <= date.today()
        for call in Call.objects.all():
            trail = AuditEvent.objects.filter(object_type="grants.call", object_id=str(call.pk)).order_by("occurred_at")
            opened_closed = [CallStatus.OPEN, CallStatus.CLOSED][: 2 if call.status == CallStatus.CLOSED else 1]
            assert [e.new_values.get("status") for e in trail[1:]] == opened_closed, call.code
            assert trail[0].occurred_at < call.opens_at == trail[1].occurred_at
            if call.status == CallStatus.CLOSED:
                assert trail[2].occurred_at == call.closes_at

    def test_organisations_are_realistic(self, seeded_db):
        organisations = list(Organisation.objects.all())
        for organisation in organisations:
            validate_company_code(organisation.legal_code)
        codes = sorted(o.legal_code for o in organisations)
        # Older entities' codes start with 1, those registered since 2004 with 30.
        assert {c[:1] for c in codes} == {"1", "3"}
        assert all(c.startswith("30") for c in codes if c.startswith("3"))
        assert sum(c.startswith("1") for c in codes) >= 20 and sum(c.startswith("30") for c in codes) >= 100
        # Drawn at random, not counted up in steps: varied digits, no common stride.
        for position in range(3, 9):
            assert len({c[position] for c in codes}) == 10, position
        strides = {int(b) - int(a) for a, b in zip(codes, codes[1:], strict=False)}
        assert len(strides) > len(codes) * 0.9
        assert any(o.name.startswith("UAB ") for o in organisations)
        assert any(o.name.startswith("VšĮ ") for o in organisations)
        assert any(o.name.startswith("Asociacija ") for o in organisations)
        lithuanian = set("ąčęėįšųūž")
        assert sum(1 for o in organisations if lithuanian & set(o.name.lower())) > len(organisations) / 2
        assert len({o.region for o in organisations}) >= 8

    def test_the_cluster_registry_matches_the_published_landscape(self, seeded_db):
        clusters = Cluster.objects.count()
        assert clusters == ASSUMED["clusters"]["count"]
        assert 45 <= clusters <= 55  # "about 50"

        labelled = ExcellenceLabel.objects.values("cluster").distinct().count()
        assert labelled == LANDSCAPE["clusters_with_label_of_excellence"]
        assert not ExcellenceLabel.objects.filter(level=LabelLevel.GOLD).exists()
        assert set(ExcellenceLabel.objects.values_list("level", flat=True)) == {LabelLevel.BRONZE, LabelLevel.SILVER}
        valid_now = ExcellenceLabel.objects.filter(awarded_on__lte=AS_OF, valid_until__gte=AS_OF)
        assert valid_now.values("cluster").distinct().count() == LANDSCAPE["clusters_with_label_of_excellence"]
        today = timezone.localdate()
        valid_today = ExcellenceLabel.objects.filter(awarded_on__lte=today, valid_until__gte=today)
        assert valid_today.values("cluster").distinct().count() == LANDSCAPE["clusters_with_label_of_excellence"]
        # Renewed up to the day the demo was loaded, never awarded in the future.
        assert not ExcellenceLabel.objects.filter(awarded_on__gt=today).exists()

        in_networks = NetworkMembership.objects.filter(left_on__isnull=True).values("cluster").distinct().count()
        assert Decimal(in_networks * 100) / clusters > demo.published_share(
            LANDSCAPE["share_of_clusters_in_international_networks"]
        )
        # Strategy flags and maturity are dated records; today's state is what is published.
        digital = clusters_behind("digital", today).count()
        assert Decimal(digital * 100) / clusters > demo.published_share(LANDSCAPE["digitisation_strategy_planned_2020"])
        card = scorecard(today)
        assert card.cluster_count == clusters
        assert card.target("gold_label").value == 0
        assert card.target("networks").value > demo.published_share(
            LANDSCAPE["share_of_clusters_in_international_networks"]
        )
        assert card.target("digital").value > demo.published_share(LANDSCAPE["digitisation_strategy_planned_2020"])
        # A history over the years, not one day: flags dropped, levels raised, networks left.
        assert ClusterCommitment.objects.filter(ended_on__isnull=False).exists()
        assert MaturityAssessment.objects.values("cluster").distinct().count() == clusters
        assert MaturityAssessment.objects.count() > clusters
        assert NetworkMembership.objects.filter(left_on__isnull=False).exists()
        assert len({point.value for point in card.target("digital").trend}) > 3

        consulted = ClusterActivity.objects.filter(kind=ActivityKind.CONSULTATION).values("cluster").distinct().count()
        assert consulted == LANDSCAPE["clusters_selected_for_consultations_until_2021"]
        sessions = ClusterActivity.objects.filter(kind=ActivityKind.MATURITY_SESSION)
        assert sessions.count() == LANDSCAPE["maturity_sessions_until_2021"]
        assert sessions.filter(held_on__gt=AS_OF).count() == 0
        # Sessions go to the clusters selected for consultations.
        assert set(sessions.values_list("cluster", flat=True)) <= set(
            ClusterActivity.objects.filter(kind=ActivityKind.CONSULTATION).values_list("cluster", flat=True)
        )
        assert ClusterActivity.objects.filter(kind=ActivityKind.TRAINING).exists()
        assert clusters_behind("pact_for_skills", today).exists()
        assert set(MaturityAssessment.objects.values_list("level", flat=True)) == {1, 2, 3, 4}

    def test_clusters_have_a_coordinator_and_members_over_time(self, seeded_db):
        members = Cluster.objects.annotate(
            n=Count("memberships"),
            coordinating=Count("memberships", filter=Q(memberships__organisation=F("coordinator"))),
        )
        for cluster in members:
            assert cluster.coordinating == 1, cluster.name
            assert cluster.n >= 1 + ASSUMED["clusters"]["members_per_cluster"][0]
        assert ClusterMember.objects.filter(left_on__isnull=False).exists()
        assert not ClusterMember.objects.filter(left_on__lt=F("joined_on")).exists()

    def test_inolink_reports_what_the_registry_shows(self, seeded_db):
        project = Project.objects.get(instrument__code="INL")
        for year in (2019, 2020, 2021):
            sessions = ClusterActivity.objects.filter(kind=ActivityKind.MATURITY_SESSION, held_on__year=year).count()
            reported = IndicatorValue.objects.filter(
                project=project, indicator__name_en="Cluster maturity sessions implemented", reported_on__year=year
            ).aggregate(total=Sum("value"))["total"]
            assert Decimal(reported or 0) == sessions

    def test_one_demo_user_per_role(self, seeded_db):
        users = {u.username: u for u in User.objects.filter(username__in=DEMO_USERNAMES)}
        assert set(users) == set(DEMO_USERNAMES)
        assert {u.role for u in users.values()} == set(Role.values)
        admin = users["admin"]
        assert admin.role == Role.ADMINISTRATOR and admin.is_staff and admin.is_superuser
        assert not any(u.is_superuser for name, u in users.items() if name != "admin")
        assert all(u.check_password(demo.DEMO_PASSWORD) for u in users.values())
        first = OrganisationUser.objects.get(user=users["applicant"]).organisation
        second = OrganisationUser.objects.get(user=users["applicant2"]).organisation
        assert first != second
        assert Project.objects.filter(beneficiary=first).count() >= 2
        assert Project.objects.filter(beneficiary=second).exists()
        assert not OrganisationUser.objects.filter(
            user__username__in=["officer", "evaluator", "auditor", "admin"]
        ).exists()

    def test_seeding_again_changes_nothing(self, seeded_db):
        before = _counts()
        events = AuditEvent.objects.count()
        report = demo.seed_demo()
        assert not report.changed
        assert _counts() == before
        assert AuditEvent.objects.count() == events
        out = StringIO()
        call_command("seed_demo", stdout=out)
        assert "nothing changed" in out.getvalue()
        assert _counts() == before


class TestSeededSelection:
    """The selection behind the demo projects, and today's calls (grants.demo_selection)."""

    def test_each_past_call_approved_exactly_its_projects(self, seeded_db):
        for published in FACTS["instruments"]:
            call = Call.objects.get(instrument__code=published["code"])
            applications = Application.objects.filter(call=call)
            approved = applications.filter(status=ApplicationStatus.APPROVED).select_related("project")
            assert approved.count() == published["projects"] == Project.objects.filter(call=call).count()
            for application in approved:
                project = application.project
                assert project.call_id == call.pk and project.beneficiary_id == application.applicant_id
                assert application.grant_requested == project.grant_amount, project.code
                assert application.eligible_cost == project.eligible_cost, project.code
                assert application.number.rsplit("-", 1)[1] == project.code.rsplit("-", 1)[1]
            assert not applications.exclude(status=ApplicationStatus.APPROVED).filter(project__isnull=False).exists()
            decision = FundingDecision.objects.get(call=call)
            assert decision.decided_at.date() < min(p.start_date for p in Project.objects.filter(call=call))
            assert set(applications.filter(decision=decision).values_list("status", flat=True)) <= {
                ApplicationStatus.APPROVED,
                ApplicationStatus.RESERVE,
                ApplicationStatus.REJECTED,
            }
        assert Application.objects.filter(call__instrument__programme__code=PROGRAMME).exclude(
            status=ApplicationStatus.APPROVED
        ).count() == sum(
            sum(v for k, v in c.items() if k != "eligible_applicant_types") for c in SELECTION["past_calls"].values()
        )

    def test_scores_follow_the_rule_and_the_ranking_agrees_with_the_decision(self, seeded_db):
        assignments = EvaluatorAssignment.objects.prefetch_related("scores__criterion")
        for assignment in assignments.filter(status=AssignmentStatus.COMPLETED):
            scores = list(assignment.scores.all())
            weighted = sum(s.score / s.criterion.max_score * s.criterion.weight for s in scores)
            expected = (weighted / sum(s.criterion.weight for s in scores) * 100).quantize(
                Decimal("0.01"), ROUND_HALF_UP
            )
            assert assignment.score == expected, assignment.pk
        for application in Application.objects.filter(score__isnull=False).prefetch_related("assignments"):
            done = [a.score for a in application.assignments.all() if a.status == AssignmentStatus.COMPLETED]
            assert application.score == (sum(done) / len(done)).quantize(Decimal("0.01"), ROUND_HALF_UP)
        for decision in FundingDecision.objects.select_related("call"):
            call = decision.call
            ranked = list(Application.objects.filter(decision=decision).order_by("-score", "submitted_at", "number"))
            left = call.budget_amount
            cut = False
            for application in ranked:
                if application.score < call.quality_threshold:
                    assert application.status == ApplicationStatus.REJECTED, application.number
                elif not cut and application.grant_requested <= left:
                    assert application.status == ApplicationStatus.APPROVED, application.number
                    left -= application.grant_requested
                else:
                    cut = True
                    assert application.status == ApplicationStatus.RESERVE, application.number

    def test_amounts_follow_the_financing_rule(self, seeded_db):
        lines = dict(
            ApplicationBudgetLine.objects.values("application")
            .annotate(t=Sum("amount"))
            .values_list("application", "t")
        )
        for application in Application.objects.select_related("call", "envelope"):
            source = application.envelope or application.call
            assert lines[application.pk] == application.eligible_cost, application.pk
            grant = min(apply_rate(application.eligible_cost, source.funding_rate), source.max_grant_amount)
            assert application.grant_requested == grant, application.pk
            assert application.own_contribution == application.eligible_cost - grant

    def test_histories_replay_to_the_statuses_and_lie_in_the_past(self, seeded_db):
        now = timezone.now()
        replayed = {}
        for event in AuditEvent.objects.filter(object_type="grants.application").order_by("occurred_at", "pk"):
            assert event.occurred_at < now
            if event.event_type == AuditEventType.CREATED:
                replayed[int(event.object_id)] = ApplicationStatus.DRAFT
            else:
                assert replayed[int(event.object_id)] == event.old_values["status"], event.object_id
                replayed[int(event.object_id)] = event.new_values["status"]
        assert replayed == dict(Application.objects.values_list("pk", "status"))
        for application in Application.objects.exclude(submitted_at=None).select_related("call"):
            assert application.call.opens_at <= application.submitted_at <= application.call.closes_at
            assert application.created_at <= application.submitted_at
        assert AuditEvent.objects.filter(object_type="grants.evaluatorassignment").count() >= (
            EvaluatorAssignment.objects.count()
        )

    def test_the_open_call_has_an_application_in_every_status_for_every_role(self, seeded_db):
        call = Call.objects.get(code=SELECTION["open_call"]["code"])
        assert call.status == CallStatus.OPEN and call.opens_at < timezone.now() < call.closes_at
        budgets = sorted(call.envelopes.values_list("budget_amount", flat=True), key=lambda b: b is None)
        assert budgets[0] is not None and budgets[1] is None
        statuses = set(Application.objects.filter(call=call).values_list("status", flat=True))
        assert statuses == set(ApplicationStatus.values) - {
            ApplicationStatus.APPROVED,
            ApplicationStatus.RESERVE,
            ApplicationStatus.REJECTED,
        }
        applicant = OrganisationUser.objects.get(user__username="applicant").organisation
        own = set(Application.objects.filter(call=call, applicant=applicant).values_list("status", flat=True))
        assert {ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED, ApplicationStatus.WITHDRAWN} <= own
        evaluator = User.objects.get(username="evaluator")
        mine = EvaluatorAssignment.objects.filter(application__call=call, evaluator=evaluator)
        assert set(mine.values_list("status", flat=True)) == set(AssignmentStatus.values)
        assert mine.filter(
            status=AssignmentStatus.ASSIGNED, application__status=ApplicationStatus.UNDER_EVALUATION
        ).exists()
        # The second call was decided: approved (contracted), reserve and rejected.
        closed = Call.objects.get(code=SELECTION["closed_call"]["code"])
        assert closed.status == CallStatus.CLOSED and closed.decision.decided_at < timezone.now()
        outcome = Counter(Application.objects.filter(call=closed).values_list("status", flat=True))
        assert outcome[ApplicationStatus.APPROVED] == Project.objects.filter(call=closed).count() > 0
        assert outcome[ApplicationStatus.RESERVE] and outcome[ApplicationStatus.REJECTED]
        assert Project.objects.filter(call=closed).aggregate(t=Sum("grant_amount"))["t"] <= closed.budget_amount
        assert Application.objects.filter(call=closed, applicant=applicant, status=ApplicationStatus.APPROVED).exists()
