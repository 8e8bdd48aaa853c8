"""Every money invariant of DESIGN.md is refused with its message and saves nothing."""

from contextlib import contextmanager
from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from core.errors import ApplicationError
from core.models import AuditEvent
from core.money import to_money
from grants.models import BudgetLine, Call, Payment, PaymentKind, Project, ProjectStatus
from grants.services import (
    indicator_target_set,
    instrument_indicator_set,
    payment_create,
    project_create,
    project_transition,
)
from tests.factories import (
    CostCategoryFactory,
    IndicatorFactory,
    OrganisationFactory,
    make_call,
    make_instrument,
    make_project,
)

pytestmark = pytest.mark.django_db


@contextmanager
def _refused(match: str, field: str | None = None):
    """The block raises ApplicationError with `match` in its (English) message, about `field`."""
    with translation.override("en"), pytest.raises(ApplicationError, match=match) as info:
        yield info
    if field is not None:
        assert info.value.field == field


def test_grant_defaults_to_eligible_cost_times_rate_rounded_once():
    instrument = make_instrument(rate="70.00")
    project = make_project(instrument, lines={"STAFF": "1000.01", "EQUIP": "0.02"})
    # 1000.03 × 70% = 700.021 → 700.02
    assert project.eligible_cost == Decimal("1000.03")
    assert project.grant_amount == Decimal("700.02")
    assert project.own_contribution == Decimal("300.01")


def test_grant_capped_by_instrument_maximum():
    instrument = make_instrument(rate="80.00", max_grant="5000.00")
    project = make_project(instrument, lines={"STAFF": "10000.00"})
    assert project.grant_amount == Decimal("5000.00")


def test_grant_above_rate_refused_and_nothing_saved():
    instrument = make_instrument(rate="70.00")
    events = AuditEvent.objects.count()
    with _refused(r"exceeds 70\.0 % of the eligible costs \(€7,000\.00\)", field="grant_amount"):
        make_project(instrument, lines={"STAFF": "10000.00"}, grant="7000.01")
    assert Project.objects.count() == 0
    assert BudgetLine.objects.count() == 0
    assert AuditEvent.objects.count() == events


def test_grant_above_per_project_maximum_refused():
    instrument = make_instrument(rate="100.00", max_grant="5000.00")
    with _refused(r"exceeds the maximum of €5,000\.00 per project", field="grant_amount"):
        make_project(instrument, lines={"STAFF": "6000.00"}, grant="5000.01")
    assert Project.objects.count() == 0


def test_negative_budget_line_refused():
    instrument = make_instrument()
    with _refused("cannot be negative", field="budget"):
        make_project(instrument, lines={"STAFF": "-1.00"})
    assert Project.objects.count() == 0


def test_negative_grant_refused():
    instrument = make_instrument()
    with _refused("grant cannot be negative", field="grant_amount"):
        make_project(instrument, lines={"STAFF": "100.00"}, grant="-0.01")


def test_budget_lines_sum_to_eligible_cost():
    instrument = make_instrument()
    project = make_project(instrument, lines={"STAFF": "1234.56", "EQUIP": "765.44"})
    total = sum(project.budget_lines.values_list("planned_amount", flat=True))
    assert total == project.eligible_cost == Decimal("2000.00")


