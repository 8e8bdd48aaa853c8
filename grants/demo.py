"""The ministry's demo data: its programme, the five cluster-support instruments
and the cluster registry, written through the services from grants/data/seed_facts.json
so that every published figure is reproduced exactly and every invariant is checked.

Figures the ministry did not publish (funding rates, dates, targets, the shape of
the registry) come from the file's `demo_assumptions` section. The published figures
describe the programme on `as_of` (2021-12-31): DIH and Inolink ongoing, the other
instruments partly completed. The demo then lets every project run to its end within
the programme period, be completed, paid in full and closed, so that on the demo's
`today` every status agrees with the project's dates. Each change is recorded with
the moment it happened (`occurred_at`), in the order it happened. The plan is drawn
from a fixed random seed before anything is written, so it never depends on what
the database already holds; `seed_demo` then creates only what is missing, looked
up by natural key (company code, cluster name, programme/instrument/call/project
code, username), in one transaction. Running it twice changes nothing."""

import json
import random
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_FLOOR, Decimal
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from clusters.models import ActivityKind, Cluster, CommitmentKind, Organisation, OrganisationType, Region
from clusters.services import (
    cluster_activity_record,
    cluster_create,
    cluster_member_add,
    cluster_member_leave,
    excellence_label_award,
    network_membership_add,
    organisation_create,
    organisation_user_link,
)
from clusters.services.registry import (
    cluster_commitment_end,
    cluster_commitment_start,
    maturity_assessment_record,
)
from clusters.validators import company_code_check_digit
from core.audit import audit_record
from core.models import AuditEventType, Role, User
from core.money import CENT, HUNDRED, base_for_rate, to_money
from grants.demo_claims import seed_claims
from grants.demo_selection import seed_selection
from grants.models import (
    Call,
    CallStatus,
    CostCategory,
    Indicator,
    IndicatorKind,
    Instrument,
    PaymentKind,
    Programme,
    Project,
    ProjectStatus,
)
from grants.services import (
    call_create,
    call_transition,
    indicator_target_set,
    indicator_value_report,
    instrument_create,
    instrument_indicator_set,
    payment_create,
    programme_create,
    project_create,
    project_transition,
)

SEED_FACTS_PATH = Path(__file__).resolve().parent / "data" / "seed_facts.json"
VILNIUS = ZoneInfo("Europe/Vilnius")
RANDOM_SEED = 2021
ONE = Decimal("1")

# Demo accounts exist only where settings.FONDAS_DEMO_USERS is True (local and
# test settings); the password is printed by `manage.py seed_demo`.
DEMO_PASSWORD = "fondas-demo"  # noqa: S105 - a published demo password, never used in production
DEMO_USERS = (
    # username, role, first name, last name
    ("officer", Role.OFFICER, "Rūta", "Petrauskienė"),
    ("evaluator", Role.EVALUATOR, "Tomas", "Žukauskas"),
    ("applicant", Role.APPLICANT, "Jonas", "Kazlauskas"),
    ("applicant2", Role.APPLICANT, "Eglė", "Jankauskaitė"),
    ("auditor", Role.AUDITOR, "Vaida", "Stankevičiūtė"),
    ("admin", Role.ADMINISTRATOR, "Andrius", "Vaitkus"),
)

