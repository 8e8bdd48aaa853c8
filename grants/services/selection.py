"""Selection of applications: calls' conditions, envelopes and criteria; the
eligibility check; evaluators, their conflict-of-interest declarations and
scores; the funding decision that approves (and contracts), reserves or
rejects. The rules: docs/domain.md, "Selection"."""

from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.audit import audit_event_build, audit_record, field_values, object_type_of
from core.concurrency import version_bump, version_check
from core.errors import ApplicationError
from core.formatting import format_money, format_percent
from core.models import AuditEvent, AuditEventType, Role
from core.money import ZERO, to_money
from core.workflow import transition
from grants.models import (
    Application,
    ApplicationStatus,
    AssignmentStatus,
    Call,
    CallStatus,
    CriterionScore,
    Envelope,
    EvaluationCriterion,
    EvaluatorAssignment,
    FundingDecision,
    Instrument,
    Project,
    StateAidRegime,
)
from grants.services.applications import APPLICATION_TRANSITIONS, notify_status
from grants.services.instruments import (
    CALL_AUDITED_FIELDS,
    call_budget_check,
    call_conditions_check,
    call_create,
    call_transition,
    require_name,
    require_non_negative,
)
from grants.services.projects import NewProject, projects_create_bulk

__all__ = [
    "ASSIGNMENT_TRANSITIONS",
    "DE_MINIMIS_CEILING",
    "call_create",
    "call_decide",
    "call_transition",
    "call_update",
    "conflict_declare",
    "criteria_set",
    "eligibility_decide",
    "eligibility_start",
    "envelope_create",
    "envelope_delete",
    "envelope_update",
    "evaluator_assign",
    "scores_submit",
]

ASSIGNMENT_TRANSITIONS = {
    AssignmentStatus.ASSIGNED: frozenset({AssignmentStatus.CONFLICT, AssignmentStatus.SCORING}),
    AssignmentStatus.SCORING: frozenset({AssignmentStatus.COMPLETED}),
    AssignmentStatus.CONFLICT: frozenset(),
    AssignmentStatus.COMPLETED: frozenset(),
}

# Regulation (EU) 2023/2831: de minimis aid to a single undertaking over any
# period of three years.
DE_MINIMIS_CEILING = Decimal("300000.00")
DE_MINIMIS_YEARS = 3

# Applications that are in the selection but not yet evaluated: the decision
# waits for them.
PENDING_STATUSES = (
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.ELIGIBILITY_CHECK,
    ApplicationStatus.UNDER_EVALUATION,
)
_UNSET: Any = object()
# Rows per bulk UPDATE/INSERT of the funding decision.
_BATCH = 500


# -- helpers ---------------------------------------------------------------------------


def _application_transition(*, actor, application: Application, to_status: str, changes=None, details=None):
    """Move an application along H6a's table and e-mail its organisation after commit."""
    locked = transition(
        actor=actor,
        obj=application,
        to_status=to_status,
        allowed=APPLICATION_TRANSITIONS,
        changes=changes,
        details=details,
    )
    notify_status(locked)
    return locked


def _require_officer(actor) -> None:
    """Officers take the selection's decisions; `actor=None` is Fondas itself
    (demo data, management commands)."""
    if actor is None:
        return
    if not actor.is_authenticated or not actor.is_active or actor.role != Role.OFFICER:
        raise ApplicationError(_("Only a programme officer may do this."), details={"reason": "forbidden"})


def _require_draft_call(call: Call) -> None:
    if call.status != CallStatus.DRAFT:
        raise ApplicationError(
            _("Call %(code)s is no longer a draft: its conditions cannot change.") % {"code": call.code},
            field="status",
        )


def _round_half_up(value: Fraction) -> Decimal:
    """An exact fraction rounded half-up to two places."""
    hundredths = value * 100
    rounded = (hundredths.numerator * 2 + hundredths.denominator) // (2 * hundredths.denominator)
    return (Decimal(rounded) / 100).quantize(Decimal("0.01"))


def evaluator_score(scores: list[tuple[Decimal, int, Decimal]]) -> Decimal:
    """One evaluator's score out of 100 from (score, max_score, weight) per
    criterion: Σ(score/max × weight) / Σ weight × 100, computed exactly and
    rounded once, half-up to two places."""
    total_weight = sum((Fraction(weight) for _s, _m, weight in scores), Fraction(0))
    if not total_weight:
        raise ApplicationError(_("The call has no evaluation criteria."), field="scores")
    weighted = sum((Fraction(score) / max_score * Fraction(weight) for score, max_score, weight in scores), Fraction(0))
    return _round_half_up(weighted / total_weight * 100)


