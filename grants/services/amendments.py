"""Amendments of a grant agreement: the beneficiary's requests (budget
reallocation, extension of the end date, change of partner), the officer's
decision, and the agreement versions an applied change creates.

Rules (docs: "Amendments and agreement versions"):
- The beneficiary organisation's users request; programme officers decide.
- One open (requested) amendment of each kind per project at a time.
- A reallocation keeps the eligible cost, the caps of the cost categories and
  never takes a line below what is already verified on it.
- A reallocation where every line stays within the instrument's reallocation
  share of its ORIGINAL amount (agreement version 1) applies at once; anything
  else waits for an officer.
- An applied change writes a new agreement version; the first one writes
  version 1 (the agreement as signed) before the change."""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, Decimal

from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from clusters.models import Organisation, OrganisationUser
from core.audit import audit_record, field_values
from core.concurrency import version_bump, version_check
from core.errors import ApplicationError
from core.formatting import format_money, format_percent
from core.models import AuditEventType
from core.money import HUNDRED, ZERO, to_money
from core.permissions import Access
from core.workflow import transition
from grants.models import (
    CLAIM_VERIFIED,
    AgreementVersion,
    Amendment,
    AmendmentBudgetLine,
    AmendmentKind,
    AmendmentStatus,
    BudgetLine,
    ExpenditureItem,
    Project,
    ProjectStatus,
)

AMENDMENT_TRANSITIONS = {
    AmendmentStatus.REQUESTED: frozenset(
        {AmendmentStatus.APPROVED, AmendmentStatus.REJECTED, AmendmentStatus.APPLIED, AmendmentStatus.WITHDRAWN}
    ),
    AmendmentStatus.APPROVED: frozenset(),
    AmendmentStatus.REJECTED: frozenset(),
    AmendmentStatus.APPLIED: frozenset(),
    AmendmentStatus.WITHDRAWN: frozenset(),
}

# An agreement can be amended while it runs; a completed, closed or terminated
# project's agreement is final.
AMENDABLE_STATUSES = (ProjectStatus.CONTRACTED, ProjectStatus.IN_IMPLEMENTATION, ProjectStatus.SUSPENDED)


# --------------------------------------------------------------------------- who


def _organisation_of(actor) -> Organisation | None:
    if not Access.of(actor).acts_for_organisation:
        return None
    link = OrganisationUser.objects.filter(user=actor).select_related("organisation").first()
    return link.organisation if link else None


def acts_for_beneficiary(actor, project: Project) -> bool:
    """Whether `actor` is a user of the project's beneficiary organisation."""
    organisation = _organisation_of(actor)
    return organisation is not None and organisation.pk == project.beneficiary_id


def _require_beneficiary(actor, project: Project) -> None:
    if not acts_for_beneficiary(actor, project):
        raise ApplicationError(_("Only the beneficiary's users may request an amendment of its agreement."))


def _require_officer(actor) -> None:
    if not Access.of(actor).manages_programme:
        raise ApplicationError(_("Only programme officers may decide on amendments."))


# --------------------------------------------------------------------------- reads the rules need


def verified_by_line(project: Project) -> dict[int, Decimal]:
    """Per budget line id: the eligible amount verified on it (items of
    approved and paid claims), summed in SQL, rounded to the cent (SQLite sums
    decimals as floats)."""
    rows = (
        ExpenditureItem.objects.filter(
            budget_line__project=project, claim__status__in=CLAIM_VERIFIED, eligible_amount__isnull=False
        )
        .values("budget_line_id")
        .annotate(total=Sum("eligible_amount"))
    )
    return {row["budget_line_id"]: to_money(row["total"] or ZERO) for row in rows}


def original_amounts(project: Project) -> dict[str, Decimal]:
    """Each budget line's ORIGINAL planned amount, by cost category code: the
    amount in agreement version 1 (the agreement as signed); before the first
    amendment there is no version yet and the current amounts are the signed
    ones."""
    first = AgreementVersion.objects.filter(project=project, number=1).first()
    if first is not None:
        return {code: Decimal(amount) for code, amount in first.snapshot.get("budget", {}).items()}
    return {
        line.cost_category.code: line.planned_amount for line in project.budget_lines.select_related("cost_category")
    }


