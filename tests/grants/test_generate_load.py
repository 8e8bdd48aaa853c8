"""generate_load writes N projects whose rows satisfy the invariants the services
enforce, with the audit trail the services would have written."""

from collections import Counter, defaultdict
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Sum
from django.utils import timezone

from clusters.models import Organisation
from clusters.validators import validate_company_code
from core.models import AuditEvent, AuditEventType
from core.money import apply_rate
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
    Programme,
    Project,
    ProjectStatus,
)
from grants.services.payments import PAYABLE_STATES
from grants.services.projects import PROJECT_TRANSITIONS

pytestmark = pytest.mark.django_db

N = 60


def _generate(n: int = N, seed: int = 5) -> str:
    out = StringIO()
    call_command("generate_load", projects=n, seed=seed, batch_size=25, stdout=out)
    return out.getvalue()


def _money(value) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"))


def test_creates_n_projects_in_a_separate_programme():
    output = _generate()
    assert Project.objects.count() == N
    assert set(Project.objects.values_list("instrument__programme__code", flat=True)) == {"LOAD"}
    assert set(Instrument.objects.values_list("code", flat=True)) == {f"LOAD-{k}" for k in range(1, 6)}
    assert Programme.objects.count() == 1
    assert f"{N}/{N} projects written" in output
    assert "Created 60 projects in" in output


def test_budget_grant_and_envelope_invariants():
    _generate()
    lines = dict(
        BudgetLine.objects.values("project").annotate(total=Sum("planned_amount")).values_list("project", "total")
    )
    eligible_categories = {
        i.pk: {c.pk for c in i.eligible_cost_categories.all()}
        for i in Instrument.objects.prefetch_related("eligible_cost_categories")
    }
    for project in Project.objects.select_related("instrument"):
        assert _money(lines[project.pk]) == project.eligible_cost, project.code
        assert project.grant_amount <= apply_rate(project.eligible_cost, project.instrument.funding_rate)
        assert project.grant_amount <= project.instrument.max_grant_amount
        assert project.own_contribution == project.eligible_cost - project.grant_amount
        assert project.call is not None and project.call.instrument_id == project.instrument_id
    for instrument_id, category_id, amount in BudgetLine.objects.values_list(
        "project__instrument", "cost_category", "planned_amount"
    ):
        assert category_id in eligible_categories[instrument_id]
        assert amount >= 0
    for call in Call.objects.annotate(awarded=Sum("projects__grant_amount")):
        assert call.status == CallStatus.CLOSED
        assert _money(call.awarded) == call.budget_amount
    for instrument in Instrument.objects.annotate(calls_total=Sum("calls__budget_amount")):
        assert _money(instrument.calls_total) <= instrument.allocation_amount


def test_payments_follow_status_and_never_exceed_the_grant():
    _generate()
    paid = defaultdict(Decimal)
    kinds = defaultdict(Counter)
    for payment in Payment.objects.all():
        assert payment.amount > 0
        paid[payment.project_id] += payment.amount
        kinds[payment.project_id][payment.kind] += 1
    statuses = Counter()
    for project in Project.objects.all():
        statuses[project.status] += 1
        assert paid[project.pk] <= project.grant_amount
        assert kinds[project.pk][PaymentKind.FINAL] <= 1
        if project.status in (ProjectStatus.COMPLETED, ProjectStatus.CLOSED):
            assert paid[project.pk] == project.grant_amount, project.code
            assert kinds[project.pk][PaymentKind.FINAL] == 1
        else:
            assert kinds[project.pk][PaymentKind.FINAL] == 0
            assert paid[project.pk] < project.grant_amount
        if project.status == ProjectStatus.CONTRACTED:
            assert not kinds[project.pk][PaymentKind.INTERIM]
    assert len(statuses) >= 3  # a mix, not one status


def test_audit_trail_tells_each_projects_story():
    _generate()
    events = defaultdict(list)
    for event in AuditEvent.objects.filter(object_type="grants.project").order_by("id"):
        events[event.object_id].append(event)
    paid_events = Counter(
        AuditEvent.objects.filter(object_type="grants.payment", event_type=AuditEventType.PAID).values_list(
            "object_id", flat=True
        )
    )
    assert set(paid_events) == {str(pk) for pk in Payment.objects.values_list("pk", flat=True)}
    assert AuditEvent.objects.filter(object_type="grants.indicatortarget").count() == IndicatorTarget.objects.count()
    assert AuditEvent.objects.filter(object_type="grants.indicatorvalue").count() == IndicatorValue.objects.count()
    for project in Project.objects.all():
        trail = events[str(project.pk)]
        assert trail[0].event_type == AuditEventType.CREATED
        assert trail[0].new_values["grant_amount"] == str(project.grant_amount)
        status = ProjectStatus.CONTRACTED
        for event in trail[1:]:
            assert event.event_type == AuditEventType.STATUS_CHANGED
            assert event.old_values["status"] == status
            assert event.new_values["status"] in PROJECT_TRANSITIONS[status]
            status = event.new_values["status"]
        assert status == project.status


