"""Applications to calls: the applicant's draft, step by step (project,
partners, budget, indicator targets, attachments, declarations), submission
with its receipt, withdrawal, and the status e-mail of every change.

Every service takes `actor=`, runs in one transaction with the application's
row locked, writes an audit event and raises core.errors.ApplicationError with
the form field the refusal concerns. Only draft applications change; only the
users of the applicant organisation change them. The rules: docs/domain.md,
"Selection"."""

import logging
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import partial
from zoneinfo import ZoneInfo

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clusters.models import ClusterMember, Organisation, OrganisationUser
from core.audit import audit_record, field_values
from core.concurrency import version_bump, version_check
from core.errors import ApplicationError
from core.models import AuditEventType
from core.money import ZERO, to_money
from core.workflow import transition
from grants.models import (
    Application,
    ApplicationAttachment,
    ApplicationBudgetLine,
    ApplicationIndicatorTarget,
    ApplicationStatus,
    Call,
    CallStatus,
    CostCategory,
    Envelope,
    Indicator,
    InstrumentIndicator,
)
from grants.services.attachments import attachment_check
from grants.services.financing import Financing, budget_field, financing_compute

logger = logging.getLogger(__name__)

VILNIUS = ZoneInfo("Europe/Vilnius")
S = ApplicationStatus

# The one table of application statuses (docs/domain.md, "Selection").
APPLICATION_TRANSITIONS = {
    S.DRAFT: frozenset({S.SUBMITTED, S.WITHDRAWN}),
    S.SUBMITTED: frozenset({S.ELIGIBILITY_CHECK, S.WITHDRAWN}),
    S.ELIGIBILITY_CHECK: frozenset({S.INELIGIBLE, S.UNDER_EVALUATION, S.WITHDRAWN}),
    S.UNDER_EVALUATION: frozenset({S.EVALUATED, S.WITHDRAWN}),
    S.EVALUATED: frozenset({S.APPROVED, S.RESERVE, S.REJECTED}),
    S.INELIGIBLE: frozenset(),
    S.APPROVED: frozenset(),
    S.RESERVE: frozenset(),
    S.REJECTED: frozenset(),
    S.WITHDRAWN: frozenset(),
}

NON_FIELD = "__all__"
# A project lasts at most this long (from its start date to its end date).
MAX_PROJECT_YEARS = 5


def indicator_field(indicator) -> str:
    """The form field name of an indicator target: 'target_<indicator code>'."""
    return f"target_{getattr(indicator, 'code', indicator)}"


# --- problems: every check returns them, the services raise them --------------------------


@dataclass
class Problems:
    """Refusals collected by field, in the order found."""

    fields: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def add(self, field_name: str | None, message: str) -> None:
        self.fields[field_name or NON_FIELD].append(str(message))

    def add_error(self, error: ApplicationError) -> None:
        self.add(error.field, error.message)

    def __bool__(self) -> bool:
        return any(self.fields.values())

    def raise_if_any(self) -> None:
        """One ApplicationError: the first problem as its message and field, all
        of them in details['fields'] {field: [messages]}."""
        if not self:
            return
        first_field, messages = next((f, m) for f, m in self.fields.items() if m)
        raise ApplicationError(
            messages[0],
            field=None if first_field == NON_FIELD else first_field,
            details={"fields": {f: list(m) for f, m in self.fields.items() if m}},
        )


def _refuse(message: str, field_name: str | None = None) -> None:
    problems = Problems()
    problems.add(field_name, message)
    problems.raise_if_any()


# --- who may edit ------------------------------------------------------------------------


def _organisation_of(actor) -> Organisation | None:
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return None
    link = OrganisationUser.objects.select_related("organisation").filter(user=actor).first()
    return link.organisation if link else None


# The draft steps take `version`, the application's version the step was
# edited from (optimistic locking: a stale one raises StaleEditError and the
# other person's change is kept; None is refused). Pages and the API give it;
# internal callers that change what they just read may leave it out (NOT_GIVEN).
NOT_GIVEN: object = object()