def reallocation_limit(original: Decimal, share: Decimal) -> Decimal:
    """The largest change of a line (up or down, counted from its original
    amount) that applies without an officer: share % of the original amount,
    rounded DOWN to the cent so that the limit itself is never more than the
    share (a change is within the share exactly when
    |new − original| × 100 ≤ share × original)."""
    exact = Decimal(original) * Decimal(share) / HUNDRED
    return exact.quantize(Decimal("0.01"), rounding=ROUND_FLOOR)


def within_share(original: Decimal, new: Decimal, share: Decimal) -> bool:
    """|new − original| × 100 ≤ share × original, compared exactly (no rounding).
    A line that had nothing originally (0) may not grow without approval."""
    return abs(Decimal(new) - Decimal(original)) * HUNDRED <= Decimal(share) * Decimal(original)


@dataclass(frozen=True)
class LineRow:
    """One budget line as the reallocation form shows it."""

    line: BudgetLine
    original: Decimal
    verified: Decimal
    limit: Decimal  # the change allowed without approval, from the original amount

    @property
    def low(self) -> Decimal:
        return max(self.original - self.limit, self.verified, ZERO)

    @property
    def high(self) -> Decimal:
        return self.original + self.limit


def reallocation_rows(project: Project) -> list[LineRow]:
    """The project's budget lines with their original and verified amounts and
    the change allowed without approval (a fixed number of queries)."""
    originals = original_amounts(project)
    verified = verified_by_line(project)
    share = project.instrument.reallocation_share
    rows = []
    for line in project.budget_lines.select_related("cost_category").order_by("cost_category__code"):
        original = originals.get(line.cost_category.code, ZERO)
        rows.append(
            LineRow(
                line=line,
                original=original,
                verified=verified.get(line.pk, ZERO),
                limit=reallocation_limit(original, share),
            )
        )
    return rows


# --------------------------------------------------------------------------- checks


def _check_open_project(project: Project) -> None:
    if project.status not in AMENDABLE_STATUSES:
        raise ApplicationError(
            _("Project %(code)s has the status “%(status)s”; its agreement can no longer be amended.")
            % {"code": project.code, "status": project.get_status_display()},
            field="project",
        )


def _check_budget(project: Project, budget: dict[BudgetLine, Decimal]) -> dict[BudgetLine, Decimal]:
    """The whole new budget {line: amount} (lines left out keep their amount)
    checked: only this project's lines, ≥ 0, ≥ verified, the same total,
    the categories' caps, at least one change."""
    if not budget:
        raise ApplicationError(_("Give the new planned amount of at least one budget line."), field="budget")
    lines = {line.pk: line for line in project.budget_lines.select_related("cost_category")}
    new = {line: line.planned_amount for line in lines.values()}
    for line, amount in budget.items():
        if line.pk not in lines:
            raise ApplicationError(_("The budget line is not a line of this project."), field="budget")
        if amount is None:
            raise ApplicationError(_("Enter an amount."), field=f"line_{line.pk}")
        amount = to_money(amount)
        if amount < ZERO:
            raise ApplicationError(
                _("The budget line “%(category)s” cannot be negative.")
                % {"category": lines[line.pk].cost_category.name},
                field=f"line_{line.pk}",
            )
        new[lines[line.pk]] = amount
    verified = verified_by_line(project)
    for line, amount in new.items():
        if amount < verified.get(line.pk, ZERO):
            raise ApplicationError(
                _(
                    "The budget line “%(category)s” cannot drop below %(verified)s, the expenditure already "
                    "verified on it."
                )
                % {"category": line.cost_category.name, "verified": format_money(verified[line.pk])},
                field=f"line_{line.pk}",
            )
    total = sum(new.values(), ZERO)
    if total != project.eligible_cost:
        raise ApplicationError(
            _(
                "A reallocation moves money between budget lines: the lines must add up to the eligible cost of "
                "%(eligible)s, not %(total)s (difference %(difference)s)."
            )
            % {
                "eligible": format_money(project.eligible_cost),
                "total": format_money(total),
                "difference": format_money(total - project.eligible_cost),
            },
            field="budget",
        )
    for line, amount in new.items():
        cap = line.cost_category.max_share_percent
        # Same rule as the application budget: line × 100 ≤ cap × eligible cost.
        if cap is not None and amount * HUNDRED > cap * project.eligible_cost:
            raise ApplicationError(
                _("The budget line “%(category)s” may take at most %(cap)s of the eligible cost.")
                % {"category": line.cost_category.name, "cap": format_percent(cap)},
                field=f"line_{line.pk}",
            )
    if all(amount == line.planned_amount for line, amount in new.items()):
        raise ApplicationError(_("The new budget is the same as the current one."), field="budget")
    return new


