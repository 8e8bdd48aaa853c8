"""The audit-trail extract of one object covers the records that belong to it
(issue 9): a project's payment claims, their expenditure items (also deleted
ones), rounds and indicator values, a deleted draft claim, amendments and
agreement versions, payments; a claim's own items; a cluster's strategy
commitments and maturity assessments — and nothing of another project or
cluster."""

import uuid
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from clusters.models import CommitmentKind
from clusters.services.registry import cluster_create, maturity_assessment_record
from core.audit import audit_record
from core.models import AuditEventType, Role
from grants.models import AmendmentKind, ClaimRound, ProjectStatus
from grants.selectors.asof import AsOf
from grants.services.amendments import amendment_decide, amendment_request
from grants.services.claims import claim_create, claim_delete, indicator_value_set, item_add, item_delete
from grants.services.projects import project_transition
from reports import documents
from reports.kinds import get_kind
from tests.factories import IndicatorFactory, OrganisationFactory, UserFactory, make_instrument, make_project

pytestmark = pytest.mark.django_db


def _trail(params: dict):
    context, _ = get_kind("audit_trail").context(params, AsOf.at(timezone.now()), 0)
    return context["trail"]


def _objects(trail) -> set[tuple[str, str, str]]:
    return {(row.object_type, row.object_id, row.event_type) for row in trail.rows}


def _item(actor, claim, number: str):
    return item_add(
        actor=actor,
        claim=claim,
        budget_line=claim.project.budget_lines.first(),
        supplier_name="UAB Tiekėjas",
        supplier_code="111111111",
        document_number=number,
        document_date=date(2020, 5, 4),
        amount_excl_vat=Decimal("100.00"),
        vat_amount=Decimal("21.00"),
        vat_recoverable=False,
    )


@pytest.fixture
def world():
    indicator = IndicatorFactory()
    instrument = make_instrument(code="AT", indicators={indicator: "10"})
    beneficiary = OrganisationFactory()
    applicant = UserFactory(role=Role.APPLICANT, organisation=beneficiary)
    officer = UserFactory(role=Role.OFFICER)
    project = make_project(instrument, beneficiary=beneficiary, code="AT-001")
    other_beneficiary = OrganisationFactory()
    other_applicant = UserFactory(role=Role.APPLICANT, organisation=other_beneficiary)
    other = make_project(instrument, beneficiary=other_beneficiary, code="AT-001-B")
    for started in (project, other):  # a project takes claims once under way
        project_transition(actor=officer, project=started, to_status=ProjectStatus.IN_IMPLEMENTATION)
    period = {"period_start": date(2020, 1, 1), "period_end": date(2020, 6, 30)}

    claim = claim_create(actor=applicant, project=project, **period)
    kept = _item(applicant, claim, "SF-1")
    dropped = _item(applicant, claim, "SF-2")
    dropped_id = dropped.pk
    item_delete(actor=applicant, item=dropped, version=dropped.version)
    value = indicator_value_set(
        actor=applicant, claim=claim, indicator=indicator, value=Decimal("2"), evidence="Sutartys"
    )
    claim_round = ClaimRound.objects.create(
        claim=claim, number=1, submitted_at=timezone.now(), submitted_by=applicant, snapshot={}
    )
    audit_record(actor=applicant, obj=claim_round, event_type=AuditEventType.RECORDED, new={"number": 1})
    draft = claim_create(actor=applicant, project=project, **period)
    draft_id = draft.pk
    claim_delete(actor=applicant, claim=draft, version=draft.version)
    second = claim_create(
        actor=applicant, project=project, period_start=date(2020, 7, 1), period_end=date(2020, 12, 31)
    )
    second_item = _item(applicant, second, "SF-3")

    amendment = amendment_request(
        actor=applicant,
        project=project,
        kind=AmendmentKind.DATE_EXTENSION,
        justification="Vėluoja tiekimas",
        new_end_date=date(2022, 6, 30),
    )
    amendment = amendment_decide(actor=officer, amendment=amendment, version=amendment.version, approve=True)

    other_claim = claim_create(actor=other_applicant, project=other, **period)
    other_item = _item(other_applicant, other_claim, "SF-9")
    return {
        "project": project,
        "claim": claim,
        "kept": kept,
        "dropped_id": dropped_id,
        "value": value,
        "round": claim_round,
        "draft_id": draft_id,
        "second": second,
        "second_item": second_item,
        "amendment": amendment,
        "other_claim": other_claim,
        "other_item": other_item,
    }