def _lock_editable(actor, application: Application, version=NOT_GIVEN) -> Application:
    """The application, locked, when `actor` acts for its applicant and it is a
    draft; ApplicationError otherwise. With `version`, a stale edit is refused
    (StaleEditError); the caller bumps (version_bump) and saves the version
    with its change."""
    locked = (
        Application.objects.select_for_update(of=("self",))
        .select_related("call__instrument", "envelope")
        .get(pk=application.pk)
    )
    organisation = _organisation_of(actor)
    if organisation is None or organisation.pk != locked.applicant_id:
        _refuse(_("Only the applicant organisation's users may change this application."))
    if locked.status != S.DRAFT:
        _refuse(
            _("Only a draft application can be changed; this one is “%(status)s”.")
            % {"status": locked.get_status_display()}
        )
    if version is not NOT_GIVEN:
        version_check(locked, version)
    return locked


def _sync(target: Application, source: Application, fields: list[str]) -> None:
    for name in fields:
        setattr(target, name, getattr(source, name))


# --- the checks of each step -------------------------------------------------------------


def _check_applicant_type(call: Call, organisation: Organisation, problems: Problems) -> None:
    # An empty list of types means the call does not restrict them.
    types = list(call.eligible_applicant_types or [])
    if types and organisation.organisation_type not in types:
        problems.add(
            None,
            _("Organisations of type “%(type)s” cannot apply to call %(code)s.")
            % {"type": organisation.get_organisation_type_display(), "code": call.code},
        )


def _check_envelope(call: Call, envelope: Envelope | None, problems: Problems, *, required: bool) -> None:
    if envelope is not None and envelope.call_id != call.pk:
        problems.add("envelope", _("This envelope belongs to another call."))
    elif envelope is None and required and call.envelopes.exists():
        problems.add("envelope", _("Choose the envelope you apply to."))


def _check_project(application: Application, problems: Problems, *, complete: bool) -> None:
    """Step 1. `complete`: for submission (every field required)."""
    if complete and not (application.title or "").strip():
        problems.add("title", _("Enter the project title."))
    if complete and not (application.summary or "").strip():
        problems.add("summary", _("Enter a summary of the project."))
    start, end = application.start_date, application.end_date
    if complete and start is None:
        problems.add("start_date", _("Enter the project's start date."))
    if complete and end is None:
        problems.add("end_date", _("Enter the project's end date."))
    if start is not None:
        opens_on = timezone.localtime(application.call.opens_at, VILNIUS).date()
        if start < opens_on:
            problems.add(
                "start_date",
                _("The project cannot start before the call opens (%(date)s).") % {"date": opens_on.isoformat()},
            )
    if start is not None and end is not None:
        if end < start:
            problems.add("end_date", _("The project must end on or after its start date."))
        elif end > _years_after(start, MAX_PROJECT_YEARS):
            problems.add(
                "end_date",
                ngettext(
                    "A project may last at most %(years)d year.",
                    "A project may last at most %(years)d years.",
                    MAX_PROJECT_YEARS,
                )
                % {"years": MAX_PROJECT_YEARS},
            )
    _check_envelope(application.call, application.envelope, problems, required=complete)


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _partner_candidates(applicant_id: int):
    """Organisations that are current members of a cluster the applicant is a
    current member of (the applicant itself excluded)."""
    clusters = ClusterMember.objects.filter(organisation_id=applicant_id, left_on__isnull=True).values("cluster_id")
    return (
        Organisation.objects.filter(
            cluster_memberships__cluster_id__in=clusters, cluster_memberships__left_on__isnull=True
        )
        .exclude(pk=applicant_id)
        .distinct()
    )


def _check_partners(applicant_id: int, partners: list[Organisation], problems: Problems) -> None:
    if any(p.pk == applicant_id for p in partners):
        problems.add("partners", _("The applicant cannot also be its own partner."))
    allowed = set(
        _partner_candidates(applicant_id).filter(pk__in=[p.pk for p in partners]).values_list("pk", flat=True)
    )
    for partner in partners:
        if partner.pk != applicant_id and partner.pk not in allowed:
            problems.add(
                "partners",
                _("%(organisation)s is not a member of a cluster the applicant belongs to.")
                % {"organisation": partner.name},
            )


