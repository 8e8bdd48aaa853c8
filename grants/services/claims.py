"""Payment claims: the beneficiary declares expenditure (items with their
supporting documents) and indicator values, submits; the officer verifies each
item, returns the claim for clarification or approves or rejects it; an approved
claim is paid once. Every status change goes through `CLAIM_TRANSITIONS`."""

import os
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clusters.selectors.organisations import organisation_id_for
from core.audit import audit_event_build, audit_record, field_values
from core.concurrency import version_bump, version_check
from core.errors import ApplicationError
from core.formatting import format_money, format_percent
from core.models import AuditEvent, AuditEventType
from core.money import ZERO, apply_rate, to_money
from core.permissions import Access
from core.workflow import transition
from grants.models import (
    CLAIM_VERIFIED,
    PAYMENT_DEADLINE_DAYS,
    BudgetLine,
    ClaimIndicatorValue,
    ClaimKind,
    ClaimRound,
    ClaimStatus,
    ExpenditureItem,
    IndicatorValue,
    IneligibilityReason,
    Payment,
    PaymentClaim,
    PaymentKind,
    Project,
    ProjectStatus,
)
from grants.services.attachments import attachment_check
from grants.services.payments import claim_payment_create

VILNIUS = ZoneInfo("Europe/Vilnius")
OVERRIDE_PERMISSION = "grants.override_double_funding"

S = ClaimStatus
CLAIM_TRANSITIONS = {
    S.DRAFT: frozenset({S.SUBMITTED}),
    S.SUBMITTED: frozenset({S.UNDER_VERIFICATION}),
    S.UNDER_VERIFICATION: frozenset({S.RETURNED, S.APPROVED, S.REJECTED}),
    # A returned claim goes back to the officer when the beneficiary resubmits it.
    S.RETURNED: frozenset({S.SUBMITTED}),
    S.APPROVED: frozenset({S.PAID}),
    S.REJECTED: frozenset(),
    S.PAID: frozenset(),
}
# The beneficiary edits a claim only while it is with the beneficiary.
EDITABLE = (S.DRAFT, S.RETURNED)
# A project takes claims while it is being implemented (or just completed: the
# final claim) — the same states in which a claim may be paid
# (grants.services.payments.CLAIM_PAYABLE_STATES), so that an approved claim can
# always be paid. A contracted project starts its implementation first.
PROJECT_TAKES_CLAIMS = (
    ProjectStatus.IN_IMPLEMENTATION,
    ProjectStatus.SUSPENDED,
    ProjectStatus.COMPLETED,
)
# The payment deadline runs while the claim is with the managing authority.
DEADLINE_RUNNING = (S.SUBMITTED, S.UNDER_VERIFICATION, S.APPROVED)
ITEM_FIELDS = (
    "budget_line",
    "supplier_name",
    "supplier_code",
    "document_number",
    "document_date",
    "amount_excl_vat",
    "vat_amount",
    "vat_recoverable",
)


# --------------------------------------------------------------------------- helpers


def vilnius_date(moment: datetime | None = None) -> date:
    return timezone.localtime(moment or timezone.now(), VILNIUS).date()


def normalise_code(value: str) -> str:
    """Supplier codes and document numbers compare without spaces, upper case."""
    return "".join((value or "").split()).upper()


def claimed_amount_of(amount_excl_vat: Decimal, vat_amount: Decimal, vat_recoverable: bool) -> Decimal:
    """Recoverable VAT is not eligible (Regulation (EU) 2021/1060, Article 64(1)(c))."""
    return to_money(amount_excl_vat) + (ZERO if vat_recoverable else to_money(vat_amount))


def _is_beneficiary_user(actor, project: Project) -> bool:
    access = Access.of(actor)
    return access.acts_for_organisation and organisation_id_for(actor) == project.beneficiary_id


def _may_override(actor) -> bool:
    return Access.of(actor).manages_programme and actor.has_perm(OVERRIDE_PERMISSION)


def _require_beneficiary(actor, project: Project) -> None:
    if not _is_beneficiary_user(actor, project):
        raise ApplicationError(
            _("Only the users of the beneficiary of project %(code)s may do this.") % {"code": project.code},
            field="project",
        )


def _require_item_editor(actor, project: Project) -> None:
    # The beneficiary declares its expenditure; an officer who may accept a
    # repeated document may also correct the items (e.g. to record the override).
    if not (_is_beneficiary_user(actor, project) or _may_override(actor)):
        _require_beneficiary(actor, project)


def _require_officer(actor) -> None:
    if not Access.of(actor).manages_programme:
        raise ApplicationError(_("Only programme officers may do this."), field="status")


def _require_status(claim: PaymentClaim, allowed, message: str) -> None:
    if claim.status not in allowed:
        raise ApplicationError(
            message % {"reference": claim.reference, "status": claim.get_status_display()}, field="status"
        )


def _require_editable(claim: PaymentClaim) -> None:
    _require_status(
        claim,
        EDITABLE,
        _("Claim %(reference)s has the status “%(status)s”; it can be changed only as a draft or when returned."),
    )


def _lock_claim(claim: PaymentClaim) -> PaymentClaim:
    return PaymentClaim.objects.select_for_update().select_related("project__instrument").get(pk=claim.pk)


