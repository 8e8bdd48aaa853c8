"""`manage.py generate_load --projects N [--seed S]`: a large, realistic portfolio
for performance measurement, in its own programme (LOAD) and instruments
(LOAD-1 … LOAD-5) so that the ministry's published demo figures stay as they are.

The few reference rows (programme, instruments, indicators and their targets, one
call per instrument per run and its status changes) go through grants.services.
The bulk (organisations, projects, budget lines, indicator targets and values,
payments, and their audit events) is written with bulk_create in batches, since
one service call per row would take far too long for 10,000 projects. Every row
it writes satisfies the invariants the services enforce, and
tests/grants/test_generate_load.py checks them on the database:

- budget lines use the instrument's eligible cost categories, are ≥ 0 and sum to
  the project's eligible cost;
- grant = min(eligible cost × the instrument's rate, rounded once; its maximum per
  project), as project_create computes it; own contribution = eligible − grant;
- each run's call per instrument has a budget equal to the grants awarded in it,
  and call_create checks that the calls fit the instrument's allocation;
- payments are > 0 and sum to at most the grant; an advance is paid while the
  project is contracted or in implementation, an interim while in implementation,
  and one final payment (making the sum equal the grant) only once it is completed;
- a project's status is reached through the allowed transitions, each recorded as
  a status-changed audit event like project_transition writes;
- statuses agree with the project periods as of the day before the run: a project
  not yet started is contracted, one that has ended is completed, closed or
  terminated, only one running is in implementation (or suspended); every event is
  dated when it happened (signed before the start, in implementation from the
  start, completed on the end date, closed after the final payment), in order;
- organisations have valid company codes (39xxxxxxx, with the check digit), apart
  from the demo's;
- targets and values only for the instrument's indicators, ≥ 0, reported before a
  project is closed or terminated;
- one audit event for every row a service would have audited (created,
  target_set, reported, paid, status_changed), with the same old and new values.

With --claims-per-project K (default 2) and --items-per-claim N (default 5),
every project that has started gets up to K payment claims over consecutive
periods of its implementation, each with about N expenditure items spread over
its budget lines. They are bulk-inserted too, NOT through grants.services.claims
(item_add, claim_submit, item_verify, claim_approve, claim_pay): that is one
service call and several queries per item, hours for a million items, and this
is synthetic load for measuring reads. The rows keep the invariants those
services enforce:

- an item's claimed amount = amount excl. VAT + VAT when the VAT is not
  recoverable; eligible ≤ claimed, set only on items of approved and paid claims
  (an ineligible part with a reason and a note); document numbers are unique, so
  the double-funding check finds nothing;
- a line's claimed amounts over all claims never exceed its planned amount, so
  its verified total stays within the planned amount;
- a completed or closed project's claims are all paid: the interim claims share
  the interim payment, the final claim (kind final) is paid by the final
  payment, so the payments still equal the grant; in a project still running,
  claims ending before its midpoint are paid (they share the interim payment,
  capped at what they may pay), later ones are approved, under verification,
  submitted, returned, rejected or still drafts;
- one Payment per paid claim (Payment.claim), paid after the claim's decision,
  and no payment exceeds the claim's eligible amount × the funding rate; the
  total paid never exceeds the grant;
- claims and items get no audit events of their own (the payments keep theirs).
"""

import random
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from clusters.models import Organisation, OrganisationType, Region
from clusters.validators import company_code_check_digit
from core.errors import ApplicationError
from core.models import AuditEvent, AuditEventType, Role, User
from core.money import CENT, apply_rate, to_money
from grants.demo import NAME_ENDINGS, NAME_STEMS, ensure_cost_categories, ensure_indicator, load_seed_facts
from grants.models import (
    BudgetLine,
    CallStatus,
    ClaimKind,
    ClaimStatus,
    ExpenditureItem,
    IndicatorKind,
    IndicatorTarget,
    IndicatorValue,
    IneligibilityReason,
    Instrument,
    Payment,
    PaymentClaim,
    PaymentKind,
    Programme,
    Project,
    ProjectStatus,
    StateAidRegime,
)
from grants.services import call_create, call_transition, instrument_create, instrument_indicator_set, programme_create

VILNIUS = ZoneInfo("Europe/Vilnius")
PROGRAMME_CODE = "LOAD"
PROGRAMME_START, PROGRAMME_END = date(2016, 1, 1), date(2030, 12, 31)
ALLOCATION = Decimal("20000000000.00")  # per instrument: room for 15+ runs of 10,000 projects
FIRST_CODE_BODY = 39_000_000  # load-test organisations: 39xxxxxxx (eight digits + check digit), apart from the demo's