def _conditions(application: Application) -> tuple[Decimal, Decimal]:
    """(rate, max grant): the envelope's when the application has one, else the call's."""
    source = application.envelope or application.call
    return source.funding_rate, source.max_grant_amount


def _financing(application: Application, lines: dict[CostCategory, Decimal]) -> Financing:
    rate, max_grant = _conditions(application)
    return financing_compute(
        lines,
        rate,
        max_grant,
        {category: category.max_share_percent for category in lines},
        min_own_percent=application.call.min_own_contribution_percent,
    )


def _check_budget_lines(application: Application, lines: dict, problems: Problems) -> dict[CostCategory, Decimal]:
    """The lines as amounts in cents, each of an eligible category of the
    instrument and not negative."""
    allowed = set(application.call.instrument.eligible_cost_categories.values_list("pk", flat=True))
    checked = {}
    for category, amount in lines.items():
        name = budget_field(category)
        if category.pk not in allowed:
            problems.add(
                name,
                _("“%(category)s” is not an eligible cost category of this call.") % {"category": category.name},
            )
            continue
        try:
            amount = to_money(amount if amount not in (None, "") else ZERO)
        except (InvalidOperation, TypeError, ValueError):
            problems.add(name, _("Enter an amount."))
            continue
        if amount < ZERO:
            problems.add(name, _("The amount of “%(category)s” cannot be negative.") % {"category": category.name})
            continue
        checked[category] = amount
    return checked


def _stored_lines(application: Application) -> dict[CostCategory, Decimal]:
    return {
        line.cost_category: line.amount
        for line in ApplicationBudgetLine.objects.filter(application=application).select_related("cost_category")
    }


def _check_budget(application: Application, problems: Problems) -> None:
    lines = _check_budget_lines(application, _stored_lines(application), problems)
    if sum(lines.values(), ZERO) <= ZERO:
        problems.add("budget", _("Enter the budget: at least one line with an amount."))
        return
    try:
        _financing(application, lines)
    except ApplicationError as error:
        problems.add_error(error)


def _instrument_indicator_ids(application: Application) -> set[int]:
    return set(
        InstrumentIndicator.objects.filter(instrument_id=application.call.instrument_id).values_list(
            "indicator_id", flat=True
        )
    )


def _check_indicators(application: Application, problems: Problems) -> None:
    expected = _instrument_indicator_ids(application)
    targets = {
        t.indicator_id: t
        for t in ApplicationIndicatorTarget.objects.filter(application=application).select_related("indicator")
    }
    for indicator_id, target in targets.items():
        if indicator_id not in expected:
            problems.add(
                indicator_field(target.indicator),
                _("“%(indicator)s” is not an indicator of this call.") % {"indicator": target.indicator.name},
            )
    for indicator in Indicator.objects.filter(pk__in=expected - set(targets)).order_by("code"):
        problems.add(
            indicator_field(indicator),
            _("Enter a target for “%(indicator)s” (0 when the project does not contribute to it).")
            % {"indicator": indicator.name},
        )


def _check_declarations(application: Application, problems: Problems) -> None:
    if application.de_minimis_received is None:
        problems.add(
            "de_minimis_received", _("Enter the de minimis aid received in the last three years (0 when none).")
        )
    elif application.de_minimis_received < ZERO:
        problems.add("de_minimis_received", _("The de minimis aid received cannot be negative."))
    if not application.declares_no_double_funding:
        problems.add("declares_no_double_funding", _("Declare that the same costs are not funded from other sources."))
    if not application.declares_data_accurate:
        problems.add("declares_data_accurate", _("Declare that the data in the application are accurate."))


