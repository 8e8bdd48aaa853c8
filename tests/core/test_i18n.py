"""Lithuanian first, English on request (issue 7): amounts typed and shown the
way each language writes them, the rule that picks a request's language, the
switcher, API errors in the client's language with unchanged field names and
codes, and the template helpers that mark Lithuanian text on English pages."""

import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.utils import translation
from rest_framework.test import APIClient

from core.formatting import format_money, parse_amount
from core.forms import AmountField
from core.middleware import LANGUAGE_SESSION_KEY
from core.models import AuditEvent, AuditEventType, Role
from grants.models import Call, Programme
from tests.factories import UserFactory

PAGE = "/accounts/login/"
REPORTS = "/api/v1/reports/"


def _page_language(response) -> str:
    assert response.status_code == 200, response.status_code
    match = re.search(r'<html lang="([^"]+)"', response.content.decode())
    assert match, response.content[:300]
    return match.group(1)


def _refusal(text, language) -> ValidationError:
    with translation.override(language), pytest.raises(ValidationError) as caught:
        parse_amount(text)
    return caught.value


# -- amounts --------------------------------------------------------------------


@pytest.mark.parametrize("text", ["1 234,56", "1234,56", "1234.56", "1\u00a0234,56", "1 234,56 €", "EUR 1234,56"])
def test_lithuanian_amounts_take_spaces_between_thousands_and_a_comma_or_point(text):
    with translation.override("lt"):
        assert parse_amount(text) == Decimal("1234.56")


@pytest.mark.parametrize("text", ["1,234.56", "1234.56", "€1,234.56", "1,234,567.5"])
def test_english_amounts_take_commas_between_thousands_and_a_point(text):
    expected = Decimal("1234567.5") if text == "1,234,567.5" else Decimal("1234.56")
    with translation.override("en"):
        assert parse_amount(text) == expected


@pytest.mark.parametrize(
    "language,text,code",
    [
        ("lt", "1,234.56", "invalid"),
        ("lt", "12a", "invalid"),
        ("lt", "", "required"),
        ("lt", "-5", "negative"),
        ("lt", "1,234", "max_decimal_places"),
        ("en", "1 234,56", "invalid"),
        ("en", "12,5", "invalid"),
        ("en", "1.234", "max_decimal_places"),
    ],
)
def test_wrong_amounts_are_refused_with_a_code(language, text, code):
    assert _refusal(text, language).code == code


@pytest.mark.parametrize(
    "lt_text,en_text",
    [("1,234.56", "1 234,56"), ("12a", "12a"), ("", ""), ("-5", "-5"), ("1,234", "1.234")],
)
def test_the_refusal_is_worded_in_the_active_language(lt_text, en_text):
    """The same refusal reads differently in Lithuanian and in English (the
    Lithuanian wording comes from the catalogue in locale/lt)."""
    lithuanian, english = _refusal(lt_text, "lt"), _refusal(en_text, "en")
    assert lithuanian.code == english.code
    assert lithuanian.messages != english.messages


def test_english_refusal_wording():
    assert _refusal("12a", "en").messages == ["“12a” is not an amount. Enter digits, e.g. 1,234.56."]


def test_amounts_are_written_the_way_each_language_writes_them():
    assert format_money(Decimal("8480000"), "lt") == "8\u00a0480\u00a0000,00\u00a0€".replace("\u00a0", " ")
    assert format_money(Decimal("8480000"), "en") == "€8,480,000.00"
    with translation.override("en"):
        assert format_money("1234.5") == "€1,234.50"
    with translation.override("lt"):
        assert format_money("1234.5") == "1 234,50 €"