# The demo's cost categories (grants/data/seed_facts.json), in both languages.
COST_CATEGORIES = load_seed_facts()["demo_assumptions"]["cost_categories"]
# code: (name in Lithuanian, name in English, unit, kind)
INDICATORS = {
    "LOAD-I1": ("Paramą gavusių įmonių skaičius", "Enterprises receiving support", "companies", IndicatorKind.OUTPUT),
    "LOAD-I2": ("Privačios investicijos, atitinkančios viešąją paramą", "Private investment matching public support",
                "EUR", IndicatorKind.RESULT),
    "LOAD-I3": ("Tyrėjų, dirbančių pagerintos infrastruktūros tyrimų centruose, skaičius",
                "Researchers working in improved research facilities", "researchers", IndicatorKind.RESULT),
    "LOAD-I4": ("Klasterių narių, dalyvaujančių tarptautiniuose renginiuose, skaičius",
                "Cluster members taking part in international events", "members", IndicatorKind.OUTPUT),
}  # fmt: skip
LOAD_PREFIX_LT = "Apkrovos bandymas: "
# code, name in Lithuanian, name in English, rate %, max grant, categories, indicators with a typical project target
INSTRUMENTS = (
    ("LOAD-1", "Apkrovos bandymas: klasterių plėtra", "Load test: cluster development", "50.00", "200000.00",
     ["STAFF", "SERVICES", "TRAVEL", "COMMUNICATION", "INDIRECT"], {"LOAD-I1": 25, "LOAD-I4": 12}),
    ("LOAD-2", "Apkrovos bandymas: bendra inovacijų infrastruktūra", "Load test: shared innovation infrastructure",
     "60.00", "800000.00", ["EQUIPMENT", "INFRASTRUCTURE", "SERVICES", "STAFF"], {"LOAD-I1": 15, "LOAD-I2": 150000}),
    ("LOAD-3", "Apkrovos bandymas: tarptautinė tinklaveika", "Load test: international networking", "70.00",
     "50000.00", ["TRAVEL", "SERVICES", "COMMUNICATION"], {"LOAD-I4": 6}),
    ("LOAD-4", "Apkrovos bandymas: mokslinių tyrimų ir technologijų perdavimas",
     "Load test: research and technology transfer", "80.00", "800000.00",
     ["STAFF", "EQUIPMENT", "SERVICES", "INDIRECT"], {"LOAD-I2": 400000, "LOAD-I3": 10}),
    ("LOAD-5", "Apkrovos bandymas: inovacijų paramos paslaugos", "Load test: innovation support services", "100.00",
     "1000000.00", ["STAFF", "SERVICES", "TRAVEL", "COMMUNICATION"], {"LOAD-I3": 5, "LOAD-I4": 40}),
)  # fmt: skip
FINISHED = (ProjectStatus.COMPLETED, ProjectStatus.CLOSED)
# Times of day of the dated steps, so that steps on the same day keep their order.
SIGNED_AT, STARTED_AT, PAID_AT, COMPLETED_AT, REPORTED_AT, STOPPED_AT = 10, 12, 14, 15, 16, 17
# Claims' steps happen on the day after their period: created, submitted, decided.
CREATED_AT, SUBMITTED_AT, DECIDED_AT = 8, 9, 11
PAYMENT_DUE_DAYS = 80
# The status of a running project's last claim, and of its earlier unpaid ones.
LAST_CLAIM_STATUSES = (
    (ClaimStatus.DRAFT, 20),
    (ClaimStatus.SUBMITTED, 25),
    (ClaimStatus.UNDER_VERIFICATION, 25),
    (ClaimStatus.RETURNED, 10),
    (ClaimStatus.APPROVED, 20),
)
EARLIER_CLAIM_STATUSES = ((ClaimStatus.APPROVED, 85), (ClaimStatus.UNDER_VERIFICATION, 10), (ClaimStatus.REJECTED, 5))
DECIDED = (ClaimStatus.APPROVED, ClaimStatus.PAID, ClaimStatus.REJECTED)
VERIFIED = (ClaimStatus.APPROVED, ClaimStatus.PAID)
VAT_RATE = Decimal("1.21")
REGIONS = list(Region.values)
REGION_WEIGHTS = [35, 25, 12, 7, 7, 3, 3, 2, 3, 3]