def _check_deadline(call: Call, now: datetime, problems: Problems) -> None:
    if call.status != CallStatus.OPEN:
        problems.add(None, _("Call %(code)s is not open for applications.") % {"code": call.code})
    elif now < call.opens_at:
        problems.add(
            None,
            _("Call %(code)s opens at %(moment)s (Vilnius time).")
            % {"code": call.code, "moment": vilnius_moment(call.opens_at)},
        )
    elif now >= call.closes_at:
        problems.add(
            None,
            _("Call %(code)s closed at %(moment)s (Vilnius time); applications can no longer be submitted.")
            % {"code": call.code, "moment": vilnius_moment(call.closes_at)},
        )


def vilnius_moment(moment: datetime) -> str:
    """An aware moment as Vilnius local time, ISO: '2026-10-25 03:59:59'."""
    return timezone.localtime(moment, VILNIUS).strftime("%Y-%m-%d %H:%M:%S")


def application_problems(application: Application, *, now: datetime | None = None) -> dict[str, list[str]]:
    """Every problem that would refuse the submission now, by field ({} when
    none): the checks of every step, the applicant's type and the deadline."""
    now = now or timezone.now()
    problems = Problems()
    call = application.call
    _check_deadline(call, now, problems)
    _check_applicant_type(call, application.applicant, problems)
    _check_project(application, problems, complete=True)
    _check_partners(application.applicant_id, list(application.partners.all()), problems)
    _check_budget(application, problems)
    _check_indicators(application, problems)
    _check_declarations(application, problems)
    return {f: list(m) for f, m in problems.fields.items() if m}


# --- e-mail on every status change -------------------------------------------------------


def _dispatch_status_email(application_id: int, status: str) -> None:
    """Hand the e-mail task to the broker. Never raises: a broker that is down
    must not fail the request that changed the status."""
    from grants.tasks import application_status_email

    try:
        application_status_email.delay(application_id, status)
    except Exception:  # any broker or network error
        logger.warning(
            "The status e-mail of application %s (%s) was not queued.", application_id, status, exc_info=True
        )


def notify_status(application: Application) -> None:
    """E-mail the applicant organisation's users about the application's
    current status, after the surrounding transaction commits. Every service
    that changes an application's status calls it."""
    transaction.on_commit(partial(_dispatch_status_email, application.pk, str(application.status)))


# --- the services ------------------------------------------------------------------------


def application_create(*, actor, call: Call, envelope: Envelope | None = None) -> Application:
    """A draft application of the actor's organisation to an open call."""
    organisation = _organisation_of(actor)
    if organisation is None:
        _refuse(_("Only a user of an applicant organisation can apply; create or join your organisation first."))
    problems = Problems()
    if call.status != CallStatus.OPEN:
        problems.add(None, _("Call %(code)s is not open for applications.") % {"code": call.code})
    _check_applicant_type(call, organisation, problems)
    _check_envelope(call, envelope, problems, required=False)
    problems.raise_if_any()
    with transaction.atomic():
        application = Application.objects.create(
            call=call, envelope=envelope, applicant=organisation, created_by=actor, status=S.DRAFT
        )
        audit_record(
            actor=actor,
            obj=application,
            event_type=AuditEventType.CREATED,
            new={"call": call.code, "envelope": envelope.code if envelope else None, "applicant": organisation.pk},
        )
    return application


PROJECT_FIELDS = ["title", "summary", "start_date", "end_date", "envelope_id"]


