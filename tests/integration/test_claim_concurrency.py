"""Two officers acting on the same approved claim at the same moment: threads,
each with its own database connection, race claim_pay and claim_approve. The
claim's row lock (and Payment.claim's one-to-one) give exactly one payment; the
others are refused with ApplicationError, never a 500 or a second payment.
PostgreSQL only: SQLite locks the whole database file, so nothing would race."""

import threading
from datetime import date

import pytest
from django.db import connection, connections

from core.errors import ApplicationError
from grants.models import ClaimStatus, Payment, PaymentClaim
from grants.services import claims as svc
from tests.factories import UserFactory
from tests.grants.claims_fixtures import approved_claim, claim_world

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ROUNDS = 5


@pytest.fixture(autouse=True)
def _require_services():
    """Overrides the package's fixture: this test needs PostgreSQL, not Redis or a worker."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (DATABASE_URL=postgres://...); SQLite serialises whole transactions")


def _race(calls) -> list:
    """Run every call in its own thread, released together; the outcome of each."""
    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            outcomes[index] = ("ok", call())
        except ApplicationError as error:
            outcomes[index] = ("refused", error)
        except Exception as error:  # noqa: BLE001 - any other error is the failure the test looks for
            outcomes[index] = ("error", error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.mark.parametrize("attempt", range(ROUNDS))
def test_racing_pay_and_approve_give_one_payment(attempt):
    world = claim_world()
    claim = approved_claim(world)
    second_officer = UserFactory(role=world.officer.role)

    def pay(officer):
        return lambda: svc.claim_pay(
            actor=officer, claim=PaymentClaim.objects.get(pk=claim.pk), paid_on=date(2024, 9, 1)
        )

    def approve():
        fresh = PaymentClaim.objects.get(pk=claim.pk)
        return svc.claim_approve(actor=second_officer, claim=fresh, version=fresh.version)

    outcomes = _race([pay(world.officer), pay(second_officer), approve])
    kinds = [kind for kind, _ in outcomes]
    assert "error" not in kinds, outcomes
    assert kinds[:2].count("ok") == 1, outcomes
    assert kinds[2] == "refused"
    assert Payment.objects.filter(claim=claim).count() == 1
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PAID
    assert Payment.objects.get(claim=claim).amount == claim.payable_amount


def test_racing_approvals_decide_once():
    world = claim_world()
    from tests.grants.claims_fixtures import verify_all, verifying_claim

    claim = verifying_claim(world)
    verify_all(world, claim)
    claim.refresh_from_db()
    officers = [world.officer, UserFactory(role=world.officer.role), UserFactory(role=world.officer.role)]

    def approve(officer):
        return lambda: svc.claim_approve(
            actor=officer, claim=PaymentClaim.objects.get(pk=claim.pk), version=claim.version
        )

    outcomes = _race([approve(officer) for officer in officers])
    kinds = [kind for kind, _ in outcomes]
    assert kinds.count("ok") == 1 and kinds.count("refused") == 2, outcomes