# (description, brand, sector): invented clusters, named the Lithuanian way.
CLUSTERS = (
    ("Lazerių ir šviesos technologijų klasteris", "Spindulys", "Photonics and lasers"),
    ("Jūrinių technologijų klasteris", "Baltijos bangos", "Maritime technologies"),
    ("Maisto inovacijų klasteris", "Nemuno skonis", "Food processing"),
    ("Medienos ir baldų klasteris", "Ąžuolas", "Wood and furniture"),
    ("Sveikatos technologijų klasteris", "Gijė", "Health technologies"),
    ("Skaitmeninės gamybos klasteris", "Pramonė 4.0", "Advanced manufacturing"),
    ("Žiedinės ekonomikos klasteris", "Antrasis ratas", "Circular economy"),
    ("Kūrybinių industrijų klasteris", "Šviesa", "Creative industries"),
    ("Biotechnologijų klasteris", "Ląstelė", "Biotechnology"),
    ("Energetinio efektyvumo klasteris", "Saulėgrąža", "Energy efficiency"),
    ("Tekstilės inovacijų klasteris", "Linų kelias", "Textiles"),
    ("Logistikos klasteris", "Šiaurės vartai", "Transport and logistics"),
    ("Agrotechnologijų klasteris", "Žemdirbys", "Agri-food technologies"),
    ("Finansinių technologijų klasteris", "Skaitmeninis litas", "Financial technologies"),
    ("Tvarios statybos klasteris", "Tvarūs namai", "Construction"),
    ("Mechatronikos klasteris", "Judesys", "Mechatronics"),
    ("Elektronikos klasteris", "Grandinė", "Electronics"),
    ("Chemijos pramonės klasteris", "Junginys", "Chemicals"),
    ("Plastikų perdirbimo klasteris", "Polimeras", "Plastics and recycling"),
    ("Pajūrio turizmo klasteris", "Kopų kraštas", "Tourism"),
    ("Vandens technologijų klasteris", "Versmė", "Water technologies"),
    ("Dirbtinio intelekto klasteris", "Neuronas", "Artificial intelligence"),
    ("Kibernetinio saugumo klasteris", "Skydas", "Cyber security"),
    ("Žaidimų kūrėjų klasteris", "Žaismas", "Game development"),
    ("Gynybos pramonės klasteris", "Vytis", "Defence and security"),
    ("Kosmoso technologijų klasteris", "Orbita", "Space technologies"),
    ("Farmacijos klasteris", "Vaistažolė", "Pharmaceuticals"),
    ("Ekologinio ūkininkavimo klasteris", "Dirva", "Organic farming"),
    ("Pieno perdirbimo klasteris", "Baltas lašas", "Dairy"),
    ("Žuvininkystės klasteris", "Marių žvejai", "Fisheries"),
    ("Metalo apdirbimo klasteris", "Kalvė", "Metalworking"),
    ("Baldų dizaino klasteris", "Kėdė", "Furniture design"),
    ("Aviacijos klasteris", "Sparnai", "Aviation"),
    ("Geležinkelių inovacijų klasteris", "Bėgiai", "Rail"),
    ("Išmaniųjų miestų klasteris", "Miesto pulsas", "Smart cities"),
    ("Švietimo technologijų klasteris", "Mokykla 2030", "Education technologies"),
    ("Kino ir medijų klasteris", "Kadras", "Film and media"),
    ("Muzikos industrijų klasteris", "Garsas", "Music industry"),
    ("Mados klasteris", "Siūlas", "Fashion"),
    ("Bioekonomikos klasteris", "Žalioji grandis", "Bioeconomy"),
    ("Vandenilio technologijų klasteris", "H2 Baltija", "Hydrogen"),
    ("Elektromobilumo klasteris", "Įkrova", "Electric mobility"),
    ("Robotikos klasteris", "Robotų slėnis", "Robotics"),
    ("Medicinos prietaisų klasteris", "Pulsas", "Medical devices"),
    ("Sidabrinės ekonomikos klasteris", "Gerovė", "Services for older people"),
    ("Pakavimo inovacijų klasteris", "Dėžutė", "Packaging"),
    ("Saulės energetikos klasteris", "Saulės slėnis", "Solar energy"),
    ("Tvarios chemijos klasteris", "Žalioji molekulė", "Green chemistry"),
    ("Amatų klasteris", "Rankų darbas", "Crafts"),
    ("Gintaro klasteris", "Gintarė", "Amber and jewellery"),
)
NAME_STEMS = (
    "Šiaurės", "Nemuno", "Baltijos", "Ąžuolo", "Vėjo", "Gintaro", "Žalgirio", "Dainavos", "Žemaitijos", "Aukštaitijos",
    "Sūduvos", "Neries", "Ventos", "Šešupės", "Dubysos", "Rasos", "Saulės", "Mėnulio", "Kopų", "Girių",
)  # fmt: skip
NAME_ENDINGS = (
    "technologijos", "inžinerija", "sprendimai", "gamyba", "sistemos", "projektai", "laboratorija", "dizainas",
    "inovacijos", "elektronika", "mechanika", "duomenys", "energija", "statyba", "paslaugos",
)  # fmt: skip
CITIES = (
    ("Vilniaus", Region.VILNIUS), ("Kauno", Region.KAUNAS), ("Klaipėdos", Region.KLAIPEDA),
    ("Šiaulių", Region.SIAULIAI), ("Panevėžio", Region.PANEVEZYS), ("Alytaus", Region.ALYTUS),
    ("Marijampolės", Region.MARIJAMPOLE), ("Utenos", Region.UTENA),
)  # fmt: skip
REGION_WEIGHTS = {
    Region.VILNIUS: 35, Region.KAUNAS: 25, Region.KLAIPEDA: 12, Region.SIAULIAI: 7, Region.PANEVEZYS: 7,
    Region.ALYTUS: 3, Region.MARIJAMPOLE: 3, Region.TAURAGE: 2, Region.TELSIAI: 3, Region.UTENA: 3,
}  # fmt: skip
DIGITAL_HUBS = (
    ("Asociacija „Pramonės skaitmeninimo centras“", Region.VILNIUS, "Pramonės skaitmeninimas"),
    ("VšĮ „Kauno skaitmeninių inovacijų centras“", Region.KAUNAS, "Gamybos įmonių skaitmeninė transformacija"),
    ("VšĮ „Agrotechnologijų skaitmeninimo centras“", Region.SIAULIAI, "Žemės ūkio ir maisto skaitmeninimas"),
    ("Asociacija „Žaliosios pramonės inovacijų centras“", Region.KLAIPEDA, "Žaliosios pramonės skaitmeninimas"),
)
AGENCY_NAME = "VšĮ „Klasterių plėtros agentūra“"
NETWORKS = (
    "TCI Network",
    "European Cluster Collaboration Platform",
    "BSR Cluster Cooperation Network",
    "Enterprise Europe Network",
    "Vanguard Initiative",
    "European Cluster Alliance",
)
TRADE_FAIRS = (
    "Hannover Messe", "MWC Barcelona", "SIAL Paris", "Medica", "Photonics West", "Slush", "Web Summit", "Anuga",
    "Interzum", "Bauma", "Gamescom", "Arab Health",
)  # fmt: skip
SESSION_TOPICS = (
    "valdysena", "narių įtraukimas", "tarptautiškumas", "skaitmeninimas", "finansinis tvarumas", "paslaugų portfelis",
)  # fmt: skip


def load_seed_facts(path: Path = SEED_FACTS_PATH) -> dict:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def split_weighted(total: Decimal, weights: Sequence[int], *, unit: Decimal = CENT) -> list[Decimal]:
    """Split `total` into len(weights) multiples of `unit` in proportion to the
    integer weights, summing exactly to `total` (largest remainder method)."""
    units = Decimal(total) / unit
    if units != units.to_integral_value():
        raise ValueError(f"{total} is not a whole number of {unit}.")
    units = int(units)
    whole = sum(weights)
    shares = [units * w // whole for w in weights]
    order = sorted(range(len(weights)), key=lambda i: (-(units * weights[i] % whole), i))
    for i in order[: units - sum(shares)]:
        shares[i] += 1
    return [(Decimal(s) * unit).quantize(unit) for s in shares]


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, 28))


def _day_between(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, max(0, (last - first).days)))


def published_share(text: str) -> Decimal:
    """The percentage in a published share such as '> 60%' or '~1%'."""
    match = re.search(r"(\d+(?:\.\d+)?)\s*%", text)
    if match is None:
        raise ValueError(f"No percentage in {text!r}.")
    return Decimal(match.group(1))


def _unit_of(indicator_unit: str) -> Decimal:
    return CENT if indicator_unit == "EUR" else ONE


# ---------------------------------------------------------------------------
# The plan: plain data drawn from the facts and a fixed seed.


@dataclass
class OrganisationPlan:
    name: str
    legal_code: str
    organisation_type: str
    region: str
    sector: str = ""


@dataclass
class ClusterPlan:
    name: str
    brand: str
    sector: str
    coordinator: OrganisationPlan
    established_on: date
    is_new_initiative: bool = False
    # The level of its latest assessment today (the history: `assessments`).
    maturity_level: int = 1
    # Strategy flags (CommitmentKind) it holds today; their dated history: `commitments`.
    holds: set[str] = field(default_factory=set)
    members: list[tuple[OrganisationPlan, date, date | None]] = field(default_factory=list)
    labels: list[tuple[str, date, date]] = field(default_factory=list)
    # (network, joined_on, left_on or None)
    networks: list[tuple[str, date, date | None]] = field(default_factory=list)
    activities: list[tuple[str, date, str]] = field(default_factory=list)
    # (kind, started_on, ended_on or None) and (level, assessed_on): dated records.
    commitments: list[tuple[str, date, date | None]] = field(default_factory=list)
    assessments: list[tuple[int, date]] = field(default_factory=list)


@dataclass
class IndicatorPlan:
    code: str
    name_lt: str
    name_en: str
    unit: str
    kind: str
    target: Decimal
    published: Decimal