def application_project_update(
    *,
    actor,
    application: Application,
    title: str,
    summary: str,
    start_date: date | None,
    end_date: date | None,
    envelope: Envelope | None = None,
    version=NOT_GIVEN,
) -> Application:
    """Step 1: the project's title, summary, dates and envelope. A change of
    envelope recomputes the financing (its rate and maximum grant apply)."""
    with transaction.atomic():
        locked = _lock_editable(actor, application, version)
        old = field_values(locked, PROJECT_FIELDS)
        locked.title = (title or "").strip()
        locked.summary = (summary or "").strip()
        locked.start_date = start_date
        locked.end_date = end_date
        locked.envelope = envelope
        problems = Problems()
        if not locked.title:
            problems.add("title", _("Enter the project title."))
        _check_project(locked, problems, complete=False)
        changes = PROJECT_FIELDS[:]
        if not problems and old["envelope_id"] != locked.envelope_id:
            try:
                _store_financing(locked, _financing(locked, _stored_lines(locked)))
            except ApplicationError as error:
                problems.add("envelope", error.message)
            changes += ["eligible_cost", "grant_requested", "own_contribution"]
        problems.raise_if_any()
        version_bump(locked)
        locked.save(update_fields=[*changes, "version", "updated_at"])
        audit_record(
            actor=actor,
            obj=locked,
            event_type=AuditEventType.UPDATED,
            old=old,
            new=field_values(locked, PROJECT_FIELDS),
        )
    _sync(
        application,
        locked,
        [*PROJECT_FIELDS, "envelope", "eligible_cost", "grant_requested", "own_contribution", "version"],
    )
    return locked


def application_partners_set(
    *, actor, application: Application, partners: list[Organisation], version=NOT_GIVEN
) -> Application:
    """Step 2: the partners, current members of a cluster the applicant is a
    current member of, never the applicant itself."""
    partners = list(dict.fromkeys(partners))
    with transaction.atomic():
        locked = _lock_editable(actor, application, version)
        problems = Problems()
        _check_partners(locked.applicant_id, partners, problems)
        problems.raise_if_any()
        old = sorted(locked.partners.values_list("pk", flat=True))
        locked.partners.set(partners)
        version_bump(locked)
        locked.save(update_fields=["version", "updated_at"])
        audit_record(
            actor=actor,
            obj=locked,
            event_type=AuditEventType.UPDATED,
            old={"partners": old},
            new={"partners": sorted(p.pk for p in partners)},
        )
    _sync(application, locked, ["version"])
    return locked


def _store_financing(application: Application, financing: Financing) -> None:
    application.eligible_cost = financing.eligible_cost
    application.grant_requested = financing.grant
    application.own_contribution = financing.own_contribution


def application_budget_set(
    *, actor, application: Application, lines: dict[CostCategory, Decimal], version=NOT_GIVEN
) -> Application:
    """Step 3: the budget lines (lines of 0 are not kept) and the financing
    computed from them (grants.services.financing). A broken cap or a too small
    own contribution refuses the whole budget: nothing is cut or saved."""
    with transaction.atomic():
        locked = _lock_editable(actor, application, version)
        problems = Problems()
        checked = _check_budget_lines(locked, lines, problems)
        financing = None
        if not problems:
            try:
                financing = _financing(locked, checked)
            except ApplicationError as error:
                problems.add_error(error)
        problems.raise_if_any()
        old = {
            "lines": {c.code: a for c, a in _stored_lines(locked).items()},
            **field_values(locked, ["eligible_cost", "grant_requested", "own_contribution"]),
        }
        ApplicationBudgetLine.objects.filter(application=locked).delete()
        ApplicationBudgetLine.objects.bulk_create(
            ApplicationBudgetLine(application=locked, cost_category=category, amount=amount)
            for category, amount in checked.items()
            if amount > ZERO
        )
        _store_financing(locked, financing)
        version_bump(locked)
        locked.save(update_fields=["eligible_cost", "grant_requested", "own_contribution", "version", "updated_at"])
        audit_record(
            actor=actor,
            obj=locked,
            event_type=AuditEventType.UPDATED,
            old=old,
            new={
                "lines": {c.code: a for c, a in checked.items() if a > ZERO},
                **field_values(locked, ["eligible_cost", "grant_requested", "own_contribution"]),
            },
        )
    _sync(application, locked, ["eligible_cost", "grant_requested", "own_contribution", "version"])
    return locked


