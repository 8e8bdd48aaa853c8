"""Reads of the cluster registry."""

from clusters.models import OrganisationUser


def organisation_id_for(user) -> int | None:
    """The organisation an applicant acts for, or None."""
    if not user.is_authenticated:
        return None
    return OrganisationUser.objects.filter(user=user).values_list("organisation_id", flat=True).first()