@dataclass
class ProjectPlan:
    code: str
    title: str
    beneficiary: OrganisationPlan
    start_date: date
    end_date: date
    grant_amount: Decimal
    budget: dict[str, Decimal]
    completed_by_as_of: bool
    closed_on: date | None = None
    partners: list[OrganisationPlan] = field(default_factory=list)
    payments: list[tuple[str, date, Decimal]] = field(default_factory=list)
    targets: dict[str, Decimal] = field(default_factory=dict)
    values: list[tuple[str, date, Decimal]] = field(default_factory=list)


@dataclass
class InstrumentPlan:
    code: str
    name_lt: str
    name_en: str
    allocation_amount: Decimal
    funding_rate: Decimal
    max_grant_amount: Decimal
    state_aid_regime: str
    cost_categories: list[str]
    call: dict
    indicators: list[IndicatorPlan]
    projects: list[ProjectPlan] = field(default_factory=list)


@dataclass
class DemoPlan:
    as_of: date
    today: date
    programme: dict
    cost_categories: list[dict]
    organisations: list[OrganisationPlan]
    clusters: list[ClusterPlan]
    instruments: list[InstrumentPlan]
    applicant_organisations: dict[str, OrganisationPlan]
    # The selection behind the projects and today's calls (grants.demo_selection).
    selection: dict = field(default_factory=dict)


class CompanyCodes:
    """Unique, valid company codes drawn from their own seeded generator. Entities
    registered before 2004 have codes starting with 1; those registered since,
    codes 300000000-306999999 in the order of registration (the check digit last)."""

    def __init__(self, seed: str) -> None:
        self.rng = random.Random(seed)
        self.issued: set[str] = set()

    def draw(self, *, since_2004: bool) -> str:
        while True:
            if since_2004:
                first_eight = f"30{self.rng.randint(0, 6)}{self.rng.randint(0, 99999):05d}"
            else:
                first_eight = f"1{self.rng.randint(10, 95)}{self.rng.randint(0, 99999):05d}"
            code = f"{first_eight}{company_code_check_digit(first_eight)}"
            if code not in self.issued:
                self.issued.add(code)
                return code


def _organisations(rng: random.Random) -> dict[str, list[OrganisationPlan]]:
    regions, weights = list(REGION_WEIGHTS), list(REGION_WEIGHTS.values())
    codes = CompanyCodes(f"{RANDOM_SEED}-company-codes")
    coordinators = []
    for i, (_, brand, sector) in enumerate(CLUSTERS):
        name = f"Asociacija „{brand}“" if i % 2 == 0 else f"VšĮ „{brand} klasteris“"
        region = rng.choices(regions, weights)[0]
        code = codes.draw(since_2004=True)
        coordinators.append(OrganisationPlan(name, code, OrganisationType.NGO, region, sector))
    members = []
    names = [f"{stem} {ending}" for stem in NAME_STEMS for ending in NAME_ENDINGS]
    rng.shuffle(names)
    for i in range(180):
        large = i % 10 == 0
        code = codes.draw(since_2004=not large and codes.rng.random() < 0.65)
        members.append(
            OrganisationPlan(
                f"AB „{names[i]}“" if large else f"UAB „{names[i]}“",
                code,
                OrganisationType.LARGE if large else OrganisationType.SME,
                rng.choices(regions, weights)[0],
            )
        )
    for stem in NAME_STEMS[:12]:
        members.append(
            OrganisationPlan(
                f"VšĮ „{stem} mokslo ir technologijų parkas“",
                codes.draw(since_2004=codes.rng.random() < 0.5),
                OrganisationType.RESEARCH,
                rng.choices(regions, weights)[0],
                "Research and innovation",
            )
        )
    for city, region in CITIES:
        members.append(
            OrganisationPlan(
                f"{city} regiono plėtros agentūra", codes.draw(since_2004=False), OrganisationType.PUBLIC, region
            )
        )
    hubs = [
        OrganisationPlan(name, codes.draw(since_2004=True), OrganisationType.NGO, region, "Digital innovation")
        for name, region, _ in DIGITAL_HUBS
    ]
    agency = OrganisationPlan(
        AGENCY_NAME, codes.draw(since_2004=True), OrganisationType.PUBLIC, Region.VILNIUS, "Innovation support"
    )
    return {"coordinators": coordinators, "members": members, "hubs": hubs, "agency": [agency]}


