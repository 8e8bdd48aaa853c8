"""The demo payment claims (grants.demo_claims): every status on the decided
2021–2027 call's projects, none on the published 2014–2020 projects, written
through the services (so the rules hold), and seeding twice changes nothing."""

from collections import Counter

import pytest
from django.db import transaction
from django.db.models import Q

from core.models import User
from core.permissions import Access
from grants import demo
from grants.models import ClaimStatus, ExpenditureItem, IndicatorValue, Payment, PaymentClaim, PaymentKind
from grants.services.claims import OVERRIDE_PERMISSION, claim_days_left, vilnius_date

FACTS = demo.load_seed_facts()
PUBLISHED = FACTS["demo_assumptions"]["programme"]["code"]
DECIDED_CALL = FACTS["demo_assumptions"]["selection"]["closed_call"]["code"]


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        report = demo.seed_demo()
        yield report
        transaction.set_rollback(True)


@pytest.fixture
def seeded_db(seeded, db):
    return seeded


def test_a_claim_in_every_status_only_on_the_decided_call(seeded_db):
    claims = PaymentClaim.objects.all()
    assert set(claims.values_list("status", flat=True)) == set(ClaimStatus.values)
    assert not claims.exclude(project__call__code=DECIDED_CALL).exists()
    assert not PaymentClaim.objects.filter(project__instrument__programme__code=PUBLISHED).exists()
    assert seeded_db.created["payment claims"] == claims.count()


def test_the_paid_claim_offsets_the_advance(seeded_db):
    paid = PaymentClaim.objects.get(status=ClaimStatus.PAID)
    advance = Payment.objects.get(project=paid.project, kind=PaymentKind.ADVANCE)
    assert paid.advance_offset_amount == min(advance.amount, paid.gross_payable_amount) > 0
    assert paid.payment.amount == paid.payable_amount == paid.gross_payable_amount - paid.advance_offset_amount
    assert IndicatorValue.objects.filter(claim=paid).exists()


def test_the_returned_claim_has_its_rounds(seeded_db):
    returned = PaymentClaim.objects.get(status=ClaimStatus.RETURNED)
    rounds = list(returned.rounds.order_by("number"))
    assert len(rounds) == 2 and all(r.returned_at and r.return_reason for r in rounds)
    assert rounds[1].response and rounds[0].snapshot["items"]
    # 80 days from the first submission plus the days with the beneficiary
    paused = (vilnius_date(rounds[1].submitted_at) - vilnius_date(rounds[0].returned_at)).days
    assert returned.payment_due_on == (
        vilnius_date(returned.submitted_at) + __import__("datetime").timedelta(days=80 + paused)
    )


def test_documents_are_realistic_and_dated_in_the_past(seeded_db):
    items = ExpenditureItem.objects.select_related("claim__project")
    assert items.count() >= 10
    today = vilnius_date()
    for item in items:
        assert len(item.supplier_code) == 9 and item.supplier_code.isdigit()
        assert item.claim.project.start_date <= item.document_date <= today
    with_documents = items.exclude(document="")
    assert with_documents.count() == items.count() - 1  # the draft's imported item waits for its document
    for item in with_documents[:3]:
        with item.document.open("rb") as handle:
            assert handle.read(5) == b"%PDF-"


def test_the_officer_may_override_and_did_once(seeded_db):
    officer = User.objects.get(username="officer")
    assert officer.has_perm(OVERRIDE_PERMISSION) and Access.of(officer).manages_programme
    assert (
        ExpenditureItem.objects.exclude(double_funding_override_reason="")
        .filter(double_funding_overridden_by=officer)
        .count()
        == 1
    )
    assert not User.objects.filter(~Q(username="officer"), user_permissions__codename="override_double_funding")


def test_deadlines_are_running(seeded_db):
    open_claims = PaymentClaim.objects.filter(status__in=[ClaimStatus.SUBMITTED, ClaimStatus.UNDER_VERIFICATION])
    assert open_claims.exists()
    today = vilnius_date()
    assert all(0 < claim_days_left(c, today) <= 80 for c in open_claims)
    statuses = Counter(PaymentClaim.objects.values_list("status", flat=True))
    assert statuses[ClaimStatus.DRAFT] >= 1


def test_seeding_again_changes_nothing(seeded_db):
    before = PaymentClaim.objects.count(), ExpenditureItem.objects.count(), Payment.objects.count()
    report = demo.seed_demo()
    assert not report.changed
    assert (PaymentClaim.objects.count(), ExpenditureItem.objects.count(), Payment.objects.count()) == before
