"""Who sees which application: an applicant its own organisation's only, an
evaluator only what they were assigned and declared no conflict on, officers
and auditors all, anyone else none; a foreign application or attachment answers
404. The list costs a fixed number of queries."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils import timezone

from core.models import Role
from grants.models import AssignmentStatus, CallStatus, EvaluatorAssignment
from grants.selectors.applications import (
    application_detail,
    application_get_for,
    application_list,
    applications_visible_to,
    attachment_get_for,
)
from grants.services import call_transition
from grants.services.applications import application_attachment_add, application_create
from tests.factories import OrganisationFactory, UserFactory, make_call, make_instrument

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def call():
    call = make_call(make_instrument())
    call_transition(actor=None, call=call, to_status=CallStatus.OPEN)
    return call


@pytest.fixture
def user_a(organisation):
    return UserFactory(role=Role.APPLICANT, organisation=organisation)


@pytest.fixture
def user_b():
    return UserFactory(role=Role.APPLICANT, organisation=OrganisationFactory())


@pytest.fixture
def application_a(call, user_a):
    return application_create(actor=user_a, call=call)


@pytest.fixture
def application_b(call, user_b):
    return application_create(actor=user_b, call=call)


def visible(user):
    return set(applications_visible_to(user).values_list("pk", flat=True))


def assign(application, evaluator, status, officer):
    return EvaluatorAssignment.objects.create(
        application=application, evaluator=evaluator, status=status, assigned_by=officer, assigned_at=timezone.now()
    )


def test_applicant_sees_only_its_organisations_applications(application_a, application_b, user_a, user_b, organisation):
    colleague = UserFactory(role=Role.APPLICANT, organisation=organisation)
    assert visible(user_a) == visible(colleague) == {application_a.pk}
    assert visible(user_b) == {application_b.pk}
    assert application_get_for(user=user_a, pk=application_a.pk) == application_a
    with pytest.raises(Http404):
        application_get_for(user=user_a, pk=application_b.pk)
    with pytest.raises(Http404):
        application_get_for(user=user_a, pk=application_b.pk + 1000)


def test_a_foreign_attachment_answers_404(application_a, application_b, user_a, user_b):
    attachment = application_attachment_add(
        actor=user_b, application=application_b, upload=SimpleUploadedFile("b.pdf", PDF)
    )
    assert attachment_get_for(user=user_b, pk=attachment.pk) == attachment
    with pytest.raises(Http404):
        attachment_get_for(user=user_a, pk=attachment.pk)


def test_officers_and_auditors_see_every_application(application_a, application_b, officer, auditor):
    assert visible(officer) == visible(auditor) == {application_a.pk, application_b.pk}


def test_evaluator_sees_only_assigned_applications_after_declaring_no_conflict(
    call, user_a, user_b, officer, application_a, application_b
):
    evaluator = UserFactory(role=Role.EVALUATOR)
    third = application_create(actor=UserFactory(role=Role.APPLICANT, organisation=OrganisationFactory()), call=call)
    fourth = application_create(actor=UserFactory(role=Role.APPLICANT, organisation=OrganisationFactory()), call=call)
    assignment = assign(application_a, evaluator, AssignmentStatus.ASSIGNED, officer)
    assign(application_b, evaluator, AssignmentStatus.CONFLICT, officer)
    assign(third, evaluator, AssignmentStatus.COMPLETED, officer)
    assign(fourth, UserFactory(role=Role.EVALUATOR), AssignmentStatus.SCORING, officer)  # someone else's
    # Assigned but not yet declared: not yet; a declared conflict: never; completed: yes; unassigned: no.
    assert visible(evaluator) == {third.pk}
    assignment.status = AssignmentStatus.SCORING
    assignment.save()
    assert visible(evaluator) == {application_a.pk, third.pk}
    with pytest.raises(Http404):
        application_get_for(user=evaluator, pk=application_b.pk)
    with pytest.raises(Http404):
        application_get_for(user=evaluator, pk=fourth.pk)


def test_an_evaluator_role_is_needed_to_see_assigned_applications(application_a, officer, user_b):
    # An assignment row for a user who is not an evaluator (e.g. an applicant) shows nothing new.
    assign(application_a, user_b, AssignmentStatus.SCORING, officer)
    assert visible(user_b) == set()


def test_everyone_else_sees_nothing(application_a, application_b):
    loner = UserFactory(role=Role.APPLICANT)
    administrator = UserFactory(role=Role.ADMINISTRATOR)
    inactive = UserFactory(role=Role.OFFICER, is_active=False)
    for user in (AnonymousUser(), loner, administrator, inactive):
        assert visible(user) == set()


def test_list_filters_by_call_and_status(call, user_a, application_a):
    other_call = make_call(make_instrument())
    call_transition(actor=None, call=other_call, to_status=CallStatus.OPEN)
    other = application_create(actor=user_a, call=other_call)
    assert [a.pk for a in application_list(user_a)] == [other.pk, application_a.pk]
    assert [a.pk for a in application_list(user_a, call=call)] == [application_a.pk]
    assert [a.pk for a in application_list(user_a, status="draft")] == [other.pk, application_a.pk]
    assert list(application_list(user_a, status="submitted")) == []


@pytest.mark.parametrize("rows", [1, 20])
def test_list_costs_a_fixed_number_of_queries(call, user_a, officer, rows, django_assert_max_num_queries):
    for _ in range(rows):
        application = application_create(actor=user_a, call=call)
        application_attachment_add(actor=user_a, application=application, upload=SimpleUploadedFile("a.pdf", PDF))
    evaluator = UserFactory(role=Role.EVALUATOR)
    for application in application_list(officer):
        assign(application, evaluator, AssignmentStatus.SCORING, officer)
    for user in (user_a, officer, evaluator):
        # The applicant's organisation is looked up once, then one query for the rows.
        with django_assert_max_num_queries(2):
            shown = [
                (a.number, a.call.code, a.call.instrument.code, a.applicant.name, a.envelope, a.attachment_count)
                for a in application_list(user)
            ]
        assert len(shown) == rows
        assert all(row[-1] == 1 for row in shown)


def test_detail_costs_four_queries(application_a, user_a, django_assert_num_queries):
    with django_assert_num_queries(4):
        detail = application_detail(application_a)
    assert detail == {"budget_lines": [], "indicator_targets": [], "partners": [], "attachments": []}