def mean_score(scores: list[Decimal]) -> Decimal:
    """The mean of the evaluators' scores, rounded half-up to two places."""
    return _round_half_up(sum((Fraction(s) for s in scores), Fraction(0)) / len(scores))


def years_before(moment: datetime, years: int) -> datetime:
    """The same moment `years` earlier (29 February becomes 28 February)."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


# -- calls, envelopes, criteria -----------------------------------------------------------


def call_update(
    *,
    actor,
    call: Call,
    instrument: Instrument = _UNSET,
    code: str = _UNSET,
    title_lt: str = _UNSET,
    title_en: str = _UNSET,
    budget_amount: Decimal = _UNSET,
    opens_at: datetime = _UNSET,
    closes_at: datetime = _UNSET,
    funding_rate: Decimal = _UNSET,
    max_grant_amount: Decimal = _UNSET,
    min_own_contribution_percent: Decimal = _UNSET,
    eligible_applicant_types: list[str] = _UNSET,
    quality_threshold: Decimal = _UNSET,
    selection_method: str = _UNSET,
    version: int | None = _UNSET,
) -> Call:
    """Change a draft call's conditions; an argument left out keeps its value.
    Opening and closing: call_transition. Pages and the API give `version`, the
    call's version the edit was made from (optimistic locking: a stale one
    raises StaleEditError and the other person's change is kept; None is
    refused); internal callers that edit what they just read may leave it out."""
    _require_officer(actor)
    given = {
        name: value
        for name, value in {
            "code": code,
            "title_lt": title_lt,
            "title_en": title_en,
            "budget_amount": budget_amount,
            "opens_at": opens_at,
            "closes_at": closes_at,
            "funding_rate": funding_rate,
            "max_grant_amount": max_grant_amount,
            "min_own_contribution_percent": min_own_contribution_percent,
            "eligible_applicant_types": eligible_applicant_types,
            "quality_threshold": quality_threshold,
            "selection_method": selection_method,
        }.items()
        if value is not _UNSET
    }
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=call.pk)
        if version is not _UNSET:
            version_check(call, version)
        _require_draft_call(call)
        target_instrument = call.instrument if instrument is _UNSET else instrument
        target_instrument = Instrument.objects.select_for_update().get(pk=target_instrument.pk)
        old = field_values(call, CALL_AUDITED_FIELDS)
        values = {name: given.get(name, getattr(call, name)) for name in CALL_AUDITED_FIELDS}
        new_code = (values.pop("code") or "").strip()
        if not new_code:
            raise ApplicationError(_("The code is required."), field="code")
        if Call.objects.filter(code=new_code).exclude(pk=call.pk).exists():
            raise ApplicationError(
                _("A call with the code %(code)s already exists.") % {"code": new_code}, field="code"
            )
        title_en_value = (values.pop("title_en") or "").strip()
        conditions = call_conditions_check(instrument=target_instrument, **values)
        call_budget_check(target_instrument, conditions["budget_amount"], exclude=call)
        _check_envelopes_fit(call, conditions["budget_amount"])
        _check_envelopes_within(call, target_instrument)
        call.instrument = target_instrument
        call.code = new_code
        call.title_en = title_en_value
        for name, value in conditions.items():
            setattr(call, name, value)
        version_bump(call)
        call.save()
        new = field_values(call, CALL_AUDITED_FIELDS)
        changed = [name for name in CALL_AUDITED_FIELDS if old[name] != new[name]]
        if instrument is not _UNSET:
            changed.append("instrument")
        audit_record(
            actor=actor,
            obj=call,
            event_type=AuditEventType.UPDATED,
            old={name: old.get(name) for name in changed if name in old},
            new={name: new.get(name, target_instrument.code) for name in changed},
        )
    return call


def _check_envelopes_fit(call: Call, budget_amount: Decimal, exclude: Envelope | None = None, extra=ZERO) -> None:
    """The envelopes' own budgets together stay within the call's budget."""
    envelopes = call.envelopes.all()
    if exclude is not None:
        envelopes = envelopes.exclude(pk=exclude.pk)
    held = (envelopes.aggregate(total=Sum("budget_amount"))["total"] or ZERO) + extra
    if held > budget_amount:
        raise ApplicationError(
            _("The envelopes' own budgets (%(held)s) would exceed the call's budget of %(budget)s.")
            % {"held": format_money(held), "budget": format_money(budget_amount)},
            field="budget_amount",
        )


def _check_envelopes_within(call: Call, instrument: Instrument) -> None:
    """The envelopes' rates and maximums stay within the instrument's (a
    project is contracted against the instrument's ceiling)."""
    for envelope in call.envelopes.all():
        _check_envelope_conditions(instrument, envelope.funding_rate, envelope.max_grant_amount)


def _check_envelope_conditions(instrument: Instrument, funding_rate, max_grant_amount):
    rate = Decimal(funding_rate)
    if not ZERO < rate <= Decimal(100):
        raise ApplicationError(_("The funding rate must be above 0 % and at most 100 %."), field="funding_rate")
    if rate > instrument.funding_rate:
        raise ApplicationError(
            _("The funding rate cannot exceed the instrument's rate of %(rate)s.")
            % {"rate": format_percent(instrument.funding_rate)},
            field="funding_rate",
        )
    max_grant_amount = require_non_negative(
        max_grant_amount, "max_grant_amount", _("The maximum grant cannot be negative.")
    )
    if max_grant_amount > instrument.max_grant_amount:
        raise ApplicationError(
            _("The maximum grant cannot exceed the instrument's maximum of %(maximum)s.")
            % {"maximum": format_money(instrument.max_grant_amount)},
            field="max_grant_amount",
        )
    return rate, max_grant_amount


def _envelope_values(call, instrument, *, code, name_lt, name_en, budget_amount, funding_rate, max_grant_amount):
    code = (code or "").strip()
    if not code:
        raise ApplicationError(_("The code is required."), field="code")
    name_lt = require_name(name_lt, "name_lt")
    if budget_amount is not None and budget_amount != "":
        budget_amount = require_non_negative(
            budget_amount, "budget_amount", _("The envelope's budget cannot be negative.")
        )
    else:
        budget_amount = None
    funding_rate = call.funding_rate if funding_rate is None else funding_rate
    max_grant_amount = call.max_grant_amount if max_grant_amount is None else max_grant_amount
    funding_rate, max_grant_amount = _check_envelope_conditions(instrument, funding_rate, max_grant_amount)
    return {
        "code": code,
        "name_lt": name_lt,
        "name_en": (name_en or "").strip(),
        "budget_amount": budget_amount,
        "funding_rate": funding_rate,
        "max_grant_amount": max_grant_amount,
    }


ENVELOPE_AUDITED_FIELDS = ["code", "name_lt", "name_en", "budget_amount", "funding_rate", "max_grant_amount"]


def envelope_create(
    *,
    actor,
    call: Call,
    code: str,
    name_lt: str,
    name_en: str = "",
    budget_amount: Decimal | None = None,
    funding_rate: Decimal | None = None,
    max_grant_amount: Decimal | None = None,
) -> Envelope:
    """An envelope of a draft call. No budget of its own (None): it shares the
    part of the call's budget no envelope holds. Rate and maximum default to
    the call's."""
    _require_officer(actor)
    with transaction.atomic():
        call = Call.objects.select_for_update().select_related("instrument").get(pk=call.pk)
        _require_draft_call(call)
        values = _envelope_values(
            call,
            call.instrument,
            code=code,
            name_lt=name_lt,
            name_en=name_en,
            budget_amount=budget_amount,
            funding_rate=funding_rate,
            max_grant_amount=max_grant_amount,
        )
        if call.envelopes.filter(code=values["code"]).exists():
            raise ApplicationError(
                _("The call already has an envelope with the code %(code)s.") % {"code": values["code"]},
                field="code",
            )
        _check_envelopes_fit(call, call.budget_amount, extra=values["budget_amount"] or ZERO)
        envelope = Envelope.objects.create(call=call, **values)
        audit_record(
            actor=actor,
            obj=envelope,
            event_type=AuditEventType.CREATED,
            new=field_values(envelope, ENVELOPE_AUDITED_FIELDS),
        )
    return envelope


def envelope_update(
    *,
    actor,
    envelope: Envelope,
    code: str,
    name_lt: str,
    name_en: str = "",
    budget_amount: Decimal | None = None,
    funding_rate: Decimal | None = None,
    max_grant_amount: Decimal | None = None,
    call: Call | None = None,
) -> Envelope:
    """Change an envelope of a draft call (every value is given again)."""
    _require_officer(actor)
    with transaction.atomic():
        call = Call.objects.select_for_update().select_related("instrument").get(pk=envelope.call_id)
        _require_draft_call(call)
        envelope = Envelope.objects.select_for_update().get(pk=envelope.pk)
        values = _envelope_values(
            call,
            call.instrument,
            code=code,
            name_lt=name_lt,
            name_en=name_en,
            budget_amount=budget_amount,
            funding_rate=funding_rate,
            max_grant_amount=max_grant_amount,
        )
        if call.envelopes.filter(code=values["code"]).exclude(pk=envelope.pk).exists():
            raise ApplicationError(
                _("The call already has an envelope with the code %(code)s.") % {"code": values["code"]},
                field="code",
            )
        _check_envelopes_fit(call, call.budget_amount, exclude=envelope, extra=values["budget_amount"] or ZERO)
        old = field_values(envelope, ENVELOPE_AUDITED_FIELDS)
        for name, value in values.items():
            setattr(envelope, name, value)
        envelope.save()
        audit_record(
            actor=actor,
            obj=envelope,
            event_type=AuditEventType.UPDATED,
            old=old,
            new=field_values(envelope, ENVELOPE_AUDITED_FIELDS),
        )
    return envelope


def envelope_delete(*, actor, envelope: Envelope) -> None:
    """Remove an envelope of a draft call (a draft call has no applications)."""
    _require_officer(actor)
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=envelope.call_id)
        _require_draft_call(call)
        envelope = Envelope.objects.select_for_update().get(pk=envelope.pk)
        if envelope.applications.exists():
            raise ApplicationError(
                _("Envelope %(code)s has applications; it cannot be removed.") % {"code": envelope.code},
                field="envelope",
            )
        audit_record(
            actor=actor,
            obj=envelope,
            event_type=AuditEventType.DELETED,
            old=field_values(envelope, ENVELOPE_AUDITED_FIELDS),
        )
        envelope.delete()


