# ruff: noqa: F811 - the fixtures of amendment_fixtures are imported by name
"""Amendments of a grant agreement (grants.services.amendments): reallocations
within the instrument's share apply at once, larger ones wait for an officer;
extensions and changes of partner; agreement versions; the verified amount as
the floor of a line; one open request per kind; who may do what."""

from datetime import date
from decimal import Decimal

import pytest

from core.concurrency import StaleEditError
from core.errors import ApplicationError
from core.models import AuditEvent, AuditEventType, Role
from grants.models import AgreementVersion, AmendmentKind, AmendmentStatus, ClaimStatus
from grants.services.amendments import (
    agreement_version_create,
    amendment_decide,
    amendment_request,
    amendment_withdraw,
    reallocation_rows,
    within_share,
)
from tests.factories import OrganisationFactory, UserFactory
from tests.grants.amendment_fixtures import (  # noqa: F401 - fixtures
    beneficiary,
    beneficiary_user,
    english,
    indicator,
    instrument,
    line,
    make_claim,
    partner,
    project,
)

pytestmark = pytest.mark.django_db
D = Decimal
REALLOCATION = AmendmentKind.BUDGET_REALLOCATION


def amounts(project):
    return {bl.cost_category.code: bl.planned_amount for bl in project.budget_lines.select_related("cost_category")}


def budget(project, **changes):
    return {line(project, code): D(value) for code, value in changes.items()}


def events(obj, event_type=None):
    found = AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
    if event_type:
        found = found.filter(event_type=event_type)
    return list(found.order_by("id"))


def reallocate(project, user, **changes):
    return amendment_request(
        actor=user,
        project=project,
        kind=REALLOCATION,
        justification="Kainos pasikeitė",
        budget=budget(project, **changes),
    )


# --------------------------------------------------------------------------- the share


def test_within_share_is_exact_against_the_original_amount():
    assert within_share(D("60000.00"), D("54000.00"), D("10"))  # exactly 10 % down
    assert within_share(D("60000.00"), D("66000.00"), D("10"))  # exactly 10 % up
    assert not within_share(D("60000.00"), D("53999.99"), D("10"))  # one cent more
    assert not within_share(D("0.00"), D("0.01"), D("10"))  # a line of nothing may not grow on its own


def test_reallocation_within_the_share_applies_at_once_with_a_new_version(project, beneficiary_user):
    amendment = reallocate(project, beneficiary_user, STAFF="54000.00", EQUIP="33000.00", PAT="13000.00")
    # PAT moves 30 % of its original 10 000: needs approval.
    assert amendment.status == AmendmentStatus.REQUESTED
    amendment_withdraw(actor=beneficiary_user, amendment=amendment, version=amendment.version)

    amendment = reallocate(project, beneficiary_user, STAFF="57000.00", EQUIP="33000.00")
    assert amendment.status == AmendmentStatus.APPLIED
    assert amendment.decided_by is None
    assert amounts(project) == {"STAFF": D("57000.00"), "EQUIP": D("33000.00"), "PAT": D("10000.00")}
    versions = list(AgreementVersion.objects.filter(project=project).order_by("number"))
    assert [v.number for v in versions] == [1, 2]
    assert versions[0].snapshot["budget"] == {"EQUIP": "30000.00", "PAT": "10000.00", "STAFF": "60000.00"}
    assert versions[1].snapshot["budget"] == {"EQUIP": "33000.00", "PAT": "10000.00", "STAFF": "57000.00"}
    assert amendment.agreement_version == versions[1]
    assert [e.event_type for e in events(amendment)] == [AuditEventType.REQUESTED, AuditEventType.STATUS_CHANGED]
    assert events(amendment)[1].new_values["status"] == AmendmentStatus.APPLIED
    assert len(events(versions[1], AuditEventType.CREATED)) == 1
    assert events(project, AuditEventType.UPDATED)[-1].new_values["budget"]["STAFF"] == "57000.00"


def test_one_cent_beyond_the_share_waits_for_an_officer(project, beneficiary_user):
    amendment = reallocate(project, beneficiary_user, STAFF="53999.99", EQUIP="36000.01")
    assert amendment.status == AmendmentStatus.REQUESTED
    assert amounts(project)["STAFF"] == D("60000.00")
    assert not AgreementVersion.objects.filter(project=project).exists()


