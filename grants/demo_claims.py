"""Demo payment claims: on the projects of the 2021–2027 programme's decided
call, a claim in every status (draft, submitted, under verification, returned
after two rounds, approved, rejected, paid with the advance offset), written
through grants.services.claims and dated as they happened. The 2014–2020
projects (the ministry's published figures) get none, so their figures stay
exact. The demo officer may accept a repeated document (one item shows it)."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from clusters.models import OrganisationUser
from core.audit import audit_record
from core.models import AuditEventType, User
from core.money import to_money
from grants.models import (
    BudgetLine,
    Call,
    ExpenditureItem,
    FundingDecision,
    PaymentClaim,
    PaymentKind,
    Project,
    ProjectStatus,
)
from grants.services import claims as services
from grants.services.payments import payment_create
from grants.services.projects import project_transition

VILNIUS = ZoneInfo("Europe/Vilnius")
# The days of implementation the demo's claims need behind them.
MIN_PAST_DAYS = 21

# Invented suppliers, named and numbered the Lithuanian way (9-digit company codes).
SUPPLIERS = (
    ("UAB „Baltijos konferencijų centras“", "302456781", "BKC"),
    ("UAB „Vertimų biuras Lingua“", "301987654", "LNG"),
    ("UAB „Kelionių partneriai“", "304112233", "KP"),
    ("UAB „Skaitmeninės rinkodaros studija“", "305667788", "SRS"),
    ("VšĮ „Inovacijų konsultacijos“", "304998877", "IK"),
    ("UAB „Parodų sprendimai“", "302334455", "PS"),
    ("UAB „Teisinės paslaugos LEX“", "300112299", "LEX"),
)


def _pdf(title: str) -> bytes:
    """A minimal valid one-page PDF that says what it is (the xref offsets computed)."""
    text = title.encode("latin-1", "replace").replace(b"(", b"[").replace(b")", b"]")
    stream = b"BT /F1 11 Tf 40 150 Td (" + text + b") Tj ET"
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 420 200]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>",
        b"<</Length " + str(len(stream)).encode() + b">>stream\n" + stream + b"\nendstream",
        b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer<</Size {len(objects) + 1}/Root 1 0 R>>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _document(name: str, title: str) -> ContentFile:
    return ContentFile(_pdf(title), name=name)


@dataclass
class Clock:
    """Moments between the project's start and now, in order: step n of 40."""

    start: datetime
    now: datetime

    def at(self, step: float) -> datetime:
        return self.start + (self.now - self.start) * (step / 40)

    def day(self, step: float) -> date:
        return timezone.localtime(self.at(step), VILNIUS).date()