def criteria_set(*, actor, call: Call, criteria: list[dict]) -> list[EvaluationCriterion]:
    """Replace a draft call's evaluation criteria with `criteria`, each a dict
    of code, name_lt, name_en, weight (> 0) and max_score (a whole number > 0)."""
    _require_officer(actor)
    checked = []
    seen = set()
    if not criteria:
        raise ApplicationError(_("A call needs at least one evaluation criterion."), field="criteria")
    for item in criteria:
        code = str(item.get("code") or "").strip()
        if not code:
            raise ApplicationError(_("Every criterion needs a code."), field="criteria")
        if code in seen:
            raise ApplicationError(_("The criterion code %(code)s appears twice.") % {"code": code}, field="criteria")
        seen.add(code)
        name_lt = (item.get("name_lt") or "").strip()
        if not name_lt:
            raise ApplicationError(
                _("Criterion %(code)s needs a name in Lithuanian.") % {"code": code}, field="criteria"
            )
        try:
            weight = Decimal(item.get("weight"))
        except (TypeError, ArithmeticError, ValueError):
            weight = None
        if weight is None or not weight.is_finite() or weight <= ZERO:
            raise ApplicationError(
                _("The weight of criterion %(code)s must be above 0.") % {"code": code}, field="criteria"
            )
        max_score = item.get("max_score", 10)
        if isinstance(max_score, bool) or not isinstance(max_score, int | Decimal | str) or str(max_score) == "":
            max_score = None
        else:
            try:
                max_score = Decimal(max_score)
            except ArithmeticError:
                max_score = None
        if max_score is None or max_score != max_score.to_integral_value() or not 0 < max_score <= 1000:
            raise ApplicationError(
                _("The maximum score of criterion %(code)s must be a whole number above 0.") % {"code": code},
                field="criteria",
            )
        checked.append(
            {
                "code": code,
                "name_lt": name_lt,
                "name_en": (item.get("name_en") or "").strip(),
                "weight": weight.quantize(Decimal("0.01")),
                "max_score": int(max_score),
            }
        )
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=call.pk)
        _require_draft_call(call)
        old = list(call.criteria.values("code", "name_lt", "name_en", "weight", "max_score"))
        call.criteria.all().delete()
        created = EvaluationCriterion.objects.bulk_create(EvaluationCriterion(call=call, **c) for c in checked)
        audit_record(
            actor=actor, obj=call, event_type=AuditEventType.UPDATED, old={"criteria": old}, new={"criteria": checked}
        )
    return created