def test_the_amount_field_reads_the_active_language():
    field = AmountField()
    with translation.override("lt"):
        assert field.clean("1 234,56") == Decimal("1234.56")
        assert field.widget.format_value(Decimal("1234.5")) == "1 234,50"
        with pytest.raises(ValidationError) as lithuanian:
            field.clean("1,234.56")
    with translation.override("en"):
        assert field.clean("1,234.56") == Decimal("1234.56")
        assert field.widget.format_value(Decimal("1234.5")) == "1,234.50"
        with pytest.raises(ValidationError) as english:
            field.clean("1 234,56")
    assert lithuanian.value.error_list[0].code == english.value.error_list[0].code == "invalid"
    assert lithuanian.value.messages != english.value.messages


# -- which language a request gets -----------------------------------------------


@pytest.mark.django_db
def test_an_anonymous_visitor_gets_lithuanian_whatever_the_browser_asks(client):
    assert _page_language(client.get(PAGE)) == "lt"
    assert _page_language(client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en")) == "lt"


def test_an_applicant_who_has_not_chosen_gets_lithuanian_even_if_the_browser_asks_for_english(client, applicant):
    client.force_login(applicant)
    response = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    assert _page_language(response) == "lt"
    assert response["Content-Language"] == "lt"


def test_an_officer_who_has_not_chosen_gets_the_browsers_language(client, officer):
    client.force_login(officer)
    assert _page_language(client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")) == "en"
    assert _page_language(client.get(PAGE, HTTP_ACCEPT_LANGUAGE="de")) == "lt"
    assert _page_language(client.get(PAGE)) == "lt"


def test_choosing_english_is_kept_in_the_session_the_cookie_and_the_profile(client, applicant):
    client.force_login(applicant)
    response = client.post("/i18n/setlang/", {"language": "en", "next": PAGE})
    assert response.status_code == 302
    assert response["Location"] == PAGE
    assert client.session[LANGUAGE_SESSION_KEY] == "en"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    applicant.refresh_from_db()
    assert applicant.language == "en"
    event = AuditEvent.objects.get(object_type="core.user", object_id=str(applicant.pk))
    assert event.event_type == AuditEventType.UPDATED
    assert (event.old_values, event.new_values) == ({"language": ""}, {"language": "en"})
    assert event.actor == applicant
    # An applicant's choice beats the Lithuanian default, on the next page and in a new session.
    assert _page_language(client.get(PAGE)) == "en"
    client.logout()
    client.cookies.clear()
    client.force_login(applicant)
    assert _page_language(client.get(PAGE)) == "en"


def test_choosing_a_language_fondas_does_not_speak_changes_nothing(client, officer):
    client.force_login(officer)
    client.post("/i18n/setlang/", {"language": "de", "next": PAGE})
    officer.refresh_from_db()
    assert officer.language == ""
    assert not AuditEvent.objects.filter(object_type="core.user").exists()


# -- the API -----------------------------------------------------------------------


def _api_error(client, method, path, status, **kwargs) -> dict:
    response = getattr(client, method)(path, **kwargs)
    assert response.status_code == status, response.content[:300]
    return response.json()["error"]


@pytest.mark.parametrize("path", ["/api/v1/no-such-thing/", f"{REPORTS}not-a-job/"])
def test_api_errors_follow_accept_language_and_keep_their_codes(officer, path):
    api = APIClient()
    api.force_authenticate(officer)
    english = _api_error(api, "get", path, 404, HTTP_ACCEPT_LANGUAGE="en")
    lithuanian = _api_error(api, "get", path, 404, HTTP_ACCEPT_LANGUAGE="lt")
    assert english["message"] == "Not found."
    assert lithuanian["message"] != english["message"]
    assert english["code"] == lithuanian["code"] == "not_found"
    assert set(english) == set(lithuanian) == {"code", "message", "fields"}


def test_api_field_errors_are_translated_and_their_field_names_are_not(officer):
    api = APIClient()
    api.force_authenticate(officer)
    english = _api_error(api, "get", REPORTS, 400, data={"page": "0"}, HTTP_ACCEPT_LANGUAGE="en")
    lithuanian = _api_error(api, "get", REPORTS, 400, data={"page": "0"}, HTTP_ACCEPT_LANGUAGE="lt")
    assert english["code"] == lithuanian["code"] == "invalid"
    assert list(english["fields"]) == list(lithuanian["fields"]) == ["page"]
    assert english["fields"]["page"] == ["Page 0 does not exist; choose a whole number from 1 to 1."]
    assert lithuanian["fields"]["page"] != english["fields"]["page"]
    assert lithuanian["message"] != english["message"]


def test_the_api_without_accept_language_answers_in_the_users_saved_language(officer):
    officer.language = "en"
    officer.save(update_fields=["language"])
    api = APIClient()
    api.force_login(officer)  # a session: the language is chosen before the view authenticates
    assert _api_error(api, "get", "/api/v1/no-such-thing/", 404)["message"] == "Not found."
    assert _api_error(api, "get", "/api/v1/no-such-thing/", 404, HTTP_ACCEPT_LANGUAGE="lt")["message"] != "Not found."


def test_a_token_client_without_accept_language_gets_its_saved_language(officer):
    """The middleware cannot see a token's user; LanguageTokenAuthentication
    applies the saved language once the token names the user."""
    from rest_framework.authtoken.models import Token

    officer.language = "en"
    officer.save(update_fields=["language"])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=officer).key}")
    missing = f"{REPORTS}00000000-0000-0000-0000-000000000000/"
    english = _api_error(api, "get", missing, 404)
    assert english["message"] == "Not found."
    assert _api_error(api, "get", missing, 404, HTTP_ACCEPT_LANGUAGE="lt")["message"] != english["message"]
    officer.language = "lt"
    officer.save(update_fields=["language"])
    assert _api_error(api, "get", missing, 404)["message"] != english["message"]