def test_the_share_counts_from_the_original_amount_not_the_current_one(project, beneficiary_user):
    reallocate(project, beneficiary_user, STAFF="57000.00", EQUIP="33000.00")  # 5 % and 10 %: applied
    # EQUIP 33 000 → 34 000 is only 3 % of the current amount, but 13.3 % of the original 30 000.
    second = reallocate(project, beneficiary_user, STAFF="56000.00", EQUIP="34000.00")
    assert second.status == AmendmentStatus.REQUESTED
    rows = {row.line.cost_category.code: row for row in reallocation_rows(project)}
    assert rows["EQUIP"].original == D("30000.00") and rows["EQUIP"].limit == D("3000.00")
    assert rows["EQUIP"].high == D("33000.00")


# --------------------------------------------------------------------------- approval and rejection


def test_approval_applies_the_change_and_keeps_the_earlier_versions_readable(project, beneficiary_user, officer):
    amendment = reallocate(project, beneficiary_user, STAFF="40000.00", EQUIP="50000.00")
    assert amendment.status == AmendmentStatus.REQUESTED
    amendment_decide(actor=officer, amendment=amendment, version=amendment.version, approve=True, note="Pagrįsta")
    amendment.refresh_from_db()
    assert amendment.status == AmendmentStatus.APPROVED
    assert amendment.decided_by == officer and amendment.decided_at and amendment.decision_note == "Pagrįsta"
    assert amendment.version == 2
    assert amounts(project) == {"STAFF": D("40000.00"), "EQUIP": D("50000.00"), "PAT": D("10000.00")}
    first, second = AgreementVersion.objects.filter(project=project).order_by("number")
    assert first.snapshot["budget"]["STAFF"] == "60000.00" and second.snapshot["budget"]["STAFF"] == "40000.00"
    assert amendment.agreement_version == second
    # A later amendment adds version 3; 1 and 2 stay as they were.
    extension = amendment_request(
        actor=beneficiary_user,
        project=project,
        kind=AmendmentKind.DATE_EXTENSION,
        justification="Vėluoja tiekimas",
        new_end_date=date(2022, 6, 30),
    )
    amendment_decide(actor=officer, amendment=extension, version=extension.version, approve=True)
    assert list(AgreementVersion.objects.filter(project=project).values_list("number", flat=True)) == [1, 2, 3]
    first.refresh_from_db()
    assert first.snapshot["end_date"] == "2021-12-31" and first.snapshot["budget"]["STAFF"] == "60000.00"
    statuses = [e.new_values["status"] for e in events(amendment, AuditEventType.STATUS_CHANGED)]
    assert statuses == [AmendmentStatus.APPROVED]


def test_the_snapshot_holds_the_whole_agreement(project, partner, indicator):
    version = agreement_version_create(actor=None, project=project)
    assert version.number == 1
    snapshot = version.snapshot
    assert snapshot["start_date"] == "2020-01-01" and snapshot["end_date"] == "2021-12-31"
    assert snapshot["eligible_cost"] == "100000.00" and snapshot["grant_amount"] == "70000.00"
    assert snapshot["own_contribution"] == "30000.00" and snapshot["funding_rate"] == "70.00"
    assert snapshot["partners"] == [{"name": partner.name, "code": partner.legal_code}]
    assert snapshot["indicator_targets"] == {indicator.code: "10.00"}


def test_rejection_needs_a_note_and_changes_nothing(project, beneficiary_user, officer):
    amendment = reallocate(project, beneficiary_user, STAFF="40000.00", EQUIP="50000.00")
    with pytest.raises(ApplicationError) as refused:
        amendment_decide(actor=officer, amendment=amendment, version=amendment.version, approve=False)
    assert refused.value.field == "note"
    amendment_decide(actor=officer, amendment=amendment, version=amendment.version, approve=False, note="Nepagrįsta")
    amendment.refresh_from_db()
    assert amendment.status == AmendmentStatus.REJECTED and amendment.decision_note == "Nepagrįsta"
    assert amounts(project)["STAFF"] == D("60000.00")
    assert not AgreementVersion.objects.filter(project=project).exists()
    with pytest.raises(ApplicationError, match="already been decided"):
        amendment_decide(actor=officer, amendment=amendment, version=amendment.version, approve=True)