# -- eligibility -------------------------------------------------------------------------


def _lock_application(application: Application) -> Application:
    return Application.objects.select_for_update().select_related("call").get(pk=application.pk)


def eligibility_start(*, actor, application: Application) -> Application:
    """A submitted application goes to the eligibility check."""
    _require_officer(actor)
    with transaction.atomic():
        return _application_transition(
            actor=actor, application=application, to_status=ApplicationStatus.ELIGIBILITY_CHECK
        )


def eligibility_decide(
    *, actor, application: Application, eligible: bool, reason: str = "", checklist: dict | None = None
) -> Application:
    """Eligible → under evaluation; ineligible (reason required) → ineligible.
    The checklist ({item: met?}) is kept in the audit event; an application is
    eligible only when every item is met. A submitted application is taken
    into the check first."""
    _require_officer(actor)
    checklist = dict(checklist or {})
    reason = (reason or "").strip()
    if eligible and not all(checklist.values()):
        unmet = ", ".join(str(k) for k, v in checklist.items() if not v)
        raise ApplicationError(
            _("An application is eligible only when every item of the checklist is met (not met: %(items)s).")
            % {"items": unmet},
            field="checklist",
        )
    if not eligible and not reason:
        raise ApplicationError(_("Give the reason why the application is ineligible."), field="reason")
    with transaction.atomic():
        locked = _lock_application(application)
        if locked.status == ApplicationStatus.SUBMITTED:
            transition(
                actor=actor,
                obj=locked,
                to_status=ApplicationStatus.ELIGIBILITY_CHECK,
                allowed=APPLICATION_TRANSITIONS,
            )
        if eligible:
            result = _application_transition(
                actor=actor,
                application=locked,
                to_status=ApplicationStatus.UNDER_EVALUATION,
                changes={"ineligibility_reason": ""},
                details={"checklist": checklist, "reason": reason},
            )
        else:
            result = _application_transition(
                actor=actor,
                application=locked,
                to_status=ApplicationStatus.INELIGIBLE,
                changes={"ineligibility_reason": reason},
                details={"checklist": checklist, "reason": reason},
            )
    application.status = result.status
    application.ineligibility_reason = result.ineligibility_reason
    return result


