"""Reads about organisations: the one a user acts for, the join requests a user may decide."""

from django.db.models import QuerySet

from clusters.models import (
    OrganisationJoinRequest,
    OrganisationUser,
)
from core.models import Role


def organisation_id_for(user) -> int | None:
    """The organisation an applicant acts for, or None."""
    if not user.is_authenticated:
        return None
    return OrganisationUser.objects.filter(user=user).values_list("organisation_id", flat=True).first()


def join_requests_decidable_by(user) -> QuerySet[OrganisationJoinRequest]:
    """The requests `user` may decide: every one for a programme officer, those
    to join its own organisation for an organisation's administrator, none otherwise."""
    requests = OrganisationJoinRequest.objects.select_related("user", "organisation")
    if not user.is_authenticated or not user.is_active:
        return requests.none()
    if user.role == Role.OFFICER:
        return requests
    administered = OrganisationUser.objects.filter(user=user, is_admin=True).values("organisation_id")
    return requests.filter(organisation_id__in=administered)
