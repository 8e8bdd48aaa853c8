"""The demo's project selection (issue 8), called by grants.demo.seed_demo.

For every instrument, the past call that produced its demo projects gets the
applications, evaluations and funding decision behind them: one approved
application per demo project (the same budget lines, grant, dates, partners and
targets, linked through `application.project`), a few reserve, rejected,
ineligible and withdrawn ones that create no project, two evaluators on each,
and the decision. No published figure changes.

A 2021-2027 instrument then shows the selection at work today: a call decided
recently (approved, reserve and rejected; the approved ones contracted) and an
OPEN call with two envelopes (one with its own budget, one without) holding an
application in every status, for the demo applicant's organisation and others,
assigned to the demo evaluator. Its dates are counted from the day the demo is
loaded, so the open call is open whenever it is loaded.

History is written as it happened: every application, assignment and decision
is dated (`occurred_at` in the past) and each status change has its audit event,
because the services check "now" against the deadlines and cannot record the
past. Statuses follow grants.services.applications' transition table. Rows are
written in bulk (a few thousand per load). Everything is looked up by natural
key (call code, application number, username), so running it twice changes
nothing. It needs the demo's users (officer, evaluator, applicants): where the
settings forbid demo users, no selection is loaded."""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone

from clusters.models import Organisation, OrganisationType, OrganisationUser
from clusters.services import organisation_user_link
from core.audit import audit_event_build, audit_record
from core.models import AuditEvent, AuditEventType, Role, User
from core.money import CENT, HUNDRED, to_money
from grants.models import (
    Application,
    ApplicationBudgetLine,
    ApplicationIndicatorTarget,
    ApplicationStatus,
    AssignmentStatus,
    Call,
    CallStatus,
    CostCategory,
    CriterionScore,
    Envelope,
    EvaluationCriterion,
    EvaluatorAssignment,
    FundingDecision,
    Indicator,
    IndicatorKind,
    Instrument,
    Programme,
    Project,
)
from grants.services import (
    call_create,
    call_transition,
    indicator_target_set,
    instrument_create,
    instrument_indicator_set,
    programme_create,
    project_create,
    selection,
)

VILNIUS = ZoneInfo("Europe/Vilnius")
SEED = 2021
S = ApplicationStatus

FIRST_NAMES = ("Rasa", "Mindaugas", "Inga", "Paulius", "Giedrė", "Vytautas", "Lina", "Saulius", "Dalia", "Marius")
LAST_NAMES = (
    ("Kazlauskas", "Kazlauskienė"), ("Petraitis", "Petraitienė"), ("Balčiūnas", "Balčiūnienė"),
    ("Urbonas", "Urbonienė"), ("Vasiliauskas", "Vasiliauskienė"), ("Navickas", "Navickienė"),
)  # fmt: skip
WOMEN = {"Rasa", "Inga", "Giedrė", "Lina", "Dalia"}

TITLES = {
    "BCL": "Klasterio „{brand}“ plėtra ir tarptautiškumo skatinimas",
    "IKL": "Klasterio „{brand}“ bendros inovacijų infrastruktūros ir prototipų kūrimas",
    "ICN": "Klasterio „{brand}“ dalyvavimas tarptautinėse parodose",
    "DIH": "{brand}: skaitmeninių inovacijų centro paslaugos pramonei",
    "INL": "Inolink: klasterių konsultacijos, renginiai ir brandos sesijos",
    "KLT": "Klasterio „{brand}“ tarptautiškumo skatinimas ir naujų narių pritraukimas",
}
SUMMARIES = {
    "BCL": "Klasterio narių bendra veikla, rinkodara užsienyje ir naujų narių pritraukimas.",
    "IKL": "Bendros klasterio inovacijų infrastruktūros įrengimas ir naujų produktų prototipų kūrimas.",
    "ICN": "Klasterio narių dalyvavimas tarptautinėse parodose ir partnerių paieška užsienyje.",
    "DIH": "Skaitmeninimo paslaugos pramonės įmonėms: technologijų bandymai, mokymai ir konsultacijos.",
    "INL": "Klasterių konsultacijos, renginiai ir brandos vertinimo sesijos visoje Lietuvoje.",
    "KLT": "Klasterio narių eksporto rinkų paieška, tarptautinės partnerystės ir naujų narių pritraukimas.",
}
INELIGIBLE_REASONS = (
    "Pareiškėjo tipas neatitinka kvietimo sąlygų: paraišką gali teikti tik kvietime nurodyti pareiškėjai.",
    "Nepateikti privalomi priedai (klasterio narių sąrašas ir bendradarbiavimo sutartis).",
    "Prašomos finansuoti išlaidos neatitinka tinkamų finansuoti išlaidų kategorijų.",
)
DECISION_REASONS = (
    "Paraiškos įvertintos pagal kvietimo vertinimo kriterijus. Finansuojamos aukščiausius balus surinkusios "
    "paraiškos, kol pakanka kvietimo lėšų; kokybės slenkstį viršijusios, bet lėšų negavusios paraiškos "
    "įrašytos į rezervinį sąrašą; slenksčio nepasiekusios atmestos."
)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=VILNIUS)