def _money(value, field: str, *, positive: bool = False) -> Decimal:
    try:
        amount = to_money(value if value not in (None, "") else "0")
    except (InvalidOperation, TypeError, ValueError):
        raise ApplicationError(_("Enter an amount in euro, e.g. 1250.50."), field=field) from None
    if positive and amount <= ZERO:
        raise ApplicationError(_("The amount must be more than %(zero)s.") % {"zero": format_money(ZERO)}, field=field)
    if amount < ZERO:
        raise ApplicationError(_("The amount cannot be negative."), field=field)
    return amount


def _check_period(project: Project, period_start: date, period_end: date) -> None:
    if period_start is None or period_end is None:
        raise ApplicationError(_("Enter the claim's period."), field="period_start")
    if period_end < period_start:
        raise ApplicationError(_("The period cannot end before it starts."), field="period_end")
    if period_start < project.start_date or period_end > project.end_date:
        raise ApplicationError(
            _("The period must lie within the project's dates, %(start)s to %(end)s.")
            % {"start": project.start_date.isoformat(), "end": project.end_date.isoformat()},
            field="period_start" if period_start < project.start_date else "period_end",
        )


def _check_one_final(project: Project, kind: str, exclude: PaymentClaim | None = None) -> None:
    if kind not in ClaimKind.values:
        raise ApplicationError(_("Unknown claim kind “%(kind)s”.") % {"kind": kind}, field="kind")
    if kind != ClaimKind.FINAL:
        return
    finals = project.claims.filter(kind=ClaimKind.FINAL).exclude(status=S.REJECTED)
    if exclude is not None:
        finals = finals.exclude(pk=exclude.pk)
    other = finals.first()
    if other is not None:
        raise ApplicationError(
            _("Project %(code)s already has a final claim, %(reference)s.")
            % {"code": project.code, "reference": other.reference},
            field="kind",
        )


# --------------------------------------------------------------------------- claims


def claim_create(
    *,
    actor,
    project: Project,
    period_start: date,
    period_end: date,
    kind: str = ClaimKind.INTERIM,
    occurred_at: datetime | None = None,
) -> PaymentClaim:
    _require_beneficiary(actor, project)
    with transaction.atomic():
        # The project's lock numbers its claims one after another.
        project = Project.objects.select_for_update().get(pk=project.pk)
        if project.status not in PROJECT_TAKES_CLAIMS:
            raise ApplicationError(
                _("Project %(code)s has the status “%(status)s”; it takes no payment claims.")
                % {"code": project.code, "status": project.get_status_display()},
                field="project",
            )
        _check_period(project, period_start, period_end)
        _check_one_final(project, kind)
        number = (project.claims.aggregate(last=Max("number"))["last"] or 0) + 1
        claim = PaymentClaim.objects.create(
            project=project,
            number=number,
            kind=kind,
            period_start=period_start,
            period_end=period_end,
            created_by=actor,
            created_at=occurred_at or timezone.now(),
        )
        audit_record(
            actor=actor,
            obj=claim,
            event_type=AuditEventType.CREATED,
            new=field_values(claim, ["number", "kind", "period_start", "period_end"]),
            occurred_at=occurred_at,
        )
    return claim


def claim_update(
    *, actor, claim: PaymentClaim, version: int, period_start: date, period_end: date, kind: str
) -> PaymentClaim:
    _require_beneficiary(actor, claim.project)
    with transaction.atomic():
        locked = _lock_claim(claim)
        version_check(locked, version)
        _require_editable(locked)
        _check_period(locked.project, period_start, period_end)
        _check_one_final(locked.project, kind, exclude=locked)
        fields = ["period_start", "period_end", "kind"]
        old = field_values(locked, fields)
        locked.period_start, locked.period_end, locked.kind = period_start, period_end, kind
        version_bump(locked)
        locked.save(update_fields=[*fields, "version"])
        audit_record(
            actor=actor, obj=locked, event_type=AuditEventType.UPDATED, old=old, new=field_values(locked, fields)
        )
    return locked


def claim_delete(*, actor, claim: PaymentClaim, version: int) -> None:
    _require_beneficiary(actor, claim.project)
    with transaction.atomic():
        locked = _lock_claim(claim)
        version_check(locked, version)
        _require_status(
            locked, (S.DRAFT,), _("Claim %(reference)s has the status “%(status)s”; only a draft can be deleted.")
        )
        audit_record(
            actor=actor,
            obj=locked,
            event_type=AuditEventType.DELETED,
            old=field_values(locked, ["number", "kind", "period_start", "period_end"]),
        )
        locked.delete()


# --------------------------------------------------------------------------- items


@dataclass(frozen=True)
class ItemError:
    index: int
    field: str | None
    message: str


class ItemsInvalidError(ApplicationError):
    """Some items of a bulk add break a rule; none was saved."""

    def __init__(self, errors: list[ItemError]):
        first = errors[0]
        super().__init__(
            ngettext(
                "%(count)d item cannot be added; nothing was saved.",
                "%(count)d items cannot be added; nothing was saved.",
                len({e.index for e in errors}),
            )
            % {"count": len({e.index for e in errors})},
            field=first.field,
            details={"items": [{"index": e.index, "field": e.field, "message": e.message} for e in errors]},
        )
        self.errors = errors


def double_funding_find(
    *, supplier_code: str, document_number: str, amount_excl_vat: Decimal, exclude_item: ExpenditureItem | None = None
) -> ExpenditureItem | None:
    """The same document (supplier code, number, amount excluding VAT) already
    declared in any claim of any project that is not rejected, including the
    other items of the same claim."""
    items = (
        ExpenditureItem.objects.filter(
            supplier_code=normalise_code(supplier_code),
            document_number=normalise_code(document_number),
            amount_excl_vat=to_money(amount_excl_vat),
        )
        .exclude(claim__status=S.REJECTED)
        .select_related("claim__project")
        .order_by("pk")
    )
    if exclude_item is not None and exclude_item.pk:
        items = items.exclude(pk=exclude_item.pk)
    return items.first()