def _check_extension(project: Project, new_end_date: date | None) -> None:
    if new_end_date is None:
        raise ApplicationError(_("Enter the new end date."), field="new_end_date")
    if new_end_date <= project.end_date:
        raise ApplicationError(
            _("The new end date must be after the current one (%(date)s).") % {"date": project.end_date.isoformat()},
            field="new_end_date",
        )
    period_end = project.instrument.programme.period_end
    if new_end_date > period_end:
        raise ApplicationError(
            _("The new end date must be within the programme period, which ends on %(date)s.")
            % {"date": period_end.isoformat()},
            field="new_end_date",
        )


def _check_partner_change(
    project: Project, partner_added: Organisation | None, partner_removed: Organisation | None
) -> None:
    if partner_added is None and partner_removed is None:
        raise ApplicationError(_("Choose the partner leaving, the partner joining, or both."), field="partner_added")
    partners = set(project.partners.values_list("pk", flat=True))
    if partner_removed is not None and partner_removed.pk not in partners:
        raise ApplicationError(
            _("%(name)s is not a partner of this project.") % {"name": partner_removed.name}, field="partner_removed"
        )
    if partner_added is not None:
        if partner_added.pk == project.beneficiary_id:
            raise ApplicationError(
                _("The beneficiary cannot join its own project as a partner."), field="partner_added"
            )
        if partner_added.pk in partners:
            raise ApplicationError(
                _("%(name)s is already a partner of this project.") % {"name": partner_added.name},
                field="partner_added",
            )


def _check_no_open(project: Project, kind: str) -> None:
    if Amendment.objects.filter(project=project, kind=kind, status=AmendmentStatus.REQUESTED).exists():
        raise ApplicationError(
            _("This project already has an open request of this kind; wait for the decision on it."), field="kind"
        )


# --------------------------------------------------------------------------- agreement versions


def agreement_snapshot(project: Project) -> dict:
    """The agreement as it stands: dates, amounts, budget lines by cost
    category code (amounts as strings), partners, indicator targets."""
    return {
        "title": project.title,
        "start_date": project.start_date.isoformat(),
        "end_date": project.end_date.isoformat(),
        "eligible_cost": str(project.eligible_cost),
        "grant_amount": str(project.grant_amount),
        "own_contribution": str(project.own_contribution),
        "funding_rate": str(project.funding_rate),
        "budget": {
            code: str(amount)
            for code, amount in project.budget_lines.order_by("cost_category__code").values_list(
                "cost_category__code", "planned_amount"
            )
        },
        "partners": [
            {"name": name, "code": code}
            for name, code in project.partners.order_by("name").values_list("name", "legal_code")
        ],
        "indicator_targets": {
            code: str(value)
            for code, value in project.indicator_targets.order_by("indicator__code").values_list(
                "indicator__code", "target_value"
            )
        },
    }


def agreement_version_create(*, actor, project: Project, amendment: Amendment | None = None) -> AgreementVersion:
    """Freeze the agreement as it stands now as the project's next version.
    Called without an amendment on a project that has none, it writes version
    1, the agreement as signed."""
    with transaction.atomic():
        # The project's row lock numbers the versions one at a time.
        locked = Project.objects.select_for_update().get(pk=project.pk)
        number = (AgreementVersion.objects.filter(project=locked).aggregate(n=Max("number"))["n"] or 0) + 1
        created = AgreementVersion.objects.create(
            project=locked,
            number=number,
            created_by=actor if actor is not None else None,
            snapshot=agreement_snapshot(locked),
        )
        audit_record(
            actor=actor,
            obj=created,
            event_type=AuditEventType.CREATED,
            new={"number": number, "amendment": amendment.pk if amendment else None, **created.snapshot},
        )
    return created