def evaluator_score(scores: dict[EvaluationCriterion, Decimal]) -> Decimal:
    """One evaluator's score, by the selection's own rule (grants.services.selection)."""
    return selection.evaluator_score([(score, c.max_score, c.weight) for c, score in scores.items()])


def financing(eligible: Decimal, rate: Decimal, max_grant: Decimal) -> tuple[Decimal, Decimal]:
    """(grant, own contribution): grant = min(eligible × rate, maximum), rounded once."""
    grant = min(to_money(eligible * rate / HUNDRED), max_grant)
    return grant, eligible - grant


# ---------------------------------------------------------------------------
# Writing: applications and their history, in bulk.


@dataclass
class Evaluation:
    evaluator: User
    status: str  # the assignment's status now
    assigned_at: datetime
    declared_at: datetime | None = None
    completed_at: datetime | None = None
    scores: dict[EvaluationCriterion, Decimal] = field(default_factory=dict)


@dataclass
class ApplicationDraft:
    """One application to write, with the path of statuses it went through."""

    call: Call
    applicant: Organisation
    created_by: User
    created_at: datetime
    title: str
    summary: str
    start_date: date | None
    end_date: date | None
    lines: dict[CostCategory, Decimal]
    rate: Decimal
    max_grant: Decimal
    path: list[tuple[str, datetime]] = field(default_factory=list)  # (status, moment), after draft
    envelope: Envelope | None = None
    number: str | None = None
    targets: dict[Indicator, Decimal] = field(default_factory=dict)
    partners: list[Organisation] = field(default_factory=list)
    de_minimis_received: Decimal | None = None
    ineligibility_reason: str = ""
    evaluations: list[Evaluation] = field(default_factory=list)
    project: Project | None = None
    decided: bool = False

    @property
    def status(self) -> str:
        return self.path[-1][0] if self.path else S.DRAFT

    def moment(self, status: str) -> datetime | None:
        return next((at for s, at in self.path if s == status), None)