def _clusters(
    rng: random.Random, facts: dict, orgs: dict[str, list[OrganisationPlan]], renewed_through: date
) -> list[ClusterPlan]:
    shape = facts["demo_assumptions"]["clusters"]
    as_of = date.fromisoformat(facts["demo_assumptions"]["as_of"])
    landscape = facts["cluster_landscape_now"]
    count = shape["count"]
    labels = shape["labels"]
    if labels.get("gold", 0) or labels["bronze"] + labels["silver"] != landscape["clusters_with_label_of_excellence"]:
        raise ValueError("demo_assumptions.clusters.labels must add up to the published label count, none gold.")
    if (
        sum(int(n) for n in shape["first_consultations_by_year"].values())
        != (landscape["clusters_selected_for_consultations_until_2021"])
    ):
        raise ValueError("demo_assumptions.clusters.first_consultations_by_year must add up to the published count.")
    for key, published in (
        ("in_international_networks", landscape["share_of_clusters_in_international_networks"]),
        ("digitisation_strategy", landscape["digitisation_strategy_planned_2020"]),
    ):
        if not Decimal(shape[key]) * 100 / count > published_share(published):
            raise ValueError(f"demo_assumptions.clusters.{key} must make the share {published}.")
    if sum(shape["maturity_levels"].values()) != count:
        raise ValueError("demo_assumptions.clusters.maturity_levels must add up to the cluster count.")

    clusters = []
    new_initiatives = set(range(count - shape["new_initiatives"], count))
    for i, (description, brand, sector) in enumerate(CLUSTERS[:count]):
        new = i in new_initiatives
        established = (
            _day_between(rng, date(2019, 2, 1), date(2021, 3, 31))
            if new
            else _day_between(rng, date(2005, 1, 1), date(2015, 12, 31))
        )
        clusters.append(
            ClusterPlan(f"{description} „{brand}“", brand, sector, orgs["coordinators"][i], established, new)
        )
    old = [c for c in clusters if not c.is_new_initiative]
    new = [c for c in clusters if c.is_new_initiative]

    # Maturity: new initiatives are emerging; the older clusters take the rest.
    levels = [int(level) for level, n in sorted(shape["maturity_levels"].items()) for _ in range(n)]
    for cluster in new:
        levels.remove(1)
        cluster.maturity_level = 1
    rng.shuffle(levels)
    for cluster, level in zip(old, levels, strict=True):
        cluster.maturity_level = level

    # Labels of excellence go to the most mature clusters, silver first.
    by_maturity = sorted(old, key=lambda c: (-c.maturity_level, c.name))
    for n, cluster in enumerate(by_maturity[: labels["bronze"] + labels["silver"]]):
        awarded = _day_between(rng, date(2020, 1, 15), date(2021, 6, 30))
        level = "silver" if n < labels["silver"] else "bronze"
        # A label is valid two years; labelled clusters renewed theirs, up to the
        # day the demo is loaded (never later), so the registry shows the published
        # ten on that day's reports.
        while awarded <= renewed_through:
            cluster.labels.append((level, awarded, awarded + timedelta(days=730)))
            awarded += timedelta(days=730)

    # International networks: labelled clusters first, then others at random.
    labelled = by_maturity[: labels["bronze"] + labels["silver"]]
    others = [c for c in clusters if c not in labelled]
    rng.shuffle(others)
    for cluster in labelled + others[: shape["in_international_networks"] - len(labelled)]:
        for network in rng.sample(NETWORKS, 2 if rng.random() < 0.35 else 1):
            joined = _day_between(rng, max(cluster.established_on, date(2012, 1, 1)), as_of - timedelta(days=60))
            cluster.networks.append((network, joined, None))

    # Strategy flags held today (dated by _cluster_history).
    for kind, n in (
        (CommitmentKind.DIGITISATION, shape["digitisation_strategy"]),
        (CommitmentKind.CIRCULAR_ECONOMY, shape["circular_economy_strategy"]),
    ):
        for cluster in rng.sample(clusters, n):
            cluster.holds.add(kind)
    for cluster in rng.sample(new, shape["new_initiatives_considering_sustainability"]):
        cluster.holds.add(CommitmentKind.SUSTAINABILITY)
    for cluster in rng.sample(old, 10):
        cluster.holds.add(CommitmentKind.SUSTAINABILITY)
    for cluster in by_maturity[: shape["pact_for_skills"]]:
        cluster.holds.add(CommitmentKind.PACT_FOR_SKILLS)

    # Members: several companies, research and public bodies per cluster; some leave.
    low, high = shape["members_per_cluster"]
    for cluster in clusters:
        for organisation in rng.sample(orgs["members"], rng.randint(low, high)):
            joined = _day_between(rng, cluster.established_on + timedelta(days=30), as_of - timedelta(days=200))
            left = None
            if rng.random() < 0.12:
                left = _day_between(rng, joined + timedelta(days=180), as_of)
            cluster.members.append((organisation, joined, left))

    # Inolink: consultations for the selected clusters, then maturity sessions.
    selected = rng.sample(old, landscape["clusters_selected_for_consultations_until_2021"])
    years = [int(year) for year, n in sorted(shape["first_consultations_by_year"].items()) for _ in range(n)]
    sessions = split_weighted(
        Decimal(landscape["maturity_sessions_until_2021"]), [rng.randint(5, 12) for _ in selected], unit=ONE
    )
    for cluster, year, n_sessions in zip(selected, years, sessions, strict=True):
        first = _day_between(rng, date(year, 1, 15), date(year, 10, 31))
        cluster.activities.append((ActivityKind.CONSULTATION, first, "Konsultacija: klasterio plėtros strategija"))
        for k in range(rng.randint(0, 2)):
            follow_up = _day_between(rng, first + timedelta(days=60), as_of - timedelta(days=10))
            title = f"Konsultacija Nr. {k + 2}: tarptautinės partnerystės"
            cluster.activities.append((ActivityKind.CONSULTATION, follow_up, title))
        span = (date(2021, 12, 15) - first).days
        for k in range(int(n_sessions)):
            held = first + timedelta(days=14 + span * k // int(n_sessions))
            title = f"Brandos sesija Nr. {k + 1}: {SESSION_TOPICS[k % len(SESSION_TOPICS)]}"
            cluster.activities.append((ActivityKind.MATURITY_SESSION, min(held, as_of), title))
    for cluster in by_maturity[: shape["training_initiatives"]]:
        held = _day_between(rng, date(2021, 3, 1), date(2021, 11, 30))
        cluster.activities.append((ActivityKind.TRAINING, held, "Mokymai: skaitmeninių įgūdžių tobulinimas"))
    _cluster_history(clusters, by_maturity, renewed_through)
    return clusters


TRAINING_TOPICS = (
    "skaitmeninių įgūdžių tobulinimas",
    "žiedinės ekonomikos verslo modeliai",
    "eksporto rinkų paieška",
    "projektų valdymas",
    "duomenų analitika gamyboje",
)


def _cluster_history(clusters: list[ClusterPlan], by_maturity: list[ClusterPlan], today: date) -> None:
    """The dated history behind today's registry, 2016 to `today`: strategy flags
    adopted (and some dropped), maturity assessed step by step up to today's
    level, networks joined and left, earlier labels that expired, trainings
    every year. Drawn from its own generator, so the rest of the plan (and the
    published facts it reproduces) does not move; today's state is the plan's:
    `holds`, `maturity_level`, the open networks and the valid labels."""
    rng = random.Random(f"{RANDOM_SEED}-cluster-history")
    last = today - timedelta(days=1)

    def between(cluster: ClusterPlan, first: date, latest: date) -> date:
        # Never before the cluster exists, never in the future.
        first = max(first, cluster.established_on)
        return min(_day_between(rng, first, max(latest, first + timedelta(days=90))), last)

    pact_before = by_maturity[1] if len(by_maturity) > 1 else None
    for cluster in clusters:
        new = cluster.is_new_initiative
        for kind, first, latest, dropped in (
            (CommitmentKind.DIGITISATION, date(2016, 3, 1), date(2020, 6, 30), 0.5),
            (CommitmentKind.CIRCULAR_ECONOMY, date(2018, 1, 1), date(2025, 10, 31), 0.25),
            (CommitmentKind.SUSTAINABILITY, date(2019, 6, 1), date(2024, 12, 31), 0.0),
            (CommitmentKind.PACT_FOR_SKILLS, date(2020, 11, 10), date(2021, 12, 31), 0.0),
        ):
            if kind in cluster.holds:
                # A new initiative that considers sustainability does so from its start.
                started = cluster.established_on if new and kind == CommitmentKind.SUSTAINABILITY else None
                cluster.commitments.append((kind, started or between(cluster, first, latest), None))
            elif rng.random() < dropped and cluster.established_on < date(2019, 1, 1):
                started = between(cluster, first - timedelta(days=700), first + timedelta(days=700))
                ended = min(started + timedelta(days=rng.randint(400, 1500)), last)
                cluster.commitments.append((kind, started, ended))
        if cluster is pact_before and CommitmentKind.PACT_FOR_SKILLS not in cluster.holds:
            cluster.commitments.append(
                (
                    CommitmentKind.PACT_FOR_SKILLS,
                    between(cluster, date(2021, 2, 1), date(2021, 6, 30)),
                    date(2023, 9, 1),
                )
            )

        # Maturity: assessed in 2016 (or half a year after it was established),
        # then one level up at a time in later years until today's level.
        first_day = between(
            cluster, max(date(2016, 2, 1), cluster.established_on + timedelta(days=180)), date(2016, 11, 30)
        )
        level = max(1, cluster.maturity_level - 2) if not new else cluster.maturity_level
        cluster.assessments.append((level, first_day))
        years = list(range(first_day.year + 1, last.year + 1))
        steps = sorted(rng.sample(years, min(cluster.maturity_level - level, len(years))))
        for year in steps:
            level += 1
            cluster.assessments.append((level, min(_day_between(rng, date(year, 1, 10), date(year, 11, 30)), last)))
        if level != cluster.maturity_level:
            cluster.assessments[-1] = (cluster.maturity_level, cluster.assessments[-1][1])

        # Clusters outside networks today: some were members once.
        if not cluster.networks and rng.random() < 0.4:
            joined = between(cluster, date(2014, 1, 1), date(2018, 6, 30))
            cluster.networks.append(
                (rng.choice(NETWORKS), joined, min(joined + timedelta(days=rng.randint(500, 1400)), last))
            )
        # Labelled clusters: some held a bronze label before, which expired.
        if cluster.labels and rng.random() < 0.5:
            awarded = between(cluster, date(2016, 1, 15), date(2017, 12, 31))
            cluster.labels.insert(0, ("bronze", awarded, awarded + timedelta(days=730)))

    # Trainings for the clusters' members, a few every year.
    for year in range(2016, today.year + 1):
        existing = [c for c in clusters if c.established_on <= date(year, 6, 30)]
        for k in range(rng.randint(2, 4)):
            cluster = rng.choice(existing)
            held = min(_day_between(rng, date(year, 1, 15), date(year, 12, 10)), last)
            if year == today.year:
                held = _day_between(rng, date(year, 1, 2), last) if last >= date(year, 1, 2) else last
            cluster.activities.append(
                (ActivityKind.TRAINING, held, f"Mokymai: {TRAINING_TOPICS[(year + k) % len(TRAINING_TOPICS)]}")
            )


def _project_period(
    rng: random.Random, assumed: dict, *, completed_by_as_of: bool, as_of: date, programme_end: date
) -> tuple[date, date]:
    """Start and end of a project: ended by `as_of` if it was completed by then,
    otherwise still running on `as_of` (extended where its call's dates leave no
    other way), and always ending within the programme period."""
    first_start, last_start = (date.fromisoformat(d) for d in assumed["start_between"])
    low, high = assumed["duration_months"]
    months = rng.randint(low, high)
    if completed_by_as_of:
        latest_start = min(last_start, add_months(as_of, -months))
        if latest_start < first_start:
            raise ValueError(f"No {months}-month project starting from {first_start} ends by {as_of}.")
        start = _day_between(rng, first_start, latest_start)
        return start, add_months(start, months) - timedelta(days=1)
    earliest_start = max(first_start, add_months(as_of, -months) + timedelta(days=7))
    start = _day_between(rng, earliest_start, last_start) if earliest_start <= last_start else None
    if start is None:
        start = _day_between(rng, first_start, last_start)
    end = add_months(start, months) - timedelta(days=1)
    if end <= as_of + timedelta(days=30):
        # Extended by an amendment: it ran on into the next year or two.
        end = _day_between(rng, as_of + timedelta(days=31), add_months(as_of, 18))
    return start, min(end, programme_end)


def _payment_plan(rng: random.Random, plan: InstrumentPlan, shares: dict, as_of: date, today: date) -> None:
    """An advance after the start, an interim payment during implementation, and the
    final payment after completion, then the project is closed.

    Each kind's total per instrument is its share of the grants concerned, rounded
    once and split over the projects in proportion to their grants, so that the
    instrument's totals are exactly the plan's round figures; the final payment is
    the rest of each grant, so every project is paid exactly its grant."""
    projects = plan.projects
    cents = [int(p.grant_amount / CENT) for p in projects]

    def split_share(share: str, chosen: list[int]) -> dict[int, Decimal]:
        if not chosen:
            return {}
        total = to_money(sum((projects[i].grant_amount for i in chosen), Decimal(0)) * Decimal(share))
        return dict(zip(chosen, split_weighted(total, [cents[i] for i in chosen]), strict=True))

    everyone = list(range(len(projects)))
    advances = split_share(shares["advance_share"], everyone)
    interims = split_share(shares["interim_share"], [i for i in everyone if projects[i].completed_by_as_of])
    interims |= split_share(
        shares["ongoing_interim_share"], [i for i in everyone if not projects[i].completed_by_as_of]
    )
    final_days, closed_days = shares["final_payment_days_after_end"], shares["closed_days_after_final_payment"]
    for i, project in enumerate(projects):
        advance_on = project.start_date + timedelta(days=rng.randint(15, 45))
        midpoint = project.start_date + (project.end_date - project.start_date) / 2
        interim_on = midpoint
        if not project.completed_by_as_of and midpoint > as_of - timedelta(days=30):
            # Ongoing on as_of: its interim claim was paid before the year closed.
            interim_on = max(as_of - timedelta(days=rng.randint(30, 60)), advance_on + timedelta(days=30))
        final_on = project.end_date + timedelta(days=rng.randint(*final_days))
        project.closed_on = final_on + timedelta(days=rng.randint(*closed_days))
        if project.closed_on > today:
            raise ValueError(f"{project.code} would close on {project.closed_on}, after the demo's today ({today}).")
        final = project.grant_amount - advances[i] - interims[i]
        if min(advances[i], interims[i], final) <= 0:
            raise ValueError(f"{project.code}: every payment must be more than EUR 0.00.")
        project.payments = [
            (PaymentKind.ADVANCE, advance_on, advances[i]),
            (PaymentKind.INTERIM, interim_on, interims[i]),
            (PaymentKind.FINAL, final_on, final),
        ]


def _project_values(plan: ProjectPlan, indicator: IndicatorPlan, achieved: Decimal) -> None:
    """Report `achieved` in two instalments: at mid-term and at the end."""
    unit = _unit_of(indicator.unit)
    first = (achieved * Decimal("0.4") / unit).to_integral_value(rounding=ROUND_FLOOR) * unit
    midpoint = plan.start_date + (plan.end_date - plan.start_date) / 2
    for reported_on, value in ((midpoint, first), (plan.end_date, achieved - first)):
        if value > 0:
            plan.values.append((indicator.code, reported_on, value.quantize(unit)))


def _instruments(
    rng: random.Random, facts: dict, orgs: dict[str, list[OrganisationPlan]], clusters: list[ClusterPlan]
) -> list[InstrumentPlan]:
    assumptions = facts["demo_assumptions"]
    as_of = date.fromisoformat(assumptions["as_of"])
    today = date.fromisoformat(assumptions["today"])
    programme_end = date.fromisoformat(assumptions["programme"]["period_end"])
    old_clusters = [c for c in clusters if not c.is_new_initiative]
    by_coordinator = {c.coordinator.legal_code: c for c in clusters}
    bcl_clusters = [old_clusters[0], *rng.sample(old_clusters[1:], len(old_clusters) - 1)]
    instruments = []
    for published in facts["instruments"]:
        code = published["code"]
        assumed = assumptions["instruments"][code]
        if published["project_state"] == "ongoing" and assumed["completed_projects"]:
            raise ValueError(f"{code} is published as ongoing: demo_assumptions may not complete any project.")
        rate = Decimal(assumed["funding_rate"])
        shares = assumed["budget_shares"]
        plan = InstrumentPlan(
            code=code,
            name_lt=assumed["name_lt"],
            name_en=published["name"],
            allocation_amount=to_money(published["budget_eur"]),
            funding_rate=rate,
            max_grant_amount=to_money(assumed["max_grant_amount"]),
            state_aid_regime=assumed["state_aid_regime"],
            cost_categories=list(shares),
            call=assumed["call"],
            indicators=[],
        )
        results = {r["indicator"]: r for r in published["results"]}
        for item in assumed["indicators"]:
            result = results[item["result"]]
            plan.indicators.append(
                IndicatorPlan(
                    code=item["code"],
                    name_lt=item["name_lt"],
                    name_en=result["indicator"],
                    unit=result["unit"],
                    kind=item["kind"],
                    target=Decimal(item["target"]).quantize(_unit_of(result["unit"])),
                    published=Decimal(str(result["value"])),
                )
            )
        if len(plan.indicators) != len(results):
            raise ValueError(f"demo_assumptions.instruments.{code}.indicators must cover every published result.")

        n = published["projects"]
        grants = split_weighted(plan.allocation_amount, [rng.randint(60, 140) for _ in range(n)])
        completed = set(rng.sample(range(n), assumed["completed_projects"]))
        if code in ("BCL", "IKL"):
            beneficiaries = [c.coordinator for c in bcl_clusters[:n]]
        elif code == "ICN":
            pool = [c.coordinator for c in bcl_clusters[:30]]
            beneficiaries = [pool[i] if i < len(pool) else rng.choice(pool) for i in range(n)]
        elif code == "DIH":
            beneficiaries = orgs["hubs"][:n]
        else:
            beneficiaries = orgs["agency"] * n
        for i, (grant, beneficiary) in enumerate(zip(grants, beneficiaries, strict=True)):
            start, end = _project_period(
                rng, assumed, completed_by_as_of=i in completed, as_of=as_of, programme_end=programme_end
            )
            eligible = base_for_rate(grant, rate)
            weights = [int(s) * 100 + rng.randint(-int(s) * 15, int(s) * 15) for s in shares.values()]
            budget = dict(zip(shares, split_weighted(eligible, weights), strict=True))
            cluster = by_coordinator.get(beneficiary.legal_code)
            brand = cluster.brand if cluster else ""
            title = {
                "BCL": f"Klasterio „{brand}“ plėtra ir tarptautiškumo skatinimas",
                "IKL": f"Klasterio „{brand}“ bendros inovacijų infrastruktūros ir prototipų kūrimas",
                "ICN": f"Klasterio „{brand}“ dalyvavimas tarptautinėje parodoje „{rng.choice(TRADE_FAIRS)}“",
                "DIH": f"Skaitmeninių inovacijų centras: {DIGITAL_HUBS[i % len(DIGITAL_HUBS)][2].lower()}",
                "INL": "Inolink: klasterių konsultacijos, renginiai ir brandos sesijos",
            }[code]
            project = ProjectPlan(
                code=f"{assumed['call']['code']}-{i + 1:04d}",
                title=title,
                beneficiary=beneficiary,
                start_date=start,
                end_date=end,
                grant_amount=grant,
                budget=budget,
                completed_by_as_of=i in completed,
            )
            if code == "DIH":
                project.partners = rng.sample(orgs["members"][-20:], rng.randint(2, 3))
            plan.projects.append(project)
        _payment_plan(rng, plan, assumptions["payments"], as_of, today)
        _indicator_plan(rng, plan, clusters, as_of)
        instruments.append(plan)
    return instruments


def _indicator_plan(rng: random.Random, plan: InstrumentPlan, clusters: list[ClusterPlan], as_of: date) -> None:
    """Project targets split the instrument target by grant; achieved values split
    the published result exactly, every project (all completed) near its target."""
    if not plan.indicators:
        return
    grant_weights = [int(p.grant_amount) for p in plan.projects]
    for indicator in plan.indicators:
        unit = _unit_of(indicator.unit)
        targets = split_weighted(indicator.target, grant_weights, unit=unit)
        for project, target in zip(plan.projects, targets, strict=True):
            project.targets[indicator.code] = target
        if plan.code == "INL":
            continue  # reported from the cluster activities, below
        weights = [max(1, int(t / unit) * rng.randint(95, 115)) for t in targets]
        for project, achieved in zip(
            plan.projects, split_weighted(indicator.published, weights, unit=unit), strict=True
        ):
            _project_values(project, indicator, achieved)
    if plan.code == "INL":
        # One project reports per year what the registry's activities show.
        consulted = Counter()
        sessions = Counter()
        for cluster in clusters:
            consultations = [a for a in cluster.activities if a[0] == ActivityKind.CONSULTATION]
            if consultations:
                consulted[min(a[1] for a in consultations).year] += 1
            sessions.update(a[1].year for a in cluster.activities if a[0] == ActivityKind.MATURITY_SESSION)
        clusters_code, sessions_code = (i.code for i in plan.indicators)
        for project in plan.projects:
            for year in sorted(set(consulted) | set(sessions)):
                reported_on = min(date(year, 12, 31), as_of)
                if consulted[year]:
                    project.values.append((clusters_code, reported_on, Decimal(consulted[year])))
                if sessions[year]:
                    project.values.append((sessions_code, reported_on, Decimal(sessions[year])))


def build_plan(facts: dict | None = None, *, labels_renewed_through: date | None = None) -> DemoPlan:
    """Everything seed_demo writes, as plain data. Deterministic, except that labels
    of excellence are renewed up to `labels_renewed_through` (default: today)."""
    facts = facts or load_seed_facts()
    rng = random.Random(RANDOM_SEED)
    orgs = _organisations(rng)
    clusters = _clusters(rng, facts, orgs, labels_renewed_through or timezone.localdate())
    instruments = _instruments(rng, facts, orgs, clusters)
    bcl = next(i for i in instruments if i.code == "BCL")
    as_of = date.fromisoformat(facts["demo_assumptions"]["as_of"])
    today = date.fromisoformat(facts["demo_assumptions"]["today"])
    programme = facts["programme"] | facts["demo_assumptions"]["programme"]
    first, last = date.fromisoformat(programme["period_start"]), date.fromisoformat(programme["period_end"])
    for instrument in instruments:
        for project in instrument.projects:
            if not first <= project.start_date <= project.end_date <= last:
                raise ValueError(f"{project.code} must run within the programme period {first} - {last}.")
            if (project.end_date <= as_of) != project.completed_by_as_of:
                raise ValueError(f"{project.code} must have ended by {as_of} exactly if it was completed by then.")
    return DemoPlan(
        as_of=as_of,
        today=today,
        programme=programme,
        cost_categories=facts["demo_assumptions"]["cost_categories"],
        organisations=[o for group in orgs.values() for o in group],
        clusters=clusters,
        instruments=instruments,
        applicant_organisations={"applicant": bcl.projects[0].beneficiary, "applicant2": bcl.projects[1].beneficiary},
        selection=facts["demo_assumptions"]["selection"]
        | {"budget_shares": {code: i["budget_shares"] for code, i in facts["demo_assumptions"]["instruments"].items()}},
    )


# ---------------------------------------------------------------------------
# Writing the plan.


@dataclass
class DemoLogin:
    username: str
    role: str
    password: str
    organisation: str
    created: bool


@dataclass
class SeedReport:
    created: Counter = field(default_factory=Counter)
    logins: list[DemoLogin] = field(default_factory=list)
    users_refused: bool = False

    @property
    def changed(self) -> bool:
        return any(self.created.values())


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=VILNIUS)