class Seeder:
    def __init__(self, officer: User, report) -> None:
        self.officer = officer
        self.report = report
        self.serial = 0

    def items(self, project: Project, clock: Clock, spec: list[tuple]) -> list[dict]:
        """Item fields from (supplier index, line index, step of the document, amount excl. VAT, VAT recoverable)."""
        lines = list(BudgetLine.objects.filter(project=project).order_by("cost_category__code"))
        rows = []
        for supplier, line, step, amount, recoverable in spec:
            name, code, prefix = SUPPLIERS[supplier]
            self.serial += 1
            amount = to_money(amount)
            rows.append(
                {
                    "budget_line": lines[line % len(lines)],
                    "supplier_name": name,
                    "supplier_code": code,
                    "document_number": f"{prefix} {clock.day(step).year}-{self.serial + 140:04d}",
                    "document_date": clock.day(step),
                    "amount_excl_vat": amount,
                    "vat_amount": to_money(amount * Decimal("0.21")),
                    "vat_recoverable": recoverable,
                }
            )
        return rows

    def claim(
        self,
        *,
        user: User,
        project: Project,
        clock: Clock,
        created: float,
        period: tuple[float, float],
        items: list[dict],
        indicators: list[tuple] = (),
        kind: str = "interim",
    ) -> PaymentClaim:
        claim = services.claim_create(
            actor=user,
            project=project,
            period_start=clock.day(period[0]),
            period_end=clock.day(period[1]),
            kind=kind,
            occurred_at=clock.at(created),
        )
        for n, data in enumerate(items):
            number = data["document_number"]
            services.item_add(
                actor=user,
                claim=claim,
                document=_document(f"{number.replace(' ', '_')}.pdf", f"Saskaita faktura {number}"),
                occurred_at=clock.at(created + 0.1 * (n + 1)),
                **data,
            )
        for n, (indicator, value, evidence) in enumerate(indicators):
            services.indicator_value_set(
                actor=user,
                claim=claim,
                indicator=indicator,
                value=Decimal(value),
                evidence=evidence,
                evidence_file=_document(f"irodymai-{claim.number}-{n + 1}.pdf", f"Irodymai {indicator.code}"),
                occurred_at=clock.at(created + 0.9),
            )
        self.report.created["payment claims"] += 1
        return claim

    def submit(self, user, claim, clock, step, response=""):
        claim.refresh_from_db()
        services.claim_submit(
            actor=user, claim=claim, version=claim.version, response=response, occurred_at=clock.at(step)
        )

    def start(self, claim, clock, step):
        services.claim_verification_start(actor=self.officer, claim=claim, occurred_at=clock.at(step))

    def verify(self, claim, clock, step, cuts: dict[int, tuple] | None = None):
        """Verify every item; `cuts`: {item position: (eligible share %, reason, note)}."""
        for n, item in enumerate(claim.items.order_by("pk")):
            share, reason, note = (cuts or {}).get(n, (100, "", ""))
            eligible = to_money(item.claimed_amount * Decimal(share) / 100)
            services.item_verify(
                actor=self.officer,
                item=item,
                version=item.version,
                eligible_amount=eligible,
                ineligibility_reason=reason,
                ineligibility_note=note,
                occurred_at=clock.at(step + 0.05 * n),
            )

    def give_back(self, claim, clock, step, reason):
        claim.refresh_from_db()
        services.claim_return(
            actor=self.officer, claim=claim, version=claim.version, reason=reason, occurred_at=clock.at(step)
        )

    def approve(self, claim, clock, step, note=""):
        claim.refresh_from_db()
        services.claim_approve(
            actor=self.officer, claim=claim, version=claim.version, note=note, occurred_at=clock.at(step)
        )

    def reject(self, claim, clock, step, note):
        claim.refresh_from_db()
        services.claim_reject(
            actor=self.officer, claim=claim, version=claim.version, note=note, occurred_at=clock.at(step)
        )

    def pay(self, claim, clock, step):
        claim.refresh_from_db()
        services.claim_pay(actor=self.officer, claim=claim, paid_on=clock.day(step), occurred_at=clock.at(step))


def _decided_call_code() -> str:
    from grants.demo import load_seed_facts  # grants.demo imports this module

    return load_seed_facts()["demo_assumptions"]["selection"]["closed_call"]["code"]


def _beneficiary_user(project: Project) -> User | None:
    link = (
        OrganisationUser.objects.filter(organisation_id=project.beneficiary_id, user__is_active=True)
        .select_related("user")
        .order_by("user__date_joined", "user__pk")
        .first()
    )
    return link.user if link else None


def _grant_override_permission(officer: User) -> User:
    permission = Permission.objects.get(
        codename="override_double_funding", content_type=ContentType.objects.get_for_model(PaymentClaim)
    )
    officer.user_permissions.add(permission)
    # has_perm caches what it read: the fresh instance sees the new permission.
    return User.objects.get(pk=officer.pk)


def _start_on_signature(project: Project, decided_at: datetime) -> None:
    """A project that started too recently (or not yet) to have a history of
    claims starts on the day after its agreement was signed. The demo selection
    plans starts soon after the decision, so normally nothing moves."""
    if project.start_date <= timezone.localdate(timezone.now(), VILNIUS) - timedelta(days=MIN_PAST_DAYS):
        return
    start = timezone.localtime(decided_at, VILNIUS).date() + timedelta(days=1)
    if project.start_date <= start:
        return
    old = project.start_date
    Project.objects.filter(pk=project.pk).update(start_date=start)
    project.start_date = start
    audit_record(
        actor=None,
        obj=project,
        event_type=AuditEventType.UPDATED,
        old={"start_date": old},
        # The status as context, like the agreement's "created" event (the trail's readers replay it).
        new={"start_date": start, "status": project.status},
        occurred_at=decided_at + timedelta(minutes=30),
    )