def _double_funding_message(other: ExpenditureItem) -> str:
    return _(
        "Document %(number)s of supplier %(supplier)s for %(amount)s is already claimed in claim %(reference)s "
        "(project %(project)s)."
    ) % {
        "number": other.document_number,
        "supplier": other.supplier_code,
        "amount": format_money(other.amount_excl_vat),
        "reference": other.claim.reference,
        "project": other.claim.project.code,
    }


def _item_clean(claim: PaymentClaim, data: dict, *, today: date) -> dict:
    """The item's fields checked and normalised; ApplicationError by field."""
    project = claim.project
    line = data.get("budget_line")
    if isinstance(line, int | str) and not isinstance(line, bool):
        line = BudgetLine.objects.filter(pk=line).first()
    if not isinstance(line, BudgetLine) or line.project_id != project.pk:
        raise ApplicationError(
            _("No such budget line in project %(code)s.") % {"code": project.code},
            field="budget_line",
            details={"code": "not_found"},
        )
    supplier_name = (data.get("supplier_name") or "").strip()
    if not supplier_name:
        raise ApplicationError(_("Enter the supplier's name."), field="supplier_name")
    supplier_code = normalise_code(data.get("supplier_code"))
    if not supplier_code:
        raise ApplicationError(_("Enter the supplier's company code."), field="supplier_code")
    if len(supplier_code) > 30:
        raise ApplicationError(_("The supplier code can have at most 30 characters."), field="supplier_code")
    document_number = normalise_code(data.get("document_number"))
    if not document_number:
        raise ApplicationError(_("Enter the document's number."), field="document_number")
    if len(document_number) > 60:
        raise ApplicationError(_("The document number can have at most 60 characters."), field="document_number")
    document_date = data.get("document_date")
    if isinstance(document_date, str):
        try:
            document_date = date.fromisoformat(document_date)
        except ValueError:
            document_date = None
    if not isinstance(document_date, date):
        raise ApplicationError(_("Enter the document's date."), field="document_date")
    if document_date > today:
        raise ApplicationError(_("The document's date cannot be in the future."), field="document_date")
    if document_date < project.start_date or document_date > project.end_date:
        raise ApplicationError(
            _("The document's date must lie within the project's dates, %(start)s to %(end)s.")
            % {"start": project.start_date.isoformat(), "end": project.end_date.isoformat()},
            field="document_date",
        )
    amount_excl_vat = _money(data.get("amount_excl_vat"), "amount_excl_vat", positive=True)
    vat_amount = _money(data.get("vat_amount"), "vat_amount")
    vat_recoverable = bool(data.get("vat_recoverable", False))
    return {
        "budget_line": line,
        "supplier_name": supplier_name[:250],
        "supplier_code": supplier_code,
        "document_number": document_number,
        "document_date": document_date,
        "amount_excl_vat": amount_excl_vat,
        "vat_amount": vat_amount,
        "vat_recoverable": vat_recoverable,
        "claimed_amount": claimed_amount_of(amount_excl_vat, vat_amount, vat_recoverable),
    }


def _double_funding_check(actor, cleaned: dict, *, exclude_item, override_reason: str, batch=()) -> str:
    """'' when the document is new; the override reason when an officer with
    the permission accepts a repeated one; ApplicationError otherwise. `batch`:
    the (supplier_code, document_number, amount) of items checked before this
    one in the same bulk add."""
    key = (cleaned["supplier_code"], cleaned["document_number"], cleaned["amount_excl_vat"])
    other = double_funding_find(
        supplier_code=key[0], document_number=key[1], amount_excl_vat=key[2], exclude_item=exclude_item
    )
    if other is None and key not in batch:
        return ""
    reason = (override_reason or "").strip()
    if reason:
        if not _may_override(actor):
            raise ApplicationError(
                _("Only a programme officer with the permission may accept a document claimed before."),
                field="double_funding_override_reason",
            )
        return reason
    if other is None:
        message = _("Document %(number)s of supplier %(supplier)s is listed twice in these items.") % {
            "number": key[1],
            "supplier": key[0],
        }
    else:
        message = _double_funding_message(other)
    raise ApplicationError(message, field="document_number", details={"code": "double_funding"})


def _document_store(item: ExpenditureItem, document) -> None:
    checked = attachment_check(document)
    name = os.path.basename((getattr(document, "name", "") or "").replace("\\", "/")) or f"document{checked.extension}"
    document.seek(0)
    item.document.save(name, document, save=False)
    item.document_name = name[:255]
    item.document_size = checked.size
    item.document_sha256 = checked.sha256


def _document_field_errors(call):
    """attachment_check names its field `file`; an item's is `document`."""
    try:
        return call()
    except ApplicationError as error:
        if error.field == "file":
            raise ApplicationError(error.message, field="document", details=error.details) from None
        raise


