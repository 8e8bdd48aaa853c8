"""factory_boy factories for Fondas models. Money-bearing objects are built
through the services, so a factory can never create a row that breaks an invariant."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import factory

from clusters.models import Organisation, OrganisationType, Region
from clusters.services import organisation_user_link
from core.models import Role, User
from grants.models import CostCategory, Indicator, IndicatorKind, Programme
from grants.services import call_create, instrument_create, instrument_indicator_set, project_create

VILNIUS = ZoneInfo("Europe/Vilnius")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.lt")
    role = Role.OFFICER
    password = factory.PostGenerationMethodCall("set_password", "fondas-test-password")

    @factory.post_generation
    def organisation(self, create, extracted, **kwargs):
        if extracted is not None:
            organisation_user_link(actor=None, user=self, organisation=extracted)
        self.save()


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"UAB Bandymas {n}")
    legal_code = factory.Sequence(lambda n: f"{300000000 + n}")
    organisation_type = OrganisationType.SME
    is_sme = factory.LazyAttribute(lambda o: o.organisation_type == OrganisationType.SME)
    sector = "Manufacturing"
    region = Region.VILNIUS


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme
        django_get_or_create = ("code",)

    class Params:
        name = None  # older tests pass name=: it becomes the Lithuanian name

    code = "TEST-2014-2020"
    name_lt = factory.LazyAttribute(lambda p: p.name or "Bandomoji veiksmų programa")
    name_en = factory.LazyAttribute(lambda p: "" if p.name else "Test operational programme")
    period_start = date(2014, 1, 1)
    period_end = date(2023, 12, 31)


class CostCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CostCategory
        django_get_or_create = ("code",)

    class Params:
        name = None  # older tests pass name=: it becomes the Lithuanian name

    code = factory.Sequence(lambda n: f"CAT{n}")
    name_lt = factory.LazyAttribute(lambda c: c.name or f"Kategorija {c.code}")
    name_en = factory.LazyAttribute(lambda c: "" if c.name else f"Category {c.code}")


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicator

    class Params:
        name = None  # older tests pass name=: it becomes the Lithuanian name

    code = factory.Sequence(lambda n: f"IND-{n}")
    name_lt = factory.LazyAttribute(lambda i: i.name or f"Rodiklis {i.code}")
    name_en = factory.LazyAttribute(lambda i: "" if i.name else f"Indicator {i.code}")
    unit = "companies"
    kind = IndicatorKind.RESULT


_counter = iter(range(1, 10**9))


def make_instrument(
    *,
    code: str | None = None,
    allocation: str = "1000000.00",
    rate: str = "70.00",
    max_grant: str = "200000.00",
    categories: list[CostCategory] | None = None,
    indicators: dict[Indicator, str] | None = None,
    name_lt: str = "Bandomoji priemonė",
    name_en: str = "Test instrument",
):
    categories = categories or [CostCategoryFactory(code="STAFF"), CostCategoryFactory(code="EQUIP")]
    instrument = instrument_create(
        actor=None,
        programme=ProgrammeFactory(),
        code=code or f"INS{next(_counter)}",
        name_lt=name_lt,
        name_en=name_en,
        allocation_amount=Decimal(allocation),
        funding_rate=Decimal(rate),
        max_grant_amount=Decimal(max_grant),
        cost_categories=categories,
    )
    for indicator, target in (indicators or {}).items():
        instrument_indicator_set(actor=None, instrument=instrument, indicator=indicator, target_value=Decimal(target))
    return instrument


def make_call(instrument, *, budget: str = "500000.00", code: str | None = None):
    return call_create(
        actor=None,
        instrument=instrument,
        code=code or f"CALL{next(_counter)}",
        title_lt="Bandomasis kvietimas",
        title_en="Test call",
        budget_amount=Decimal(budget),
        opens_at=datetime(2020, 1, 1, 9, tzinfo=VILNIUS),
        closes_at=datetime(2020, 3, 1, 17, tzinfo=VILNIUS),
    )


def make_project(
    instrument, *, beneficiary=None, call=None, lines: dict[str, str] | None = None, grant=None, code=None
):
    """A project with budget lines {category code: amount} of the instrument's categories."""
    categories = {c.code: c for c in instrument.eligible_cost_categories.all()}
    lines = lines or {next(iter(categories)): "10000.00"}
    return project_create(
        actor=None,
        instrument=instrument,
        call=call,
        code=code or f"PRJ-{next(_counter)}",
        title="Test project",
        beneficiary=beneficiary or OrganisationFactory(),
        start_date=date(2020, 1, 1),
        end_date=date(2021, 12, 31),
        budget={categories[k]: Decimal(v) for k, v in lines.items()},
        grant_amount=None if grant is None else Decimal(grant),
    )