def seed_claims(*, report) -> None:
    """Create the demo claims unless they exist (idempotent, like seed_demo)."""
    call = Call.objects.filter(code=_decided_call_code()).first()
    officer = User.objects.filter(username="officer").first()
    if call is None or officer is None:
        return
    decision = FundingDecision.objects.filter(call=call).first()
    projects = list(Project.objects.filter(call=call).select_related("instrument").order_by("code"))
    if decision is None or not projects:
        return
    officer = _grant_override_permission(officer)
    if PaymentClaim.objects.filter(project__in=projects).exists():
        return
    now = timezone.now() - timedelta(hours=1)
    with transaction.atomic():
        seeder = Seeder(officer, report)
        people = {}
        for project in projects:
            user = _beneficiary_user(project)
            if user is not None:
                people[project.pk] = user
        projects = [p for p in projects if p.pk in people]
        if not projects:
            return
        for project in projects:
            _start_on_signature(project, decision.decided_at)
            if project.status == ProjectStatus.CONTRACTED:
                start = datetime.combine(project.start_date, time(12), tzinfo=VILNIUS)
                project_transition(
                    actor=officer, project=project, to_status=ProjectStatus.IN_IMPLEMENTATION, occurred_at=start
                )
        plans = [_demo_applicant_project, _approved_and_submitted, _under_verification, _rejected, _overridden]
        for plan, project in zip(plans, projects, strict=False):
            start = datetime.combine(project.start_date, time(12, 30), tzinfo=VILNIUS)
            plan(seeder, project, people[project.pk], Clock(start=start, now=now))


def _indicators(project: Project):
    return [t.indicator for t in project.instrument.indicator_targets.select_related("indicator").order_by("pk")]


def _demo_applicant_project(seeder: Seeder, project: Project, user: User, clock: Clock) -> None:
    """The demo applicant's project: an advance, a claim paid with the advance
    offset, a claim returned twice, a draft with an item still without its document."""
    payment_create(
        actor=seeder.officer,
        project=project,
        kind=PaymentKind.ADVANCE,
        paid_on=clock.day(1),
        amount=Decimal("8000.00"),
        occurred_at=clock.at(1),
    )
    indicators = _indicators(project)
    paid = seeder.claim(
        user=user,
        project=project,
        clock=clock,
        created=8,
        period=(0, 7.5),
        items=seeder.items(
            project,
            clock,
            [(0, 0, 2, "8500.00", False), (1, 1, 3, "3240.50", False), (2, 0, 5, "11870.00", False)],
        ),
        indicators=[(indicators[0], "3", "Pasirašytos trys naujų narių stojimo sutartys (pridedamos).")]
        if indicators
        else [],
    )
    seeder.submit(user, paid, clock, 9)
    seeder.start(paid, clock, 10)
    seeder.verify(
        paid,
        clock,
        11,
        cuts={1: (90, "not_necessary", "Skubaus vertimo priemoka nebuvo būtina projekto veikloms.")},
    )
    seeder.approve(paid, clock, 12, note="Išlaidos tinkamos, išskyrus skubaus vertimo priemoką.")
    seeder.pay(paid, clock, 14)

    returned = seeder.claim(
        user=user,
        project=project,
        clock=clock,
        created=16,
        period=(7.6, 15.5),
        items=seeder.items(project, clock, [(3, 1, 9, "6400.00", False), (5, 0, 12, "15900.00", False)]),
    )
    seeder.submit(user, returned, clock, 17)
    seeder.start(returned, clock, 18)
    seeder.give_back(
        returned,
        clock,
        20,
        "Pateikite rinkodaros paslaugų pirkimo dokumentus (tiekėjų apklausos pažymą) ir parodos stendo "
        "perdavimo–priėmimo aktą.",
    )
    seeder.submit(user, returned, clock, 24, response="Pridedame tiekėjų apklausos pažymą ir pasirašytą aktą.")
    seeder.start(returned, clock, 25)
    seeder.give_back(
        returned,
        clock,
        28,
        "Tiekėjų apklausos pažymoje nenurodytos kitų tiekėjų kainos; patikslinkite ją.",
    )

    draft = seeder.claim(user=user, project=project, clock=clock, created=33, period=(15.6, 32), items=[])
    rows = seeder.items(project, clock, [(6, 0, 26, "2100.00", False), (4, 1, 30, "7350.00", True)])
    first, second = rows
    number = first["document_number"]
    services.item_add(
        actor=user,
        claim=draft,
        document=_document(f"{number.replace(' ', '_')}.pdf", f"Saskaita faktura {number}"),
        occurred_at=clock.at(33.2),
        **first,
    )
    # Imported from a spreadsheet: its document is attached later, before submission.
    services.item_add(actor=user, claim=draft, occurred_at=clock.at(33.4), **second)