def test_each_payment_was_made_in_a_status_that_allows_it():
    """Replay each project's trail: every payment's kind is allowed in the status
    the project had when its `paid` event was written."""
    _generate()
    payment_project = dict(Payment.objects.values_list("pk", "project"))
    status = {}
    for event in AuditEvent.objects.filter(object_type__in=["grants.project", "grants.payment"]).order_by("id"):
        if event.object_type == "grants.project":
            status[int(event.object_id)] = event.new_values["status"]
        else:
            project_id = payment_project[int(event.object_id)]
            assert status[project_id] in PAYABLE_STATES[event.new_values["kind"]], event.new_values


def test_statuses_agree_with_the_project_periods_and_histories_are_dated():
    """As of yesterday (the portfolio's as-of day): not started is contracted, ended
    is completed, closed or terminated, only running projects are in implementation
    or suspended; every step is dated when it happened, in order, in the past."""
    _generate(N * 2)
    as_of = timezone.localdate() - timedelta(days=1)
    zone = timezone.get_current_timezone()
    now = timezone.now()
    trails = defaultdict(list)
    for event in AuditEvent.objects.filter(object_type="grants.project").order_by("id"):
        trails[int(event.object_id)].append(event)
    final_paid_on = dict(Payment.objects.filter(kind=PaymentKind.FINAL).values_list("project", "paid_on"))
    statuses = Counter()
    for project in Project.objects.all():
        statuses[project.status] += 1
        if project.start_date > as_of:
            assert project.status == ProjectStatus.CONTRACTED, project.code
        if project.end_date < as_of:
            assert project.status in (ProjectStatus.COMPLETED, ProjectStatus.CLOSED, ProjectStatus.TERMINATED)
        if project.status in (ProjectStatus.IN_IMPLEMENTATION, ProjectStatus.SUSPENDED):
            assert project.start_date <= as_of <= project.end_date, project.code
        trail = trails[project.pk]
        moments = [event.occurred_at for event in trail]
        assert moments == sorted(moments) and moments[-1] < now, project.code
        assert moments[0].astimezone(zone).date() <= min(project.start_date, as_of)
        for event in trail[1:]:
            day = event.occurred_at.astimezone(zone).date()
            new = event.new_values["status"]
            if new == ProjectStatus.IN_IMPLEMENTATION:
                assert day == project.start_date, project.code
            elif new == ProjectStatus.COMPLETED:
                assert day == project.end_date, project.code
            elif new == ProjectStatus.CLOSED:
                assert day > final_paid_on[project.pk] > project.end_date, project.code
            else:
                assert project.start_date < day <= min(project.end_date, as_of), project.code
    assert {ProjectStatus.IN_IMPLEMENTATION, ProjectStatus.COMPLETED, ProjectStatus.CLOSED} <= set(statuses)
    # Payments and reports are dated on the day they were made.
    for model, column in ((Payment, "paid_on"), (IndicatorValue, "reported_on")):
        dates = dict(model.objects.values_list("pk", column))
        for object_id, moment in AuditEvent.objects.filter(object_type=model._meta.label_lower).values_list(
            "object_id", "occurred_at"
        ):
            assert moment.astimezone(zone).date() == dates[int(object_id)] <= as_of


def test_indicators_belong_to_the_instrument_and_targets_add_up():
    _generate()
    links = set(InstrumentIndicator.objects.values_list("instrument", "indicator"))
    for instrument_id, indicator_id in IndicatorTarget.objects.values_list("project__instrument", "indicator"):
        assert (instrument_id, indicator_id) in links
    for instrument_id, indicator_id in IndicatorValue.objects.values_list("project__instrument", "indicator"):
        assert (instrument_id, indicator_id) in links
    assert not IndicatorValue.objects.filter(value__lt=0).exists()
    for link in InstrumentIndicator.objects.all():
        total = IndicatorTarget.objects.filter(
            project__instrument=link.instrument_id, indicator=link.indicator_id
        ).aggregate(total=Sum("target_value"))["total"]
        assert link.target_value == _money(total)
    # Projects that have started have reported something.
    started = Project.objects.exclude(status=ProjectStatus.CONTRACTED).annotate(n=Count("indicator_values"))
    assert started.filter(n__gt=0).exists()


def test_a_second_run_adds_projects_with_new_codes_and_a_new_call():
    _generate(N, seed=5)
    _generate(20, seed=6)
    assert Project.objects.count() == N + 20
    assert Programme.objects.count() == 1
    assert Call.objects.values("instrument").annotate(n=Count("pk")).filter(n=2).exists()


def test_organisations_have_valid_company_codes_apart_from_the_demos():
    _generate(30, seed=5)  # 10 organisations
    _generate(90, seed=6)  # 30 wanted: 20 more, continuing the codes
    codes = sorted(Organisation.objects.values_list("legal_code", flat=True))
    assert [code[:8] for code in codes] == [str(39_000_000 + k) for k in range(30)]
    for code in codes:
        validate_company_code(code)
    assert AuditEvent.objects.filter(
        object_type="clusters.organisation", event_type=AuditEventType.CREATED
    ).count() == len(codes)


def test_refuses_zero_projects():
    with pytest.raises(CommandError, match="at least 1"):
        call_command("generate_load", projects=0, stdout=StringIO())