def item_add(
    *,
    actor,
    claim: PaymentClaim,
    budget_line: BudgetLine,
    supplier_name: str,
    supplier_code: str,
    document_number: str,
    document_date: date,
    amount_excl_vat: Decimal,
    vat_amount: Decimal,
    vat_recoverable: bool,
    document=None,
    double_funding_override_reason: str = "",
    occurred_at: datetime | None = None,
) -> ExpenditureItem:
    _require_item_editor(actor, claim.project)
    data = {
        "budget_line": budget_line,
        "supplier_name": supplier_name,
        "supplier_code": supplier_code,
        "document_number": document_number,
        "document_date": document_date,
        "amount_excl_vat": amount_excl_vat,
        "vat_amount": vat_amount,
        "vat_recoverable": vat_recoverable,
    }
    with transaction.atomic():
        locked = _lock_claim(claim)
        _require_editable(locked)
        cleaned = _item_clean(locked, data, today=vilnius_date(occurred_at))
        reason = _double_funding_check(
            actor, cleaned, exclude_item=None, override_reason=double_funding_override_reason
        )
        item = ExpenditureItem(claim=locked, **cleaned)
        if reason:
            item.double_funding_override_reason = reason
            item.double_funding_overridden_by = actor
        if document is not None:
            _document_field_errors(lambda: _document_store(item, document))
        item.save()
        _item_audit(actor, item, AuditEventType.CREATED, occurred_at=occurred_at)
    return item


def _item_audit(actor, item: ExpenditureItem, event_type, *, old=None, occurred_at=None) -> None:
    fields = [*ITEM_FIELDS, "claimed_amount", "document_name", "document_sha256"]
    new = field_values(item, fields)
    if item.double_funding_override_reason:
        new["double_funding_override_reason"] = item.double_funding_override_reason
        new["double_funding_overridden_by"] = item.double_funding_overridden_by_id
    audit_record(actor=actor, obj=item, event_type=event_type, old=old, new=new, occurred_at=occurred_at)


def item_update(
    *,
    actor,
    item: ExpenditureItem,
    version: int,
    budget_line: BudgetLine,
    supplier_name: str,
    supplier_code: str,
    document_number: str,
    document_date: date,
    amount_excl_vat: Decimal,
    vat_amount: Decimal,
    vat_recoverable: bool,
    document=None,
    double_funding_override_reason: str = "",
) -> ExpenditureItem:
    _require_item_editor(actor, item.claim.project)
    data = {
        "budget_line": budget_line,
        "supplier_name": supplier_name,
        "supplier_code": supplier_code,
        "document_number": document_number,
        "document_date": document_date,
        "amount_excl_vat": amount_excl_vat,
        "vat_amount": vat_amount,
        "vat_recoverable": vat_recoverable,
    }
    with transaction.atomic():
        claim = _lock_claim(item.claim)
        locked = ExpenditureItem.objects.select_for_update().get(pk=item.pk)
        version_check(locked, version)
        _require_editable(claim)
        cleaned = _item_clean(claim, data, today=vilnius_date())
        reason = _double_funding_check(
            actor, cleaned, exclude_item=locked, override_reason=double_funding_override_reason
        )
        old = field_values(locked, [*ITEM_FIELDS, "claimed_amount", "document_name", "document_sha256"])
        for name, value in cleaned.items():
            setattr(locked, name, value)
        if reason:
            locked.double_funding_override_reason = reason
            locked.double_funding_overridden_by = actor
        elif (
            double_funding_find(
                supplier_code=cleaned["supplier_code"],
                document_number=cleaned["document_number"],
                amount_excl_vat=cleaned["amount_excl_vat"],
                exclude_item=locked,
            )
            is None
        ):
            # The document is no longer a repeated one: the override has nothing to cover.
            locked.double_funding_override_reason = ""
            locked.double_funding_overridden_by = None
        if document is not None:
            _document_field_errors(lambda: _document_store(locked, document))
        # A changed item is verified again.
        locked.eligible_amount = None
        locked.verified_by = None
        locked.verified_at = None
        version_bump(locked)
        locked.save()
        _item_audit(actor, locked, AuditEventType.UPDATED, old=old)
    return locked


def item_document_set(*, actor, item: ExpenditureItem, version: int, document) -> ExpenditureItem:
    """Attach (or replace) an item's supporting document, e.g. after an XLSX import."""
    _require_item_editor(actor, item.claim.project)
    with transaction.atomic():
        claim = _lock_claim(item.claim)
        locked = ExpenditureItem.objects.select_for_update().get(pk=item.pk)
        version_check(locked, version)
        _require_editable(claim)
        old = field_values(locked, ["document_name", "document_sha256"])
        _document_field_errors(lambda: _document_store(locked, document))
        version_bump(locked)
        locked.save()
        audit_record(
            actor=actor,
            obj=locked,
            event_type=AuditEventType.UPDATED,
            old=old,
            new=field_values(locked, ["document_name", "document_size", "document_sha256"]),
        )
    return locked


def item_delete(*, actor, item: ExpenditureItem, version: int) -> None:
    _require_item_editor(actor, item.claim.project)
    with transaction.atomic():
        claim = _lock_claim(item.claim)
        locked = ExpenditureItem.objects.select_for_update().get(pk=item.pk)
        version_check(locked, version)
        _require_editable(claim)
        audit_record(
            actor=actor,
            obj=locked,
            event_type=AuditEventType.DELETED,
            old=field_values(locked, [*ITEM_FIELDS, "claimed_amount"]),
        )
        locked.delete()