def _ensure_first_version(actor, project: Project) -> None:
    if not AgreementVersion.objects.filter(project=project).exists():
        agreement_version_create(actor=actor, project=project)


# --------------------------------------------------------------------------- applying a change


def _apply(actor, amendment: Amendment, project: Project) -> AgreementVersion:
    """Apply the amendment's change to the (locked) project, then freeze the
    new agreement version."""
    _ensure_first_version(actor, project)
    old = field_values(project, ["end_date", "version"])
    if amendment.kind == AmendmentKind.BUDGET_REALLOCATION:
        changes = list(amendment.budget_changes.select_related("budget_line__cost_category"))
        _check_budget(project, {change.budget_line: change.planned_amount for change in changes})
        before = {}
        for change in changes:
            line = change.budget_line
            before[line.cost_category.code] = line.planned_amount
            if line.planned_amount != change.planned_amount:
                BudgetLine.objects.filter(pk=line.pk).update(planned_amount=change.planned_amount)
        audit_record(
            actor=actor,
            obj=project,
            event_type=AuditEventType.UPDATED,
            old={"budget": before},
            new={
                "budget": {c.budget_line.cost_category.code: c.planned_amount for c in changes},
                "amendment": amendment.pk,
            },
        )
    elif amendment.kind == AmendmentKind.DATE_EXTENSION:
        _check_extension(project, amendment.new_end_date)
        project.end_date = amendment.new_end_date
        audit_record(
            actor=actor,
            obj=project,
            event_type=AuditEventType.UPDATED,
            old={"end_date": old["end_date"]},
            new={"end_date": project.end_date, "amendment": amendment.pk},
        )
    else:
        _check_partner_change(project, amendment.partner_added, amendment.partner_removed)
        before = sorted(project.partners.values_list("pk", flat=True))
        if amendment.partner_removed is not None:
            project.partners.remove(amendment.partner_removed)
        if amendment.partner_added is not None:
            project.partners.add(amendment.partner_added)
        audit_record(
            actor=actor,
            obj=project,
            event_type=AuditEventType.UPDATED,
            old={"partners": before},
            new={"partners": sorted(project.partners.values_list("pk", flat=True)), "amendment": amendment.pk},
        )
    # The agreement changed: an edit of the project made from before it is stale.
    version_bump(project)
    project.save(update_fields=["end_date", "version"])
    return agreement_version_create(actor=actor, project=project, amendment=amendment)


# --------------------------------------------------------------------------- services