# -- evaluators --------------------------------------------------------------------------


def evaluator_assign(*, actor, application: Application, evaluator) -> EvaluatorAssignment:
    """Assign an evaluator (a user with the evaluator role) to an application
    under evaluation, once."""
    _require_officer(actor)
    if evaluator is None or evaluator.role != Role.EVALUATOR or not evaluator.is_active:
        raise ApplicationError(_("Only an active user with the evaluator role can be assigned."), field="evaluator")
    with transaction.atomic():
        locked = _lock_application(application)
        if locked.status != ApplicationStatus.UNDER_EVALUATION:
            raise ApplicationError(
                _("Evaluators are assigned only to applications under evaluation."), field="evaluator"
            )
        if EvaluatorAssignment.objects.filter(application=locked, evaluator=evaluator).exists():
            raise ApplicationError(
                _("%(evaluator)s is already assigned to this application.")
                % {"evaluator": evaluator.get_full_name() or evaluator.username},
                field="evaluator",
            )
        if not locked.call.criteria.exists():
            raise ApplicationError(
                _("Call %(code)s has no evaluation criteria.") % {"code": locked.call.code}, field="evaluator"
            )
        assignment = EvaluatorAssignment.objects.create(
            application=locked, evaluator=evaluator, assigned_by=actor or evaluator, assigned_at=timezone.now()
        )
        audit_record(
            actor=actor,
            obj=assignment,
            event_type=AuditEventType.CREATED,
            new={"application": locked.pk, "evaluator": evaluator.pk, "status": assignment.status},
        )
    return assignment


def _require_assigned_evaluator(actor, assignment: EvaluatorAssignment) -> None:
    if actor is None or not actor.is_authenticated or actor.pk != assignment.evaluator_id:
        raise ApplicationError(
            _("Only the assigned evaluator may do this."), field="evaluator", details={"reason": "forbidden"}
        )


def _lock_assignment(assignment: EvaluatorAssignment) -> EvaluatorAssignment:
    return EvaluatorAssignment.objects.select_for_update().get(pk=assignment.pk)


def conflict_declare(*, actor, assignment: EvaluatorAssignment, has_conflict: bool) -> EvaluatorAssignment:
    """The assigned evaluator declares, before seeing the application, whether
    they have a conflict of interest. A conflict removes them from it (they
    never see its content); no conflict opens the scoring."""
    _require_assigned_evaluator(actor, assignment)
    with transaction.atomic():
        application = _lock_application(assignment.application)
        assignment = _lock_assignment(assignment)
        if application.status != ApplicationStatus.UNDER_EVALUATION:
            raise ApplicationError(_("The application is no longer under evaluation."), field="status")
        if assignment.status != AssignmentStatus.ASSIGNED:
            raise ApplicationError(_("The declaration has already been made."), field="has_conflict")
        now = timezone.now()
        locked = transition(
            actor=actor,
            obj=assignment,
            to_status=AssignmentStatus.CONFLICT if has_conflict else AssignmentStatus.SCORING,
            allowed=ASSIGNMENT_TRANSITIONS,
            changes={"declared_at": now},
        )
        if has_conflict:
            _complete_evaluation(actor=actor, application=application)
    return locked


