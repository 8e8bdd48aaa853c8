"""Payment-claim services (grants.services.claims): amounts to the cent, the
advance offset and the grant cap, the budget-line limit, double funding, rounds
and the payment deadline, the transitions and the item rules."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from core.concurrency import StaleEditError
from core.errors import ApplicationError
from core.formatting import format_money
from core.models import AuditEvent, AuditEventType, Role
from grants.models import (
    PAYMENT_DEADLINE_DAYS,
    ClaimKind,
    ClaimStatus,
    ExpenditureItem,
    IndicatorValue,
    Payment,
    PaymentClaim,
    PaymentKind,
    ProjectStatus,
)
from grants.services import claims as svc
from grants.services.payments import payment_create
from tests.factories import UserFactory
from tests.grants.claims_fixtures import (
    add_item,
    approved_claim,
    claim_world,
    item_data,
    new_claim,
    officer_with_override,
    pdf,
    submitted_claim,
    verify_all,
    verifying_claim,
)

pytestmark = pytest.mark.django_db
VILNIUS = ZoneInfo("Europe/Vilnius")
D = Decimal


@pytest.fixture(autouse=True)
def _english():
    """The messages are matched in English (Lithuanian is the default language)."""
    with translation.override("en"):
        yield


# --------------------------------------------------------------------------- payable (pure)


def test_payable_figures_without_advance_rounds_once_to_the_cent():
    figures = svc.payable_figures(
        eligible=D("1234.57"),
        funding_rate=D("70.00"),
        advance_offset_share=D("50.00"),
        final=False,
        advances_paid=D("0"),
        advance_offset_before=D("0"),
        grant=D("21000.00"),
        paid_total=D("0"),
        approved_unpaid=D("0"),
    )
    # 1234.57 × 70 % = 864.199 → 864.20
    assert figures.gross == D("864.20")
    assert figures.advance_offset == D("0.00")
    assert figures.payable == D("864.20")
    assert figures.capped is False


def test_payable_figures_offset_share_and_final_claim_clears_the_rest():
    interim = svc.payable_figures(
        eligible=D("3333.33"),
        funding_rate=D("70.00"),
        advance_offset_share=D("50.00"),
        final=False,
        advances_paid=D("5000.00"),
        advance_offset_before=D("0"),
        grant=D("21000.00"),
        paid_total=D("5000.00"),
        approved_unpaid=D("0"),
    )
    # gross 2333.331 → 2333.33; half of it 1166.665 → 1166.67 withheld
    assert (interim.gross, interim.advance_offset, interim.payable) == (D("2333.33"), D("1166.67"), D("1166.66"))
    final = svc.payable_figures(
        eligible=D("10000.00"),
        funding_rate=D("70.00"),
        advance_offset_share=D("50.00"),
        final=True,
        advances_paid=D("5000.00"),
        advance_offset_before=D("1166.67"),
        grant=D("21000.00"),
        paid_total=D("6166.66"),
        approved_unpaid=D("0"),
    )
    # the final claim gives up all of its gross up to the outstanding 3833.33
    assert (final.gross, final.advance_offset, final.payable) == (D("7000.00"), D("3833.33"), D("3166.67"))


def test_payable_figures_grant_cap_counts_payments_and_approved_unpaid_claims():
    figures = svc.payable_figures(
        eligible=D("3000.00"),
        funding_rate=D("70.00"),
        advance_offset_share=D("100.00"),
        final=False,
        advances_paid=D("0"),
        advance_offset_before=D("0"),
        grant=D("2000.00"),
        paid_total=D("300.00"),
        approved_unpaid=D("1200.01"),
    )
    assert figures.gross == D("2100.00")
    assert figures.payable == D("499.99")
    assert figures.capped is True


# --------------------------------------------------------------------------- payable (stored on approval)


def test_approval_stores_the_payable_amounts():
    world = claim_world()
    claim = approved_claim(
        world,
        items=[
            {"amount_excl_vat": D("1000.00"), "vat_amount": D("210.00")},
            {"amount_excl_vat": D("24.57"), "vat_amount": D("5.16"), "vat_recoverable": True},
        ],
    )
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.APPROVED
    # 1210.00 + 24.57 (recoverable VAT is not claimed) = 1234.57; × 70 % = 864.20
    assert claim.eligible_amount == D("1234.57")
    assert claim.gross_payable_amount == D("864.20")
    assert claim.advance_offset_amount == D("0.00")
    assert claim.payable_amount == D("864.20")
    assert claim.decided_by == world.officer


def test_advance_is_offset_over_claims_to_the_cent():
    world = claim_world(advance_offset_share="50.00")
    payment_create(
        actor=world.officer, project=world.project, kind=PaymentKind.ADVANCE, paid_on=date(2024, 2, 1), amount=D("5000")
    )
    first = approved_claim(world, items=[{"amount_excl_vat": D("3333.33"), "vat_amount": D("0")}])
    assert (first.gross_payable_amount, first.advance_offset_amount, first.payable_amount) == (
        D("2333.33"),
        D("1166.67"),
        D("1166.66"),
    )
    payment = svc.claim_pay(actor=world.officer, claim=first, paid_on=date(2024, 8, 1))
    assert payment.amount == D("1166.66") and payment.kind == PaymentKind.INTERIM and payment.claim == first
    second = approved_claim(
        world,
        items=[{"amount_excl_vat": D("10000.00"), "vat_amount": D("0"), "budget_line": world.equipment_line}],
        start=date(2024, 7, 1),
        end=date(2024, 12, 31),
    )
    # outstanding 5000 − 1166.67 = 3833.33; half of 7000.00 = 3500.00 withheld
    assert (second.advance_offset_amount, second.payable_amount) == (D("3500.00"), D("3500.00"))


def test_final_claim_clears_the_outstanding_advance():
    world = claim_world(advance_offset_share="10.00")
    payment_create(
        actor=world.officer, project=world.project, kind=PaymentKind.ADVANCE, paid_on=date(2024, 2, 1), amount=D("900")
    )
    claim = approved_claim(world, items=[{"amount_excl_vat": D("2000.00"), "vat_amount": D("0")}], kind=ClaimKind.FINAL)
    # gross 1400.00; a final claim gives up min(900, 1400) whatever the share
    assert (claim.advance_offset_amount, claim.payable_amount) == (D("900.00"), D("500.00"))


def test_grant_cap_applies_at_the_cent():
    world = claim_world(grant="2000.00")
    first = approved_claim(world, items=[{"amount_excl_vat": D("2142.86"), "vat_amount": D("0")}])
    assert first.payable_amount == D("1500.00")  # 2142.86 × 70 % = 1500.002
    second = verifying_claim(
        world,
        items=[{"amount_excl_vat": D("3000.00"), "vat_amount": D("0")}],
        start=date(2024, 7, 1),
        end=date(2024, 9, 30),
    )
    verify_all(world, second)
    preview = svc.claim_payable_compute(second)
    assert (preview.gross, preview.payable, preview.capped) == (D("2100.00"), D("500.00"), True)
    second.refresh_from_db()
    svc.claim_approve(actor=world.officer, claim=second, version=second.version)
    assert second.payable_amount == D("500.00")


def test_fully_offset_claim_is_paid_without_a_payment():
    world = claim_world(advance_offset_share="100.00")
    payment_create(
        actor=world.officer, project=world.project, kind=PaymentKind.ADVANCE, paid_on=date(2024, 2, 1), amount=D("6000")
    )
    claim = approved_claim(world, items=[{"amount_excl_vat": D("1000.00"), "vat_amount": D("0")}])
    assert claim.payable_amount == D("0.00") and claim.advance_offset_amount == D("700.00")
    assert svc.claim_pay(actor=world.officer, claim=claim, paid_on=date(2024, 8, 1)) is None
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PAID
    assert not Payment.objects.filter(claim=claim).exists()
    event = AuditEvent.objects.filter(object_id=str(claim.pk), object_type="grants.paymentclaim").latest("pk")
    assert event.new_values["status"] == ClaimStatus.PAID and event.new_values["fully_offset"] is True


def test_claim_is_paid_once():
    world = claim_world()
    claim = approved_claim(world)
    svc.claim_pay(actor=world.officer, claim=claim, paid_on=date(2024, 8, 1))
    stale = PaymentClaim.objects.get(pk=claim.pk)
    with pytest.raises(ApplicationError, match="already paid"):
        svc.claim_pay(actor=world.officer, claim=stale, paid_on=date(2024, 8, 2))
    with pytest.raises(ApplicationError, match="already approved"):
        svc.claim_approve(actor=world.officer, claim=stale, version=stale.version)
    assert Payment.objects.filter(project=world.project).count() == 1


def test_final_claim_is_paid_only_when_the_project_is_completed():
    world = claim_world()
    claim = approved_claim(world, kind=ClaimKind.FINAL)
    with pytest.raises(ApplicationError, match="final payment is not allowed"):
        svc.claim_pay(actor=world.officer, claim=claim, paid_on=date(2025, 12, 1))
    from grants.services.projects import project_transition

    project_transition(actor=None, project=world.project, to_status=ProjectStatus.COMPLETED)
    payment = svc.claim_pay(actor=world.officer, claim=claim, paid_on=date(2025, 12, 1))
    assert payment.kind == PaymentKind.FINAL


# --------------------------------------------------------------------------- budget-line limit


def test_budget_line_limit_includes_the_reallocation_share():
    world = claim_world(staff="10000.00", reallocation="10.00")
    approved_claim(world, items=[{"amount_excl_vat": D("6000.00"), "vat_amount": D("0")}])
    within = verifying_claim(
        world,
        items=[{"amount_excl_vat": D("5000.00"), "vat_amount": D("0")}],
        start=date(2024, 7, 1),
        end=date(2024, 9, 30),
    )
    verify_all(world, within)
    within.refresh_from_db()
    svc.claim_approve(actor=world.officer, claim=within, version=within.version)  # 11000.00 = the limit
    over = verifying_claim(
        world,
        items=[{"amount_excl_vat": D("0.01"), "vat_amount": D("0")}],
        start=date(2024, 10, 1),
        end=date(2024, 12, 31),
    )
    verify_all(world, over)
    over.refresh_from_db()
    with pytest.raises(ApplicationError) as refused:
        svc.claim_approve(actor=world.officer, claim=over, version=over.version)
    assert refused.value.field == "budget_line"
    message = str(refused.value.message)
    assert world.staff_line.cost_category.name in message
    assert format_money(D("11000.01")) in message and format_money(D("11000.00")) in message
    over.refresh_from_db()
    assert over.status == ClaimStatus.UNDER_VERIFICATION


def test_rejected_and_unapproved_claims_do_not_use_the_line():
    world = claim_world(staff="1000.00", reallocation="0.00")
    first = verifying_claim(world, items=[{"amount_excl_vat": D("1000.00"), "vat_amount": D("0")}])
    verify_all(world, first)
    first.refresh_from_db()
    svc.claim_reject(actor=world.officer, claim=first, version=first.version, note="Netinkamas laikotarpis.")
    second = approved_claim(
        world,
        items=[{"amount_excl_vat": D("1000.00"), "vat_amount": D("0")}],
        start=date(2024, 7, 1),
        end=date(2024, 9, 30),
    )
    assert second.status == ClaimStatus.APPROVED


# --------------------------------------------------------------------------- double funding


def test_double_funding_refusal_names_the_other_claim():
    world = claim_world()
    first = new_claim(world)
    add_item(world, first, supplier_code="304 123 456", document_number="bc-1001")
    other_world = claim_world()
    other = new_claim(other_world)
    with pytest.raises(ApplicationError) as refused:
        add_item(other_world, other, supplier_code="304123456", document_number=" BC-1001 ", amount_excl_vat=D("1000"))
    assert refused.value.field == "document_number"
    assert f"{world.project.code}-MP1" in refused.value.message
    assert f"(project {world.project.code})" in refused.value.message
    # another amount is another document
    add_item(other_world, other, supplier_code="304123456", document_number="BC-1001", amount_excl_vat=D("999.99"))


def test_double_funding_counts_the_same_claim_but_not_rejected_claims():
    world = claim_world()
    claim = new_claim(world)
    add_item(world, claim, document_number="DUP-1")
    with pytest.raises(ApplicationError, match="already claimed"):
        add_item(world, claim, document_number="dup-1")
    rejected = verifying_claim(
        world, items=[{"document_number": "REJ-1"}], start=date(2024, 7, 1), end=date(2024, 9, 30)
    )
    svc.claim_reject(actor=world.officer, claim=rejected, version=rejected.version, note="Atmesta.")
    add_item(world, claim, document_number="REJ-1")
    assert claim.items.count() == 2


def test_double_funding_is_checked_again_at_submission():
    world = claim_world()
    first = new_claim(world)
    second = new_claim(world, start=date(2024, 7, 1), end=date(2024, 9, 30))
    add_item(world, second, document_number="LATE-1")
    rejected_claim = verifying_claim(
        world, items=[{"document_number": "X-1"}], start=date(2024, 10, 1), end=date(2024, 12, 31)
    )
    # the first claim gets the document while the second's copy was on a claim that is rejected later
    add_item(world, first, document_number="SOLO-1")
    ExpenditureItem.objects.filter(claim=second).update(document_number="SOLO-1")
    second.refresh_from_db()
    with pytest.raises(ApplicationError, match=f"{world.project.code}-MP1"):
        svc.claim_submit(actor=world.beneficiary, claim=second, version=second.version)
    assert rejected_claim.status == ClaimStatus.UNDER_VERIFICATION


def test_override_by_an_officer_with_the_permission_is_stored_and_audited():
    world = claim_world()
    first = new_claim(world)
    add_item(world, first, document_number="SAME-1")
    claim = new_claim(world, start=date(2024, 7, 1), end=date(2024, 9, 30))
    officer = officer_with_override()
    item = svc.item_add(
        actor=officer,
        claim=claim,
        **item_data(world, document_number="SAME-1"),
        document=pdf(),
        double_funding_override_reason="Sąskaita padalyta tarp dviejų laikotarpių pagal sutarties priedą.",
    )
    assert item.double_funding_overridden_by == officer
    assert item.double_funding_override_reason.startswith("Sąskaita")
    event = AuditEvent.objects.get(object_type="grants.expenditureitem", object_id=str(item.pk))
    assert event.new_values["double_funding_overridden_by"] == officer.pk
    # the override holds at submission
    claim.refresh_from_db()
    svc.claim_submit(actor=world.beneficiary, claim=claim, version=claim.version)


@pytest.mark.parametrize("who", ["officer", "beneficiary"])
def test_override_without_the_permission_is_refused(who):
    world = claim_world()
    first = new_claim(world)
    add_item(world, first, document_number="SAME-2")
    claim = new_claim(world, start=date(2024, 7, 1), end=date(2024, 9, 30))
    actor = UserFactory(role=Role.OFFICER) if who == "officer" else world.beneficiary
    with pytest.raises(ApplicationError) as refused:
        svc.item_add(
            actor=actor,
            claim=claim,
            **item_data(world, document_number="SAME-2"),
            double_funding_override_reason="Noriu.",
        )
    if who == "beneficiary":
        assert refused.value.field == "double_funding_override_reason"
    assert not claim.items.exists()


# --------------------------------------------------------------------------- rounds and deadline


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=VILNIUS)


def test_return_and_resubmit_keep_rounds_and_move_the_due_date():
    world = claim_world()
    claim = new_claim(world)
    add_item(world, claim, amount_excl_vat=D("1500.50"))
    day = date(2025, 3, 3)
    svc.claim_submit(actor=world.beneficiary, claim=claim, version=claim.version, occurred_at=at(day))
    assert claim.payment_due_on == day + timedelta(days=PAYMENT_DEADLINE_DAYS)
    svc.claim_verification_start(actor=world.officer, claim=claim, occurred_at=at(day + timedelta(days=2)))
    svc.claim_return(
        actor=world.officer,
        claim=claim,
        version=claim.version,
        reason="Pateikite darbų priėmimo aktą.",
        occurred_at=at(day + timedelta(days=5)),
    )
    assert claim.status == ClaimStatus.RETURNED
    first = claim.rounds.get(number=1)
    assert first.returned_by == world.officer and first.return_reason == "Pateikite darbų priėmimo aktą."
    assert first.snapshot["items"][0]["amount_excl_vat"] == "1500.50"
    assert first.snapshot["claimed_total"] == "1710.50"
    svc.claim_submit(
        actor=world.beneficiary,
        claim=claim,
        version=claim.version,
        response="Aktas pridėtas.",
        occurred_at=at(day + timedelta(days=12)),
    )
    assert claim.status == ClaimStatus.SUBMITTED
    assert claim.payment_due_on == day + timedelta(days=PAYMENT_DEADLINE_DAYS + 7)
    assert claim.submitted_at == at(day)
    second = claim.rounds.get(number=2)
    assert second.response == "Aktas pridėtas." and second.returned_at is None


def test_deadline_of_80_days_and_overdue():
    world = claim_world()
    claim = new_claim(world)
    add_item(world, claim)
    day = date(2025, 1, 10)
    svc.claim_submit(actor=world.beneficiary, claim=claim, version=claim.version, occurred_at=at(day, 23))
    assert claim.payment_due_on == date(2025, 3, 31)
    assert svc.claim_days_left(claim, date(2025, 3, 31)) == 0
    assert svc.claim_is_overdue(claim, date(2025, 3, 31)) is False
    assert svc.claim_is_overdue(claim, date(2025, 4, 1)) is True
    assert svc.claim_days_left(claim, date(2025, 4, 1)) == -1
    draft = new_claim(world, start=date(2024, 7, 1), end=date(2024, 9, 30))
    assert svc.claim_days_left(draft, date(2025, 4, 1)) is None
    assert svc.claim_is_overdue(draft, date(2030, 1, 1)) is False


def test_submission_late_in_the_evening_counts_by_the_vilnius_date():
    world = claim_world()
    claim = new_claim(world)
    add_item(world, claim)
    # 23:30 UTC on 31 January is 1 February in Vilnius
    moment = datetime(2025, 1, 31, 23, 30, tzinfo=ZoneInfo("UTC"))
    svc.claim_submit(actor=world.beneficiary, claim=claim, version=claim.version, occurred_at=moment)
    assert claim.payment_due_on == date(2025, 2, 1) + timedelta(days=80)


# --------------------------------------------------------------------------- transitions and who may


def test_transitions_outside_the_table_are_refused():
    world = claim_world()
    claim = new_claim(world)
    add_item(world, claim)
    with pytest.raises(ApplicationError):
        svc.claim_approve(actor=world.officer, claim=claim, version=claim.version)
    with pytest.raises(ApplicationError):
        svc.claim_verification_start(actor=world.officer, claim=claim)
    with pytest.raises(ApplicationError):
        svc.claim_pay(actor=world.officer, claim=claim, paid_on=date(2025, 1, 1))
    with pytest.raises(ApplicationError):
        svc.claim_return(actor=world.officer, claim=claim, version=claim.version, reason="?")
    svc.claim_submit(actor=world.beneficiary, claim=claim, version=claim.version)
    with pytest.raises(ApplicationError):
        svc.claim_submit(actor=world.beneficiary, claim=claim, version=claim.version)
    with pytest.raises(ApplicationError):
        svc.claim_delete(actor=world.beneficiary, claim=claim, version=claim.version)
    item = claim.items.get()
    with pytest.raises(ApplicationError, match="under verification"):
        svc.item_verify(actor=world.officer, item=item, version=item.version, eligible_amount=D("1"))
    with pytest.raises(ApplicationError):
        svc.item_delete(actor=world.beneficiary, item=item, version=item.version)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED


def test_roles_are_enforced():
    world = claim_world()
    stranger = UserFactory(role=Role.APPLICANT, organisation=claim_world().project.beneficiary)
    with pytest.raises(ApplicationError):
        svc.claim_create(
            actor=stranger, project=world.project, period_start=date(2024, 1, 1), period_end=date(2024, 2, 1)
        )
    with pytest.raises(ApplicationError):
        svc.claim_create(
            actor=world.officer, project=world.project, period_start=date(2024, 1, 1), period_end=date(2024, 2, 1)
        )
    claim = submitted_claim(world)
    with pytest.raises(ApplicationError, match="officers"):
        svc.claim_verification_start(actor=world.beneficiary, claim=claim)
    with pytest.raises(ApplicationError):
        svc.item_add(actor=UserFactory(role=Role.AUDITOR), claim=claim, **item_data(world))


def test_claim_create_rules():
    # A contracted project starts its implementation before it takes claims (an
    # approved claim must be payable).
    contracted = claim_world(status=ProjectStatus.CONTRACTED)
    with pytest.raises(ApplicationError, match="takes no payment claims"):
        new_claim(contracted)
    world = claim_world()
    claim = new_claim(world)
    assert (claim.number, claim.status, claim.reference) == (1, ClaimStatus.DRAFT, f"{world.project.code}-MP1")
    with pytest.raises(ApplicationError) as outside:
        new_claim(world, start=date(2023, 12, 1), end=date(2024, 1, 31))
    assert outside.value.field == "period_start"
    with pytest.raises(ApplicationError) as order:
        new_claim(world, start=date(2024, 5, 1), end=date(2024, 4, 1))
    assert order.value.field == "period_end"
    new_claim(world, kind=ClaimKind.FINAL, start=date(2025, 1, 1), end=date(2025, 12, 31))
    with pytest.raises(ApplicationError, match="already has a final claim"):
        new_claim(world, kind=ClaimKind.FINAL, start=date(2025, 1, 1), end=date(2025, 12, 31))
    closed = claim_world()
    from grants.services.projects import project_transition

    project_transition(actor=None, project=closed.project, to_status=ProjectStatus.TERMINATED)
    with pytest.raises(ApplicationError, match="takes no payment claims"):
        new_claim(closed)


def test_a_rejected_final_claim_allows_another():
    world = claim_world()
    final = verifying_claim(world, kind=ClaimKind.FINAL, start=date(2025, 1, 1), end=date(2025, 12, 31))
    svc.claim_reject(actor=world.officer, claim=final, version=final.version, note="Trūksta dokumentų.")
    again = new_claim(world, kind=ClaimKind.FINAL, start=date(2025, 1, 1), end=date(2025, 12, 31))
    assert again.number == 2


def test_stale_claim_edit_is_refused_and_the_other_change_kept():
    world = claim_world()
    claim = new_claim(world)
    svc.claim_update(
        actor=world.beneficiary,
        claim=claim,
        version=1,
        period_start=date(2024, 1, 1),
        period_end=date(2024, 5, 31),
        kind="interim",
    )
    with pytest.raises(StaleEditError):
        svc.claim_update(
            actor=world.beneficiary,
            claim=claim,
            version=1,
            period_start=date(2024, 1, 1),
            period_end=date(2024, 4, 30),
            kind="interim",
        )
    claim.refresh_from_db()
    assert (claim.period_end, claim.version) == (date(2024, 5, 31), 2)


# --------------------------------------------------------------------------- items


def test_item_is_normalised_and_its_claimed_amount_computed():
    world = claim_world()
    claim = new_claim(world)
    item = add_item(
        world,
        claim,
        supplier_code=" 304 123 456 ",
        document_number=" bc 77-a ",
        amount_excl_vat=D("100.10"),
        vat_amount=D("21.02"),
    )
    assert (item.supplier_code, item.document_number, item.claimed_amount) == ("304123456", "BC77-A", D("121.12"))
    assert item.document_name == "saskaita.pdf" and item.document_size > 0 and len(item.document_sha256) == 64
    recoverable = add_item(world, claim, amount_excl_vat=D("100.10"), vat_amount=D("21.02"), vat_recoverable=True)
    assert recoverable.claimed_amount == D("100.10")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"document_date": date.today() + timedelta(days=1)}, "document_date"),
        ({"document_date": date(2023, 12, 31)}, "document_date"),
        ({"amount_excl_vat": D("0")}, "amount_excl_vat"),
        ({"vat_amount": D("-1")}, "vat_amount"),
        ({"supplier_code": "   "}, "supplier_code"),
        ({"supplier_name": ""}, "supplier_name"),
    ],
)
def test_item_rules_by_field(overrides, field):
    world = claim_world()
    claim = new_claim(world)
    with pytest.raises(ApplicationError) as refused:
        add_item(world, claim, **overrides)
    assert refused.value.field == field


def test_document_date_in_the_future_is_refused_even_within_the_project():
    world = claim_world()
    type(world.project).objects.filter(pk=world.project.pk).update(end_date=date.today() + timedelta(days=400))
    world.project.refresh_from_db()
    claim = new_claim(world)
    with pytest.raises(ApplicationError, match="future"):
        add_item(world, claim, document_date=date.today() + timedelta(days=3))


def test_budget_line_of_another_project_is_not_found():
    world = claim_world()
    other = claim_world()
    claim = new_claim(world)
    with pytest.raises(ApplicationError) as refused:
        add_item(world, claim, budget_line=other.staff_line)
    assert refused.value.field == "budget_line" and refused.value.details["code"] == "not_found"


def test_document_is_checked_and_required_at_submission():
    world = claim_world()
    claim = new_claim(world)
    with pytest.raises(ApplicationError) as refused:
        svc.item_add(
            actor=world.beneficiary,
            claim=claim,
            document=SimpleUploadedFile("saskaita.pdf", b"not a pdf at all"),
            **item_data(world),
        )
    assert refused.value.field == "document"
    item = add_item(world, claim, document=False, document_number="NODOC-1")
    claim.refresh_from_db()
    with pytest.raises(ApplicationError, match="NODOC-1") as missing:
        svc.claim_submit(actor=world.beneficiary, claim=claim, version=claim.version)
    assert missing.value.field == "document"
    svc.item_document_set(actor=world.beneficiary, item=item, version=item.version, document=pdf("aktas.pdf"))
    svc.claim_submit(actor=world.beneficiary, claim=claim, version=claim.version)
    assert claim.status == ClaimStatus.SUBMITTED


def test_submission_needs_an_item():
    world = claim_world()
    claim = new_claim(world)
    with pytest.raises(ApplicationError) as refused:
        svc.claim_submit(actor=world.beneficiary, claim=claim, version=claim.version)
    assert refused.value.field == "items"


def test_bulk_add_is_all_or_nothing_with_indexed_errors():
    world = claim_world()
    claim = new_claim(world)
    rows = [
        item_data(world, document_number="B-1"),
        item_data(world, document_number="B-2", document_date=date(2023, 1, 1)),
        item_data(world, document_number="b-1"),
        item_data(world, document_number="B-4", budget_line=claim_world().staff_line),
    ]
    with pytest.raises(svc.ItemsInvalidError) as refused:
        svc.items_add_bulk(actor=world.beneficiary, claim=claim, items=rows)
    assert [(e.index, e.field) for e in refused.value.errors] == [
        (1, "document_date"),
        (2, "document_number"),
        (3, "budget_line"),
    ]
    assert not claim.items.exists()
    created = svc.items_add_bulk(actor=world.beneficiary, claim=claim, items=[rows[0], item_data(world)])
    assert len(created) == 2 and claim.items.count() == 2


def test_item_verification_rules():
    world = claim_world()
    claim = verifying_claim(world, items=[{"amount_excl_vat": D("1000.00"), "vat_amount": D("210.00")}])
    item = claim.items.get()
    with pytest.raises(ApplicationError) as above:
        svc.item_verify(actor=world.officer, item=item, version=item.version, eligible_amount=D("1210.01"))
    assert above.value.field == "eligible_amount"
    with pytest.raises(ApplicationError) as no_reason:
        svc.item_verify(actor=world.officer, item=item, version=item.version, eligible_amount=D("1000.00"))
    assert no_reason.value.field == "ineligibility_reason"
    with pytest.raises(ApplicationError) as no_note:
        svc.item_verify(
            actor=world.officer,
            item=item,
            version=item.version,
            eligible_amount=D("1000.00"),
            ineligibility_reason="recoverable_vat",
        )
    assert no_note.value.field == "ineligibility_note"
    verified = svc.item_verify(
        actor=world.officer,
        item=item,
        version=item.version,
        eligible_amount=D("1000.00"),
        ineligibility_reason="recoverable_vat",
        ineligibility_note="PVM susigrąžinamas.",
    )
    assert verified.eligible_amount == D("1000.00") and verified.verified_by == world.officer
    with pytest.raises(StaleEditError):
        svc.item_verify(actor=world.officer, item=item, version=item.version, eligible_amount=D("1210.00"))


def test_approval_needs_every_item_verified():
    world = claim_world()
    claim = verifying_claim(world, items=[{}, {}])
    first = claim.items.order_by("pk").first()
    svc.item_verify(actor=world.officer, item=first, version=first.version, eligible_amount=first.claimed_amount)
    claim.refresh_from_db()
    with pytest.raises(ApplicationError, match="1 not verified"):
        svc.claim_approve(actor=world.officer, claim=claim, version=claim.version)


# --------------------------------------------------------------------------- indicator values


def test_indicator_values_count_only_once_the_claim_is_approved():
    world = claim_world()
    claim = new_claim(world)
    add_item(world, claim)
    value = svc.indicator_value_set(
        actor=world.beneficiary,
        claim=claim,
        indicator=world.indicator,
        value=D("3"),
        evidence="Trys sutartys su įmonėmis.",
    )
    svc.indicator_value_set(
        actor=world.beneficiary, claim=claim, indicator=world.indicator, value=D("4"), evidence="Keturios sutartys."
    )
    value.refresh_from_db()
    assert value.value == D("4.00")
    claim.refresh_from_db()
    svc.claim_submit(actor=world.beneficiary, claim=claim, version=claim.version)
    assert claim.rounds.get().snapshot["indicator_values"] == [
        {"indicator": world.indicator.code, "value": "4.00", "evidence": "Keturios sutartys."}
    ]
    svc.claim_verification_start(actor=world.officer, claim=claim)
    verify_all(world, claim)
    assert not IndicatorValue.objects.filter(project=world.project).exists()
    claim.refresh_from_db()
    svc.claim_approve(actor=world.officer, claim=claim, version=claim.version)
    reported = IndicatorValue.objects.get(project=world.project)
    assert (reported.claim, reported.reported_on, reported.value) == (claim, claim.period_end, D("4.00"))


def test_indicator_value_rules():
    world = claim_world()
    claim = new_claim(world)
    other = claim_world().indicator
    with pytest.raises(ApplicationError) as foreign:
        svc.indicator_value_set(actor=world.beneficiary, claim=claim, indicator=other, value=D("1"), evidence="x")
    assert foreign.value.field == "indicator"
    with pytest.raises(ApplicationError) as negative:
        svc.indicator_value_set(
            actor=world.beneficiary, claim=claim, indicator=world.indicator, value=D("-1"), evidence="x"
        )
    assert negative.value.field == "value"
    with pytest.raises(ApplicationError) as no_evidence:
        svc.indicator_value_set(
            actor=world.beneficiary, claim=claim, indicator=world.indicator, value=D("1"), evidence=" "
        )
    assert no_evidence.value.field == "evidence"


def test_every_write_is_audited():
    world = claim_world()
    claim = approved_claim(world)
    svc.claim_pay(actor=world.officer, claim=claim, paid_on=date(2024, 8, 1))
    statuses = list(
        AuditEvent.objects.filter(
            object_type="grants.paymentclaim", object_id=str(claim.pk), event_type=AuditEventType.STATUS_CHANGED
        )
        .order_by("pk")
        .values_list("new_values__status", flat=True)
    )
    assert statuses == ["submitted", "under_verification", "approved", "paid"]
