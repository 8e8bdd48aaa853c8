"""Which projects a user may see, and project lists."""

from django.db.models import QuerySet

from clusters.selectors import organisation_id_for
from core.permissions import Access
from core.queries import sum_subquery
from grants.models import Payment, Project


def projects_visible_to(user) -> QuerySet[Project]:
    """Officers and auditors see every project; an applicant only its organisation's."""
    projects = Project.objects.select_related("instrument", "beneficiary")
    if Access.of(user).sees_all_data:
        return projects
    organisation_id = organisation_id_for(user)
    if organisation_id is None:
        return projects.none()
    return projects.filter(beneficiary_id=organisation_id) | projects.filter(partners__id=organisation_id)


def project_list_for_applicant(user) -> QuerySet[Project]:
    """An applicant's projects with what it has been paid, in one query."""
    return (
        projects_visible_to(user)
        .annotate(paid_total=sum_subquery(Payment.objects.all(), "project", "amount"))
        .distinct()
        .order_by("code")
    )