def amendment_request(
    *,
    actor,
    project: Project,
    kind: str,
    justification: str,
    budget: dict[BudgetLine, Decimal] | None = None,
    new_end_date: date | None = None,
    partner_added: Organisation | None = None,
    partner_removed: Organisation | None = None,
) -> Amendment:
    """The beneficiary asks to change its agreement. A reallocation within the
    instrument's share applies at once (status applied, new agreement
    version); anything else waits for an officer's decision (requested)."""
    justification = (justification or "").strip()
    with transaction.atomic():
        locked = Project.objects.select_for_update().select_related("instrument__programme").get(pk=project.pk)
        _require_beneficiary(actor, locked)
        _check_open_project(locked)
        if kind not in AmendmentKind.values:
            raise ApplicationError(_("Choose the kind of amendment."), field="kind")
        if not justification:
            raise ApplicationError(_("Explain why the agreement should change."), field="justification")
        _check_no_open(locked, kind)
        new_budget = None
        if kind == AmendmentKind.BUDGET_REALLOCATION:
            new_budget = _check_budget(locked, budget or {})
        elif kind == AmendmentKind.DATE_EXTENSION:
            _check_extension(locked, new_end_date)
        else:
            _check_partner_change(locked, partner_added, partner_removed)
        amendment = Amendment.objects.create(
            project=locked,
            kind=kind,
            justification=justification,
            new_end_date=new_end_date if kind == AmendmentKind.DATE_EXTENSION else None,
            partner_added=partner_added if kind == AmendmentKind.PARTNER_CHANGE else None,
            partner_removed=partner_removed if kind == AmendmentKind.PARTNER_CHANGE else None,
            requested_by=actor,
        )
        requested = {"kind": kind, "justification": justification}
        if new_budget is not None:
            AmendmentBudgetLine.objects.bulk_create(
                AmendmentBudgetLine(amendment=amendment, budget_line=line, planned_amount=amount)
                for line, amount in new_budget.items()
            )
            requested["budget"] = {line.cost_category.code: amount for line, amount in new_budget.items()}
        elif kind == AmendmentKind.DATE_EXTENSION:
            requested["new_end_date"] = new_end_date
        else:
            requested["partner_added"] = partner_added.pk if partner_added else None
            requested["partner_removed"] = partner_removed.pk if partner_removed else None
        audit_record(actor=actor, obj=amendment, event_type=AuditEventType.REQUESTED, new=requested)
        if new_budget is not None and _within_share(locked, new_budget):
            created = _apply(actor, amendment, locked)
            transition(
                actor=actor,
                obj=amendment,
                to_status=AmendmentStatus.APPLIED,
                allowed=AMENDMENT_TRANSITIONS,
                changes={"agreement_version": created, "decided_at": timezone.now()},
                details={"agreement_version": created.number},
            )
    return amendment


def _within_share(project: Project, new_budget: dict[BudgetLine, Decimal]) -> bool:
    """Whether every line's change, counted from its ORIGINAL amount (agreement
    version 1), is within the instrument's reallocation share of that amount."""
    originals = original_amounts(project)
    share = project.instrument.reallocation_share
    return all(
        within_share(originals.get(line.cost_category.code, ZERO), amount, share) for line, amount in new_budget.items()
    )


def amendment_decide(*, actor, amendment: Amendment, version: int | None, approve: bool, note: str = "") -> Amendment:
    """An officer approves (the change applies and a new agreement version is
    written) or rejects (a note is required) a requested amendment."""
    _require_officer(actor)
    note = (note or "").strip()
    with transaction.atomic():
        project = (
            Project.objects.select_for_update().select_related("instrument__programme").get(pk=amendment.project_id)
        )
        locked = Amendment.objects.select_for_update().get(pk=amendment.pk)
        version_check(locked, version)
        if locked.status != AmendmentStatus.REQUESTED:
            raise ApplicationError(
                _("This amendment has already been decided (“%(status)s”).") % {"status": locked.get_status_display()},
                field="approve",
            )
        if not approve and not note:
            raise ApplicationError(_("Give the reason for the rejection."), field="note")
        changes = {
            "decided_by": actor,
            "decided_at": timezone.now(),
            "decision_note": note,
            "version": locked.version + 1,
        }
        details = {"note": note}
        if approve:
            _check_open_project(project)
            created = _apply(actor, locked, project)
            changes["agreement_version"] = created
            details["agreement_version"] = created.number
        transition(
            actor=actor,
            obj=amendment,
            to_status=AmendmentStatus.APPROVED if approve else AmendmentStatus.REJECTED,
            allowed=AMENDMENT_TRANSITIONS,
            changes=changes,
            details=details,
        )
    return amendment


def amendment_withdraw(*, actor, amendment: Amendment, version: int | None) -> Amendment:
    """The beneficiary withdraws its request before the decision."""
    with transaction.atomic():
        locked = Amendment.objects.select_for_update().select_related("project").get(pk=amendment.pk)
        _require_beneficiary(actor, locked.project)
        version_check(locked, version)
        transition(
            actor=actor,
            obj=amendment,
            to_status=AmendmentStatus.WITHDRAWN,
            allowed=AMENDMENT_TRANSITIONS,
            changes={"version": locked.version + 1},
        )
    return amendment