def items_add_bulk(
    *, actor, claim: PaymentClaim, items: list[dict], occurred_at: datetime | None = None
) -> list[ExpenditureItem]:
    """All or nothing: every item is checked first; ItemsInvalidError lists the
    problems by position (0-based) and nothing is saved."""
    _require_item_editor(actor, claim.project)
    with transaction.atomic():
        locked = _lock_claim(claim)
        _require_editable(locked)
        today = vilnius_date(occurred_at)
        errors: list[ItemError] = []
        rows: list[ExpenditureItem] = []
        seen: set[tuple] = set()
        if not items:
            raise ApplicationError(_("There are no items to add."), field="items")
        for index, data in enumerate(items):
            try:
                cleaned = _item_clean(locked, data, today=today)
                reason = _double_funding_check(
                    actor,
                    cleaned,
                    exclude_item=None,
                    override_reason=data.get("double_funding_override_reason", ""),
                    batch=seen,
                )
            except ApplicationError as error:
                errors.append(ItemError(index=index, field=error.field, message=str(error.message)))
                continue
            seen.add((cleaned["supplier_code"], cleaned["document_number"], cleaned["amount_excl_vat"]))
            item = ExpenditureItem(claim=locked, **cleaned)
            if reason:
                item.double_funding_override_reason = reason
                item.double_funding_overridden_by = actor
            rows.append(item)
        if errors:
            raise ItemsInvalidError(errors)
        created = []
        for item in rows:
            # One save each (not bulk_create) so every row has its pk on SQLite too.
            item.save()
            _item_audit(actor, item, AuditEventType.CREATED, occurred_at=occurred_at)
            created.append(item)
    return created


# --------------------------------------------------------------------------- indicator values


def indicator_value_set(
    *,
    actor,
    claim: PaymentClaim,
    indicator,
    value: Decimal,
    evidence: str,
    evidence_file=None,
    occurred_at: datetime | None = None,
) -> ClaimIndicatorValue:
    _require_beneficiary(actor, claim.project)
    try:
        value = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise ApplicationError(_("Enter a number."), field="value") from None
    if value < 0:
        raise ApplicationError(_("An indicator value cannot be negative."), field="value")
    evidence = (evidence or "").strip()
    if not evidence:
        raise ApplicationError(_("Describe the evidence of the value."), field="evidence")
    with transaction.atomic():
        locked = _lock_claim(claim)
        _require_editable(locked)
        if not locked.project.instrument.indicator_targets.filter(indicator=indicator).exists():
            raise ApplicationError(
                _("%(indicator)s is not an indicator of %(instrument)s.")
                % {"indicator": indicator.code, "instrument": locked.project.instrument.code},
                field="indicator",
            )
        row = ClaimIndicatorValue.objects.filter(claim=locked, indicator=indicator).first()
        old = field_values(row, ["value", "evidence", "evidence_file_name"]) if row else None
        row = row or ClaimIndicatorValue(claim=locked, indicator=indicator)
        row.value = value.quantize(Decimal("0.01"))
        row.evidence = evidence
        if evidence_file is not None:

            def store():
                attachment_check(evidence_file)
                name = os.path.basename((evidence_file.name or "").replace("\\", "/"))
                evidence_file.seek(0)
                row.evidence_file.save(name, evidence_file, save=False)
                row.evidence_file_name = name[:255]

            try:
                store()
            except ApplicationError as error:
                raise ApplicationError(error.message, field="evidence_file", details=error.details) from None
        row.save()
        audit_record(
            actor=actor,
            obj=row,
            event_type=AuditEventType.UPDATED if old else AuditEventType.CREATED,
            old=old,
            new=field_values(row, ["indicator", "value", "evidence", "evidence_file_name"]),
            occurred_at=occurred_at,
        )
    return row


def indicator_value_delete(*, actor, value: ClaimIndicatorValue) -> None:
    _require_beneficiary(actor, value.claim.project)
    with transaction.atomic():
        locked = _lock_claim(value.claim)
        _require_editable(locked)
        audit_record(
            actor=actor,
            obj=value,
            event_type=AuditEventType.DELETED,
            old=field_values(value, ["indicator", "value", "evidence"]),
        )
        value.delete()


# --------------------------------------------------------------------------- submission and verification


def claim_snapshot(claim: PaymentClaim) -> dict:
    """The claim's content as submitted (amounts as strings)."""
    items = claim.items.select_related("budget_line__cost_category").order_by("pk")
    values = claim.indicator_values.select_related("indicator").order_by("indicator__code")
    claimed = ZERO
    rows = []
    for item in items:
        claimed += item.claimed_amount
        rows.append(
            {
                "id": item.pk,
                "budget_line": item.budget_line_id,
                "cost_category": item.budget_line.cost_category.code,
                "supplier_name": item.supplier_name,
                "supplier_code": item.supplier_code,
                "document_number": item.document_number,
                "document_date": item.document_date.isoformat(),
                "amount_excl_vat": str(item.amount_excl_vat),
                "vat_amount": str(item.vat_amount),
                "vat_recoverable": item.vat_recoverable,
                "claimed_amount": str(item.claimed_amount),
                "document_name": item.document_name,
                "document_sha256": item.document_sha256,
            }
        )
    return {
        "period_start": claim.period_start.isoformat(),
        "period_end": claim.period_end.isoformat(),
        "kind": claim.kind,
        "claimed_total": str(to_money(claimed)),
        "items": rows,
        "indicator_values": [
            {"indicator": value.indicator.code, "value": str(value.value), "evidence": value.evidence}
            for value in values
        ],
    }