@dataclass
class Planned:
    """One project and everything that belongs to it, each step dated."""

    project: Project
    lines: list[BudgetLine]
    signed_at: datetime
    targets: list[IndicatorTarget] = field(default_factory=list)
    transitions: list[tuple[datetime, str]] = field(default_factory=list)
    payments: list[tuple[datetime, Payment]] = field(default_factory=list)
    values: list[tuple[datetime, IndicatorValue]] = field(default_factory=list)
    claims: list["PlannedClaim"] = field(default_factory=list)


@dataclass
class PlannedClaim:
    """A claim and, per budget line (its index in Planned.lines), the amount it
    claims, the eligible amount (verified claims) and how many items carry it."""

    claim: PaymentClaim
    lines: list[tuple[int, Decimal, Decimal | None, int]]


def _windows(first: date, last: date, count: int) -> list[tuple[date, date]]:
    """Up to `count` consecutive periods covering first..last (fewer when too short)."""
    days = (last - first).days + 1
    count = min(count, days)
    if count < 1:
        return []
    bounds = [first + timedelta(days=days * i // count) for i in range(count + 1)]
    return [(bounds[i], bounds[i + 1] - timedelta(days=1)) for i in range(count)]


def _split_cents(total: Decimal, caps: list[Decimal]) -> list[Decimal]:
    """`total` (at most the sum of `caps`) shared in proportion to `caps`, in
    cents, no share above its cap: the cents lost to rounding down go one each
    to shares with room."""
    whole = sum(caps)
    shares = [(total * cap / whole).quantize(CENT, rounding=ROUND_DOWN) for cap in caps]
    left = total - sum(shares, Decimal("0.00"))
    for i, cap in enumerate(caps):
        if left <= 0:
            break
        room = min(cap - shares[i], left)
        shares[i] += room
        left -= room
    return shares


def _at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=VILNIUS)


def _money(value: Decimal) -> str:
    return str(value)


def _event(obj, event_type: AuditEventType, old: dict | None, new: dict, at: datetime | None = None) -> AuditEvent:
    return AuditEvent(
        occurred_at=at or timezone.now(),
        actor=None,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:300],
        event_type=event_type,
        old_values=old or {},
        new_values=new,
    )


