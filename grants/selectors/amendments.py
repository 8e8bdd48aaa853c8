"""Reads of amendment requests and agreement versions."""

from django.db.models import QuerySet

from grants.models import AgreementVersion, Amendment, Project


def project_amendments(project: Project) -> QuerySet[Amendment]:
    """The project's amendment requests, newest first."""
    return Amendment.objects.filter(project=project).order_by("-requested_at", "-id")


def project_agreement_versions(project: Project) -> QuerySet[AgreementVersion]:
    """The project's agreement versions, oldest first."""
    return AgreementVersion.objects.filter(project=project).order_by("number")
