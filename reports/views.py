"""HTML pages for report jobs: the list with live progress, the request form,
the download and the retry of a failed job. The pages call the same services and
selectors as the REST API (reports/apis.py), so both follow one set of rules."""

import base64
import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import ApplicationError
from core.permissions import Access
from reports import conf
from reports.forms import ReportRequestForm
from reports.kinds.params import report_language
from reports.models import ReportFile, ReportJob, ReportJobStatus
from reports.selectors import report_job_get_for, report_jobs_visible_to
from reports.serializers import report_title
from reports.services.jobs import report_file_download, report_job_request, report_job_retry

logger = logging.getLogger(__name__)

JOBS_PER_PAGE = 50


def can_use_reports(user) -> bool:
    """Officers and auditors use reports for every programme, applicants for their
    own projects' statements (reports.selectors and reports.services draw the
    lines); other roles have no report pages at all."""
    return Access.of(user).uses_reports


class ReportNotReadyError(Exception):
    """The job has no file to download (yet, or because it failed)."""

    def __init__(self, job: ReportJob):
        self.job = job
        if job.status == ReportJobStatus.FAILED:
            message = _("The report could not be produced; retry the job to render it again.")
        elif job.status == ReportJobStatus.RUNNING:
            message = _("The report is being rendered; download it when it has succeeded.")
        else:
            message = _("The report is queued; download it when it has succeeded.")
        super().__init__(message)
        self.message = message


class ReportFileMissingError(Exception):
    """The job succeeded but its stored file cannot be read."""


def report_download_response(job: ReportJob, *, actor) -> FileResponse:
    """The job's PDF, streamed, with its SHA-256 in the headers so that the
    receiver can check that the bytes are the ones Fondas stored. The download
    is written to the audit trail (reports.services.jobs.report_file_download).

    Raises ReportNotReadyError unless the job has succeeded, ReportFileMissingError when
    the storage no longer holds the file."""
    if job.status != ReportJobStatus.SUCCEEDED:
        raise ReportNotReadyError(job)
    try:
        report_file = job.output
    except ReportFile.DoesNotExist:
        raise ReportNotReadyError(job) from None
    try:
        handle = report_file.file.storage.open(report_file.file.name, "rb")
    except OSError as exc:
        logger.error("Report file of job %s is missing: %s", job.pk, exc)
        raise ReportFileMissingError(str(job.pk)) from exc
    try:
        report_file_download(actor=actor, job=job)
    except BaseException:
        handle.close()
        raise
    response = FileResponse(handle, as_attachment=True, filename=report_file.filename, content_type="application/pdf")
    digest = base64.b64encode(bytes.fromhex(report_file.sha256)).decode("ascii")
    response["X-Content-SHA256"] = report_file.sha256
    response["Digest"] = f"sha-256={digest}"  # RFC 3230
    response["Repr-Digest"] = f"sha-256=:{digest}:"  # RFC 9530
    response["ETag"] = f'"{report_file.sha256}"'
    response["Cache-Control"] = "private, max-age=0"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _require_report_user(user) -> None:
    if not can_use_reports(user):
        raise PermissionDenied(_("Your role does not use reports."))


@login_required
@require_GET
def job_list(request):
    _require_report_user(request.user)
    jobs = report_jobs_visible_to(request.user).select_related("requested_by", "output").order_by("-queued_at", "-pk")
    page = Paginator(jobs, JOBS_PER_PAGE).get_page(request.GET.get("page"))
    rows = []
    for job in page.object_list:
        # The kind has its own line on the page; the title's subject (in the
        # report's language, as the title is) follows it.
        language = report_language(job.params)
        with translation.override(language):
            prefix = f"{job.get_kind_display()} — "
        rows.append({"job": job, "subject": report_title(job).removeprefix(prefix), "language": language})
    pending = any(row["job"].status in (ReportJobStatus.QUEUED, ReportJobStatus.RUNNING) for row in rows)
    context = {"page": page, "rows": rows, "pending": pending, "max_attempts": conf.MAX_ATTEMPTS}
    return render(request, "reports/job_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def job_create(request):
    _require_report_user(request.user)
    form = ReportRequestForm(request.POST or None, user=request.user)
    if request.method == "GET":
        form.initial_from_query(request.GET)
    if request.method == "POST" and form.is_valid():
        try:
            job = report_job_request(actor=request.user, kind=form.cleaned_data["kind"], params=form.job_params())
        except ApplicationError as error:
            form.add_application_error(error)
        except PermissionDenied as denied:
            # E.g. an applicant chose a project that is not its organisation's own.
            form.add_error(form.subject_field(), str(denied) or _("You may not request this report."))
        else:
            messages.success(
                request,
                _("%(title)s requested. Download it here when it has been rendered.") % {"title": report_title(job)},
            )
            return redirect("reports:job-list")
    return render(request, "reports/job_form.html", {"form": form})


@login_required
@require_GET
def job_download(request, job_id):
    _require_report_user(request.user)
    job = report_job_get_for(user=request.user, job_id=job_id)
    try:
        return report_download_response(job, actor=request.user)
    except ReportNotReadyError as exc:
        context = {"job": job, "title": report_title(job), "message": exc.message}
        return render(request, "reports/job_unavailable.html", context, status=409)
    except ReportFileMissingError:
        context = {
            "job": job,
            "title": report_title(job),
            "message": _("The stored file of this report cannot be read. Request the report again."),
        }
        return render(request, "reports/job_unavailable.html", context, status=410)


@login_required
@require_POST
def job_retry(request, job_id):
    _require_report_user(request.user)
    job = report_job_get_for(user=request.user, job_id=job_id)
    try:
        job = report_job_retry(actor=request.user, job=job)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(title)s queued again.") % {"title": report_title(job)})
    return redirect("reports:job-list")
