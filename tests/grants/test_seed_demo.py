"""seed_demo reproduces every figure the ministry published, keeps every invariant,
is idempotent, and creates demo users only where the settings allow them."""

import json
from collections import Counter
from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, F, Max, Min, Q, Sum

from clusters.models import (
    ActivityKind,
    Cluster,
    ClusterActivity,
    ClusterMember,
    ExcellenceLabel,
    LabelLevel,
    NetworkMembership,
    Organisation,
    OrganisationUser,
)
from clusters.validators import COMPANY_CODE_RE
from core.models import AuditEvent, Role, User
from core.money import apply_rate
from grants import demo
from grants.models import (
    BudgetLine,
    Call,
    CallStatus,
    IndicatorTarget,
    IndicatorValue,
    Instrument,
    InstrumentIndicator,
    Payment,
    PaymentKind,
    Project,
    ProjectStatus,
)
from grants.selectors.progress import instrument_progress

FACTS = demo.load_seed_facts()
ASSUMED = FACTS["demo_assumptions"]
AS_OF = date.fromisoformat(ASSUMED["as_of"])
LANDSCAPE = FACTS["cluster_landscape_now"]
DEMO_USERNAMES = [u[0] for u in demo.DEMO_USERS]


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


def test_the_projects_copy_of_the_facts_matches_the_published_file():
    shared = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "seed_facts.json"
    if not shared.exists():
        pytest.skip("no shared/ folder beside this clone to compare with")
    published = json.loads(shared.read_text(encoding="utf-8"))
    ours = {k: v for k, v in FACTS.items() if k != "demo_assumptions"}
    assert ours == published


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
    assert Project.objects.count() == sum(i["projects"] for i in FACTS["instruments"])


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
            assert instrument.name == published["name"]
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
            achieved = {i.name: i.achieved for i in row.indicators}
            assert achieved == {r["indicator"]: Decimal(str(r["value"])) for r in published["results"]}

    def test_each_published_result_is_the_sum_of_reported_values(self, seeded_db):
        for published in FACTS["instruments"]:
            for result in published["results"]:
                total = IndicatorValue.objects.filter(
                    project__instrument__code=published["code"], indicator__name=result["indicator"]
                ).aggregate(total=Sum("value"))["total"]
                assert Decimal(total) == Decimal(str(result["value"])), (published["code"], result["indicator"])
                link = InstrumentIndicator.objects.get(
                    instrument__code=published["code"], indicator__name=result["indicator"]
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

    def test_statuses_payments_and_their_audit_trail_agree(self, seeded_db):
        by_code = {i["code"]: i for i in FACTS["instruments"]}
        paid = {row["project"]: row for row in Payment.objects.values("project").annotate(total=Sum("amount"))}
        kinds = {}
        for payment in Payment.objects.all():
            kinds.setdefault(payment.project_id, Counter())[payment.kind] += 1
        history = {}
        for event in AuditEvent.objects.filter(object_type="grants.project", event_type="status_changed").order_by(
            "id"
        ):
            history.setdefault(event.object_id, []).append(event.new_values["status"])
        for code, published in by_code.items():
            projects = Project.objects.filter(instrument__code=code)
            statuses = set(projects.values_list("status", flat=True))
            completed = ASSUMED["instruments"][code]["completed_projects"]
            if published["project_state"] == "ongoing":
                assert statuses == {ProjectStatus.IN_IMPLEMENTATION}, code
            else:
                assert statuses == {ProjectStatus.IN_IMPLEMENTATION, ProjectStatus.COMPLETED}, code
            assert projects.filter(status=ProjectStatus.COMPLETED).count() == completed
            for project in projects:
                total = paid[project.pk]["total"]
                assert total <= project.grant_amount
                if project.status == ProjectStatus.COMPLETED:
                    assert total == project.grant_amount, project.code
                    assert kinds[project.pk] == Counter(
                        {PaymentKind.ADVANCE: 1, PaymentKind.INTERIM: 1, PaymentKind.FINAL: 1}
                    )
                    assert history[str(project.pk)] == [ProjectStatus.IN_IMPLEMENTATION, ProjectStatus.COMPLETED]
                else:
                    assert total < project.grant_amount, project.code
                    assert PaymentKind.FINAL not in kinds[project.pk]
                    assert kinds[project.pk][PaymentKind.ADVANCE] == 1
                    assert history[str(project.pk)] == [ProjectStatus.IN_IMPLEMENTATION]

    def test_dates_and_organisations_are_realistic(self, seeded_db):
        start, end = date(2016, 1, 1), date(2021, 12, 31)
        for project in Project.objects.all():
            assert start <= project.start_date <= project.end_date <= end
        for model, column in ((Payment, "paid_on"), (IndicatorValue, "reported_on"), (ClusterActivity, "held_on")):
            dates = model.objects.aggregate(low=Min(column), high=Max(column))
            assert start <= dates["low"] and dates["high"] <= end, model
        organisations = list(Organisation.objects.all())
        assert all(COMPANY_CODE_RE.match(o.legal_code) for o in organisations)
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
        today = min(date.today(), demo.LABELS_RENEWED_THROUGH)
        valid_today = ExcellenceLabel.objects.filter(awarded_on__lte=today, valid_until__gte=today)
        assert valid_today.values("cluster").distinct().count() == LANDSCAPE["clusters_with_label_of_excellence"]

        in_networks = NetworkMembership.objects.filter(left_on__isnull=True).values("cluster").distinct().count()
        assert Decimal(in_networks * 100) / clusters > demo.published_share(
            LANDSCAPE["share_of_clusters_in_international_networks"]
        )
        digital = Cluster.objects.filter(has_digitisation_strategy=True).count()
        assert Decimal(digital * 100) / clusters > demo.published_share(LANDSCAPE["digitisation_strategy_planned_2020"])

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
        assert Cluster.objects.filter(in_pact_for_skills=True).exists()
        assert set(Cluster.objects.values_list("maturity_level", flat=True)) == {1, 2, 3, 4}

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
                project=project, indicator__name="Cluster maturity sessions implemented", reported_on__year=year
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