def _ensure_organisations(plan: DemoPlan, report: SeedReport) -> dict[str, Organisation]:
    existing = Organisation.objects.in_bulk([o.legal_code for o in plan.organisations], field_name="legal_code")
    for item in plan.organisations:
        if item.legal_code not in existing:
            existing[item.legal_code] = organisation_create(
                actor=None,
                name=item.name,
                legal_code=item.legal_code,
                organisation_type=item.organisation_type,
                region=item.region,
                sector=item.sector,
            )
            report.created["organisations"] += 1
    return existing


def _ensure_clusters(plan: DemoPlan, organisations: dict[str, Organisation], report: SeedReport) -> None:
    existing = set(Cluster.objects.filter(name__in=[c.name for c in plan.clusters]).values_list("name", flat=True))
    for item in plan.clusters:
        if item.name in existing:
            continue
        cluster = cluster_create(
            actor=None,
            name=item.name,
            coordinator=organisations[item.coordinator.legal_code],
            established_on=item.established_on,
            sector=item.sector,
            is_new_initiative=item.is_new_initiative,
        )
        for organisation, joined_on, left_on in item.members:
            member = cluster_member_add(
                actor=None, cluster=cluster, organisation=organisations[organisation.legal_code], joined_on=joined_on
            )
            if left_on is not None:
                cluster_member_leave(actor=None, member=member, left_on=left_on)
        for level, awarded_on, valid_until in item.labels:
            excellence_label_award(
                actor=None, cluster=cluster, level=level, awarded_on=awarded_on, valid_until=valid_until
            )
        for network, joined_on, left_on in item.networks:
            network_membership_add(actor=None, cluster=cluster, network=network, joined_on=joined_on, left_on=left_on)
        for kind, started_on, ended_on in item.commitments:
            commitment = cluster_commitment_start(actor=None, cluster=cluster, kind=kind, started_on=started_on)
            if ended_on is not None:
                cluster_commitment_end(actor=None, commitment=commitment, ended_on=ended_on)
        for level, assessed_on in item.assessments:
            maturity_assessment_record(actor=None, cluster=cluster, level=level, assessed_on=assessed_on)
        for kind, held_on, title in sorted(item.activities, key=lambda a: a[1]):
            cluster_activity_record(actor=None, cluster=cluster, kind=kind, held_on=held_on, title=title)
        report.created["clusters"] += 1