class Writer:
    """Collects applications and writes them, their children and their audit
    events with a few bulk inserts."""

    def __init__(self, officer: User) -> None:
        self.officer = officer
        self.events: list[AuditEvent] = []

    def event(self, obj, event_type, at: datetime, *, actor=None, old=None, new=None) -> None:
        self.events.append(
            audit_event_build(actor=actor, obj=obj, event_type=event_type, old=old, new=new, occurred_at=at)
        )

    def write(self, drafts: list[ApplicationDraft], decision: FundingDecision | None = None) -> int:
        rows = []
        for d in drafts:
            eligible = sum(d.lines.values(), Decimal("0.00"))
            grant, own = financing(eligible, d.rate, d.max_grant)
            submitted = d.status != S.DRAFT
            completed = [e for e in d.evaluations if e.status == AssignmentStatus.COMPLETED]
            score = None
            if completed and d.status in (S.EVALUATED, S.APPROVED, S.RESERVE, S.REJECTED):
                score = selection.mean_score([evaluator_score(e.scores) for e in completed])
            rows.append(
                Application(
                    call=d.call,
                    envelope=d.envelope,
                    applicant=d.applicant,
                    created_by=d.created_by,
                    status=d.status,
                    number=d.number if submitted else None,
                    submitted_at=d.moment(S.SUBMITTED),
                    title=d.title,
                    summary=d.summary,
                    start_date=d.start_date,
                    end_date=d.end_date,
                    eligible_cost=eligible,
                    grant_requested=grant,
                    own_contribution=own,
                    de_minimis_received=d.de_minimis_received if submitted else None,
                    declares_no_double_funding=submitted,
                    declares_data_accurate=submitted,
                    ineligibility_reason=d.ineligibility_reason,
                    score=score,
                    decision=decision if d.decided else None,
                    project=d.project,
                )
            )
        Application.objects.bulk_create(rows)
        for row, d in zip(rows, drafts, strict=True):
            # auto_now_add stamped the load; the application was made back then.
            row.created_at = d.created_at
            row.updated_at = d.path[-1][1] if d.path else d.created_at
        Application.objects.bulk_update(rows, ["created_at", "updated_at"])

        lines, targets, partners, assignments = [], [], [], []
        for row, d in zip(rows, drafts, strict=True):
            lines += [ApplicationBudgetLine(application=row, cost_category=c, amount=a) for c, a in d.lines.items()]
            targets += [
                ApplicationIndicatorTarget(application=row, indicator=i, target_value=v) for i, v in d.targets.items()
            ]
            partners += [Application.partners.through(application_id=row.pk, organisation_id=p.pk) for p in d.partners]
            for e in d.evaluations:
                completed = e.status == AssignmentStatus.COMPLETED
                assignments.append(
                    EvaluatorAssignment(
                        application=row,
                        evaluator=e.evaluator,
                        status=e.status,
                        assigned_by=self.officer,
                        assigned_at=e.assigned_at,
                        declared_at=e.declared_at,
                        completed_at=e.completed_at,
                        score=evaluator_score(e.scores) if completed else None,
                    )
                )
            self._history(row, d)
        ApplicationBudgetLine.objects.bulk_create(lines)
        ApplicationIndicatorTarget.objects.bulk_create(targets)
        Application.partners.through.objects.bulk_create(partners)
        EvaluatorAssignment.objects.bulk_create(assignments)

        scores = []
        evaluations = [e for d in drafts for e in d.evaluations]
        for assignment, e in zip(assignments, evaluations, strict=True):
            self._assignment_history(assignment, e)
            scores += [
                CriterionScore(assignment=assignment, criterion=c, score=s, comment=_comment(s, c.max_score))
                for c, s in e.scores.items()
            ]
        CriterionScore.objects.bulk_create(scores)
        return len(rows)

    def _history(self, row: Application, d: ApplicationDraft) -> None:
        self.event(
            row,
            AuditEventType.CREATED,
            d.created_at,
            actor=d.created_by,
            new={"call": d.call.code, "applicant": d.applicant.pk},
        )
        previous = S.DRAFT
        for status, at in d.path:
            actor = d.created_by if status in (S.SUBMITTED, S.WITHDRAWN) else self.officer
            new = {"status": status}
            if status == S.SUBMITTED:
                new["number"] = row.number
            if status == S.INELIGIBLE:
                new["reason"] = row.ineligibility_reason
            if status == S.EVALUATED:
                new["score"] = row.score
                actor = None  # the last evaluator's completion moved it
            if status == S.APPROVED and row.project_id:
                new["project"] = row.project.code
            self.event(row, AuditEventType.STATUS_CHANGED, at, actor=actor, old={"status": previous}, new=new)
            previous = status

    def _assignment_history(self, assignment: EvaluatorAssignment, e: Evaluation) -> None:
        self.event(
            assignment,
            AuditEventType.CREATED,
            e.assigned_at,
            actor=self.officer,
            new={"application": assignment.application_id, "evaluator": e.evaluator.pk},
        )
        if e.declared_at is None:
            return
        declared = AssignmentStatus.CONFLICT if e.status == AssignmentStatus.CONFLICT else AssignmentStatus.SCORING
        self.event(
            assignment,
            AuditEventType.STATUS_CHANGED,
            e.declared_at,
            actor=e.evaluator,
            old={"status": AssignmentStatus.ASSIGNED},
            new={"status": declared},
        )
        if e.completed_at is not None:
            self.event(
                assignment,
                AuditEventType.STATUS_CHANGED,
                e.completed_at,
                actor=e.evaluator,
                old={"status": AssignmentStatus.SCORING},
                new={"status": AssignmentStatus.COMPLETED, "score": assignment.score},
            )

    def flush(self) -> None:
        AuditEvent.objects.bulk_create(sorted(self.events, key=lambda e: e.occurred_at))
        self.events = []


def _comment(score: Decimal, maximum: int) -> str:
    share = score / maximum
    if share >= Decimal("0.8"):
        return "Kriterijus atitinka puikiai, pagrindimas išsamus."
    if share >= Decimal("0.6"):
        return "Kriterijus atitinka iš esmės, yra neesminių trūkumų."
    return "Pagrindimas nepakankamas, trūksta duomenų."


# ---------------------------------------------------------------------------
# People: the demo's officer and evaluator, experts, and each applicant's contact.


