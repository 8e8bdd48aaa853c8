"""The organisation profile of a new account: registering it (company code and
VAT code validated by the field, nothing saved on an error, the creator becomes
its administrator) and joining a registered one through a request that the
organisation's administrator or a programme officer approves or rejects. A
request the user may not decide answers 404."""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from clusters.models import JoinRequestStatus, Organisation, OrganisationJoinRequest, OrganisationType, OrganisationUser
from clusters.services import join_request_create, join_request_decide, organisation_register
from clusters.validators import normalize_vat_code
from core.errors import ApplicationError
from core.models import AuditEvent, AuditEventType, Role
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

CODE = "302345674"  # last digit is the check digit
OTHER_CODE = "123456786"
VAT_9 = "119511515"
VAT_12 = "100001919017"


def _english_client(client, user):
    user.language = "en"
    user.save(update_fields=["language"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    return client


@pytest.fixture
def newcomer(db):
    """A confirmed applicant account without an organisation."""
    return UserFactory(role=Role.APPLICANT, first_name="Ona", last_name="Petraitienė")


def _form(**overrides):
    data = {
        "name": "UAB „Pavyzdys“",
        "legal_code": CODE,
        "vat_code": "",
        "organisation_type": OrganisationType.RESEARCH,
        "is_sme": "on",
        "region": "kaunas",
        "sector": "Biotechnologijos",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# --- VAT codes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "stored"),
    [(VAT_9, "LT119511515"), ("LT 1195 11515", "LT119511515"), ("lt100001919017", "LT100001919017"), ("", "")],
)
def test_vat_code_is_stored_as_lt_and_its_digits(value, stored):
    assert normalize_vat_code(value) == stored


@pytest.mark.parametrize("value", ["119511516", "100001919018", "LT12345", "LT1195115150", "DE119511515"])
def test_vat_code_with_a_wrong_check_digit_or_format_is_refused(value):
    with pytest.raises(Exception, match="VAT code"):
        normalize_vat_code(value)


# --- Registering an organisation ---------------------------------------------------------------


def test_register_organisation_makes_the_creator_its_administrator(client, newcomer):
    client = _english_client(client, newcomer)
    page = client.get(reverse("clusters:organisation-create")).content.decode()
    for name in ("name", "legal_code", "vat_code", "organisation_type", "is_sme", "region", "sector"):
        assert f'name="{name}"' in page

    response = client.post(reverse("clusters:organisation-create"), _form(vat_code=f"LT {VAT_12}"))
    assert response.status_code == 302 and response["Location"] == reverse("clusters:organisation-detail")
    organisation = Organisation.objects.get(legal_code=CODE)
    assert organisation.vat_code == "LT100001919017"
    assert organisation.is_sme and organisation.organisation_type == OrganisationType.RESEARCH
    link = OrganisationUser.objects.get(user=newcomer)
    assert link.organisation == organisation and link.is_admin
    assert AuditEvent.objects.filter(
        object_type="clusters.organisation", object_id=str(organisation.pk), event_type=AuditEventType.CREATED
    ).exists()
    assert AuditEvent.objects.filter(object_type="clusters.organisationuser", event_type=AuditEventType.LINKED).exists()

    profile = client.get(response["Location"]).content.decode()
    assert "LT100001919017" in profile and CODE in profile
    assert "Administrator" in profile
    # Registered: the start and the form now lead to the profile.
    assert client.get(reverse("clusters:organisation-create"))["Location"] == reverse("clusters:organisation-detail")
    assert client.get(reverse("clusters:organisation-start"))["Location"] == reverse("clusters:organisation-detail")


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"legal_code": "302345675"}, "legal_code", "check digit"),
        ({"legal_code": "12345"}, "legal_code", "exactly 9 digits"),
        ({"vat_code": "LT119511516"}, "vat_code", "check digit"),
        ({"vat_code": "LT12"}, "vat_code", "9 or 12 digits"),
        ({"organisation_type": OrganisationType.LARGE}, "is_sme", "large enterprise is not an SME"),
        ({"name": "   "}, "name", ""),
    ],
)
def test_bad_input_is_refused_by_its_field_and_nothing_is_saved(client, newcomer, overrides, field, message):
    client = _english_client(client, newcomer)
    events = AuditEvent.objects.count()
    typed = _form(**overrides)
    response = client.post(reverse("clusters:organisation-create"), typed)
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors, form.errors
    assert message in " ".join(form.errors[field])
    page = response.content.decode()
    assert "error-summary" in page and f'href="#id_{field}"' in page  # the summary links to the field
    assert f'id="id_{field}-error-1"' in page and 'aria-invalid="true"' in page
    assert 'value="Biotechnologijos"' in page  # nothing typed is lost
    assert Organisation.objects.count() == 0
    assert not OrganisationUser.objects.filter(user=newcomer).exists()
    assert AuditEvent.objects.count() == events