def test_database_refuses_unbalanced_project_row():
    instrument = make_instrument()
    project = make_project(instrument, lines={"STAFF": "1000.00"})
    with pytest.raises(IntegrityError), transaction.atomic():
        Project.objects.filter(pk=project.pk).update(own_contribution=Decimal("1.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Project.objects.filter(pk=project.pk).update(grant_amount=Decimal("2000.00"), own_contribution=Decimal("0"))


def test_database_financing_check_is_exact_to_the_cent():
    instrument = make_instrument(rate="50.00", max_grant="300000.00", allocation="10000000.00")
    # 411917.09 - 205958.55 is not exact in binary floating point.
    project = make_project(instrument, lines={"STAFF": "411917.09"}, grant="205958.54")
    assert project.own_contribution == Decimal("205958.55")
    with pytest.raises(IntegrityError), transaction.atomic():
        Project.objects.filter(pk=project.pk).update(own_contribution=Decimal("205958.56"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Project.objects.filter(pk=project.pk).update(own_contribution=Decimal("205958.54"))


def test_database_refuses_negative_amounts():
    instrument = make_instrument()
    project = make_project(instrument, lines={"STAFF": "1000.00"})
    with pytest.raises(IntegrityError), transaction.atomic():
        BudgetLine.objects.filter(project=project).update(planned_amount=Decimal("-5.00"))


def test_cost_category_not_eligible_for_instrument_refused():
    instrument = make_instrument()
    other = CostCategoryFactory(code="PATENTS")
    with _refused("not an eligible cost category", field="budget"):
        project_create(
            actor=None,
            instrument=instrument,
            code="X-1",
            title="X",
            beneficiary=OrganisationFactory(),
            start_date=date(2020, 1, 1),
            end_date=date(2020, 12, 31),
            budget={other: Decimal("10.00")},
        )


def test_calls_budgets_within_instrument_allocation():
    instrument = make_instrument(allocation="1000000.00")
    make_call(instrument, budget="600000.00")
    with _refused(r"exceed its allocation of €1,000,000\.00: €400,000\.00 is left", field="budget_amount"):
        make_call(instrument, budget="400000.01")
    assert Call.objects.filter(instrument=instrument).count() == 1
    make_call(instrument, budget="400000.00")


def test_negative_call_budget_refused():
    instrument = make_instrument()
    with _refused("cannot be negative", field="budget_amount"):
        make_call(instrument, budget="-1.00")


def test_grants_in_call_within_call_budget():
    instrument = make_instrument(rate="100.00", max_grant="100000.00")
    call = make_call(instrument, budget="15000.00")
    make_project(instrument, call=call, lines={"STAFF": "10000.00"})
    with _refused(r"Grants in call .* would exceed its budget of €15,000\.00 \(€5,000\.00 left\)"):
        make_project(instrument, call=call, lines={"STAFF": "5000.01"})
    assert call.projects.count() == 1


def test_grants_within_instrument_allocation_without_call():
    instrument = make_instrument(allocation="10000.00", rate="100.00", max_grant="10000.00")
    make_project(instrument, lines={"STAFF": "6000.00"})
    with _refused(r"exceed its allocation of €10,000\.00 \(€4,000\.00 left\)"):
        make_project(instrument, lines={"STAFF": "4000.01"})


def test_call_of_other_instrument_refused():
    first, second = make_instrument(), make_instrument()
    with _refused("belongs to another instrument", field="call"):
        make_project(first, call=make_call(second))


def _running_project(lines=None):
    instrument = make_instrument(rate="100.00", max_grant="100000.00")
    project = make_project(instrument, lines=lines or {"STAFF": "1000.00"})
    project_transition(actor=None, project=project, to_status=ProjectStatus.IN_IMPLEMENTATION)
    return project


def test_payments_within_grant():
    project = _running_project()
    payment_create(
        actor=None, project=project, kind=PaymentKind.ADVANCE, paid_on=date(2020, 2, 1), amount=Decimal("600.00")
    )
    with _refused(r"exceed its grant of €1,000\.00 \(€400\.00 left to pay\)", field="amount"):
        payment_create(
            actor=None, project=project, kind=PaymentKind.INTERIM, paid_on=date(2020, 6, 1), amount=Decimal("400.01")
        )
    assert Payment.objects.filter(project=project).count() == 1
    payment_create(
        actor=None, project=project, kind=PaymentKind.INTERIM, paid_on=date(2020, 6, 1), amount=Decimal("400.00")
    )


def test_zero_or_negative_payment_refused():
    project = _running_project()
    with _refused("more than €0\\.00", field="amount"):
        payment_create(
            actor=None, project=project, kind=PaymentKind.ADVANCE, paid_on=date(2020, 2, 1), amount=Decimal("0")
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(
            project=project, kind=PaymentKind.ADVANCE, paid_on=date(2020, 2, 1), amount=Decimal("-1")
        )


def test_final_payment_only_for_completed_project():
    project = _running_project()
    with _refused("final payment is not allowed", field="kind"):
        payment_create(
            actor=None, project=project, kind=PaymentKind.FINAL, paid_on=date(2021, 2, 1), amount=Decimal("10.00")
        )


def test_float_money_refused():
    with pytest.raises(TypeError):
        to_money(0.1)


def test_negative_indicator_target_refused():
    indicator = IndicatorFactory()
    instrument = make_instrument(indicators={indicator: "10"})
    project = make_project(instrument)
    with _refused("cannot be negative", field="target_value"):
        instrument_indicator_set(actor=None, instrument=instrument, indicator=indicator, target_value=Decimal("-1"))
    with _refused("cannot be negative", field="target_value"):
        indicator_target_set(actor=None, project=project, indicator=indicator, target_value=Decimal("-1"))
    assert instrument.indicator_targets.get().target_value == Decimal("10")
    assert not project.indicator_targets.exists()


def test_refusals_give_amounts_in_the_active_language():
    """The same refusal reads '1 000 000,00 €' in Lithuanian and '€1,000,000.00' in English."""
    instrument = make_instrument(allocation="1000000.00")
    make_call(instrument, budget="600000.00")
    with translation.override("lt"), pytest.raises(ApplicationError) as lithuanian:
        make_call(instrument, budget="400000.01")
    with translation.override("en"), pytest.raises(ApplicationError) as english:
        make_call(instrument, budget="400000.01")
    assert "1\xa0000\xa0000,00\xa0€" in lithuanian.value.message.replace(" ", "\xa0")
    assert "400\xa0000,00\xa0€" in lithuanian.value.message.replace(" ", "\xa0")
    assert "€1,000,000.00" in english.value.message and "€400,000.00" in english.value.message