def scores_submit(
    *, actor, assignment: EvaluatorAssignment, scores: dict[EvaluationCriterion, tuple[Decimal, str]]
) -> EvaluatorAssignment:
    """The evaluator's scores, one per criterion of the call (0..max_score, a
    comment each). Completes the assignment with its weighted score; the last
    evaluator to finish makes the application evaluated."""
    _require_assigned_evaluator(actor, assignment)
    with transaction.atomic():
        application = _lock_application(assignment.application)
        assignment = _lock_assignment(assignment)
        if application.status != ApplicationStatus.UNDER_EVALUATION:
            raise ApplicationError(_("The application is no longer under evaluation."), field="status")
        if assignment.status != AssignmentStatus.SCORING:
            if assignment.status == AssignmentStatus.ASSIGNED:
                message = _("Declare first that you have no conflict of interest.")
            else:
                message = _("You cannot score this application (status: %(status)s).") % {
                    "status": assignment.get_status_display()
                }
            raise ApplicationError(message, field="scores")
        criteria = list(application.call.criteria.all())
        if not criteria:
            raise ApplicationError(_("The call has no evaluation criteria."), field="scores")
        given = {criterion.pk: value for criterion, value in scores.items()}
        rows = []
        for criterion in criteria:
            if criterion.pk not in given:
                raise ApplicationError(
                    _("Give a score for criterion %(code)s.") % {"code": criterion.code},
                    field=f"score_{criterion.code}",
                )
            value, comment = given.pop(criterion.pk)
            try:
                value = Decimal(value)
            except (TypeError, ArithmeticError, ValueError):
                value = None
            if (
                value is None
                or not value.is_finite()
                or not ZERO <= value <= criterion.max_score
                or value != value.quantize(Decimal("0.01"))
            ):
                raise ApplicationError(
                    _("The score of criterion %(code)s must be between 0 and %(max)s (at most two decimals).")
                    % {"code": criterion.code, "max": criterion.max_score},
                    field=f"score_{criterion.code}",
                )
            rows.append((criterion, value, (comment or "").strip()))
        if given:
            raise ApplicationError(_("A score was given for a criterion of another call."), field="scores")
        CriterionScore.objects.bulk_create(
            CriterionScore(assignment=assignment, criterion=c, score=v, comment=text) for c, v, text in rows
        )
        score = evaluator_score([(v, c.max_score, c.weight) for c, v, _text in rows])
        locked = transition(
            actor=actor,
            obj=assignment,
            to_status=AssignmentStatus.COMPLETED,
            allowed=ASSIGNMENT_TRANSITIONS,
            changes={"score": score, "completed_at": timezone.now()},
            details={"scores": {c.code: v for c, v, _text in rows}},
        )
        _complete_evaluation(actor=actor, application=application)
    return locked


def _complete_evaluation(*, actor, application: Application) -> None:
    """When no assignment is left assigned or scoring and at least one is
    completed, the application is evaluated with the mean of the completed
    scores. The caller holds the application's row lock."""
    statuses = list(application.assignments.values_list("status", "score"))
    if any(s in (AssignmentStatus.ASSIGNED, AssignmentStatus.SCORING) for s, _score in statuses):
        return
    completed = [score for s, score in statuses if s == AssignmentStatus.COMPLETED]
    if not completed:
        return
    _application_transition(
        actor=actor,
        application=application,
        to_status=ApplicationStatus.EVALUATED,
        changes={"score": mean_score(completed)},
    )


# -- the decision ----------------------------------------------------------------------


def de_minimis_received_in_fondas(organisation_ids, *, now: datetime) -> dict[int, Decimal]:
    """De minimis grants Fondas awarded to each organisation in the three
    years before `now`: projects of de minimis instruments, dated by the
    funding decision that approved them (projects contracted without an
    application: by their start date)."""
    start = years_before(now, DE_MINIMIS_YEARS)
    rows = (
        Project.objects.filter(
            beneficiary_id__in=organisation_ids, instrument__state_aid_regime=StateAidRegime.DE_MINIMIS
        )
        .filter(
            Q(application__decision__decided_at__gt=start, application__decision__decided_at__lte=now)
            | Q(
                application__isnull=True,
                start_date__gt=timezone.localdate(start),
                start_date__lte=timezone.localdate(now),
            )
        )
        .values("beneficiary_id")
        .annotate(total=Sum("grant_amount"))
    )
    return {row["beneficiary_id"]: to_money(row["total"] or ZERO) for row in rows}