def _approved_and_submitted(seeder: Seeder, project: Project, user: User, clock: Clock) -> None:
    approved = seeder.claim(
        user=user,
        project=project,
        clock=clock,
        created=9,
        period=(0, 8.5),
        items=seeder.items(project, clock, [(0, 0, 3, "12800.00", False), (2, 1, 6, "4150.75", False)]),
        indicators=[
            (i, "2", "Dalyvauta dviejose tarptautinėse parodose (nuotraukos, dalyvių sąrašai).")
            for i in _indicators(project)[:1]
        ],
    )
    seeder.submit(user, approved, clock, 10)
    seeder.start(approved, clock, 12)
    seeder.verify(approved, clock, 14)
    seeder.approve(approved, clock, 16, note="Visos išlaidos tinkamos finansuoti.")

    submitted = seeder.claim(
        user=user,
        project=project,
        clock=clock,
        created=30,
        period=(8.6, 29),
        items=seeder.items(project, clock, [(5, 0, 20, "9600.00", False)]),
    )
    seeder.submit(user, submitted, clock, 31)


def _under_verification(seeder: Seeder, project: Project, user: User, clock: Clock) -> None:
    claim = seeder.claim(
        user=user,
        project=project,
        clock=clock,
        created=22,
        period=(0, 21),
        items=seeder.items(
            project, clock, [(1, 1, 5, "2875.00", False), (3, 0, 11, "8900.00", False), (2, 0, 15, "5320.00", False)]
        ),
    )
    seeder.submit(user, claim, clock, 23)
    seeder.start(claim, clock, 27)
    first = claim.items.order_by("pk").first()
    services.item_verify(
        actor=seeder.officer,
        item=first,
        version=first.version,
        eligible_amount=first.claimed_amount,
        occurred_at=clock.at(29),
    )


def _rejected(seeder: Seeder, project: Project, user: User, clock: Clock) -> None:
    claim = seeder.claim(
        user=user,
        project=project,
        clock=clock,
        created=14,
        period=(0, 13),
        items=seeder.items(project, clock, [(6, 0, 4, "4300.00", False)]),
    )
    seeder.submit(user, claim, clock, 15)
    seeder.start(claim, clock, 17)
    seeder.reject(
        claim,
        clock,
        21,
        "Teisinės konsultacijos susijusios su klasterio įstatų keitimu, o ne su projekto veiklomis; "
        "išlaidos netinkamos finansuoti.",
    )


def _overridden(seeder: Seeder, project: Project, user: User, clock: Clock) -> None:
    """A document claimed before (a shared stand invoice split by agreement):
    the officer accepts it with a reason."""
    earlier = (
        ExpenditureItem.objects.filter(
            claim__status="submitted",
            document_date__gte=project.start_date,
            document_date__lte=clock.day(24),
        )
        .exclude(claim__project=project)
        .order_by("pk")
        .first()
    )
    claim = seeder.claim(
        user=user,
        project=project,
        clock=clock,
        created=25,
        period=(0, 24),
        items=seeder.items(project, clock, [(2, 0, 8, "5600.00", False)]),
    )
    if earlier is not None:
        item = earlier
        services.item_add(
            actor=seeder.officer,
            claim=claim,
            budget_line=BudgetLine.objects.filter(project=project).order_by("cost_category__code").first(),
            supplier_name=item.supplier_name,
            supplier_code=item.supplier_code,
            document_number=item.document_number,
            document_date=item.document_date,
            amount_excl_vat=item.amount_excl_vat,
            vat_amount=item.vat_amount,
            vat_recoverable=item.vat_recoverable,
            document=_document("bendra-saskaita.pdf", f"Saskaita faktura {item.document_number}"),
            double_funding_override_reason=(
                "Bendro parodos stendo sąskaita; pagal partnerystės sutartį kiekvienas projektas deklaruoja tą "
                "pačią sąskaitą, o tinkama suma bus padalyta tikrinant."
            ),
            occurred_at=clock.at(25.5),
        )
    seeder.submit(user, claim, clock, 26)