def ensure_cost_categories(categories: list[dict], report: SeedReport | None = None) -> dict[str, CostCategory]:
    """Reference data an administrator keeps in the Django admin; created once, audited."""
    result = CostCategory.objects.in_bulk([c["code"] for c in categories], field_name="code")
    for item in categories:
        if item["code"] not in result:
            category = CostCategory.objects.create(
                code=item["code"], name_lt=item["name_lt"], name_en=item.get("name_en", "")
            )
            audit_record(
                actor=None,
                obj=category,
                event_type=AuditEventType.CREATED,
                new={"code": category.code, "name_lt": category.name_lt, "name_en": category.name_en},
            )
            result[item["code"]] = category
            if report is not None:
                report.created["cost categories"] += 1
    return result


def ensure_indicator(*, code: str, name_lt: str, name_en: str = "", unit: str, kind: str) -> tuple[Indicator, bool]:
    """Reference data, like cost categories: created once, audited."""
    indicator = Indicator.objects.filter(code=code).first()
    if indicator is not None:
        return indicator, False
    indicator = Indicator.objects.create(code=code, name_lt=name_lt, name_en=name_en, unit=unit, kind=kind)
    audit_record(
        actor=None,
        obj=indicator,
        event_type=AuditEventType.CREATED,
        new={"code": code, "name_lt": name_lt, "name_en": name_en, "unit": unit},
    )
    return indicator, True