def call_decide(*, actor, call: Call, reasons: str, now: datetime | None = None) -> FundingDecision:
    """The funding decision on a closed call, in one step and once: every
    budget pool's list is walked from the top (grants.selectors.ranking):
    below the quality threshold → rejected; the grant fits what is left →
    approved (the project is contracted); else reserve, and so is every later
    one. Refused while any eligible application is not evaluated, and as a
    whole when an approval would break the de minimis ceiling."""
    from grants.selectors.ranking import ranking

    _require_officer(actor)
    if actor is None:
        raise ApplicationError(_("A funding decision needs the officer who takes it."), field="decided_by")
    reasons = (reasons or "").strip()
    if not reasons:
        raise ApplicationError(_("Give the reasons for the decision."), field="reasons")
    now = now or timezone.now()
    with transaction.atomic():
        call = Call.objects.select_for_update().select_related("instrument").get(pk=call.pk)
        if FundingDecision.objects.filter(call=call).exists():
            raise ApplicationError(_("Call %(code)s has already been decided.") % {"code": call.code}, field="reasons")
        if call.status != CallStatus.CLOSED:
            raise ApplicationError(
                _("Close call %(code)s before deciding on it.") % {"code": call.code}, field="reasons"
            )
        # Lock every application of the selection so none changes under the decision.
        list(
            Application.objects.select_for_update()
            .filter(call=call)
            .exclude(status__in=[ApplicationStatus.DRAFT, ApplicationStatus.WITHDRAWN])
            .values_list("pk", flat=True)
        )
        pending = Application.objects.filter(call=call, status__in=PENDING_STATUSES).count()
        if pending:
            raise ApplicationError(
                ngettext(
                    "%(count)s application of call %(code)s is not evaluated yet; "
                    "the decision waits for every eligible application.",
                    "%(count)s applications of call %(code)s are not evaluated yet; "
                    "the decision waits for every eligible application.",
                    pending,
                )
                % {"count": pending, "code": call.code},
                field="reasons",
                details={"pending": pending},
            )
        pools = ranking(call)
        rows = [row for pool in pools for row in pool.rows if row.application.status == ApplicationStatus.EVALUATED]
        approved = [row for row in rows if row.outcome == ApplicationStatus.APPROVED]
        if call.instrument.state_aid_regime == StateAidRegime.DE_MINIMIS and approved:
            _check_de_minimis(approved, now=now)
        for row in rows:  # the transition table, as core.workflow.transition checks it
            if row.outcome not in APPLICATION_TRANSITIONS.get(row.application.status, frozenset()):
                raise ApplicationError(
                    _("A %(object)s cannot move from '%(from)s' to '%(to)s'.")
                    % {"object": Application._meta.verbose_name, "from": row.application.status, "to": row.outcome},
                    field="status",
                    details={"from": row.application.status, "to": row.outcome},
                )
        decision = FundingDecision.objects.create(call=call, decided_by=actor, decided_at=now, reasons=reasons)
        projects = _contract_bulk(actor=actor, call=call, approved=approved, now=now)
        _decide_applications(actor=actor, decision=decision, rows=rows, projects=projects)
        counts = {ApplicationStatus.APPROVED: 0, ApplicationStatus.RESERVE: 0, ApplicationStatus.REJECTED: 0}
        for row in rows:
            counts[row.outcome] += 1
        audit_record(
            actor=actor,
            obj=decision,
            event_type=AuditEventType.CREATED,
            new={
                "call": call.code,
                "reasons": reasons,
                "approved": counts[ApplicationStatus.APPROVED],
                "reserve": counts[ApplicationStatus.RESERVE],
                "rejected": counts[ApplicationStatus.REJECTED],
            },
            occurred_at=now,
        )
    return decision


