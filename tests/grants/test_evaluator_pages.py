"""The evaluators' pages (/manage/evaluations/): only their own assignments,
the conflict-of-interest declaration before the content, scoring by
criterion with errors by field, 404 for unassigned or conflicted
applications, a fixed number of queries."""

from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse

from core.models import Role
from grants.models import ApplicationStatus, AssignmentStatus, EvaluationCriterion
from grants.services.selection import evaluator_assign
from tests.factories import UserFactory
from tests.grants.test_home import rows_by, table_rows
from tests.grants.test_officer_pages import call, instrument, submitted  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def criteria(call):  # noqa: F811
    return [
        EvaluationCriterion.objects.create(call=call, code="Q1", name_lt="Kokybė", weight=Decimal("3"), max_score=10),
        EvaluationCriterion.objects.create(call=call, code="Q2", name_lt="Poveikis", weight=Decimal("1"), max_score=5),
    ]


@pytest.fixture
def evaluator(db):
    return UserFactory(role=Role.EVALUATOR)


def assigned(call, officer, evaluator):  # noqa: F811
    application = submitted(call, status=ApplicationStatus.UNDER_EVALUATION)
    return evaluator_assign(actor=officer, application=application, evaluator=evaluator)


def test_my_evaluations_lists_only_own_assignments_at_fixed_queries(
    client,
    officer,
    call,  # noqa: F811
    criteria,
    evaluator,
    django_assert_max_num_queries,
):
    other = UserFactory(role=Role.EVALUATOR)
    mine = assigned(call, officer, evaluator)
    theirs = assigned(call, officer, other)
    client.force_login(evaluator)
    url = reverse("manage:evaluation-list")
    client.get(url)
    with django_assert_max_num_queries(10) as one:
        html = client.get(url).content.decode()
    rows = rows_by(table_rows(html, "evaluations"), "data-number")
    assert set(rows) == {mine.application.number}
    assert theirs.application.number not in html
    for _ in range(5):
        assigned(call, officer, evaluator)
    with django_assert_max_num_queries(len(one.captured_queries)):
        html = client.get(url).content.decode()
    assert len(rows_by(table_rows(html, "evaluations"), "data-number")) == 6


@pytest.mark.parametrize("role", [Role.OFFICER, Role.AUDITOR, Role.APPLICANT])
def test_other_roles_get_404(client, role):
    client.force_login(UserFactory(role=role))
    assert client.get(reverse("manage:evaluation-list")).status_code == 404


def test_content_hidden_until_no_conflict_is_declared_then_scoring(client, officer, call, criteria, evaluator):  # noqa: F811
    assignment = assigned(call, officer, evaluator)
    application = assignment.application
    client.force_login(evaluator)
    url = reverse("manage:evaluation-detail", args=[assignment.pk])
    html = client.get(url).content.decode()
    assert application.title in html and application.applicant.name in html
    assert "Slaptas projekto aprašymas" not in html and 'name="score_' not in html

    # The declaration is required, shown by its field.
    response = client.post(reverse("manage:evaluation-declare", args=[assignment.pk]), {})
    assert response.status_code == 400 and "id_has_conflict-error-1" in response.content.decode()

    response = client.post(reverse("manage:evaluation-declare", args=[assignment.pk]), {"has_conflict": "no"})
    assert response["Location"] == url
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.SCORING
    html = client.get(url).content.decode()
    assert "Slaptas projekto aprašymas" in html
    q1, q2 = criteria
    assert f'name="score_{q1.pk}"' in html and f'name="comment_{q2.pk}"' in html

    # A score above the criterion's maximum is refused by its field; nothing is lost.
    score_url = reverse("manage:evaluation-score", args=[assignment.pk])
    data = {f"score_{q1.pk}": "8", f"comment_{q1.pk}": "Gera kokybė", f"score_{q2.pk}": "7", f"comment_{q2.pk}": ""}
    response = client.post(score_url, data)
    html = response.content.decode()
    assert response.status_code == 400
    assert f'href="#id_score_{q2.pk}"' in html and f'id="id_score_{q2.pk}-error-1"' in html
    assert "Gera kokybė" in html
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.SCORING

    data[f"score_{q2.pk}"] = "4"
    response = client.post(score_url, data)
    assert response["Location"] == reverse("manage:evaluation-list")
    assignment.refresh_from_db()
    application.refresh_from_db()
    # (8/10 × 3 + 4/5 × 1) / 4 × 100 = 80.00
    assert assignment.status == AssignmentStatus.COMPLETED and assignment.score == Decimal("80.00")
    assert application.status == ApplicationStatus.EVALUATED and application.score == Decimal("80.00")
    html = client.get(url).content.decode()
    assert rows_by(table_rows(html, "scores"), "data-criterion")["Q1"]["cells"][1] == "8 / 10"


def test_declared_conflict_removes_the_evaluator(client, officer, call, criteria, evaluator):  # noqa: F811
    assignment = assigned(call, officer, evaluator)
    client.force_login(evaluator)
    response = client.post(reverse("manage:evaluation-declare", args=[assignment.pk]), {"has_conflict": "yes"})
    assert response["Location"] == reverse("manage:evaluation-list")
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.CONFLICT
    assert client.get(reverse("manage:evaluation-detail", args=[assignment.pk])).status_code == 404
    q1, q2 = criteria
    response = client.post(
        reverse("manage:evaluation-score", args=[assignment.pk]), {f"score_{q1.pk}": "10", f"score_{q2.pk}": "5"}
    )
    assert response.status_code == 404
    html = client.get(reverse("manage:evaluation-list")).content.decode()
    row = rows_by(table_rows(html, "evaluations"), "data-number")[assignment.application.number]
    assert row["cols"]["status"] == "Conflict of interest"
    assert reverse("manage:evaluation-detail", args=[assignment.pk]) not in html


def test_someone_elses_assignment_is_404(client, officer, call, criteria, evaluator):  # noqa: F811
    assignment = assigned(call, officer, UserFactory(role=Role.EVALUATOR))
    client.force_login(evaluator)
    assert client.get(reverse("manage:evaluation-detail", args=[assignment.pk])).status_code == 404
    response = client.post(reverse("manage:evaluation-declare", args=[assignment.pk]), {"has_conflict": "no"})
    assert response.status_code == 404
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.ASSIGNED
    # Nor the officers' page of the application.
    assert client.get(reverse("manage:application-detail", args=[assignment.application_id])).status_code == 404