def test_a_stale_decision_is_refused_and_the_first_kept(project, beneficiary_user, officer):
    amendment = reallocate(project, beneficiary_user, STAFF="40000.00", EQUIP="50000.00")
    seen = amendment.version
    amendment_decide(actor=officer, amendment=amendment, version=seen, approve=False, note="Ne")
    other = UserFactory(role=Role.OFFICER)
    with pytest.raises(StaleEditError):
        amendment_decide(actor=other, amendment=amendment, version=seen, approve=True)
    amendment.refresh_from_db()
    assert amendment.status == AmendmentStatus.REJECTED and amendment.decided_by == officer


def test_only_officers_decide_and_only_the_beneficiary_requests(project, beneficiary_user, officer, auditor):
    outsider = UserFactory(role=Role.APPLICANT, organisation=OrganisationFactory())
    for user in (officer, outsider, auditor):
        with pytest.raises(ApplicationError, match="beneficiary"):
            reallocate(project, user, STAFF="59000.00", EQUIP="31000.00")
    amendment = reallocate(project, beneficiary_user, STAFF="40000.00", EQUIP="50000.00")
    for user in (beneficiary_user, auditor):
        with pytest.raises(ApplicationError, match="officers"):
            amendment_decide(actor=user, amendment=amendment, version=amendment.version, approve=True)


# --------------------------------------------------------------------------- the rules of a reallocation


def test_a_line_cannot_drop_below_what_is_verified_on_it(project, beneficiary_user, officer):
    make_claim(project, status=ClaimStatus.APPROVED, items={"STAFF": ("50000.00", "45000.00")})
    make_claim(project, status=ClaimStatus.PAID, items={"STAFF": ("8000.00", "8000.00")})
    # Not verified yet: does not count.
    make_claim(project, status=ClaimStatus.UNDER_VERIFICATION, items={"STAFF": ("5000.00", "5000.00")})
    staff = line(project, "STAFF")
    with pytest.raises(ApplicationError, match="53 000,00|53,000.00|53 000.00") as refused:
        reallocate(project, beneficiary_user, STAFF="52999.99", EQUIP="37000.01")
    assert refused.value.field == f"line_{staff.pk}"
    reallocate(project, beneficiary_user, STAFF="57000.00", EQUIP="33000.00")  # 53 000 verified: fine
    assert amounts(project)["STAFF"] == D("57000.00")


def test_the_verified_floor_is_checked_again_at_approval(project, beneficiary_user, officer):
    amendment = reallocate(project, beneficiary_user, STAFF="30000.00", EQUIP="60000.00")
    make_claim(project, status=ClaimStatus.APPROVED, items={"STAFF": ("35000.00", "35000.00")})
    with pytest.raises(ApplicationError, match="verified"):
        amendment_decide(actor=officer, amendment=amendment, version=amendment.version, approve=True)
    amendment.refresh_from_db()
    assert amendment.status == AmendmentStatus.REQUESTED
    assert amounts(project)["STAFF"] == D("60000.00")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"STAFF": "50000.00", "EQUIP": "30000.00"}, "budget", "eligible cost"),  # total drops
        ({"STAFF": "60000.00", "PAT": "15000.00"}, "budget", "eligible cost"),  # total grows
        ({"STAFF": "44000.00", "PAT": "26000.00"}, "PAT", "25"),  # the category cap
        ({"STAFF": "-1.00", "EQUIP": "90001.00"}, "STAFF", "negative"),
        ({"STAFF": "60000.00"}, "budget", "same"),
    ],
    ids=["total-down", "total-up", "cap", "negative", "no-change"],
)
def test_a_reallocation_keeps_the_total_and_the_caps(project, beneficiary_user, changes, field, message):
    with pytest.raises(ApplicationError, match=message) as refused:
        reallocate(project, beneficiary_user, **changes)
    expected = "budget" if field == "budget" else f"line_{line(project, field).pk}"
    assert refused.value.field == expected
    assert amounts(project)["STAFF"] == D("60000.00")