def claim_submit(
    *, actor, claim: PaymentClaim, version: int, response: str = "", occurred_at: datetime | None = None
) -> PaymentClaim:
    _require_beneficiary(actor, claim.project)
    now = occurred_at or timezone.now()
    with transaction.atomic():
        locked = _lock_claim(claim)
        version_check(locked, version)
        _require_status(locked, EDITABLE, _("Claim %(reference)s has the status “%(status)s”; it cannot be submitted."))
        items = list(locked.items.order_by("pk"))
        if not items:
            raise ApplicationError(_("Add at least one expenditure item before submitting."), field="items")
        missing = [item for item in items if not item.document]
        if missing:
            raise ApplicationError(
                _("Attach the supporting document of every item (missing: %(documents)s).")
                % {"documents": ", ".join(item.document_number for item in missing)},
                field="document",
            )
        for item in items:
            other = double_funding_find(
                supplier_code=item.supplier_code,
                document_number=item.document_number,
                amount_excl_vat=item.amount_excl_vat,
                exclude_item=item,
            )
            if other is not None and not item.double_funding_override_reason:
                raise ApplicationError(_double_funding_message(other), field="document_number")
        rounds = list(locked.rounds.order_by("number"))
        changes = {"version": locked.version + 1}
        details = {}
        if locked.submitted_at is None:
            changes["submitted_at"] = now
            changes["payment_due_on"] = vilnius_date(now) + timedelta(days=PAYMENT_DEADLINE_DAYS)
        elif rounds and rounds[-1].returned_at is not None:
            # Article 74(2): the days with the beneficiary do not count.
            paused = (vilnius_date(now) - vilnius_date(rounds[-1].returned_at)).days
            changes["payment_due_on"] = locked.payment_due_on + timedelta(days=max(paused, 0))
            details["deadline_paused_days"] = paused
        ClaimRound.objects.create(
            claim=locked,
            number=len(rounds) + 1,
            submitted_at=now,
            submitted_by=actor,
            response=(response or "").strip(),
            snapshot=claim_snapshot(locked),
        )
        details["round"] = len(rounds) + 1
        details["payment_due_on"] = changes.get("payment_due_on", locked.payment_due_on)
        locked = transition(
            actor=actor,
            obj=locked,
            to_status=S.SUBMITTED,
            allowed=CLAIM_TRANSITIONS,
            changes=changes,
            details=details,
            occurred_at=occurred_at,
        )
    _copy(locked, claim)
    return claim


def _copy(source: PaymentClaim, target: PaymentClaim) -> None:
    for field in PaymentClaim._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))


def claim_verification_start(*, actor, claim: PaymentClaim, occurred_at: datetime | None = None) -> PaymentClaim:
    _require_officer(actor)
    with transaction.atomic():
        locked = _lock_claim(claim)
        locked = transition(
            actor=actor,
            obj=locked,
            to_status=S.UNDER_VERIFICATION,
            allowed=CLAIM_TRANSITIONS,
            changes={"version": locked.version + 1},
            occurred_at=occurred_at,
        )
    _copy(locked, claim)
    return claim


def item_verify(
    *,
    actor,
    item: ExpenditureItem,
    version: int,
    eligible_amount: Decimal,
    ineligibility_reason: str = "",
    ineligibility_note: str = "",
    occurred_at: datetime | None = None,
) -> ExpenditureItem:
    _require_officer(actor)
    with transaction.atomic():
        claim = _lock_claim(item.claim)
        locked = ExpenditureItem.objects.select_for_update().get(pk=item.pk)
        version_check(locked, version)
        _require_status(
            claim,
            (S.UNDER_VERIFICATION,),
            _("Claim %(reference)s has the status “%(status)s”; its items can be verified only under verification."),
        )
        eligible = _money(eligible_amount, "eligible_amount")
        if eligible > locked.claimed_amount:
            raise ApplicationError(
                _("The eligible amount cannot exceed the claimed %(claimed)s.")
                % {"claimed": format_money(locked.claimed_amount)},
                field="eligible_amount",
            )
        reason = ineligibility_reason or ""
        note = (ineligibility_note or "").strip()
        if eligible < locked.claimed_amount:
            if reason not in IneligibilityReason.values:
                raise ApplicationError(
                    _("Choose the reason for the ineligible part of %(amount)s.")
                    % {"amount": format_money(locked.claimed_amount - eligible)},
                    field="ineligibility_reason",
                )
            if not note:
                raise ApplicationError(
                    _("Explain the ineligible part for the beneficiary."), field="ineligibility_note"
                )
        else:
            reason, note = "", ""
        old = field_values(locked, ["eligible_amount", "ineligibility_reason", "ineligibility_note"])
        locked.eligible_amount = eligible
        locked.ineligibility_reason = reason
        locked.ineligibility_note = note
        locked.verified_by = actor
        locked.verified_at = occurred_at or timezone.now()
        version_bump(locked)
        locked.save()
        audit_record(
            actor=actor,
            obj=locked,
            event_type=AuditEventType.UPDATED,
            old=old,
            new=field_values(locked, ["eligible_amount", "ineligibility_reason", "ineligibility_note"]),
            occurred_at=occurred_at,
        )
    return locked