def _ensure_instrument(
    item: InstrumentPlan,
    selection: dict,
    programme: Programme,
    categories: dict[str, CostCategory],
    organisations: dict[str, Organisation],
    report: SeedReport,
) -> None:
    instrument = Instrument.objects.filter(code=item.code).first()
    if instrument is None:
        instrument = instrument_create(
            actor=None,
            programme=programme,
            code=item.code,
            name_lt=item.name_lt,
            name_en=item.name_en,
            allocation_amount=item.allocation_amount,
            funding_rate=item.funding_rate,
            max_grant_amount=item.max_grant_amount,
            state_aid_regime=item.state_aid_regime,
            cost_categories=[categories[c] for c in item.cost_categories],
        )
        report.created["instruments"] += 1
    indicators = {}
    linked = set(instrument.indicator_targets.values_list("indicator__code", flat=True))
    for spec in item.indicators:
        kind = IndicatorKind.OUTPUT if spec.kind == "output" else IndicatorKind.RESULT
        indicator, created = ensure_indicator(
            code=spec.code, name_lt=spec.name_lt, name_en=spec.name_en, unit=spec.unit, kind=kind
        )
        report.created["indicators"] += created
        if spec.code not in linked:
            instrument_indicator_set(actor=None, instrument=instrument, indicator=indicator, target_value=spec.target)
        indicators[spec.code] = indicator

    spec = item.call
    call = Call.objects.filter(code=spec["code"]).first()
    if call is None:
        opens_at = _at(date.fromisoformat(spec["opens_on"]), 9)
        closes_at = _at(date.fromisoformat(spec["closes_on"]), 17)
        call = call_create(
            actor=None,
            instrument=instrument,
            code=spec["code"],
            title_lt=spec["title_lt"],
            title_en=spec.get("title_en", ""),
            budget_amount=item.allocation_amount,
            opens_at=opens_at,
            closes_at=closes_at,
            selection_method=spec["selection_method"],
            funding_rate=item.funding_rate,
            max_grant_amount=item.max_grant_amount,
            min_own_contribution_percent=HUNDRED - item.funding_rate,
            eligible_applicant_types=selection["past_calls"][item.code]["eligible_applicant_types"],
            quality_threshold=Decimal(selection["quality_threshold"]),
            occurred_at=opens_at - timedelta(days=21),
        )
        call_transition(actor=None, call=call, to_status=CallStatus.OPEN, occurred_at=opens_at)
        call_transition(actor=None, call=call, to_status=CallStatus.CLOSED, occurred_at=closes_at)
        report.created["calls"] += 1

    existing = set(Project.objects.filter(code__in=[p.code for p in item.projects]).values_list("code", flat=True))
    for project_plan in item.projects:
        if project_plan.code not in existing:
            _create_project(project_plan, instrument, call, categories, organisations, indicators)
            report.created["projects"] += 1