def test_justification_is_required(project, beneficiary_user):
    with pytest.raises(ApplicationError) as refused:
        amendment_request(
            actor=beneficiary_user,
            project=project,
            kind=REALLOCATION,
            justification="  ",
            budget=budget(project, STAFF="59000.00", EQUIP="31000.00"),
        )
    assert refused.value.field == "justification"


def test_one_open_request_of_a_kind_at_a_time(project, beneficiary_user, officer):
    first = amendment_request(
        actor=beneficiary_user,
        project=project,
        kind=AmendmentKind.DATE_EXTENSION,
        justification="Vėluoja",
        new_end_date=date(2022, 3, 31),
    )
    with pytest.raises(ApplicationError, match="open request"):
        amendment_request(
            actor=beneficiary_user,
            project=project,
            kind=AmendmentKind.DATE_EXTENSION,
            justification="Dar kartą",
            new_end_date=date(2022, 6, 30),
        )
    # Another kind is fine.
    reallocate(project, beneficiary_user, STAFF="40000.00", EQUIP="50000.00")
    amendment_decide(actor=officer, amendment=first, version=first.version, approve=False, note="Ne")
    amendment_request(
        actor=beneficiary_user,
        project=project,
        kind=AmendmentKind.DATE_EXTENSION,
        justification="Dar kartą",
        new_end_date=date(2022, 6, 30),
    )


# --------------------------------------------------------------------------- extension


def test_extension_is_after_the_current_end_and_within_the_programme(project, beneficiary_user, officer):
    def extend(day):
        return amendment_request(
            actor=beneficiary_user,
            project=project,
            kind=AmendmentKind.DATE_EXTENSION,
            justification="Vėluoja tiekimas",
            new_end_date=day,
        )

    for day in (date(2021, 12, 31), date(2021, 6, 30), date(2024, 1, 1)):
        with pytest.raises(ApplicationError) as refused:
            extend(day)
        assert refused.value.field == "new_end_date"
    amendment = extend(date(2023, 12, 31))  # the programme's last day
    assert amendment.status == AmendmentStatus.REQUESTED
    project.refresh_from_db()
    assert project.end_date == date(2021, 12, 31)
    amendment_decide(actor=officer, amendment=amendment, version=amendment.version, approve=True)
    project.refresh_from_db()
    assert project.end_date == date(2023, 12, 31) and project.version == 2
    versions = AgreementVersion.objects.filter(project=project).order_by("number")
    assert [v.snapshot["end_date"] for v in versions] == ["2021-12-31", "2023-12-31"]


# --------------------------------------------------------------------------- partners


def test_change_of_partner(project, beneficiary_user, beneficiary, partner, officer):
    newcomer = OrganisationFactory(name="UAB Naujokas")

    def change(**kwargs):
        return amendment_request(
            actor=beneficiary_user,
            project=project,
            kind=AmendmentKind.PARTNER_CHANGE,
            justification="Partneris pasitraukia",
            **kwargs,
        )

    refusals = [
        ({}, "partner_added"),
        ({"partner_added": beneficiary}, "partner_added"),
        ({"partner_added": partner}, "partner_added"),
        ({"partner_removed": newcomer}, "partner_removed"),
    ]
    for kwargs, field in refusals:
        with pytest.raises(ApplicationError) as refused:
            change(**kwargs)
        assert refused.value.field == field
    amendment = change(partner_added=newcomer, partner_removed=partner)
    assert amendment.status == AmendmentStatus.REQUESTED
    assert list(project.partners.all()) == [partner]
    amendment_decide(actor=officer, amendment=amendment, version=amendment.version, approve=True)
    assert list(project.partners.all()) == [newcomer]
    first, second = AgreementVersion.objects.filter(project=project).order_by("number")
    assert [p["code"] for p in first.snapshot["partners"]] == [partner.legal_code]
    assert second.snapshot["partners"] == [{"name": "UAB Naujokas", "code": newcomer.legal_code}]


def test_a_finished_project_takes_no_amendment(project, beneficiary_user):
    from grants.models import ProjectStatus
    from grants.services import project_transition

    project_transition(actor=None, project=project, to_status=ProjectStatus.TERMINATED)
    with pytest.raises(ApplicationError, match="can no longer be amended"):
        reallocate(project, beneficiary_user, STAFF="59000.00", EQUIP="31000.00")