class Command(BaseCommand):
    help = (
        "Create N extra projects in a separate LOAD programme (instruments LOAD-1 … LOAD-5) with budget lines, "
        "indicators, payments and audit events, for performance measurement."
    )

    def add_arguments(self, parser):
        parser.add_argument("--projects", type=int, required=True, help="How many projects to create.")
        parser.add_argument("--seed", type=int, default=1, help="Random seed (the same seed gives the same portfolio).")
        parser.add_argument("--batch-size", type=int, default=1000, help="Projects written per batch.")
        parser.add_argument(
            "--claims-per-project", type=int, default=2, help="Payment claims per started project (0: none)."
        )
        parser.add_argument("--items-per-claim", type=int, default=5, help="Expenditure items per claim.")

    def handle(self, *args, projects: int, seed: int, batch_size: int, **options):
        if projects < 1:
            raise CommandError("--projects must be at least 1.")
        self.claims_per_project = max(0, options.get("claims_per_project", 2))
        self.items_per_claim = max(1, options.get("items_per_claim", 5))
        if self.claims_per_project and (projects * self.claims_per_project * self.items_per_claim) > 20_000_000:
            raise CommandError("At most 20,000,000 expenditure items per run.")
        if not connection.features.can_return_rows_from_bulk_insert:
            raise CommandError("This database cannot return ids from bulk inserts; generate_load needs it.")
        started = time.monotonic()
        rng = random.Random(seed)
        try:
            with transaction.atomic():
                written = self._generate(rng, projects, max(1, batch_size))
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        elapsed = time.monotonic() - started
        rows = ", ".join(f"{what}: {n}" for what, n in written.items())
        self.stdout.write(
            self.style.SUCCESS(f"Created {projects} projects in {elapsed:.1f} s ({projects / elapsed:.0f}/s). {rows}.")
        )

    # -- reference data, through the services --------------------------------------------

    def _reference(self):
        categories = ensure_cost_categories(COST_CATEGORIES)
        indicators = {}
        for code, (name_lt, name_en, unit, kind) in INDICATORS.items():
            indicators[code], _ = ensure_indicator(code=code, name_lt=name_lt, name_en=name_en, unit=unit, kind=kind)
        programme = Programme.objects.filter(code=PROGRAMME_CODE).first() or programme_create(
            actor=None,
            code=PROGRAMME_CODE,
            name_lt="Apkrovos bandymo programa (sugeneruota)",
            name_en="Load-test programme (generated)",
            period_start=PROGRAMME_START,
            period_end=PROGRAMME_END,
        )
        instruments = []
        for code, name_lt, name_en, rate, max_grant, category_codes, typical in INSTRUMENTS:
            instrument = Instrument.objects.filter(code=code).first()
            if instrument is None:
                instrument = instrument_create(
                    actor=None,
                    programme=programme,
                    code=code,
                    name_lt=name_lt,
                    name_en=name_en,
                    allocation_amount=ALLOCATION,
                    funding_rate=Decimal(rate),
                    max_grant_amount=Decimal(max_grant),
                    state_aid_regime=StateAidRegime.GBER,
                    cost_categories=[categories[c] for c in category_codes],
                )
                for indicator_code in typical:
                    instrument_indicator_set(
                        actor=None, instrument=instrument, indicator=indicators[indicator_code], target_value=0
                    )
            instruments.append((instrument, [categories[c] for c in category_codes], typical))
        return instruments, indicators

    def _organisations(self, rng: random.Random, wanted: int) -> list[Organisation]:
        existing = list(Organisation.objects.filter(legal_code__startswith="39").order_by("legal_code"))
        highest = max((int(o.legal_code[:8]) for o in existing), default=FIRST_CODE_BODY - 1)
        new = []
        for body in range(highest + 1, highest + 1 + max(0, wanted - len(existing))):
            name = f"{rng.choice(NAME_STEMS)} {rng.choice(NAME_ENDINGS)} {body - FIRST_CODE_BODY + 1}"
            large = rng.random() < 0.08
            new.append(
                Organisation(
                    name=f"AB „{name}“" if large else f"UAB „{name}“",
                    legal_code=f"{body}{company_code_check_digit(str(body))}",
                    organisation_type=OrganisationType.LARGE if large else OrganisationType.SME,
                    region=rng.choices(REGIONS, REGION_WEIGHTS)[0],
                    sector="Manufacturing and services",
                )
            )
        Organisation.objects.bulk_create(new, batch_size=1000)
        AuditEvent.objects.bulk_create(
            [_event(o, AuditEventType.CREATED, None, {"name": o.name, "legal_code": o.legal_code}) for o in new],
            batch_size=1000,
        )
        return existing + new

    # -- the portfolio ---------------------------------------------------------------------

    def _plan_project(self, rng, code, instrument, categories, typical, indicators, beneficiary, as_of) -> Planned:
        rate = instrument.funding_rate
        wanted_grant = Decimal(rng.randint(10, 100)) * instrument.max_grant_amount / 100
        wanted_eligible = to_money(wanted_grant * 100 / rate * Decimal(rng.randint(95, 120)) / 100)
        chosen = rng.sample(categories, rng.randint(2, len(categories)))
        weights = [rng.randint(5, 50) for _ in chosen]
        cents = int(wanted_eligible / CENT)
        amounts = [Decimal(cents * w // sum(weights)) * CENT for w in weights]
        amounts[0] += wanted_eligible - sum(amounts)
        eligible = sum(amounts)
        grant = min(apply_rate(eligible, rate), instrument.max_grant_amount)
        # Dates first; the status follows from them as of `as_of`.
        start = as_of - timedelta(days=365 * 6) + timedelta(days=rng.randint(0, 365 * 6 + 90))
        end = min(start + timedelta(days=rng.randint(365, 365 * 3)), max(start, PROGRAMME_END))
        midpoint = start + (end - start) / 2
        signed = min(start - timedelta(days=rng.randint(10, 60)), as_of)
        project = Project(
            code=code,
            title=f"{instrument.name_lt.removeprefix(LOAD_PREFIX_LT).capitalize()}: {beneficiary.name}",
            instrument=instrument,
            beneficiary=beneficiary,
            start_date=start,
            end_date=end,
            eligible_cost=eligible,
            grant_amount=grant,
            own_contribution=eligible - grant,
            funding_rate=rate,
        )
        planned = Planned(
            project=project,
            lines=[
                BudgetLine(project=project, cost_category=c, planned_amount=a)
                for c, a in zip(chosen, amounts, strict=True)
            ],
            signed_at=_at(signed, SIGNED_AT),
        )
        moves = planned.transitions
        if start <= as_of:
            moves.append((_at(start, STARTED_AT), ProjectStatus.IN_IMPLEMENTATION))
        stopped = None  # the day a project was terminated or suspended
        if midpoint < as_of and rng.random() < 0.04:
            stopped = midpoint
            moves.append((_at(stopped, STOPPED_AT), ProjectStatus.TERMINATED))
        elif end < as_of:
            moves.append((_at(end, COMPLETED_AT), ProjectStatus.COMPLETED))
        elif midpoint < as_of and rng.random() < 0.05:
            stopped = midpoint + timedelta(days=rng.randint(1, (as_of - midpoint).days))
            moves.append((_at(stopped, STOPPED_AT), ProjectStatus.SUSPENDED))
        final_status = moves[-1][1] if moves else ProjectStatus.CONTRACTED
        project.status = final_status

        # Payments, each at a moment its kind is allowed.
        advance = to_money(grant * Decimal("0.30"))
        advance_on = signed + timedelta(days=rng.randint(5, 20))
        if advance_on <= as_of and (final_status != ProjectStatus.CONTRACTED or rng.random() < 0.5):
            planned.payments.append(
                (
                    _at(advance_on, PAID_AT),
                    Payment(project=project, kind=PaymentKind.ADVANCE, paid_on=advance_on, amount=advance),
                )
            )
        interim = to_money(grant * Decimal("0.40"))
        if midpoint < as_of and final_status != ProjectStatus.TERMINATED:
            planned.payments.append(
                (
                    _at(midpoint, PAID_AT),
                    Payment(project=project, kind=PaymentKind.INTERIM, paid_on=midpoint, amount=interim),
                )
            )
        if final_status == ProjectStatus.COMPLETED:
            final_on = min(end + timedelta(days=rng.randint(20, 60)), as_of)
            planned.payments.append(
                (
                    _at(final_on, PAID_AT),
                    Payment(
                        project=project, kind=PaymentKind.FINAL, paid_on=final_on, amount=grant - advance - interim
                    ),
                )
            )
            closed_on = final_on + timedelta(days=rng.randint(10, 400))
            if closed_on <= as_of:
                moves.append((_at(closed_on, SIGNED_AT), ProjectStatus.CLOSED))
                project.status = ProjectStatus.CLOSED
        if self.claims_per_project:
            self._plan_claims(rng, planned, as_of, midpoint, stopped)
        # Indicators: a target per instrument indicator; values as far as the project got.
        for indicator_code, typical_target in typical.items():
            indicator = indicators[indicator_code]
            target = Decimal(max(1, round(typical_target * rng.uniform(0.5, 1.5))))
            if indicator.unit == "EUR":
                target = to_money(target)
            planned.targets.append(IndicatorTarget(project=project, indicator=indicator, target_value=target))
            if midpoint >= as_of:
                continue
            share = rng.uniform(0.8, 1.25) if end < as_of and stopped is None else rng.uniform(0.2, 0.7)
            achieved = to_money(target * Decimal(str(round(share, 2))))
            if indicator.unit != "EUR":
                achieved = Decimal(int(achieved))
            first = (achieved * 2 / 5).quantize(CENT if indicator.unit == "EUR" else Decimal(1))
            reports = [(midpoint, first)]
            if project.status in FINISHED:
                reports.append((end, achieved - first))
            for reported_on, value in reports:
                if value > 0:
                    planned.values.append(
                        (
                            _at(reported_on, REPORTED_AT),
                            IndicatorValue(project=project, indicator=indicator, reported_on=reported_on, value=value),
                        )
                    )
        return planned

    def _plan_claims(self, rng, planned: Planned, as_of: date, midpoint: date, stopped: date | None) -> None:
        """The project's claims (see the module's docstring for the rules); the
        interim payment becomes one payment per paid interim claim."""
        project = planned.project
        count = self.claims_per_project
        final_payment = next((p for _, p in planned.payments if p.kind == PaymentKind.FINAL), None)
        interim = next(((at, p) for at, p in planned.payments if p.kind == PaymentKind.INTERIM), None)
        last_day = min(project.end_date, as_of - timedelta(days=1))
        if stopped is not None:
            last_day = min(last_day, stopped - timedelta(days=1))
        if final_payment is not None:
            # Interim claims up to the interim payment, the final claim to the end.
            windows = _windows(project.start_date, midpoint - timedelta(days=2), count - 1) if count > 1 else []
            final_start = windows[-1][1] + timedelta(days=1) if windows else project.start_date
            windows.append((final_start, project.end_date))
            share = [Decimal("0.5") / len(windows[:-1])] * len(windows[:-1]) + [None] if len(windows) > 1 else [None]
        else:
            windows = _windows(project.start_date, last_day, count)
            if not windows:
                return
            covered = Decimal((last_day - project.start_date).days + 1) / (
                (project.end_date - project.start_date).days + 1
            )
            share = [min(covered, Decimal(1)) / len(windows)] * len(windows)
        lines = planned.lines
        claimed_so_far = [Decimal("0.00")] * len(lines)
        paid_interim: list[PlannedClaim] = []
        for number, ((first, last), part) in enumerate(zip(windows, share, strict=True), start=1):
            is_final = final_payment is not None and number == len(windows)
            if final_payment is not None or interim is not None and last < midpoint:
                status = ClaimStatus.PAID
            elif number == len(windows):
                status = rng.choices([s for s, _ in LAST_CLAIM_STATUSES], [w for _, w in LAST_CLAIM_STATUSES])[0]
            else:
                status = rng.choices([s for s, _ in EARLIER_CLAIM_STATUSES], [w for _, w in EARLIER_CLAIM_STATUSES])[0]
            day = last + timedelta(days=1)
            claim = PaymentClaim(
                project=project,
                number=number,
                kind=ClaimKind.FINAL if is_final else ClaimKind.INTERIM,
                period_start=first,
                period_end=last,
                status=status,
                created_by=self.beneficiary_user,
                created_at=_at(day, CREATED_AT),
            )
            if status != ClaimStatus.DRAFT:
                claim.submitted_at = _at(day, SUBMITTED_AT)
                claim.payment_due_on = day + timedelta(days=PAYMENT_DUE_DAYS)
            # Spread the items over the lines, starting at a different line each claim.
            counts = [0] * len(lines)
            for j in range(self.items_per_claim):
                counts[(j + number) % len(lines)] += 1
            per_line = []
            for index, line in enumerate(lines):
                if not counts[index]:
                    continue
                if part is None:  # the final claim claims what is left of each line
                    amount = line.planned_amount - claimed_so_far[index]
                else:
                    amount = (line.planned_amount * part).quantize(CENT, rounding=ROUND_DOWN)
                if amount < CENT * counts[index]:
                    continue
                claimed_so_far[index] += amount
                eligible = None
                if status in VERIFIED:
                    cut = Decimal("0.00")
                    if rng.random() < 0.2:  # a part found ineligible, at most a tenth
                        cut = (amount * Decimal(rng.randint(1, 10)) / 100).quantize(CENT, rounding=ROUND_DOWN)
                    eligible = amount - min(cut, amount // counts[index])
                per_line.append((index, amount, eligible, counts[index]))
            if not per_line:
                continue
            if status in DECIDED:
                claim.decided_by = self.officer_user
                claim.decided_at = _at(day, DECIDED_AT)
            if status in VERIFIED:
                claim.eligible_amount = sum((e for _, _, e, _ in per_line), Decimal("0.00"))
                claim.gross_payable_amount = apply_rate(claim.eligible_amount, project.funding_rate)
                claim.advance_offset_amount = Decimal("0.00")
                claim.payable_amount = claim.gross_payable_amount
            planned.claims.append(PlannedClaim(claim=claim, lines=per_line))
            if status == ClaimStatus.PAID and is_final:
                claim.submitted_at = _at(project.end_date + timedelta(days=1), SUBMITTED_AT)
                claim.payment_due_on = project.end_date + timedelta(days=1 + PAYMENT_DUE_DAYS)
                claim.decided_at = _at(final_payment.paid_on, DECIDED_AT)
                self._settle(claim, final_payment)
            elif status == ClaimStatus.PAID:
                paid_interim.append(planned.claims[-1])
        if interim is not None and paid_interim:
            # The interim payment, at most what these claims may pay, shared by them.
            gross = [c.claim.gross_payable_amount for c in paid_interim]
            total = min(interim[1].amount, sum(gross))
            planned.payments.remove(interim)
            for planned_claim, amount in zip(paid_interim, _split_cents(total, gross), strict=True):
                claim = planned_claim.claim
                paid_on = claim.period_end + timedelta(days=1)
                payment = Payment(project=project, kind=PaymentKind.INTERIM, paid_on=paid_on, amount=amount)
                self._settle(claim, payment)
                planned.payments.append((_at(paid_on, PAID_AT), payment))
            planned.payments.sort(key=lambda pair: pair[0])

    @staticmethod
    def _settle(claim: PaymentClaim, payment: Payment) -> None:
        """Tie the payment to its claim; what the claim's payable amount does not
        pay out counts as the advance offset."""
        payment.claim = claim
        claim.payable_amount = payment.amount
        claim.advance_offset_amount = claim.gross_payable_amount - payment.amount

    def _items(self, planned: Planned) -> list[ExpenditureItem]:
        """The expenditure items of the project's claims: each line's amount in a
        claim split into its items, the ineligible part (if any) on the first."""
        items = []
        for planned_claim in planned.claims:
            claim = planned_claim.claim
            verified_at = claim.decided_at
            for index, amount, eligible, count in planned_claim.lines:
                line = planned.lines[index]
                base = (amount / count).quantize(CENT, rounding=ROUND_DOWN)
                for k in range(count):
                    claimed = base if k else amount - base * (count - 1)
                    recoverable = (claim.number + index + k) % 2 == 0
                    excl = claimed if recoverable else (claimed / VAT_RATE).quantize(CENT)
                    item = ExpenditureItem(
                        claim=claim,
                        budget_line=line,
                        supplier_name=f"UAB „Tiekėjas {(index * 7 + k) % 97 + 1}“",
                        supplier_code=f"30{(claim.project_id * 13 + index) % 10_000_000:07d}",
                        document_number=f"{claim.project.code}-MP{claim.number}-{index}-{k}",
                        document_date=claim.period_end,
                        amount_excl_vat=excl,
                        vat_amount=claimed - excl if not recoverable else (claimed * Decimal("0.21")).quantize(CENT),
                        vat_recoverable=recoverable,
                        claimed_amount=claimed,
                        document_name=f"saskaita-{claim.number}-{index}-{k}.pdf",
                    )
                    if eligible is not None:
                        cut = amount - eligible if k == 0 else Decimal("0.00")
                        item.eligible_amount = claimed - cut
                        item.verified_by = self.officer_user
                        item.verified_at = verified_at
                        if cut:
                            item.ineligibility_reason = IneligibilityReason.NOT_NECESSARY
                            item.ineligibility_note = "Dalis išlaidų nebuvo būtina projektui įgyvendinti."
                    items.append(item)
        return items

    def _events(self, planned: Planned) -> list[AuditEvent]:
        """The audit trail the services would have written, each event dated when
        its step happened, in time order."""
        project = planned.project
        signed = planned.signed_at
        events = [
            _event(
                project,
                AuditEventType.CREATED,
                None,
                {
                    "code": project.code,
                    "status": ProjectStatus.CONTRACTED,
                    "eligible_cost": _money(project.eligible_cost),
                    "grant_amount": _money(project.grant_amount),
                    "own_contribution": _money(project.own_contribution),
                    "budget": {line.cost_category.code: _money(line.planned_amount) for line in planned.lines},
                },
                signed,
            )
        ]
        events += [
            _event(t, AuditEventType.TARGET_SET, None, {"target_value": _money(t.target_value)}, signed)
            for t in planned.targets
        ]
        steps = []
        status = ProjectStatus.CONTRACTED
        for at, new in planned.transitions:
            steps.append(_event(project, AuditEventType.STATUS_CHANGED, {"status": status}, {"status": new}, at))
            status = new
        steps += [
            _event(
                p,
                AuditEventType.PAID,
                None,
                {"kind": p.kind, "paid_on": p.paid_on.isoformat(), "amount": _money(p.amount)},
                at,
            )
            for at, p in planned.payments
        ]
        steps += [
            _event(
                v,
                AuditEventType.REPORTED,
                None,
                {"reported_on": v.reported_on.isoformat(), "value": _money(v.value)},
                at,
            )
            for at, v in planned.values
        ]
        return events + sorted(steps, key=lambda e: e.occurred_at)

    def _generate(self, rng: random.Random, count: int, batch_size: int) -> dict[str, int]:
        instruments, indicators = self._reference()
        organisations = self._organisations(rng, max(10, count // 3))
        started = time.monotonic()
        written = dict.fromkeys(
            ("projects", "budget lines", "targets", "values", "claims", "items", "payments", "audit events"), 0
        )
        # Who the synthetic claims were created by and decided by (no password: nobody logs in as them).
        self.beneficiary_user, _ = User.objects.get_or_create(
            username="load-beneficiary",
            defaults={"role": Role.APPLICANT, "first_name": "Apkrovos", "last_name": "Vykdytojas"},
        )
        self.officer_user, _ = User.objects.get_or_create(
            username="load-officer",
            defaults={"role": Role.OFFICER, "first_name": "Apkrovos", "last_name": "Pareigūnas"},
        )

        # Plan everything first: each call's budget is the sum of the grants awarded in it.
        plans: list[Planned] = []
        runs = {instrument.pk: instrument.calls.count() + 1 for instrument, _, _ in instruments}
        # The portfolio as of yesterday, so that every dated step is in the past.
        as_of = timezone.localdate() - timedelta(days=1)
        assignments = [rng.randrange(len(instruments)) for _ in range(count)]
        per_instrument = [0] * len(instruments)
        for k in assignments:
            instrument, categories, typical = instruments[k]
            per_instrument[k] += 1
            code = f"{instrument.code}-{runs[instrument.pk]:03d}-{per_instrument[k]:05d}"
            beneficiary = rng.choice(organisations)
            plans.append(self._plan_project(rng, code, instrument, categories, typical, indicators, beneficiary, as_of))
        calls = {}
        for k, (instrument, _, _) in enumerate(instruments):
            mine = [p for p, a in zip(plans, assignments, strict=True) if a == k]
            if not mine:
                continue
            run = runs[instrument.pk]
            opens = datetime(2016, 1, 4, 9, tzinfo=VILNIUS) + timedelta(days=30 * run)
            calls[instrument.pk] = call = call_create(
                actor=None,
                instrument=instrument,
                code=f"{instrument.code}-C{run:03d}",
                title_lt=f"{instrument.name_lt}, {run} etapas",
                title_en=f"{instrument.name_en or instrument.name_lt}, round {run}",
                budget_amount=sum((p.project.grant_amount for p in mine), Decimal("0.00")),
                opens_at=opens,
                closes_at=opens + timedelta(days=60),
            )
            call_transition(actor=None, call=call, to_status=CallStatus.OPEN)
            for p in mine:
                p.project.call = call

        for first in range(0, count, batch_size):
            batch = plans[first : first + batch_size]
            Project.objects.bulk_create([p.project for p in batch])
            lines = [line for p in batch for line in p.lines]
            targets = [t for p in batch for t in p.targets]
            values = [v for p in batch for _, v in p.values]
            payments = [pay for p in batch for _, pay in p.payments]
            for rows in (lines, targets, values, payments):
                for row in rows:
                    row.project = row.project  # takes the project's new id and keeps it cached
            claims = [c.claim for p in batch for c in p.claims]
            for row in claims:
                row.project = row.project
            BudgetLine.objects.bulk_create(lines, batch_size=2000)
            IndicatorTarget.objects.bulk_create(targets, batch_size=2000)
            IndicatorValue.objects.bulk_create(values, batch_size=2000)
            PaymentClaim.objects.bulk_create(claims, batch_size=2000)
            items = [item for p in batch for item in self._items(p)]
            for item in items:
                item.claim = item.claim
                item.budget_line = item.budget_line
            ExpenditureItem.objects.bulk_create(items, batch_size=5000)
            for payment in payments:
                if payment.claim is not None:
                    payment.claim = payment.claim  # the claim's new id
            Payment.objects.bulk_create(payments, batch_size=2000)
            events = [e for p in batch for e in self._events(p)]
            AuditEvent.objects.bulk_create(events, batch_size=2000)
            for what, rows in (
                ("projects", batch),
                ("budget lines", lines),
                ("targets", targets),
                ("values", values),
                ("claims", claims),
                ("items", items),
                ("payments", payments),
                ("audit events", events),
            ):
                written[what] += len(rows)
            elapsed = time.monotonic() - started
            self.stdout.write(f"  {first + len(batch)}/{count} projects written ({elapsed:.1f} s)")

        for instrument, _, typical in instruments:
            if instrument.pk in calls:
                call_transition(actor=None, call=calls[instrument.pk], to_status=CallStatus.CLOSED)
            # The instrument's target is what its projects committed to.
            for indicator_code in typical:
                total = IndicatorTarget.objects.filter(
                    project__instrument=instrument, indicator=indicators[indicator_code]
                ).aggregate(total=Sum("target_value"))["total"]
                instrument_indicator_set(
                    actor=None,
                    instrument=instrument,
                    indicator=indicators[indicator_code],
                    target_value=Decimal(total or 0).quantize(CENT),
                )
        return written


__all__ = ["ALLOCATION", "INSTRUMENTS", "PROGRAMME_CODE", "Command"]