def test_an_sme_type_is_always_an_sme(newcomer):
    organisation = organisation_register(
        actor=newcomer, name="UAB Mažoji", legal_code=CODE, organisation_type=OrganisationType.SME, region="vilnius"
    )
    assert organisation.is_sme


def test_duplicate_company_code_suggests_asking_to_join(client, newcomer):
    OrganisationFactory(legal_code=CODE)
    client = _english_client(client, newcomer)
    response = client.post(reverse("clusters:organisation-create"), _form())
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["legal_code"])
    assert "already registered" in errors and "Ask to join" in errors
    assert reverse("clusters:join-request-create") in response.content.decode()
    assert Organisation.objects.count() == 1
    assert not OrganisationUser.objects.filter(user=newcomer).exists()


def test_an_account_that_acts_for_an_organisation_registers_no_other(applicant):
    with pytest.raises(ApplicationError, match="already acts for") as info:
        organisation_register(
            actor=applicant, name="UAB Kita", legal_code=CODE, organisation_type=OrganisationType.SME, region="vilnius"
        )
    assert info.value.field == "legal_code"


@pytest.mark.parametrize("role", [Role.OFFICER, Role.EVALUATOR, Role.AUDITOR])
def test_only_applicants_register_or_join(client, role):
    client.force_login(UserFactory(role=role))
    for name in ("clusters:organisation-start", "clusters:organisation-create", "clusters:join-request-create"):
        assert client.get(reverse(name)).status_code == 404


