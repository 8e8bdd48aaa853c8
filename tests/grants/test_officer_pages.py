"""The officers' workspace (/manage/): calls, envelopes, criteria, the
applications of a call, the eligibility check, evaluator assignment, the
ranking and the decision; who may open each page (officers write, auditors
read, everyone else 404), errors shown by their fields, query counts."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import count

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.urls import reverse

from core.models import Role
from grants.models import (
    Application,
    ApplicationAttachment,
    ApplicationStatus,
    AssignmentStatus,
    Call,
    CallStatus,
    Envelope,
    EvaluationCriterion,
    EvaluatorAssignment,
)
from tests.factories import VILNIUS, OrganisationFactory, UserFactory, make_call, make_instrument
from tests.grants.test_home import rows_by, table_rows

pytestmark = pytest.mark.django_db

_numbers = count(1)


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def instrument():
    return make_instrument(code="SEL", allocation="5000000.00", rate="70.00", max_grant="200000.00")


@pytest.fixture
def call(instrument):
    call = make_call(instrument, code="SEL-01", budget="100000.00")
    Call.objects.filter(pk=call.pk).update(
        funding_rate=Decimal("70.00"),
        max_grant_amount=Decimal("50000.00"),
        eligible_applicant_types=["sme"],
        quality_threshold=Decimal("50.00"),
    )
    call.refresh_from_db()
    return call


@pytest.fixture
def evaluator(db):
    return UserFactory(role=Role.EVALUATOR, first_name="Eva", last_name="Vertintoja")


def submitted(call, *, status=ApplicationStatus.SUBMITTED, grant="35000.00", applicant=None, score=None, **extra):
    """A submitted application (test data written directly: the pages are
    under test here, the services in their own tests)."""
    n = next(_numbers)
    grant = Decimal(grant)
    eligible = (grant * 100 / Decimal(70)).quantize(Decimal("0.01"))
    values = {
        "number": f"{call.code}-{n:05d}",
        "submitted_at": datetime(2020, 2, 1, 10, tzinfo=UTC) + timedelta(minutes=n),
        **extra,
    }
    application = Application.objects.create(
        call=call,
        applicant=applicant or OrganisationFactory(),
        created_by=UserFactory(role=Role.APPLICANT),
        status=status,
        title=f"Projektas {n}",
        summary="Slaptas projekto aprašymas",
        start_date=date(2020, 6, 1),
        end_date=date(2021, 5, 31),
        eligible_cost=eligible,
        grant_requested=grant,
        own_contribution=eligible - grant,
        de_minimis_received=Decimal("0.00"),
        declares_no_double_funding=True,
        declares_data_accurate=True,
        score=score,
        **values,
    )
    category = call.instrument.eligible_cost_categories.order_by("code").first()
    application.budget_lines.create(cost_category=category, amount=eligible)
    return application


def call_post_data(instrument, **overrides) -> dict:
    data = {
        "instrument": instrument.pk,
        "code": "SEL-NEW",
        "title_lt": "Naujas kvietimas",
        "title_en": "New call",
        "budget_amount": "1,500,000.00",
        "opens_at": "2027-03-01T09:00:00",
        "closes_at": "2027-03-29T23:59:59",
        "funding_rate": "60",
        "max_grant_amount": "150,000.00",
        "min_own_contribution_percent": "30",
        "eligible_applicant_types": ["sme", "research"],
        "quality_threshold": "55",
    }
    data.update(overrides)
    return data


# ---- who may open the pages ---------------------------------------------------


def test_call_list_officer_sees_every_call_with_counts(client, officer, call):
    submitted(call)
    submitted(call, status=ApplicationStatus.EVALUATED, score=Decimal("70"))
    submitted(call, status=ApplicationStatus.DRAFT, number=None, submitted_at=None)
    client.force_login(officer)
    html = client.get(reverse("manage:call-list")).content.decode()
    rows = rows_by(table_rows(html, "calls"), "data-code")
    assert rows["SEL-01"]["cols"]["total"] == "2"
    assert rows["SEL-01"]["cols"]["counts"] == "Submitted: 1; Evaluated: 1"
    assert reverse("manage:call-create") in html


def test_auditor_reads_but_may_not_write(client, auditor, call, instrument):
    client.force_login(auditor)
    html = client.get(reverse("manage:call-list")).content.decode()
    assert reverse("manage:call-create") not in html
    assert client.get(reverse("manage:call-detail", args=[call.pk])).status_code == 200
    assert client.get(reverse("manage:ranking", args=[call.pk])).status_code == 200
    assert client.post(reverse("manage:call-create"), call_post_data(instrument)).status_code == 403
    assert client.post(reverse("manage:call-open", args=[call.pk])).status_code == 403
    call.refresh_from_db()
    assert call.status == CallStatus.DRAFT


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.EVALUATOR, Role.ADMINISTRATOR])
def test_other_roles_get_404(client, call, role):
    application = submitted(call)
    client.force_login(UserFactory(role=role))
    for url in [
        reverse("manage:call-list"),
        reverse("manage:call-create"),
        reverse("manage:call-detail", args=[call.pk]),
        reverse("manage:application-list", args=[call.pk]),
        reverse("manage:application-detail", args=[application.pk]),
        reverse("manage:eligibility", args=[application.pk]),
        reverse("manage:ranking", args=[call.pk]),
    ]:
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("manage:call-decide", args=[call.pk]), {"reasons": "x"}).status_code == 404


def test_anonymous_is_sent_to_log_in(client, call):
    response = client.get(reverse("manage:call-list"))
    assert response.status_code == 302 and "login" in response["Location"]


# ---- calls ----------------------------------------------------------------------


def test_officer_creates_a_call_in_vilnius_time(client, officer, instrument):
    client.force_login(officer)
    response = client.post(reverse("manage:call-create"), call_post_data(instrument))
    call = Call.objects.get(code="SEL-NEW")
    assert response.status_code == 302 and response["Location"] == reverse("manage:call-detail", args=[call.pk])
    assert call.status == CallStatus.DRAFT
    assert call.budget_amount == Decimal("1500000.00")
    assert call.opens_at == datetime(2027, 3, 1, 9, tzinfo=VILNIUS)
    assert call.closes_at == datetime(2027, 3, 29, 23, 59, 59, tzinfo=VILNIUS)
    assert call.funding_rate == Decimal("60") and call.quality_threshold == Decimal("55")
    assert call.eligible_applicant_types == ["sme", "research"]
    html = client.get(response["Location"]).content.decode()
    assert "2027-03-29 23:59:59" in html


def test_call_form_errors_are_shown_by_field(client, officer, instrument):
    client.force_login(officer)
    data = call_post_data(instrument, closes_at="2027-02-01T09:00:00", budget_amount="abc", eligible_applicant_types=[])
    response = client.post(reverse("manage:call-create"), data)
    html = response.content.decode()
    assert response.status_code == 200 and not Call.objects.filter(code="SEL-NEW").exists()
    assert "data-error-summary" in html
    assert 'href="#id_closes_at"' in html and 'href="#id_budget_amount"' in html
    assert 'id="id_closes_at-error-1"' in html and 'aria-invalid="true"' in html
    assert 'value="abc"' in html  # nothing typed is lost


def test_service_refusal_is_shown_by_its_field(client, officer, instrument):
    """Over the instrument's allocation: the service's message, on the budget."""
    client.force_login(officer)
    response = client.post(reverse("manage:call-create"), call_post_data(instrument, budget_amount="9,000,000.00"))
    html = response.content.decode()
    assert not Call.objects.filter(code="SEL-NEW").exists()
    assert 'id="id_budget_amount-error-1"' in html and "allocation" in html


def test_officer_edits_a_draft_call_only(client, officer, call, instrument):
    client.force_login(officer)
    url = reverse("manage:call-update", args=[call.pk])
    html = client.get(url).content.decode()
    assert 'value="SEL-01"' in html
    data = call_post_data(instrument, code="SEL-01", title_en="Edited call", budget_amount="90,000.00")
    data["version"] = str(call.version)  # the form's hidden field (optimistic locking)
    assert client.post(url, data).status_code == 302
    call.refresh_from_db()
    assert call.title_en == "Edited call" and call.budget_amount == Decimal("90000.00")
    Call.objects.filter(pk=call.pk).update(status=CallStatus.OPEN)
    again = {**call_post_data(instrument, code="SEL-01", title_en="Again"), "version": str(call.version)}
    assert client.post(url, again).status_code == 302
    call.refresh_from_db()
    assert call.title_en == "Edited call"


def test_envelopes_and_criteria(client, officer, call):
    client.force_login(officer)
    response = client.post(
        reverse("manage:envelope-create", args=[call.pk]),
        {
            "code": "E1",
            "name_lt": "Vilniaus regionas",
            "name_en": "Vilnius region",
            "budget_amount": "40,000.00",
            "funding_rate": "70",
            "max_grant_amount": "30,000.00",
        },
    )
    assert response.status_code == 302
    envelope = Envelope.objects.get(call=call, code="E1")
    assert envelope.budget_amount == Decimal("40000.00")
    response = client.post(
        reverse("manage:envelope-update", args=[call.pk, envelope.pk]),
        {
            "code": "E1",
            "name_lt": "Vilniaus regionas",
            "budget_amount": "",
            "funding_rate": "65",
            "max_grant_amount": "30000",
        },
    )
    assert response.status_code == 302
    envelope.refresh_from_db()
    assert envelope.budget_amount is None and envelope.funding_rate == Decimal("65")

    url = reverse("manage:criteria-update", args=[call.pk])
    assert client.get(url).status_code == 200
    data = {
        "criteria-TOTAL_FORMS": "2",
        "criteria-INITIAL_FORMS": "0",
        "criteria-0-code": "Q1",
        "criteria-0-name_lt": "Kokybė",
        "criteria-0-weight": "60",
        "criteria-0-max_score": "10",
        "criteria-1-code": "Q2",
        "criteria-1-name_lt": "Poveikis",
        "criteria-1-weight": "-1",
        "criteria-1-max_score": "5",
    }
    html = client.post(url, data).content.decode()
    assert 'href="#id_criteria-1-weight"' in html and not call.criteria.exists()
    data["criteria-1-weight"] = "40"
    assert client.post(url, data).status_code == 302
    assert {(c.code, c.weight, c.max_score) for c in call.criteria.all()} == {
        ("Q1", Decimal("60"), 10),
        ("Q2", Decimal("40"), 5),
    }
    html = client.get(reverse("manage:call-detail", args=[call.pk])).content.decode()
    assert set(rows_by(table_rows(html, "envelopes"), "data-code")) == {"E1"}
    assert set(rows_by(table_rows(html, "criteria"), "data-code")) == {"Q1", "Q2"}


def test_open_and_close(client, officer, call):
    client.force_login(officer)
    client.post(reverse("manage:call-open", args=[call.pk]))
    call.refresh_from_db()
    assert call.status == CallStatus.OPEN
    client.post(reverse("manage:call-close", args=[call.pk]))
    call.refresh_from_db()
    assert call.status == CallStatus.CLOSED
    response = client.post(reverse("manage:call-open", args=[call.pk]), follow=True)
    call.refresh_from_db()
    assert call.status == CallStatus.CLOSED
    assert "cannot move" in response.content.decode()


# ---- applications -------------------------------------------------------------------


def test_application_list_filters_by_status_at_fixed_queries(client, officer, call, django_assert_max_num_queries):
    client.force_login(officer)
    url = reverse("manage:application-list", args=[call.pk])
    submitted(call)
    client.get(url)  # warm up (session, language)
    with django_assert_max_num_queries(12) as one:
        client.get(url)
    for _ in range(15):
        submitted(call, status=ApplicationStatus.UNDER_EVALUATION)
    with django_assert_max_num_queries(len(one.captured_queries)):
        html = client.get(url).content.decode()
    assert len(rows_by(table_rows(html, "applications"), "data-number")) == 16
    html = client.get(url, {"status": "submitted"}).content.decode()
    rows = list(rows_by(table_rows(html, "applications"), "data-number").values())
    assert len(rows) == 1 and rows[0]["cols"]["status"] == "Submitted"


def test_application_page_shows_content_assignments_and_history(client, officer, auditor, call, evaluator):
    application = submitted(call)
    application.attachments.create(
        file=ContentFile(b"%PDF-1.4 test", name="plan.pdf"),
        original_name="Verslo planas.pdf",
        kind="pdf",
        size=13,
        sha256="0" * 64,
        uploaded_by=application.created_by,
    )
    client.force_login(officer)
    url = reverse("manage:application-detail", args=[application.pk])
    html = client.get(url).content.decode()
    assert "Slaptas projekto aprašymas" in html and "Verslo planas.pdf" in html
    assert reverse("manage:eligibility-start", args=[application.pk]) in html
    attachment = application.attachments.get()
    download = client.get(reverse("manage:attachment-download", args=[application.pk, attachment.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.4 test"

    client.force_login(auditor)
    html = client.get(url).content.decode()
    assert "Slaptas projekto aprašymas" in html
    assert reverse("manage:eligibility-start", args=[application.pk]) not in html

    client.force_login(evaluator)
    assert client.get(reverse("manage:attachment-download", args=[application.pk, attachment.pk])).status_code == 404


def test_drafts_are_not_shown_to_officers(client, officer, call):
    draft = submitted(call, status=ApplicationStatus.DRAFT, number=None, submitted_at=None)
    client.force_login(officer)
    assert client.get(reverse("manage:application-detail", args=[draft.pk])).status_code == 404


def test_eligibility_check_flow(client, officer, call, evaluator):
    _criterion(call)
    application = submitted(call)
    client.force_login(officer)
    response = client.post(reverse("manage:eligibility-start", args=[application.pk]))
    assert response["Location"] == reverse("manage:eligibility", args=[application.pk])
    application.refresh_from_db()
    assert application.status == ApplicationStatus.ELIGIBILITY_CHECK

    url = reverse("manage:eligibility", args=[application.pk])
    html = client.get(url).content.decode()
    conditions = rows_by(table_rows(html, "conditions"), "data-condition")
    assert {name: row["cols"]["met"] for name, row in conditions.items()} == {
        "applicant_type": "Yes",
        "deadline_met": "Yes",
        "declarations": "Yes",
        "budget_within_maximum": "Yes",
    }
    # Ineligible needs a reason, shown by the field.
    html = client.post(url, {"eligible": "no", "reason": " "}).content.decode()
    assert 'href="#id_reason"' in html and 'id="id_reason-error-1"' in html
    application.refresh_from_db()
    assert application.status == ApplicationStatus.ELIGIBILITY_CHECK

    checks = {"applicant_type": "on", "deadline_met": "on", "declarations": "on", "budget_within_maximum": "on"}
    response = client.post(url, {**checks, "eligible": "yes"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.UNDER_EVALUATION

    # Now evaluators can be assigned; only users with the evaluator role are offered.
    detail = reverse("manage:application-detail", args=[application.pk])
    html = client.get(detail).content.decode()
    assert "Eva Vertintoja" in html and officer.username not in html.split('id="id_evaluator"')[1].split("</select>")[0]
    response = client.post(reverse("manage:evaluator-assign", args=[application.pk]), {"evaluator": evaluator.pk})
    assert response.status_code == 302
    assignment = EvaluatorAssignment.objects.get(application=application)
    assert assignment.evaluator == evaluator and assignment.status == AssignmentStatus.ASSIGNED
    html = client.get(detail).content.decode()
    assert (
        rows_by(table_rows(html, "assignments"), "data-evaluator")[evaluator.username]["cols"]["status"] == "Assigned"
    )
    assert "Status changed" in html  # the history


def test_ineligible_with_reason(client, officer, call):
    application = submitted(call, status=ApplicationStatus.ELIGIBILITY_CHECK)
    client.force_login(officer)
    response = client.post(
        reverse("manage:eligibility", args=[application.pk]),
        {"eligible": "no", "reason": "Didelė įmonė", "deadline_met": "on"},
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.INELIGIBLE and application.ineligibility_reason == "Didelė įmonė"


def test_assigning_a_non_evaluator_is_refused_by_the_field(client, officer, call):
    application = submitted(call, status=ApplicationStatus.UNDER_EVALUATION)
    client.force_login(officer)
    response = client.post(reverse("manage:evaluator-assign", args=[application.pk]), {"evaluator": officer.pk})
    html = response.content.decode()
    assert response.status_code == 400 and 'href="#id_evaluator"' in html
    assert not EvaluatorAssignment.objects.exists()


# ---- ranking and decision -------------------------------------------------------------


def _criterion(call):
    return EvaluationCriterion.objects.create(call=call, code="Q1", name_lt="Kokybė", weight=Decimal("1"), max_score=10)


def test_ranking_page_and_decision(client, officer, call, evaluator):
    Call.objects.filter(pk=call.pk).update(status=CallStatus.CLOSED)
    _criterion(call)
    first = submitted(call, status=ApplicationStatus.EVALUATED, score=Decimal("80.00"), grant="50000.00")
    second = submitted(call, status=ApplicationStatus.EVALUATED, score=Decimal("70.00"), grant="45000.00")
    third = submitted(call, status=ApplicationStatus.EVALUATED, score=Decimal("60.00"), grant="40000.00")
    low = submitted(call, status=ApplicationStatus.EVALUATED, score=Decimal("40.00"), grant="1000.00")
    client.force_login(officer)
    url = reverse("manage:ranking", args=[call.pk])
    html = client.get(url).content.decode()
    assert f"/reports/new/?kind=call_ranking&amp;call_id={call.pk}" in html
    assert "earlier submission" in html  # the tie rule is stated
    rows = rows_by(table_rows(html, "ranking-1"), "data-number")
    assert [rows[a.number]["cols"]["outcome"] for a in (first, second, third, low)] == [
        "Approved",
        "Approved",
        "Reserve",
        "Rejected",
    ]

    response = client.post(reverse("manage:call-decide", args=[call.pk]), {"reasons": ""})
    assert response.status_code == 400 and 'href="#id_reasons"' in response.content.decode()

    response = client.post(reverse("manage:call-decide", args=[call.pk]), {"reasons": "Pagal vertinimo rezultatus"})
    assert response.status_code == 302
    statuses = dict(Application.objects.values_list("number", "status"))
    assert statuses[first.number] == statuses[second.number] == ApplicationStatus.APPROVED
    assert statuses[third.number] == ApplicationStatus.RESERVE and statuses[low.number] == ApplicationStatus.REJECTED
    html = client.get(url).content.decode()
    assert "Pagal vertinimo rezultatus" in html and 'name="reasons"' not in html


def test_decision_refused_while_applications_wait_for_evaluation(client, officer, call):
    Call.objects.filter(pk=call.pk).update(status=CallStatus.CLOSED)
    submitted(call, status=ApplicationStatus.EVALUATED, score=Decimal("80.00"))
    waiting = submitted(call, status=ApplicationStatus.UNDER_EVALUATION)
    client.force_login(officer)
    response = client.post(reverse("manage:call-decide", args=[call.pk]), {"reasons": "Sprendimas"})
    html = response.content.decode()
    assert response.status_code == 400 and "data-error-summary" in html
    assert not hasattr(Call.objects.get(pk=call.pk), "decision") or Call.objects.get(pk=call.pk).decision is None
    waiting.refresh_from_db()
    assert waiting.status == ApplicationStatus.UNDER_EVALUATION


def test_attachment_of_another_application_is_404(client, officer, call):
    one, other = submitted(call), submitted(call)
    attachment = ApplicationAttachment.objects.create(
        application=other,
        file=ContentFile(b"%PDF-1.4", name="a.pdf"),
        original_name="a.pdf",
        kind="pdf",
        size=8,
        sha256="0" * 64,
        uploaded_by=other.created_by,
    )
    client.force_login(officer)
    assert client.get(reverse("manage:attachment-download", args=[one.pk, attachment.pk])).status_code == 404


def test_lithuanian_numbers_and_pages(client, officer, instrument, call):
    """In Lithuanian (the default) amounts and rates take a decimal comma and
    every page of the workspace renders."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "lt"
    client.force_login(officer)
    data = call_post_data(instrument, budget_amount="1 500 000,00", max_grant_amount="150 000,50", funding_rate="60,5")
    assert client.post(reverse("manage:call-create"), data).status_code == 302
    created = Call.objects.get(code="SEL-NEW")
    assert created.budget_amount == Decimal("1500000.00") and created.funding_rate == Decimal("60.5")
    assert created.max_grant_amount == Decimal("150000.50")
    application = submitted(call)
    for url in [
        reverse("manage:call-list"),
        reverse("manage:call-detail", args=[created.pk]),
        reverse("manage:call-update", args=[created.pk]),
        reverse("manage:envelope-create", args=[created.pk]),
        reverse("manage:criteria-update", args=[created.pk]),
        reverse("manage:application-list", args=[call.pk]),
        reverse("manage:application-detail", args=[application.pk]),
        reverse("manage:eligibility", args=[application.pk]),
        reverse("manage:ranking", args=[call.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert '<html lang="lt"' in response.content.decode()
    html = client.get(reverse("manage:call-update", args=[created.pk])).content.decode()
    assert 'value="1 500 000,00"' in html and 'value="2027-03-29T23:59:59"' in html


def _list_rows(html, table_id):
    return [row for row in table_rows(html, table_id) if "data-number" in row["attrs"]]


def _ranked_call(call, grants):
    """Evaluated applications of `call` with the given grants, by descending
    score (the first ranks first)."""
    Call.objects.filter(pk=call.pk).update(status=CallStatus.CLOSED)
    return [
        submitted(call, status=ApplicationStatus.EVALUATED, score=Decimal(90 - i), grant=grant)
        for i, grant in enumerate(grants)
    ]


def test_ranking_page_summarises_each_list_and_pages_its_rows(client, officer, call, monkeypatch):
    monkeypatch.setattr("grants.views.officer_calls.RANKING_PER_PAGE", 2)
    # Budget 100 000: 30 000 + 40 000 fit, 35 000 does not (the cut-off, rank 3).
    ranked = _ranked_call(call, ["30000.00", "40000.00", "35000.00", "1000.00", "2000.00"])
    client.force_login(officer)
    url = reverse("manage:ranking", args=[call.pk])
    html = client.get(url).content.decode()
    assert [row["attrs"]["data-number"] for row in _list_rows(html, "ranking-1")] == [a.number for a in ranked[:2]]
    assert "ranks 1–2 of 5" in html and "Page 1 of 3" in html
    summary = {"approved-total": "€70,000.00", "remaining": "€30,000.00", "approved": "2", "reserve": "3"}
    for key, value in summary.items():
        assert f'data-col="{key}">{value}</dd>' in html, key
    # The pager keeps each link's name unique and the other lists' pages.
    assert 'href="?page-shared=2" rel="next">Next page<span class="visually-hidden"> – Ranking list</span>' in html
    assert 'href="?page-shared=3#ranking-pool-0-cutoff" data-link="cutoff">Go to the cut-off' not in html
    assert 'href="?page-shared=2#ranking-pool-0-cutoff" data-link="cutoff">Go to the cut-off' in html
    assert "The budget runs out at rank 3" in html

    html = client.get(url, {"page-shared": "2", "other": "x"}).content.decode()
    rows = _list_rows(html, "ranking-1")
    assert [row["cols"]["rank"] for row in rows] == ["3", "4"]
    cut_off = rows[0]
    assert cut_off["attrs"]["id"] == "ranking-pool-0-cutoff" and cut_off["attrs"]["class"] == "cut-off"
    assert "budget cut-off" in cut_off["cells"][1] and cut_off["cols"]["outcome"] == "Reserve"
    assert "cut-off" not in rows[1]["cells"][1]
    assert 'href="?page-shared=1&amp;other=x" rel="prev">Previous page' in html

    # A page out of range shows the last one; a page that is not a number, the first.
    html = client.get(url, {"page-shared": "99"}).content.decode()
    assert [row["cols"]["rank"] for row in _list_rows(html, "ranking-1")] == ["5"]
    html = client.get(url, {"page-shared": "x"}).content.decode()
    assert [row["cols"]["rank"] for row in _list_rows(html, "ranking-1")] == ["1", "2"]


def test_ranking_page_pools_page_on_their_own(client, officer, call, monkeypatch):
    monkeypatch.setattr("grants.views.officer_calls.RANKING_PER_PAGE", 1)
    north = Envelope.objects.create(
        call=call, code="N", name_lt="Šiaurė", budget_amount=Decimal("40000.00"), funding_rate=70, max_grant_amount=1
    )
    south = Envelope.objects.create(call=call, code="S", name_lt="Pietūs", funding_rate=70, max_grant_amount=1)
    applications = _ranked_call(call, ["30000.00", "20000.00", "10000.00", "5000.00"])
    for application, envelope in zip(applications, [north, north, south, south], strict=True):
        Application.objects.filter(pk=application.pk).update(envelope=envelope)
    client.force_login(officer)
    html = client.get(reverse("manage:ranking", args=[call.pk]), {"page-N": "2"}).content.decode()
    assert [r["attrs"]["data-number"] for r in _list_rows(html, "ranking-1")] == [applications[1].number]
    assert [r["attrs"]["data-number"] for r in _list_rows(html, "ranking-2")] == [applications[2].number]
    assert "Kvietimo dalis" not in html and "Envelope N" in html and "Shared budget of the call" in html
    # N: 30 000 fits 40 000, 20 000 does not; the shared pool (60 000) holds both of S.
    assert f'id="ranking-pool-{north.pk}-cutoff"' in html
    next_shared = (
        'href="?page-N=2&amp;page-shared=2" rel="next">Next page<span class="visually-hidden"> – Shared budget'
    )
    assert next_shared in html
    assert "The budget covers every application above the quality threshold." in html


@pytest.mark.parametrize("size", [3, 40])
def test_ranking_page_costs_a_fixed_number_of_queries(client, officer, call, django_assert_max_num_queries, size):
    _ranked_call(call, ["1000.00"] * size)
    client.force_login(officer)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("manage:ranking", args=[call.pk]))
    assert response.status_code == 200