def _create_project(
    item: ProjectPlan,
    instrument: Instrument,
    call: Call,
    categories: dict[str, CostCategory],
    organisations: dict[str, Organisation],
    indicators: dict[str, Indicator],
) -> None:
    """Contract, implement, report, complete, pay and close in the order a real
    project goes, each step dated when it happened, so each service sees the status
    it requires and the audit trail tells the story. The grant agreement is signed
    on the start date; the project is completed on its end date and closed after
    its final payment."""
    signed_at = _at(item.start_date, 10)
    project = project_create(
        actor=None,
        instrument=instrument,
        call=call,
        code=item.code,
        title=item.title,
        beneficiary=organisations[item.beneficiary.legal_code],
        partners=[organisations[p.legal_code] for p in item.partners],
        start_date=item.start_date,
        end_date=item.end_date,
        budget={categories[code]: amount for code, amount in item.budget.items()},
        grant_amount=item.grant_amount,
        occurred_at=signed_at,
    )
    for code, target in item.targets.items():
        indicator_target_set(
            actor=None, project=project, indicator=indicators[code], target_value=target, occurred_at=signed_at
        )
    moved = partial(project_transition, actor=None, project=project)
    steps = [
        (_at(item.start_date, 12), partial(moved, to_status=ProjectStatus.IN_IMPLEMENTATION)),
        (_at(item.end_date, 15), partial(moved, to_status=ProjectStatus.COMPLETED)),
        # The ministry's projects closed before Fondas held their claims: their
        # closing is history, recorded without the closing checks.
        (_at(item.closed_on, 11), partial(moved, to_status=ProjectStatus.CLOSED, check_closing=False)),
    ]
    steps += [
        (
            _at(paid_on, 14),
            partial(payment_create, actor=None, project=project, kind=kind, paid_on=paid_on, amount=amount),
        )
        for kind, paid_on, amount in item.payments
    ]
    steps += [
        (
            _at(reported_on, 16),
            partial(
                indicator_value_report,
                actor=None,
                project=project,
                indicator=indicators[code],
                reported_on=reported_on,
                value=value,
            ),
        )
        for code, reported_on, value in item.values
    ]
    for occurred_at, step in sorted(steps, key=lambda s: s[0]):
        step(occurred_at=occurred_at)


def _ensure_users(plan: DemoPlan, organisations: dict[str, Organisation], report: SeedReport) -> None:
    if not getattr(settings, "FONDAS_DEMO_USERS", False):
        report.users_refused = True
        return
    existing = User.objects.in_bulk([u[0] for u in DEMO_USERS], field_name="username")
    for username, role, first_name, last_name in DEMO_USERS:
        org_plan = plan.applicant_organisations.get(username)
        organisation = organisations[org_plan.legal_code] if org_plan else None
        user = existing.get(username)
        created = user is None
        if created:
            user = User.objects.create_user(
                username=username,
                email=f"{username}@fondas.example",
                password=DEMO_PASSWORD,
                first_name=first_name,
                last_name=last_name,
                role=role,
                is_staff=role == Role.ADMINISTRATOR,
                is_superuser=role == Role.ADMINISTRATOR,
            )
            audit_record(
                actor=None, obj=user, event_type=AuditEventType.CREATED, new={"username": username, "role": role}
            )
            if organisation is not None:
                organisation_user_link(actor=None, user=user, organisation=organisation)
            report.created["users"] += 1
        report.logins.append(
            DemoLogin(username, role, DEMO_PASSWORD, organisation.name if organisation else "", created)
        )


def seed_demo(*, plan: DemoPlan | None = None) -> SeedReport:
    """Load the ministry's demo data, creating only what is missing, in one
    transaction. Demo users only where settings.FONDAS_DEMO_USERS is True."""
    plan = plan or build_plan()
    report = SeedReport()
    with transaction.atomic():
        categories = ensure_cost_categories(plan.cost_categories, report)
        organisations = _ensure_organisations(plan, report)
        _ensure_clusters(plan, organisations, report)
        programme = Programme.objects.filter(code=plan.programme["code"]).first()
        if programme is None:
            programme = programme_create(
                actor=None,
                code=plan.programme["code"],
                name_lt=plan.programme["name_lt"],
                name_en=plan.programme.get("name_en", ""),
                country=plan.programme["country"],
                period_start=date.fromisoformat(plan.programme["period_start"]),
                period_end=date.fromisoformat(plan.programme["period_end"]),
            )
            report.created["programmes"] += 1
        for item in plan.instruments:
            _ensure_instrument(item, plan.selection, programme, categories, organisations, report)
        _ensure_users(plan, organisations, report)
        if not report.users_refused:
            seed_selection(selection=plan.selection, categories=categories, report=report)
            seed_claims(report=report)
    return report


__all__ = [
    "DEMO_PASSWORD",
    "DEMO_USERS",
    "SEED_FACTS_PATH",
    "DemoLogin",
    "DemoPlan",
    "SeedReport",
    "build_plan",
    "ensure_cost_categories",
    "ensure_indicator",
    "load_seed_facts",
    "seed_demo",
    "split_weighted",
]