def test_pages_need_a_login(client):
    response = client.get(reverse("clusters:organisation-create"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# --- Joining an organisation -------------------------------------------------------------------


@pytest.fixture
def registered(db):
    """An organisation with its administrator and a plain member."""
    organisation = OrganisationFactory(legal_code=CODE, name="UAB Pavyzdys")
    admin = UserFactory(role=Role.APPLICANT, organisation=organisation, first_name="Admin", last_name="Adminaitė")
    OrganisationUser.objects.filter(user=admin).update(is_admin=True)
    member = UserFactory(role=Role.APPLICANT, organisation=organisation)
    return organisation, admin, member


def _ask(client, user, code=CODE):
    client = _english_client(client, user)
    return client.post(reverse("clusters:join-request-create"), {"legal_code": code, "message": "Projektų vadovė"})


def test_join_request_approved_by_the_organisation_administrator(client, newcomer, registered):
    organisation, admin, _member = registered
    response = _ask(client, newcomer)
    assert response.status_code == 302
    request = OrganisationJoinRequest.objects.get(user=newcomer)
    assert request.status == JoinRequestStatus.PENDING and request.organisation == organisation
    waiting = client.get(reverse("clusters:organisation-start")).content.decode()
    assert "waiting for a decision" in waiting and "UAB Pavyzdys" in waiting

    client = _english_client(client, admin)
    profile = client.get(reverse("clusters:organisation-detail")).content.decode()
    assert "1 request to join" in profile
    listing = client.get(reverse("clusters:join-request-list")).content.decode()
    assert "Ona Petraitienė" in listing and "Projektų vadovė" in listing
    assert 'scope="col"' in listing and 'role="region"' in listing
    response = client.post(reverse("clusters:join-request-decide", args=[request.pk]), {"decision": "approve"})
    assert response.status_code == 302

    request.refresh_from_db()
    assert request.status == JoinRequestStatus.APPROVED and request.decided_by == admin and request.decided_at
    link = OrganisationUser.objects.get(user=newcomer)
    assert link.organisation == organisation and not link.is_admin
    assert AuditEvent.objects.filter(
        object_type="clusters.organisationjoinrequest",
        object_id=str(request.pk),
        event_type=AuditEventType.STATUS_CHANGED,
        new_values={"status": "approved"},
    ).exists()
    assert "No requests are waiting" in client.get(reverse("clusters:join-request-list")).content.decode()


def test_join_request_rejected_by_an_officer(client, newcomer, registered, officer):
    _ask(client, newcomer)
    request = OrganisationJoinRequest.objects.get(user=newcomer)
    client = _english_client(client, officer)
    listing = client.get(reverse("clusters:join-request-list")).content.decode()
    assert "UAB Pavyzdys" in listing  # an officer sees every organisation's requests
    client.post(reverse("clusters:join-request-decide", args=[request.pk]), {"decision": "reject"})
    request.refresh_from_db()
    assert request.status == JoinRequestStatus.REJECTED and request.decided_by == officer
    assert not OrganisationUser.objects.filter(user=newcomer).exists()

    client = _english_client(client, newcomer)
    start = client.get(reverse("clusters:organisation-start")).content.decode()
    assert "was rejected" in start
    assert _ask(client, newcomer).status_code == 302  # may ask again


def test_officer_approves_too(newcomer, registered, officer):
    request = join_request_create(actor=newcomer, legal_code=CODE)
    join_request_decide(actor=officer, join_request=request, approve=True)
    assert OrganisationUser.objects.get(user=newcomer).organisation == registered[0]


def test_a_stranger_gets_404(client, newcomer, registered):
    _ask(client, newcomer)
    request = OrganisationJoinRequest.objects.get(user=newcomer)
    other = OrganisationFactory(legal_code=OTHER_CODE)
    stranger = UserFactory(role=Role.APPLICANT, organisation=other)
    OrganisationUser.objects.filter(user=stranger).update(is_admin=True)
    _organisation, _admin, member = registered

    client = _english_client(client, stranger)
    assert "Ona Petraitienė" not in client.get(reverse("clusters:join-request-list")).content.decode()
    for decision in ("approve", "reject"):
        url = reverse("clusters:join-request-decide", args=[request.pk])
        assert client.post(url, {"decision": decision}).status_code == 404
    # A member who is not the administrator has no requests page at all.
    client = _english_client(client, member)
    assert client.get(reverse("clusters:join-request-list")).status_code == 404
    decide_url = reverse("clusters:join-request-decide", args=[request.pk])
    assert client.post(decide_url, {"decision": "approve"}).status_code == 404
    # Nor may anyone but the requester cancel it.
    assert client.post(reverse("clusters:join-request-cancel", args=[request.pk])).status_code == 404
    request.refresh_from_db()
    assert request.status == JoinRequestStatus.PENDING
    assert not OrganisationUser.objects.filter(user=newcomer).exists()


def test_the_service_refuses_a_decider_without_the_right(newcomer, registered):
    request = join_request_create(actor=newcomer, legal_code=CODE)
    _organisation, _admin, member = registered
    with pytest.raises(ApplicationError):
        join_request_decide(actor=member, join_request=request, approve=True)
    request.refresh_from_db()
    assert request.status == JoinRequestStatus.PENDING


def test_a_decided_request_is_not_decided_again(newcomer, registered):
    _organisation, admin, _member = registered
    request = join_request_create(actor=newcomer, legal_code=CODE)
    join_request_decide(actor=admin, join_request=request, approve=False)
    with translation.override("en"), pytest.raises(ApplicationError, match="already decided"):
        join_request_decide(actor=admin, join_request=request, approve=True)


def test_join_request_for_an_unknown_or_invalid_code_is_refused_by_the_field(client, newcomer):
    response = _ask(client, newcomer, code=CODE)  # valid, but not registered
    assert response.status_code == 200
    assert "No organisation with company code" in " ".join(response.context["form"].errors["legal_code"])
    response = _ask(client, newcomer, code="302345675")
    assert "check digit" in " ".join(response.context["form"].errors["legal_code"])
    assert not OrganisationJoinRequest.objects.exists()


def test_one_pending_request_at_a_time_and_cancel(client, newcomer, registered):
    OrganisationFactory(legal_code=OTHER_CODE)
    _ask(client, newcomer)
    response = _ask(client, newcomer, code=OTHER_CODE)
    assert response.status_code == 200
    assert "already asked to join" in " ".join(response.context["form"].errors["legal_code"])
    request = OrganisationJoinRequest.objects.get(user=newcomer)
    client.post(reverse("clusters:join-request-cancel", args=[request.pk]))
    assert not OrganisationJoinRequest.objects.filter(pk=request.pk).exists()
    assert AuditEvent.objects.filter(
        object_type="clusters.organisationjoinrequest", object_id=str(request.pk), event_type=AuditEventType.DELETED
    ).exists()
    assert _ask(client, newcomer, code=OTHER_CODE).status_code == 302