def application_indicators_set(
    *, actor, application: Application, targets: dict[Indicator, Decimal], version=NOT_GIVEN
) -> Application:
    """Step 4: targets for the instrument's indicators (0 or more each)."""
    with transaction.atomic():
        locked = _lock_editable(actor, application, version)
        expected = _instrument_indicator_ids(locked)
        problems = Problems()
        checked = {}
        for indicator, value in targets.items():
            name = indicator_field(indicator)
            if indicator.pk not in expected:
                problems.add(
                    name, _("“%(indicator)s” is not an indicator of this call.") % {"indicator": indicator.name}
                )
                continue
            try:
                value = Decimal(str(value)).quantize(Decimal("0.01"))
            except (InvalidOperation, TypeError, ValueError):
                problems.add(name, _("Enter a number."))
                continue
            if value < 0:
                problems.add(name, _("A target cannot be negative."))
                continue
            checked[indicator] = value
        problems.raise_if_any()
        old = dict(
            ApplicationIndicatorTarget.objects.filter(application=locked).values_list("indicator__code", "target_value")
        )
        ApplicationIndicatorTarget.objects.filter(application=locked).delete()
        ApplicationIndicatorTarget.objects.bulk_create(
            ApplicationIndicatorTarget(application=locked, indicator=indicator, target_value=value)
            for indicator, value in checked.items()
        )
        version_bump(locked)
        locked.save(update_fields=["version", "updated_at"])
        audit_record(
            actor=actor,
            obj=locked,
            event_type=AuditEventType.UPDATED,
            old={"targets": old},
            new={"targets": {i.code: v for i, v in checked.items()}},
        )
    _sync(application, locked, ["version"])
    return locked


DECLARATION_FIELDS = ["de_minimis_received", "declares_no_double_funding", "declares_data_accurate"]


def application_declarations_set(
    *,
    actor,
    application: Application,
    de_minimis_received: Decimal | None,
    no_double_funding: bool,
    data_accurate: bool,
    version=NOT_GIVEN,
) -> Application:
    """Step 6: the de minimis aid received in the last three years and the two
    declarations. Saved as given (a draft may be incomplete); submission needs
    an amount ≥ 0 and both declarations."""
    with transaction.atomic():
        locked = _lock_editable(actor, application, version)
        problems = Problems()
        if de_minimis_received is not None:
            try:
                de_minimis_received = to_money(de_minimis_received)
            except (InvalidOperation, TypeError, ValueError):
                problems.add("de_minimis_received", _("Enter an amount."))
            else:
                if de_minimis_received < ZERO:
                    problems.add("de_minimis_received", _("The de minimis aid received cannot be negative."))
        problems.raise_if_any()
        old = field_values(locked, DECLARATION_FIELDS)
        locked.de_minimis_received = de_minimis_received
        locked.declares_no_double_funding = bool(no_double_funding)
        locked.declares_data_accurate = bool(data_accurate)
        version_bump(locked)
        locked.save(update_fields=[*DECLARATION_FIELDS, "version", "updated_at"])
        audit_record(
            actor=actor,
            obj=locked,
            event_type=AuditEventType.UPDATED,
            old=old,
            new=field_values(locked, DECLARATION_FIELDS),
        )
    _sync(application, locked, [*DECLARATION_FIELDS, "version"])
    return locked


def application_attachment_add(*, actor, application: Application, upload) -> ApplicationAttachment:
    """Step 5: attach a PDF, DOCX or XLSX file (grants.services.attachments
    checks it). Stored under 'applications/<application id>/<random>.<ext>',
    never under its own name; a refused upload stores nothing."""
    with transaction.atomic():
        locked = _lock_editable(actor, application)
        checked = attachment_check(upload)
        original_name = (getattr(upload, "name", "") or "").replace("\\", "/").rsplit("/", 1)[-1][:255]
        upload.seek(0)
        stored = default_storage.save(f"applications/{locked.pk}/{secrets.token_hex(16)}{checked.extension}", upload)
        try:
            attachment = ApplicationAttachment(
                application=locked,
                original_name=original_name,
                kind=checked.kind,
                size=checked.size,
                sha256=checked.sha256,
                uploaded_by=actor,
            )
            attachment.file.name = stored
            attachment.save()
            audit_record(
                actor=actor,
                obj=attachment,
                event_type=AuditEventType.CREATED,
                new={
                    "application": locked.pk,
                    "original_name": original_name,
                    "kind": checked.kind,
                    "size": checked.size,
                    "sha256": checked.sha256,
                },
            )
        except BaseException:
            default_storage.delete(stored)
            raise
    return attachment