def claim_return(
    *, actor, claim: PaymentClaim, version: int, reason: str, occurred_at: datetime | None = None
) -> PaymentClaim:
    _require_officer(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Write the questions for the beneficiary."), field="reason")
    now = occurred_at or timezone.now()
    with transaction.atomic():
        locked = _lock_claim(claim)
        version_check(locked, version)
        current = locked.rounds.order_by("-number").first()
        locked = transition(
            actor=actor,
            obj=locked,
            to_status=S.RETURNED,
            allowed=CLAIM_TRANSITIONS,
            changes={"version": locked.version + 1},
            details={"reason": reason, "round": current.number if current else None},
            occurred_at=occurred_at,
        )
        if current is not None:
            current.returned_at = now
            current.returned_by = actor
            current.return_reason = reason
            current.save(update_fields=["returned_at", "returned_by", "return_reason"])
    _copy(locked, claim)
    return claim


# --------------------------------------------------------------------------- payable amount


@dataclass(frozen=True)
class Payable:
    eligible: Decimal
    gross: Decimal
    advance_offset: Decimal
    payable: Decimal
    # True when the grant's remainder, not the claim, set the payable amount.
    capped: bool
    outstanding_advance: Decimal = ZERO
    grant_left: Decimal = ZERO


def payable_figures(
    *,
    eligible: Decimal,
    funding_rate: Decimal,
    advance_offset_share: Decimal,
    final: bool,
    advances_paid: Decimal,
    advance_offset_before: Decimal,
    grant: Decimal,
    paid_total: Decimal,
    approved_unpaid: Decimal,
) -> Payable:
    """The arithmetic of a claim's payable amount (pure):
    gross = eligible × rate; the claim gives up `advance_offset_share` of gross
    (an interim claim) or all of it (the final claim) until the advance is
    cleared; what is left is paid up to the grant's remainder."""
    eligible = to_money(eligible)
    gross = apply_rate(eligible, funding_rate)
    outstanding = max(to_money(advances_paid) - to_money(advance_offset_before), ZERO)
    withheld = gross if final else apply_rate(gross, advance_offset_share)
    offset = min(outstanding, withheld)
    grant_left = max(to_money(grant) - to_money(paid_total) - to_money(approved_unpaid), ZERO)
    uncapped = gross - offset
    payable = max(min(uncapped, grant_left), ZERO)
    return Payable(
        eligible=eligible,
        gross=gross,
        advance_offset=offset,
        payable=payable,
        capped=grant_left < uncapped,
        outstanding_advance=outstanding,
        grant_left=grant_left,
    )


def claim_payable_compute(claim: PaymentClaim) -> Payable:
    """What the claim pays if approved now (reads, writes nothing). Unverified
    items count as 0."""
    project = claim.project
    eligible = claim.items.aggregate(total=Sum("eligible_amount"))["total"] or ZERO
    payments = project.payments.aggregate(
        total=Sum("amount"), advances=Sum("amount", filter=Q(kind=PaymentKind.ADVANCE))
    )
    others = (
        project.claims.exclude(pk=claim.pk)
        .filter(status__in=CLAIM_VERIFIED)
        .aggregate(
            offset=Sum("advance_offset_amount"),
            unpaid=Sum("payable_amount", filter=Q(status=S.APPROVED)),
        )
    )
    return payable_figures(
        eligible=eligible,
        funding_rate=project.funding_rate,
        advance_offset_share=project.instrument.advance_offset_share,
        final=claim.kind == ClaimKind.FINAL,
        advances_paid=payments["advances"] or ZERO,
        advance_offset_before=others["offset"] or ZERO,
        grant=project.grant_amount,
        paid_total=payments["total"] or ZERO,
        approved_unpaid=others["unpaid"] or ZERO,
    )


def _check_budget_lines(claim: PaymentClaim) -> None:
    """Verified expenditure per budget line (all approved or paid claims and
    this one) stays within the line plus the instrument's reallocation share."""
    share = claim.project.instrument.reallocation_share
    this_claim = {
        row["budget_line"]: row["total"] or ZERO
        for row in claim.items.values("budget_line").annotate(total=Sum("eligible_amount"))
    }
    # What the other approved or paid claims verified on those lines, in one grouped query.
    before = {
        row["budget_line"]: row["total"] or ZERO
        for row in ExpenditureItem.objects.filter(budget_line__in=this_claim, claim__status__in=CLAIM_VERIFIED)
        .exclude(claim=claim)
        .values("budget_line")
        .annotate(total=Sum("eligible_amount"))
    }
    for line in BudgetLine.objects.filter(pk__in=this_claim).select_related("cost_category"):
        total = before.get(line.pk, ZERO) + this_claim[line.pk]
        limit = line.planned_amount + apply_rate(line.planned_amount, share)
        if total > limit:
            raise ApplicationError(
                _(
                    "Verified expenditure on the budget line “%(line)s” would be %(total)s, above its %(planned)s "
                    "plus the allowed reallocation of %(share)s (%(limit)s)."
                )
                % {
                    "line": line.cost_category.name,
                    "total": format_money(total),
                    "planned": format_money(line.planned_amount),
                    "share": format_percent(share),
                    "limit": format_money(limit),
                },
                field="budget_line",
                details={"budget_line": line.pk},
            )


def claim_approve(
    *, actor, claim: PaymentClaim, version: int, note: str = "", occurred_at: datetime | None = None
) -> PaymentClaim:
    _require_officer(actor)
    now = occurred_at or timezone.now()
    with transaction.atomic():
        # The project's lock serialises the decisions and payments of its claims,
        # so the advance offset and the grant's remainder are read once each.
        Project.objects.select_for_update().get(pk=claim.project_id)
        locked = _lock_claim(claim)
        if locked.status in (S.APPROVED, S.PAID):
            raise ApplicationError(
                _("Claim %(reference)s is already approved.") % {"reference": locked.reference}, field="status"
            )
        version_check(locked, version)
        _require_status(
            locked,
            (S.UNDER_VERIFICATION,),
            _("Claim %(reference)s has the status “%(status)s”; only a claim under verification can be approved."),
        )
        unverified = locked.items.filter(eligible_amount__isnull=True).count()
        if unverified or not locked.items.exists():
            raise ApplicationError(
                _("Verify every item of claim %(reference)s first (%(count)d not verified).")
                % {"reference": locked.reference, "count": unverified},
                field="items",
            )
        _check_budget_lines(locked)
        figures = claim_payable_compute(locked)
        locked = transition(
            actor=actor,
            obj=locked,
            to_status=S.APPROVED,
            allowed=CLAIM_TRANSITIONS,
            changes={
                "version": locked.version + 1,
                "eligible_amount": figures.eligible,
                "gross_payable_amount": figures.gross,
                "advance_offset_amount": figures.advance_offset,
                "payable_amount": figures.payable,
                "decided_by": actor,
                "decided_at": now,
                "decision_note": (note or "").strip(),
            },
            details={
                "eligible_amount": figures.eligible,
                "gross_payable_amount": figures.gross,
                "advance_offset_amount": figures.advance_offset,
                "payable_amount": figures.payable,
                "capped": figures.capped,
            },
            occurred_at=occurred_at,
        )
        # Indicator values count towards the project's progress once approved.
        reported = [
            IndicatorValue.objects.create(
                project_id=locked.project_id,
                indicator_id=value.indicator_id,
                reported_on=locked.period_end,
                value=value.value,
                claim=locked,
            )
            for value in locked.indicator_values.all()
        ]
        AuditEvent.objects.bulk_create(
            audit_event_build(
                actor=actor,
                obj=row,
                event_type=AuditEventType.REPORTED,
                new={**field_values(row, ["reported_on", "value"]), "claim": locked.pk},
                occurred_at=occurred_at,
            )
            for row in reported
        )
    _copy(locked, claim)
    return claim


def claim_reject(
    *, actor, claim: PaymentClaim, version: int, note: str, occurred_at: datetime | None = None
) -> PaymentClaim:
    _require_officer(actor)
    note = (note or "").strip()
    if not note:
        raise ApplicationError(_("Give the reason for rejecting the claim."), field="note")
    with transaction.atomic():
        locked = _lock_claim(claim)
        version_check(locked, version)
        locked = transition(
            actor=actor,
            obj=locked,
            to_status=S.REJECTED,
            allowed=CLAIM_TRANSITIONS,
            changes={
                "version": locked.version + 1,
                "decided_by": actor,
                "decided_at": occurred_at or timezone.now(),
                "decision_note": note,
            },
            details={"note": note},
            occurred_at=occurred_at,
        )
    _copy(locked, claim)
    return claim


def claim_pay(*, actor, claim: PaymentClaim, paid_on: date, occurred_at: datetime | None = None) -> Payment | None:
    """Pay an approved claim, exactly once: the claim's row lock makes a second
    officer wait and then find it paid; the one-to-one Payment.claim is the
    database's guarantee besides. A claim fully offset against the advance is
    marked paid without a payment (None)."""
    _require_officer(actor)
    try:
        with transaction.atomic():
            Project.objects.select_for_update().get(pk=claim.project_id)
            locked = _lock_claim(claim)
            if locked.status == S.PAID or Payment.objects.filter(claim=locked).exists():
                raise ApplicationError(
                    _("Claim %(reference)s is already paid.") % {"reference": locked.reference}, field="status"
                )
            _require_status(
                locked,
                (S.APPROVED,),
                _("Claim %(reference)s has the status “%(status)s”; only an approved claim can be paid."),
            )
            payment = None
            if locked.payable_amount and locked.payable_amount > ZERO:
                kind = PaymentKind.FINAL if locked.kind == ClaimKind.FINAL else PaymentKind.INTERIM
                payment = claim_payment_create(
                    actor=actor,
                    claim=locked,
                    kind=kind,
                    paid_on=paid_on,
                    amount=locked.payable_amount,
                    occurred_at=occurred_at,
                )
            details = {"paid_on": paid_on, "payment": payment.pk if payment else None}
            if payment is None:
                details["fully_offset"] = True
                details["advance_offset_amount"] = locked.advance_offset_amount
            locked = transition(
                actor=actor,
                obj=locked,
                to_status=S.PAID,
                allowed=CLAIM_TRANSITIONS,
                changes={"version": locked.version + 1},
                details=details,
                occurred_at=occurred_at,
            )
    except IntegrityError:
        # Only reachable if the lock was bypassed: the one-to-one payment refuses a second row.
        raise ApplicationError(
            _("Claim %(reference)s is already paid.") % {"reference": claim.reference}, field="status"
        ) from None
    _copy(locked, claim)
    return payment


# --------------------------------------------------------------------------- deadline


def claim_days_left(claim: PaymentClaim, today: date) -> int | None:
    """Days until the payment deadline (negative when past); None before submission."""
    if claim.payment_due_on is None:
        return None
    return (claim.payment_due_on - today).days


def claim_is_overdue(claim: PaymentClaim, today: date) -> bool:
    """The deadline passed while the claim is with the managing authority and unpaid."""
    return claim.status in DEADLINE_RUNNING and claim.payment_due_on is not None and today > claim.payment_due_on
