"""Reads of payment claims: which claims a user may see, a project's claims,
the officers' verification queue."""

from django.db.models import QuerySet

from grants.models import PaymentClaim, Project


def project_claims(project: Project) -> QuerySet[PaymentClaim]:
    """The project's claims, newest first (the project page's list)."""
    return PaymentClaim.objects.filter(project=project).order_by("-number")