def application_attachment_delete(*, actor, attachment: ApplicationAttachment) -> None:
    """Remove an attachment of a draft; the file is deleted after commit."""
    with transaction.atomic():
        _lock_editable(actor, attachment.application)
        locked = ApplicationAttachment.objects.select_for_update().get(pk=attachment.pk)
        stored = locked.file.name
        audit_record(
            actor=actor,
            obj=locked,
            event_type=AuditEventType.DELETED,
            old={"application": locked.application_id, "original_name": locked.original_name, "sha256": locked.sha256},
        )
        locked.delete()
        transaction.on_commit(partial(default_storage.delete, stored))


def _next_number(call: Call) -> str:
    """'<call code>-<5-digit sequence>'; the caller holds the call's row lock.
    Numbers are never taken back, so the count of numbered applications is the
    last sequence."""
    issued = Application.objects.filter(call=call, number__isnull=False).count()
    return f"{call.code}-{issued + 1:05d}"


def application_submit(*, actor, application: Application, now: datetime | None = None) -> Application:
    """Check every step, the applicant's type and the deadline (refused when
    now ≥ the call's closing moment, before its opening, or when it is not
    open), then lock the application and give the receipt: a number and
    submitted_at = now. Every problem is listed in details['fields']."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock_editable(actor, application)
        # The call's row lock makes the numbers of one call a sequence without
        # gaps or duplicates, however many submit at once.
        call = Call.objects.select_for_update().select_related("instrument").get(pk=locked.call_id)
        locked.call = call
        problems = application_problems(locked, now=now)
        if problems:
            error = Problems()
            for name, messages in problems.items():
                for message in messages:
                    error.add(name, message)
            error.raise_if_any()
        # The stored amounts are recomputed, so the receipt matches the lines.
        _store_financing(locked, _financing(locked, _stored_lines(locked)))
        locked.save(update_fields=["eligible_cost", "grant_requested", "own_contribution", "updated_at"])
        number = _next_number(call)
        transition(
            actor=actor,
            obj=locked,
            to_status=S.SUBMITTED,
            allowed=APPLICATION_TRANSITIONS,
            changes={"number": number, "submitted_at": now},
            details={"number": number, "grant_requested": locked.grant_requested},
        )
        notify_status(locked)
    _sync(
        application,
        locked,
        ["status", "number", "submitted_at", "eligible_cost", "grant_requested", "own_contribution"],
    )
    return locked


WITHDRAWABLE = frozenset(s for s, targets in APPLICATION_TRANSITIONS.items() if S.WITHDRAWN in targets)


def application_withdraw(*, actor, application: Application) -> Application:
    """The applicant withdraws its application, any time before the decision."""
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=application.pk)
        organisation = _organisation_of(actor)
        if organisation is None or organisation.pk != locked.applicant_id:
            _refuse(_("Only the applicant organisation's users may withdraw this application."))
        if locked.status not in WITHDRAWABLE:
            _refuse(
                _("The application can no longer be withdrawn: it is “%(status)s”.")
                % {"status": locked.get_status_display()},
                "status",
            )
        transition(actor=actor, obj=locked, to_status=S.WITHDRAWN, allowed=APPLICATION_TRANSITIONS)
        notify_status(locked)
    _sync(application, locked, ["status"])
    return locked


__all__ = [
    "APPLICATION_TRANSITIONS",
    "application_attachment_add",
    "application_attachment_delete",
    "application_budget_set",
    "application_create",
    "application_declarations_set",
    "application_indicators_set",
    "application_partners_set",
    "application_problems",
    "application_project_update",
    "application_submit",
    "application_withdraw",
    "budget_field",
    "indicator_field",
    "notify_status",
    "vilnius_moment",
]
