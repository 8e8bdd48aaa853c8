"""Which report jobs a user may see. Deny by default: officers and auditors
see every job; an applicant sees the project statements and claim verification
records that people of its organisation requested about its organisation's
projects and claims; nobody else sees any."""

import uuid

from django.db.models import IntegerField, Q, QuerySet
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.http import Http404

from clusters.selectors import organisation_id_for
from core.permissions import Access
from grants.models import PaymentClaim, Project
from reports.models import ReportJob, ReportKind


def report_jobs_visible_to(user) -> QuerySet[ReportJob]:
    jobs = ReportJob.objects.all()
    access = Access.of(user)
    if access.sees_all_data:
        return jobs
    if not access.acts_for_organisation:
        return jobs.none()
    organisation_id = organisation_id_for(user)
    if organisation_id is None:
        return jobs.none()
    # An applicant sees the reports its organisation's users requested about
    # its own projects: project statements and its claims' verification records.
    own_projects = Project.objects.filter(beneficiary_id=organisation_id).values("pk")
    own_claims = PaymentClaim.objects.filter(project__beneficiary_id=organisation_id).values("pk")
    return (
        jobs.annotate(
            _project_id=Cast(KT("params__project_id"), IntegerField()),
            _claim_id=Cast(KT("params__claim_id"), IntegerField()),
        )
        .filter(requested_by__organisation_link__organisation_id=organisation_id)
        .filter(
            Q(kind=ReportKind.PROJECT, _project_id__in=own_projects)
            | Q(kind="claim_verification", _claim_id__in=own_claims)
        )
    )


def report_job_get_for(*, user, job_id) -> ReportJob:
    """The job with its file, or Http404 when it does not exist or the user may
    not see it (the two look the same from outside)."""
    try:
        job_id = uuid.UUID(str(job_id))
    except ValueError:
        raise Http404("No such report.") from None
    job = report_jobs_visible_to(user).select_related("output", "requested_by").filter(pk=job_id).first()
    if job is None:
        raise Http404("No such report.")
    return job
