"""Which applications a user may see, the application list, and one
application for its pages. Deny by default; a foreign or invisible application
answers 404 (application_get_for)."""

from django.db.models import Count, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from clusters.selectors import organisation_id_for
from core.models import Role
from core.permissions import Access
from grants.models import Application, ApplicationAttachment, AssignmentStatus, EvaluatorAssignment

# An evaluator sees an application's content only after declaring no conflict
# of interest: its assignment is then scoring or completed.
EVALUATOR_SEES = (AssignmentStatus.SCORING, AssignmentStatus.COMPLETED)


def applications_visible_to(user) -> QuerySet[Application]:
    """Officers and auditors: every application; an applicant: its
    organisation's; an evaluator: those assigned to them on which they declared
    no conflict; everyone else: none."""
    applications = Application.objects.all()
    access = Access.of(user)
    if access.sees_all_data:
        return applications
    if access.acts_for_organisation:
        organisation_id = organisation_id_for(user)
        if organisation_id is None:
            return applications.none()
        return applications.filter(applicant_id=organisation_id)
    if access.role == Role.EVALUATOR:
        assigned = EvaluatorAssignment.objects.filter(evaluator=user, status__in=EVALUATOR_SEES).values(
            "application_id"
        )
        return applications.filter(pk__in=assigned)
    return applications.none()


def application_list(user, call=None, status=None) -> QuerySet[Application]:
    """The applications `user` may see, optionally of one call and status, with
    their call, instrument, envelope and applicant, and the number of
    attachments: one query whatever the number of rows. Newest first."""
    applications = (
        applications_visible_to(user)
        .select_related("call__instrument", "envelope", "applicant")
        .annotate(attachment_count=Count("attachments", distinct=True))
        .order_by("-created_at", "-pk")
    )
    if call is not None:
        applications = applications.filter(call=call)
    if status:
        applications = applications.filter(status=status)
    return applications


def application_get_for(*, user, pk: int) -> Application:
    """The application with its call, instrument, envelope and applicant, or
    Http404 when it does not exist or `user` may not see it (the two look the
    same from outside)."""
    application = (
        applications_visible_to(user)
        .select_related("call__instrument", "envelope", "applicant", "created_by")
        .filter(pk=pk)
        .first()
    )
    if application is None:
        raise Http404(_("No such application."))
    return application


def attachment_get_for(*, user, pk: int) -> ApplicationAttachment:
    """An attachment of an application `user` may see, or Http404."""
    attachment = (
        ApplicationAttachment.objects.select_related("application")
        .filter(pk=pk, application__in=applications_visible_to(user))
        .first()
    )
    if attachment is None:
        raise Http404(_("No such attachment."))
    return attachment


def application_detail(application: Application) -> dict:
    """What the application's pages show beside the application itself: its
    budget lines, indicator targets, partners and attachments (four queries)."""
    return {
        "budget_lines": list(application.budget_lines.select_related("cost_category").order_by("cost_category__code")),
        "indicator_targets": list(
            application.indicator_targets.select_related("indicator").order_by("indicator__code")
        ),
        "partners": list(application.partners.order_by("name")),
        "attachments": list(application.attachments.order_by("uploaded_at", "pk")),
    }