def test_a_permission_refusal_is_translated(db):
    applicant_without_reports = UserFactory(role=Role.EVALUATOR)
    api = APIClient()
    api.force_authenticate(applicant_without_reports)
    english = _api_error(api, "get", REPORTS, 403, HTTP_ACCEPT_LANGUAGE="en")
    lithuanian = _api_error(api, "get", REPORTS, 403, HTTP_ACCEPT_LANGUAGE="lt")
    assert english["message"] == "Your role does not allow using reports."
    assert english["code"] == lithuanian["code"] == "permission_denied"
    assert lithuanian["message"] != english["message"]


# -- template helpers -------------------------------------------------------------


def _render(source: str, language: str, **context) -> str:
    with translation.override(language):
        return Template("{% load fondas %}" + source).render(Context(context))


def test_lang_of_marks_a_name_that_falls_back_to_lithuanian_on_an_english_page():
    only_lithuanian = Programme(name_lt="Veiksmų programa", name_en="")
    both = Programme(name_lt="Veiksmų programa", name_en="Operational programme")
    source = "<td{% lang_of p %}>{{ p.name }}</td>"
    assert _render(source, "en", p=only_lithuanian) == '<td lang="lt">Veiksmų programa</td>'
    assert _render(source, "en", p=both) == "<td>Operational programme</td>"
    assert _render(source, "lt", p=only_lithuanian) == "<td>Veiksmų programa</td>"
    assert _render(source, "lt", p=both) == "<td>Veiksmų programa</td>"


def test_lang_of_takes_the_field_of_a_call():
    call = Call(title_lt="Kvietimas teikti paraiškas", title_en="")
    assert _render('<h1{% lang_of c "title" %}>{{ c.title }}</h1>', "en", c=call) == (
        '<h1 lang="lt">Kvietimas teikti paraiškas</h1>'
    )
    call.title_en = "Call for proposals"
    assert _render('<h1{% lang_of c "title" %}>{{ c.title }}</h1>', "en", c=call) == "<h1>Call for proposals</h1>"


def test_lt_data_marks_lithuanian_only_data_on_english_pages():
    source = "<td{% lt_data %}>{{ title }}</td>"
    assert _render(source, "en", title="Saulės elektrinė") == '<td lang="lt">Saulės elektrinė</td>'
    assert _render(source, "lt", title="Saulės elektrinė") == "<td>Saulės elektrinė</td>"