def _check_de_minimis(approved_rows, *, now: datetime) -> None:
    applicant_ids = {row.application.applicant_id for row in approved_rows}
    received = de_minimis_received_in_fondas(applicant_ids, now=now)
    # Two approvals of one undertaking in this decision count together.
    this_decision: dict[int, Decimal] = {}
    for row in approved_rows:
        application = row.application
        previous = received.get(application.applicant_id, ZERO)
        declared = application.de_minimis_received or ZERO
        earlier_here = this_decision.get(application.applicant_id, ZERO)
        total = previous + declared + earlier_here + application.grant_requested
        if total > DE_MINIMIS_CEILING:
            raise ApplicationError(
                _(
                    "De minimis ceiling: %(applicant)s, application %(number)s. Grants from Fondas in the last "
                    "three years %(fondas)s, declared aid %(declared)s, this decision %(here)s, this grant "
                    "%(grant)s: %(total)s in all, above the ceiling of %(ceiling)s. Nothing was decided."
                )
                % {
                    "applicant": application.applicant.name,
                    "number": application.number,
                    "fondas": format_money(previous),
                    "declared": format_money(declared),
                    "here": format_money(earlier_here),
                    "grant": format_money(application.grant_requested),
                    "total": format_money(total),
                    "ceiling": format_money(DE_MINIMIS_CEILING),
                },
                field="reasons",
                details={
                    "application": application.pk,
                    "number": application.number,
                    "fondas": str(previous),
                    "declared": str(declared),
                    "this_decision": str(earlier_here),
                    "grant": str(application.grant_requested),
                    "total": str(total),
                    "ceiling": str(DE_MINIMIS_CEILING),
                },
            )
        this_decision[application.applicant_id] = earlier_here + application.grant_requested


def _contract_bulk(*, actor, call: Call, approved, now: datetime) -> dict[int, Project]:
    """The projects (grant agreements) of the approved applications, at once:
    each with its budget lines, grant, own contribution, dates, partners and
    indicator targets (grants.services.projects.projects_create_bulk checks
    each as project_create does). Returns application pk → project."""
    if not approved:
        return {}
    applications = (
        Application.objects.filter(pk__in=[row.application.pk for row in approved])
        .select_related("applicant", "envelope")
        .only("pk", "number", "title", "start_date", "end_date", "grant_requested", "applicant", "envelope")
        .prefetch_related("budget_lines__cost_category", "indicator_targets__indicator", "partners")
        .in_bulk()
    )
    specs = []
    for row in approved:
        application = applications[row.application.pk]
        tail = (application.number or str(application.pk)).rsplit("-", 1)[-1]
        specs.append(
            NewProject(
                code=f"{call.code}-{tail}",
                title=application.title,
                beneficiary=application.applicant,
                partners=list(application.partners.all()),
                start_date=application.start_date,
                end_date=application.end_date,
                budget={
                    line.cost_category: line.amount for line in application.budget_lines.all() if line.amount > ZERO
                },
                grant_amount=application.grant_requested,
                funding_rate=(application.envelope or call).funding_rate,
                targets={target.indicator: target.target_value for target in application.indicator_targets.all()},
            )
        )
    projects = projects_create_bulk(actor=actor, instrument=call.instrument, call=call, projects=specs, occurred_at=now)
    return {row.application.pk: project for row, project in zip(approved, projects, strict=True)}


def _decide_applications(*, actor, decision: FundingDecision, rows, projects: dict[int, Project]) -> None:
    """Move every decided application from evaluated to its outcome, in bulk,
    as _application_transition would one by one: the status (and the decision
    and project), one STATUS_CHANGED audit event each (with the rank and the
    score), and one e-mail to the applicant organisation after commit. The
    caller holds the applications' row locks."""
    moment = timezone.now()
    by_outcome: dict[str, list[int]] = {}
    for row in rows:
        by_outcome.setdefault(row.outcome, []).append(row.application.pk)
    for outcome, pks in by_outcome.items():
        for start in range(0, len(pks), _BATCH):
            batch = pks[start : start + _BATCH]
            Application.objects.filter(pk__in=batch, status=ApplicationStatus.EVALUATED).update(
                status=outcome, decision=decision
            )
    linked = [Application(pk=pk, project=project) for pk, project in projects.items()]
    Application.objects.bulk_update(linked, ["project"], batch_size=_BATCH)
    events = []
    for row in rows:
        application = row.application
        events.append(
            audit_event_build(
                actor=actor,
                obj=application,
                object_type=object_type_of(Application),
                event_type=AuditEventType.STATUS_CHANGED,
                old={"status": application.status},
                new={"status": row.outcome, "rank": row.rank, "score": row.score},
                occurred_at=moment,
            )
        )
        application.status = row.outcome
        application.decision_id = decision.pk
        if application.pk in projects:
            application.project_id = projects[application.pk].pk
    AuditEvent.objects.bulk_create(events, batch_size=_BATCH)
    for row in rows:
        notify_status(row.application)