def test_a_projects_extract_covers_its_claims_items_rounds_amendments_and_versions(world):
    project = world["project"]
    trail = _trail({"object_type": "grants.project", "object_id": str(project.pk)})
    found = _objects(trail)
    claim, amendment = world["claim"], world["amendment"]
    expected = {
        ("grants.paymentclaim", str(claim.pk), AuditEventType.CREATED),
        ("grants.expenditureitem", str(world["kept"].pk), AuditEventType.CREATED),
        # A deleted item and a deleted draft claim stay in the trail of their project.
        ("grants.expenditureitem", str(world["dropped_id"]), AuditEventType.CREATED),
        ("grants.expenditureitem", str(world["dropped_id"]), AuditEventType.DELETED),
        ("grants.paymentclaim", str(world["draft_id"]), AuditEventType.CREATED),
        ("grants.paymentclaim", str(world["draft_id"]), AuditEventType.DELETED),
        ("grants.claimindicatorvalue", str(world["value"].pk), AuditEventType.CREATED),
        ("grants.claimround", str(world["round"].pk), AuditEventType.RECORDED),
        ("grants.paymentclaim", str(world["second"].pk), AuditEventType.CREATED),
        ("grants.expenditureitem", str(world["second_item"].pk), AuditEventType.CREATED),
        ("grants.amendment", str(amendment.pk), AuditEventType.REQUESTED),
        ("grants.project", str(project.pk), AuditEventType.CREATED),
    }
    assert expected <= found, expected - found
    assert amendment.agreement_version_id is not None
    assert any(t == "grants.agreementversion" for t, _, _ in found)
    # Nothing of the other project (whose code starts with this one's).
    assert ("grants.paymentclaim", str(world["other_claim"].pk), AuditEventType.CREATED) not in found
    assert ("grants.expenditureitem", str(world["other_item"].pk), AuditEventType.CREATED) not in found
    # Oldest first, counted the same way as the rows.
    assert [row.occurred_at for row in trail.rows] == sorted(row.occurred_at for row in trail.rows)
    assert trail.event_count == len(trail.rows)
    assert get_kind("audit_trail").row_count({"object_type": "grants.project", "object_id": str(project.pk)}) == len(
        trail.rows
    )


def test_a_claims_extract_covers_its_items_but_not_its_siblings(world):
    claim = world["claim"]
    found = _objects(_trail({"object_type": "grants.paymentclaim", "object_id": str(claim.pk)}))
    assert ("grants.paymentclaim", str(claim.pk), AuditEventType.CREATED) in found
    assert ("grants.expenditureitem", str(world["kept"].pk), AuditEventType.CREATED) in found
    assert ("grants.claimindicatorvalue", str(world["value"].pk), AuditEventType.CREATED) in found
    assert ("grants.claimround", str(world["round"].pk), AuditEventType.RECORDED) in found
    assert ("grants.expenditureitem", str(world["second_item"].pk), AuditEventType.CREATED) not in found
    assert ("grants.paymentclaim", str(world["second"].pk), AuditEventType.CREATED) not in found


def test_an_amendments_extract_covers_its_agreement_version(world):
    amendment = world["amendment"]
    found = _objects(_trail({"object_type": "grants.amendment", "object_id": str(amendment.pk)}))
    assert ("grants.amendment", str(amendment.pk), AuditEventType.REQUESTED) in found
    assert ("grants.agreementversion", str(amendment.agreement_version_id), AuditEventType.CREATED) in found


def test_the_pdf_names_the_kinds_of_object_and_what_the_extract_covers(world):
    project = world["project"]
    params = {"object_type": "grants.project", "object_id": str(project.pk), "language": "en"}
    html = documents.section_html("audit_trail", params, str(uuid.uuid4()), timezone.now(), 0, page_numbers=False)
    assert "payment claims with their rounds, expenditure items" in html
    assert f"payment claim {world['claim'].pk} · AT-001-MP1" in html
    assert f"expenditure item {world['dropped_id']} · UAB Tiekėjas SF-2" in html


def test_a_clusters_extract_covers_its_commitments_and_maturity_assessments():
    coordinator = OrganisationFactory()
    cluster = cluster_create(
        actor=None,
        name="Lazerių klasteris",
        coordinator=coordinator,
        established_on=date(2018, 1, 1),
        maturity_level=1,
        commitments=[CommitmentKind.DIGITISATION],
    )
    assessment = maturity_assessment_record(actor=None, cluster=cluster, level=2, assessed_on=date(2021, 1, 1))
    other = cluster_create(
        actor=None,
        name="Kitas klasteris",
        coordinator=OrganisationFactory(),
        established_on=date(2018, 1, 1),
        maturity_level=1,
        commitments=[CommitmentKind.DIGITISATION],
    )
    found = _objects(_trail({"object_type": "clusters.cluster", "object_id": str(cluster.pk)}))
    commitment = cluster.commitments.get()
    assert any(t == "clusters.clustercommitment" and i == str(commitment.pk) for t, i, _ in found)
    assert any(t == "clusters.maturityassessment" and i == str(assessment.pk) for t, i, _ in found)
    assert not any(i == str(other.commitments.get().pk) for t, i, _ in found if t == "clusters.clustercommitment")
    assert not any(t == "clusters.cluster" and i == str(other.pk) for t, i, _ in found)


def test_an_object_that_no_longer_exists_still_has_its_own_events(world):
    found = _objects(_trail({"object_type": "grants.paymentclaim", "object_id": str(world["draft_id"])}))
    assert found == {
        ("grants.paymentclaim", str(world["draft_id"]), AuditEventType.CREATED),
        ("grants.paymentclaim", str(world["draft_id"]), AuditEventType.DELETED),
    }