class People:
    def __init__(self, assumptions: dict, report) -> None:
        self.report = report
        users = User.objects.in_bulk(["officer", "evaluator"], field_name="username")
        self.officer, self.evaluator = users["officer"], users["evaluator"]
        self.experts = [self.evaluator]
        for username, first, last in assumptions["experts"]:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User.objects.create_user(
                    username=username,
                    email=f"{username}@fondas.example",
                    password=None,  # an expert of past calls: no login until an administrator sets one
                    first_name=first,
                    last_name=last,
                    role=Role.EVALUATOR,
                )
                self._created(user)
            self.experts.append(user)
        self.contacts = {}
        for link in OrganisationUser.objects.select_related("user").order_by("user__date_joined", "user__pk"):
            self.contacts.setdefault(link.organisation_id, link.user)

    def _created(self, user: User) -> None:
        audit_record(
            actor=None, obj=user, event_type=AuditEventType.CREATED, new={"username": user.username, "role": user.role}
        )
        self.report.created["users"] += 1

    def contact(self, organisation: Organisation) -> User:
        """The person who applied for `organisation`: its first account, or a
        contact person created for it (no login until they reset the password)."""
        user = self.contacts.get(organisation.pk)
        if user is None:
            rng = random.Random(f"{SEED}-{organisation.legal_code}")
            first = rng.choice(FIRST_NAMES)
            last = rng.choice(LAST_NAMES)[1 if first in WOMEN else 0]
            user = User.objects.create_user(
                username=f"kontaktai-{organisation.legal_code}",
                email=f"kontaktai-{organisation.legal_code}@fondas.example",
                password=None,
                first_name=first,
                last_name=last,
                role=Role.APPLICANT,
            )
            self._created(user)
            organisation_user_link(actor=None, user=user, organisation=organisation)
            self.contacts[organisation.pk] = user
        return user

    def pair_for(self, n: int) -> list[User]:
        """Two different evaluators for the n-th application, taking turns."""
        k = len(self.experts)
        return [self.experts[n % k], self.experts[(n + 1 + (n // k) % (k - 1)) % k]]


def _criteria_set(call: Call, criteria: list[dict], writer: Writer, at: datetime) -> list[EvaluationCriterion]:
    existing = list(call.criteria.all())
    if existing:
        return existing
    rows = EvaluationCriterion.objects.bulk_create(
        [
            EvaluationCriterion(
                call=call,
                code=c["code"],
                name_lt=c["name_lt"],
                name_en=c["name_en"],
                weight=Decimal(c["weight"]),
                max_score=c["max_score"],
            )
            for c in criteria
        ]
    )
    for row in rows:
        writer.event(row, AuditEventType.CREATED, at, new={"code": row.code, "weight": row.weight})
    return rows


def _scores(rng: random.Random, criteria: list[EvaluationCriterion], band: tuple[int, int]) -> dict:
    """Whole-point scores in `band` (out of 10), scaled to each criterion's maximum."""
    return {c: Decimal(rng.randint(*band) * c.max_score) / 10 for c in criteria}


BANDS = {S.APPROVED: (8, 10), S.RESERVE: (6, 7), S.REJECTED: (2, 5), S.EVALUATED: (5, 9)}


def _evaluations(
    rng: random.Random,
    people: People,
    n: int,
    criteria: list[EvaluationCriterion],
    band: tuple[int, int],
    assigned_at: datetime,
    done_by: datetime,
) -> list[Evaluation]:
    result = []
    for evaluator in people.pair_for(n):
        declared = assigned_at + (done_by - assigned_at) * rng.randint(5, 25) / 100
        completed = assigned_at + (done_by - assigned_at) * rng.randint(40, 95) / 100
        result.append(
            Evaluation(
                evaluator,
                AssignmentStatus.COMPLETED,
                assigned_at,
                declared,
                completed,
                _scores(rng, criteria, band),
            )
        )
    return result


def _lines(rng: random.Random, shares: dict[str, int], categories, eligible: Decimal) -> dict:
    from grants.demo import split_weighted  # the demo's splitter, exact to the unit

    weights = [int(s) * 100 + rng.randint(-int(s) * 15, int(s) * 15) for s in shares.values()]
    amounts = split_weighted(eligible, weights, unit=Decimal(1))
    return {categories[code]: amount.quantize(CENT) for code, amount in zip(shares, amounts, strict=True)}


def _brand(organisation: Organisation) -> str:
    name = organisation.name
    if "„" in name:
        return name.split("„", 1)[1].split("“", 1)[0].removesuffix(" klasteris")
    return name


# ---------------------------------------------------------------------------
# The past calls: the applications behind the demo projects.


def _past_call(
    call: Call,
    assumed: dict,
    selection: dict,
    shares: dict[str, int],
    categories: dict[str, CostCategory],
    people: People,
    others: list[Organisation],
    report,
) -> None:
    if call.applications.exists():
        return
    writer = Writer(people.officer)
    rng = random.Random(f"{SEED}-{call.code}")
    instrument = call.instrument
    projects = list(
        Project.objects.filter(call=call)
        .select_related("beneficiary")
        .prefetch_related("budget_lines__cost_category", "indicator_targets__indicator", "partners")
        .order_by("code")
    )
    first_start = min(p.start_date for p in projects)
    decided_at = _at(first_start - timedelta(days=12), 11)
    window_end = min(call.closes_at, decided_at - timedelta(days=45))
    if window_end - call.opens_at < timedelta(days=7):
        raise ValueError(f"{call.code}: no time to submit before the decision on {decided_at:%Y-%m-%d}.")
    span = decided_at - window_end
    criteria = _criteria_set(call, selection["criteria"], writer, call.opens_at - timedelta(days=20))
    decision = FundingDecision.objects.create(
        call=call, decided_by=people.officer, decided_at=decided_at, reasons=DECISION_REASONS
    )
    writer.event(decision, AuditEventType.CREATED, decided_at, actor=people.officer, new={"call": call.code})

    # Outcomes in the order of submission: the projects first (their code's tail
    # is their number's), then the unsuccessful ones.
    outcomes = [(S.APPROVED, p) for p in projects]
    for status in (S.RESERVE, S.REJECTED, S.INELIGIBLE, S.WITHDRAWN):
        outcomes += [(status, None)] * assumed[status]
    submitted_span = window_end - call.opens_at - timedelta(days=2)
    extra_applicants = rng.sample(others, len(outcomes) - len(projects))
    shares_typical = sum(p.eligible_cost for p in projects) / len(projects)
    drafts = []
    for n, (status, project) in enumerate(outcomes):
        submitted_at = call.opens_at + timedelta(days=1) + submitted_span * (n + 1) / (len(outcomes) + 1)
        created_at = max(call.opens_at + timedelta(hours=1), submitted_at - timedelta(days=rng.randint(2, 20)))
        if project is not None:
            applicant = project.beneficiary
            lines = {line.cost_category: line.planned_amount for line in project.budget_lines.all()}
            targets = {t.indicator: t.target_value for t in project.indicator_targets.all()}
            title, start, end = project.title, project.start_date, project.end_date
            tail = project.code.rsplit("-", 1)[1]
            partners = list(project.partners.all())
        else:
            applicant = extra_applicants[n - len(projects)]
            eligible = min(
                Decimal(int(shares_typical * Decimal(rng.randint(60, 130)) / 100)),
                Decimal(int(instrument.max_grant_amount * HUNDRED / call.funding_rate)),
            )
            lines = _lines(rng, shares, categories, eligible)
            targets = {
                t.indicator: max(Decimal(1), Decimal(int(t.target_value / len(projects))))
                for t in instrument.indicator_targets.all()
            }
            title = TITLES[instrument.code].format(brand=_brand(applicant))
            start = first_start + timedelta(days=rng.randint(0, 90))
            end = start + timedelta(days=rng.randint(365, 900))
            tail = f"{n + 1:04d}"
            partners = []
        d = ApplicationDraft(
            call=call,
            applicant=applicant,
            created_by=people.contact(applicant),
            created_at=created_at,
            title=title,
            summary=SUMMARIES[instrument.code],
            start_date=start,
            end_date=end,
            lines=lines,
            rate=call.funding_rate,
            max_grant=call.max_grant_amount,
            number=f"{call.code}-{tail}",
            targets=targets,
            partners=partners,
            project=project,
            de_minimis_received=Decimal(rng.randint(0, 40) * 500)
            if instrument.state_aid_regime == "de_minimis"
            else Decimal(0),
        )
        d.path.append((S.SUBMITTED, submitted_at))
        if status == S.WITHDRAWN:
            d.path.append((S.WITHDRAWN, submitted_at + timedelta(days=rng.randint(1, 10))))
            drafts.append(d)
            continue
        checked = window_end + span / 20 + timedelta(minutes=17 * n)
        d.path.append((S.ELIGIBILITY_CHECK, checked))
        eligible_at = window_end + span / 5 + timedelta(minutes=17 * n)
        if status == S.INELIGIBLE:
            d.ineligibility_reason = rng.choice(INELIGIBLE_REASONS)
            d.path.append((S.INELIGIBLE, eligible_at))
            drafts.append(d)
            continue
        d.path.append((S.UNDER_EVALUATION, eligible_at))
        d.evaluations = _evaluations(
            rng, people, n, criteria, BANDS[status], eligible_at + timedelta(hours=1), decided_at - timedelta(days=3)
        )
        d.path.append((S.EVALUATED, max(e.completed_at for e in d.evaluations)))
        d.path.append((status, decided_at))
        d.decided = True
        drafts.append(d)
    report.created["applications"] += writer.write(drafts, decision)
    writer.flush()


# ---------------------------------------------------------------------------
# The 2021-2027 instrument: a call decided recently and an open call.


def _new_instrument(plan_selection: dict, categories, people: People, report) -> Instrument:
    from grants.demo import ensure_indicator

    spec = plan_selection["programme"]
    programme = Programme.objects.filter(code=spec["code"]).first()
    if programme is None:
        programme = programme_create(
            actor=None,
            code=spec["code"],
            name_lt=spec["name_lt"],
            name_en=spec["name_en"],
            period_start=date.fromisoformat(spec["period_start"]),
            period_end=date.fromisoformat(spec["period_end"]),
        )
        report.created["programmes"] += 1
    spec = plan_selection["instrument"]
    instrument = Instrument.objects.filter(code=spec["code"]).first()
    if instrument is None:
        instrument = instrument_create(
            actor=people.officer,
            programme=programme,
            code=spec["code"],
            name_lt=spec["name_lt"],
            name_en=spec["name_en"],
            allocation_amount=Decimal(spec["allocation_amount"]),
            funding_rate=Decimal(spec["funding_rate"]),
            max_grant_amount=Decimal(spec["max_grant_amount"]),
            state_aid_regime=spec["state_aid_regime"],
            cost_categories=[categories[c] for c in spec["budget_shares"]],
        )
        report.created["instruments"] += 1
        for item in spec["indicators"]:
            kind = IndicatorKind.OUTPUT if item["kind"] == "output" else IndicatorKind.RESULT
            indicator, created = ensure_indicator(
                code=item["code"], name_lt=item["name_lt"], name_en=item["name_en"], unit=item["unit"], kind=kind
            )
            report.created["indicators"] += created
            instrument_indicator_set(
                actor=people.officer, instrument=instrument, indicator=indicator, target_value=Decimal(item["target"])
            )
    return instrument


def _new_call(instrument: Instrument, spec: dict, budget: Decimal, opens_at, closes_at, people, report) -> Call:
    call = call_create(
        actor=people.officer,
        instrument=instrument,
        code=spec["code"],
        title_lt=spec["title_lt"],
        title_en=spec["title_en"],
        budget_amount=budget,
        opens_at=opens_at,
        closes_at=closes_at,
        funding_rate=instrument.funding_rate,
        max_grant_amount=instrument.max_grant_amount,
        min_own_contribution_percent=Decimal(spec["min_own_contribution_percent"]),
        eligible_applicant_types=spec["eligible_applicant_types"],
        quality_threshold=Decimal(spec.get("quality_threshold", "60.00")),
        occurred_at=opens_at - timedelta(days=21),
    )
    report.created["calls"] += 1
    call_transition(actor=people.officer, call=call, to_status=CallStatus.OPEN, occurred_at=opens_at)
    return call


def _closed_call(instrument, selection, categories, people, coordinators, today: date, report) -> None:
    spec = selection["closed_call"]
    if Call.objects.filter(code=spec["code"]).exists():
        return
    rng = random.Random(f"{SEED}-{spec['code']}")
    shares = selection["instrument"]["budget_shares"]
    rate, max_grant = instrument.funding_rate, instrument.max_grant_amount
    opens_at = _at(today - timedelta(days=spec["opened_days_ago"]), 9)
    closes_at = _at(today - timedelta(days=spec["closed_days_ago"]), 17)
    decided_at = _at(today - timedelta(days=spec["decided_days_ago"]), 11)
    outcomes = [S.APPROVED] * spec["approved"]
    for status in (S.RESERVE, S.REJECTED, S.INELIGIBLE, S.WITHDRAWN):
        outcomes += [status] * spec[status]
    # Eligible costs in whole euros: the grant (70 %) is then exact to the cent.
    eligible = {
        S.APPROVED: (400_000, 560_000),
        S.RESERVE: (300_000, 420_000),
        S.REJECTED: (150_000, 500_000),
        S.INELIGIBLE: (150_000, 500_000),
        S.WITHDRAWN: (150_000, 500_000),
    }
    costs = [Decimal(rng.randint(*eligible[s])) for s in outcomes]
    approved_total = sum(
        financing(c, rate, max_grant)[0] for c, s in zip(costs, outcomes, strict=True) if s == S.APPROVED
    )
    # The budget covers the approved grants and a margin smaller than any reserve grant: the cut-off.
    budget = approved_total + Decimal(spec["budget_margin"])
    call = _new_call(instrument, spec, budget, opens_at, closes_at, people, report)
    call_transition(actor=people.officer, call=call, to_status=CallStatus.CLOSED, occurred_at=closes_at)
    writer = Writer(people.officer)
    criteria = _criteria_set(call, selection["criteria"], writer, opens_at - timedelta(days=21))
    decision = FundingDecision.objects.create(
        call=call, decided_by=people.officer, decided_at=decided_at, reasons=DECISION_REASONS
    )
    writer.event(decision, AuditEventType.CREATED, decided_at, actor=people.officer, new={"call": call.code})
    # The demo applicant's organisation was approved, the second applicant's is in reserve.
    demo_first, demo_second = coordinators[:2]
    applicants = [demo_first, *rng.sample(coordinators[2:], len(outcomes) - 2)]
    applicants.insert(spec["approved"], demo_second)
    indicators = list(instrument.indicator_targets.select_related("indicator"))
    drafts = []
    for n, (status, cost, applicant) in enumerate(zip(outcomes, costs, applicants, strict=True)):
        submitted_at = opens_at + (closes_at - opens_at) * (n + 1) / (len(outcomes) + 2)
        # Planned to start soon after the decision, so that the demo's projects
        # are under way today and hold payment claims (grants.demo_claims).
        start = decided_at.date() + timedelta(days=rng.randint(1, 10))
        d = ApplicationDraft(
            call=call,
            applicant=applicant,
            created_by=people.contact(applicant),
            created_at=submitted_at - timedelta(days=rng.randint(3, 15)),
            title=TITLES["KLT"].format(brand=_brand(applicant)),
            summary=SUMMARIES["KLT"],
            start_date=start,
            end_date=start + timedelta(days=rng.randint(540, 900)),
            lines=_lines(rng, shares, categories, cost),
            rate=rate,
            max_grant=max_grant,
            number=f"{call.code}-{n + 1:04d}",
            targets={t.indicator: Decimal(rng.randint(1, 6)) for t in indicators},
            de_minimis_received=Decimal(0),
        )
        d.path.append((S.SUBMITTED, submitted_at))
        if status == S.WITHDRAWN:
            d.path.append((S.WITHDRAWN, submitted_at + timedelta(days=4)))
        else:
            checked = closes_at + timedelta(days=2, minutes=23 * n)
            d.path.append((S.ELIGIBILITY_CHECK, checked))
            if status == S.INELIGIBLE:
                d.ineligibility_reason = INELIGIBLE_REASONS[1]
                d.path.append((S.INELIGIBLE, checked + timedelta(days=9)))
            else:
                d.path.append((S.UNDER_EVALUATION, checked + timedelta(days=9)))
                d.evaluations = _evaluations(
                    rng, people, n, criteria, BANDS[status], checked + timedelta(days=9, hours=1),
                    decided_at - timedelta(days=5),
                )  # fmt: skip
                d.path.append((S.EVALUATED, max(e.completed_at for e in d.evaluations)))
                d.path.append((status, decided_at))
                d.decided = True
        drafts.append(d)
    # Approval contracts the project (grants.services.projects.project_create), as the decision does.
    for n, d in enumerate(drafts):
        if d.status != S.APPROVED:
            continue
        signed_at = decided_at + timedelta(minutes=5 + n)
        d.project = project_create(
            actor=people.officer,
            instrument=instrument,
            call=call,
            code=d.number,
            title=d.title,
            beneficiary=d.applicant,
            start_date=d.start_date,
            end_date=d.end_date,
            budget=d.lines,
            grant_amount=financing(sum(d.lines.values()), rate, max_grant)[0],
            occurred_at=signed_at,
        )
        for indicator, target in d.targets.items():
            indicator_target_set(
                actor=people.officer, project=d.project, indicator=indicator, target_value=target, occurred_at=signed_at
            )
        report.created["projects"] += 1
    report.created["applications"] += writer.write(drafts, decision)
    writer.flush()


def _open_call(instrument, selection, categories, people, coordinators, research, smes, now: datetime, report):
    spec = selection["open_call"]
    if Call.objects.filter(code=spec["code"]).exists():
        return
    rng = random.Random(f"{SEED}-{spec['code']}")
    today = now.astimezone(VILNIUS).date()
    shares = selection["instrument"]["budget_shares"]
    opens_at = _at(today - timedelta(days=spec["opened_days_ago"]), 9)
    closes_at = _at(today + timedelta(days=spec["closes_days_ahead"]), 17)
    call = _new_call(instrument, spec, Decimal(spec["budget_amount"]), opens_at, closes_at, people, report)
    writer = Writer(people.officer)
    criteria = _criteria_set(call, selection["criteria"], writer, opens_at - timedelta(days=21))
    envelopes = []
    for item in spec["envelopes"]:
        envelope = Envelope.objects.create(
            call=call,
            code=item["code"],
            name_lt=item["name_lt"],
            name_en=item["name_en"],
            budget_amount=None if item["budget_amount"] is None else Decimal(item["budget_amount"]),
            funding_rate=Decimal(item["funding_rate"]),
            max_grant_amount=Decimal(item["max_grant_amount"]),
        )
        writer.event(
            envelope,
            AuditEventType.CREATED,
            opens_at - timedelta(days=20),
            actor=people.officer,
            new={"code": envelope.code, "budget_amount": envelope.budget_amount},
        )
        envelopes.append(envelope)
    smart, regional = envelopes
    demo_first, demo_second = coordinators[:2]
    others = rng.sample(coordinators[2:], 6)
    indicators = list(instrument.indicator_targets.select_related("indicator"))
    ago = lambda days, hour=10: now - timedelta(days=days, hours=hour)  # noqa: E731 - a moment some days ago
    e = people.evaluator
    expert1, expert2 = people.experts[1:3]
    A, SC = AssignmentStatus.ASSIGNED, AssignmentStatus.SCORING  # noqa: N806
    CF, CO = AssignmentStatus.CONFLICT, AssignmentStatus.COMPLETED  # noqa: N806

    def ev(evaluator, status, assigned_days, band=(5, 9)):
        assigned_at = ago(assigned_days)
        declared = assigned_at + timedelta(hours=20) if status != A else None
        completed = assigned_at + timedelta(days=2, hours=3) if status == CO else None
        scores = _scores(rng, criteria, band) if status == CO else {}
        return Evaluation(evaluator, status, assigned_at, declared, completed, scores)

    # (applicant, envelope, status, days since submission, evaluations)
    rows = [
        (demo_first, smart, S.DRAFT, None, []),
        (demo_first, regional, S.SUBMITTED, 3, []),
        (demo_first, regional, S.WITHDRAWN, 21, []),
        (demo_second, regional, S.SUBMITTED, 2, []),
        (others[0], smart, S.ELIGIBILITY_CHECK, 12, []),
        (smes[0], regional, S.INELIGIBLE, 20, []),
        (others[1], smart, S.UNDER_EVALUATION, 18, [ev(e, A, 4), ev(expert1, CO, 8)]),
        (others[2], regional, S.UNDER_EVALUATION, 17, [ev(e, SC, 6), ev(expert2, A, 6)]),
        (research[0], smart, S.UNDER_EVALUATION, 16, [ev(e, CF, 9), ev(expert1, SC, 9), ev(expert2, A, 7)]),
        (others[3], smart, S.EVALUATED, 24, [ev(e, CO, 14, (7, 9)), ev(expert2, CO, 14, (7, 9))]),
        (others[4], regional, S.EVALUATED, 23, [ev(expert1, CO, 13), ev(expert2, CO, 13)]),
        (others[5], smart, S.EVALUATED, 22, [ev(e, CO, 12, (5, 7)), ev(expert1, CO, 12, (5, 7))]),
    ]
    drafts = []
    number = 0
    for applicant, envelope, status, days, evaluations in rows:
        eligible = Decimal(rng.randint(150_000, 480_000))
        submitted_at = ago(days) if days is not None else None
        d = ApplicationDraft(
            call=call,
            applicant=applicant,
            created_by=people.contact(applicant),
            created_at=(submitted_at or ago(1)) - timedelta(days=rng.randint(2, 6)),
            title=TITLES["KLT"].format(brand=_brand(applicant)),
            summary=SUMMARIES["KLT"] if status != S.DRAFT else "",
            start_date=closes_at.date() + timedelta(days=rng.randint(90, 150)),
            end_date=None,
            lines=_lines(rng, shares, categories, eligible),
            rate=envelope.funding_rate,
            max_grant=envelope.max_grant_amount,
            envelope=envelope,
            targets={t.indicator: Decimal(rng.randint(1, 6)) for t in indicators} if status != S.DRAFT else {},
            de_minimis_received=Decimal(0),
            evaluations=evaluations,
        )
        d.end_date = d.start_date + timedelta(days=rng.randint(540, 720))
        if submitted_at is not None:
            number += 1
            d.number = f"{call.code}-{number:04d}"
            d.path.append((S.SUBMITTED, submitted_at))
        if status == S.WITHDRAWN:
            d.path.append((S.WITHDRAWN, submitted_at + timedelta(days=5)))
        elif status not in (S.DRAFT, S.SUBMITTED):
            d.path.append((S.ELIGIBILITY_CHECK, submitted_at + timedelta(days=1)))
            if status == S.INELIGIBLE:
                d.ineligibility_reason = INELIGIBLE_REASONS[0]
                d.path.append((S.INELIGIBLE, submitted_at + timedelta(days=4)))
            elif status != S.ELIGIBILITY_CHECK:
                d.path.append((S.UNDER_EVALUATION, min(x.assigned_at for x in evaluations) - timedelta(hours=1)))
                if status == S.EVALUATED:
                    d.path.append((S.EVALUATED, max(x.completed_at for x in evaluations)))
        drafts.append(d)
    # Numbers follow the order of submission.
    submitted = sorted((d for d in drafts if d.number), key=lambda d: d.moment(S.SUBMITTED))
    for n, d in enumerate(submitted, start=1):
        d.number = f"{call.code}-{n:04d}"
    report.created["applications"] += writer.write(drafts)
    writer.flush()


def seed_selection(*, selection: dict, categories: dict[str, CostCategory], report, now: datetime | None = None):
    """Load the demo's selection (module docstring). Needs the demo users."""
    if User.objects.filter(username__in=["officer", "evaluator", "applicant", "applicant2"]).count() != 4:
        return
    now = now or timezone.now()
    people = People(selection, report)
    applicants = {
        link.user.username: link.organisation
        for link in OrganisationUser.objects.select_related("organisation", "user").filter(
            user__username__in=["applicant", "applicant2"]
        )
    }
    funded = set(Project.objects.values_list("beneficiary", flat=True))
    organisations = list(Organisation.objects.order_by("legal_code"))
    by_type = {t: [o for o in organisations if o.organisation_type == t] for t in OrganisationType.values}

    for code, assumed in selection["past_calls"].items():
        call = Call.objects.select_related("instrument").filter(instrument__code=code).order_by("opens_at").first()
        if call is None:
            continue
        types = set(call.eligible_applicant_types)
        others = [o for o in organisations if o.organisation_type in types]
        unfunded = [o for o in others if o.pk not in funded] or others
        shares = selection["budget_shares"][code]
        _past_call(call, assumed, selection, shares, categories, people, unfunded, report)

    instrument = _new_instrument(selection, categories, people, report)
    coordinators = [applicants["applicant"], applicants["applicant2"]]
    coordinators += [o for o in by_type[OrganisationType.NGO] if o not in coordinators and "klaster" in o.name]
    coordinators += [o for o in by_type[OrganisationType.NGO] if o not in coordinators and "„" in o.name]
    today = now.astimezone(VILNIUS).date()
    _closed_call(instrument, selection, categories, people, coordinators, today, report)
    _open_call(
        instrument,
        selection,
        categories,
        people,
        coordinators,
        by_type[OrganisationType.RESEARCH],
        by_type[OrganisationType.SME],
        now,
        report,
    )
