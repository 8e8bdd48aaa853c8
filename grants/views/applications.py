"""The applicant's pages of an application: the six steps (each saved as a
draft), attachments, the review with "Submit", the receipt, withdrawal and the
list of the organisation's applications. Only users acting for the applicant
organisation reach them; anyone else gets 404. Attachments are downloaded by
every user the selectors let see the application (officers, evaluators who
declared no conflict)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clusters.models import Organisation
from core.errors import ApplicationError
from core.permissions import Access
from grants.forms.applications import (
    AttachmentForm,
    BudgetForm,
    DeclarationsForm,
    IndicatorsForm,
    PartnersForm,
    ProjectForm,
    add_service_error,
)
from grants.models import Application, ApplicationAttachment, ApplicationStatus, Indicator
from grants.selectors.applications import application_list as application_list_query
from grants.selectors.applications import applications_visible_to
from grants.services import applications as services
from grants.services.applications import WITHDRAWABLE, indicator_field
from grants.services.financing import budget_field
from grants.views.calls_public import applicant_organisation, call_accepts_applications

STEPS = (
    (1, gettext_lazy("Project")),
    (2, gettext_lazy("Partners")),
    (3, gettext_lazy("Budget")),
    (4, gettext_lazy("Indicator targets")),
    (5, gettext_lazy("Attachments")),
    (6, gettext_lazy("Declarations")),
)
LAST_STEP = len(STEPS)

# Which step holds a field the services name (for the review page's list of problems).
FIELD_STEPS = {
    "title": 1,
    "summary": 1,
    "start_date": 1,
    "end_date": 1,
    "envelope": 1,
    "partners": 2,
    "budget": 3,
    "lines": 3,
    "eligible_cost": 3,
    "grant_requested": 3,
    "own_contribution": 3,
    "indicators": 4,
    "targets": 4,
    "attachments": 5,
    "file": 5,
    "de_minimis_received": 6,
    "declarations": 6,
    "declares_no_double_funding": 6,
    "declares_data_accurate": 6,
}
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _own_application(request, pk: int) -> Application:
    """The application `pk` of the organisation the user acts for, else 404."""
    organisation = applicant_organisation(request.user)
    if organisation is None:
        raise Http404(_("No such application."))
    queryset = applications_visible_to(request.user).filter(applicant=organisation)
    return get_object_or_404(
        queryset.select_related("call", "call__instrument", "envelope", "applicant", "project"), pk=pk
    )


def _financing_terms(application: Application) -> tuple:
    """The funding rate and maximum grant that apply: the envelope's, else the call's."""
    source = application.envelope or application.call
    return source.funding_rate, source.max_grant_amount


def _partner_candidates(organisation: Organisation, application: Application):
    """Current members of the clusters the applicant is a current member of,
    and the partners already chosen."""
    members = Organisation.objects.filter(
        cluster_memberships__left_on__isnull=True,
        cluster_memberships__cluster__memberships__organisation=organisation,
        cluster_memberships__cluster__memberships__left_on__isnull=True,
    ).exclude(pk=organisation.pk)
    chosen = application.partners.all()
    return (members | chosen).distinct().order_by("name")


def _step_form(step: int, request, application: Application):
    """The form of `step`, bound to the request's data on POST, with what is saved as initial data."""
    data = request.POST if request.method == "POST" else None
    call = application.call
    if step == 1:
        initial = {
            "title": application.title,
            "summary": application.summary,
            "start_date": application.start_date,
            "end_date": application.end_date,
            "envelope": application.envelope_id,
        }
        return ProjectForm(data, initial=initial, application=application, envelopes=call.envelopes.exists())
    if step == 2:
        candidates = _partner_candidates(application.applicant, application)
        initial = {"partners": list(application.partners.values_list("pk", flat=True))}
        return PartnersForm(data, initial=initial, candidates=candidates)
    if step == 3:
        categories = call.instrument.eligible_cost_categories.order_by("code")
        saved = {line.cost_category_id: line.amount for line in application.budget_lines.all()}
        form = BudgetForm(data, categories=categories)
        form.initial = {budget_field(c): saved.get(c.pk) for c in form.categories}
        return form
    if step == 4:
        indicators = Indicator.objects.filter(instrument_targets__instrument=call.instrument).order_by("code")
        saved = {t.indicator_id: t.target_value for t in application.indicator_targets.all()}
        form = IndicatorsForm(data, indicators=indicators)
        form.initial = {indicator_field(i): saved.get(i.pk) for i in form.indicators}
        return form
    if step == 5:
        return AttachmentForm(data, request.FILES or None) if data is not None else AttachmentForm()
    initial = {
        "de_minimis_received": application.de_minimis_received,
        "declares_no_double_funding": application.declares_no_double_funding,
        "declares_data_accurate": application.declares_data_accurate,
    }
    return DeclarationsForm(data, initial=initial)


def _save_step(step: int, request, application: Application, form) -> None:
    """Save the step through its service; ApplicationError goes to the caller."""
    actor = request.user
    data = form.cleaned_data
    # The version the applicant's page was made from (optimistic locking): a
    # stale step is refused with StaleEditError, shown above the form.
    version = request.POST.get("version")
    if step == 1:
        services.application_project_update(
            actor=actor,
            application=application,
            version=version,
            title=data["title"],
            summary=data["summary"],
            start_date=data["start_date"],
            end_date=data["end_date"],
            envelope=data.get("envelope"),
        )
    elif step == 2:
        services.application_partners_set(
            actor=actor, application=application, partners=list(data["partners"]), version=version
        )
    elif step == 3:
        services.application_budget_set(actor=actor, application=application, lines=form.lines(), version=version)
    elif step == 4:
        services.application_indicators_set(
            actor=actor, application=application, targets=form.targets(), version=version
        )
    elif step == 5:
        services.application_attachment_add(actor=actor, application=application, upload=data["file"])
    else:
        services.application_declarations_set(
            actor=actor,
            application=application,
            de_minimis_received=data["de_minimis_received"],
            no_double_funding=data["declares_no_double_funding"],
            data_accurate=data["declares_data_accurate"],
            version=version,
        )


def _field_map(step: int) -> dict:
    """The services name a form field as the forms do, except the upload."""
    return {"upload": "file"} if step == 5 else {}


def _steps_nav(application: Application, current: int | None) -> list[dict]:
    return [{"number": n, "label": label, "current": n == current} for n, label in STEPS]


def _step_context(application: Application, step: int, form) -> dict:
    rate, max_grant = _financing_terms(application)
    context = {
        "application": application,
        "call": application.call,
        "step": step,
        "step_label": dict(STEPS)[step],
        "steps": _steps_nav(application, step),
        "form": form,
        "is_last": step == LAST_STEP,
        "funding_rate": rate,
        "max_grant": max_grant,
    }
    if step == 5:
        context["attachments"] = list(application.attachments.all())
    return context


@login_required
@require_http_methods(["GET", "POST"])
def application_step(request, pk: int, step: int):
    application = _own_application(request, pk)
    if step < 1 or step > LAST_STEP:
        raise Http404(_("No such step."))
    if application.status != ApplicationStatus.DRAFT:
        messages.info(request, _("This application has been submitted and can no longer be changed."))
        return redirect("application-detail", pk=application.pk)
    form = _step_form(step, request, application)
    if request.method == "POST" and form.is_valid():
        try:
            _save_step(step, request, application, form)
        except ApplicationError as error:
            add_service_error(form, error, _field_map(step))
        else:
            if step == 5:
                messages.success(request, _("The file has been attached."))
                return redirect("application-step", pk=application.pk, step=5)
            if request.POST.get("action") == "continue":
                if step == LAST_STEP:
                    return redirect("application-detail", pk=application.pk)
                return redirect("application-step", pk=application.pk, step=step + 1)
            messages.success(request, _("Saved as a draft."))
            return redirect("application-step", pk=application.pk, step=step)
    application.refresh_from_db()
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "grants/applications/step.html", _step_context(application, step, form), status=status)


@login_required
@require_POST
def attachment_delete(request, pk: int, attachment_id: int):
    application = _own_application(request, pk)
    attachment = get_object_or_404(application.attachments, pk=attachment_id)
    try:
        services.application_attachment_delete(actor=request.user, attachment=attachment)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The file “%(name)s” has been removed.") % {"name": attachment.original_name})
    return redirect("application-step", pk=application.pk, step=5)


@login_required
@require_GET
def attachment_download(request, pk: int, attachment_id: int):
    """The file, for whoever may see the application; 404 for anyone else."""
    visible = applications_visible_to(request.user)
    attachment = get_object_or_404(
        ApplicationAttachment.objects.filter(application__in=visible), pk=attachment_id, application_id=pk
    )
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=CONTENT_TYPES.get(attachment.kind, "application/octet-stream"),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _submit_problems(error: ApplicationError) -> list[dict]:
    """Every problem of a refused submission, with the step that fixes it."""
    problems = []
    fields = (error.details or {}).get("fields") or {}
    for field, field_messages in fields.items():
        step = FIELD_STEPS.get(field)
        if step is None and field.startswith("budget_"):
            step = 3
        if step is None and field.startswith("target_"):
            step = 4
        for message in field_messages if isinstance(field_messages, list | tuple) else [field_messages]:
            problems.append({"message": message, "step": step})
    if not problems:
        problems.append({"message": error.message, "step": FIELD_STEPS.get(error.field or "")})
    return problems


def _detail_context(application: Application, problems=None) -> dict:
    rate, max_grant = _financing_terms(application)
    indicator_targets = list(application.indicator_targets.select_related("indicator"))
    return {
        "application": application,
        "call": application.call,
        "steps": _steps_nav(application, None),
        "budget_lines": list(application.budget_lines.select_related("cost_category")),
        "indicator_targets": indicator_targets,
        "partners": list(application.partners.all()),
        "attachments": list(application.attachments.all()),
        "funding_rate": rate,
        "max_grant": max_grant,
        "is_draft": application.status == ApplicationStatus.DRAFT,
        "accepts": call_accepts_applications(application.call),
        "can_withdraw": application.status in WITHDRAWABLE,
        "problems": problems or [],
    }


@login_required
@require_GET
def application_detail(request, pk: int):
    """The review page: everything entered, "Submit" for a draft, "Withdraw" before the decision."""
    application = _own_application(request, pk)
    return render(request, "grants/applications/detail.html", _detail_context(application))


@login_required
@require_POST
def application_submit(request, pk: int):
    application = _own_application(request, pk)
    try:
        application = services.application_submit(actor=request.user, application=application)
    except ApplicationError as error:
        application.refresh_from_db()
        context = _detail_context(application, _submit_problems(error))
        return render(request, "grants/applications/detail.html", context, status=400)
    return redirect("application-receipt", pk=application.pk)


@login_required
@require_GET
def application_receipt(request, pk: int):
    """The receipt of a submitted application: its number and the moment it was received."""
    application = _own_application(request, pk)
    if not application.number:
        raise Http404(_("This application has not been submitted."))
    return render(request, "grants/applications/receipt.html", {"application": application, "call": application.call})


@login_required
@require_http_methods(["GET", "POST"])
def application_withdraw(request, pk: int):
    """A confirmation page, then the withdrawal (only before the decision)."""
    application = _own_application(request, pk)
    if application.status not in WITHDRAWABLE:
        messages.error(request, _("This application can no longer be withdrawn."))
        return redirect("application-detail", pk=application.pk)
    error = None
    if request.method == "POST":
        try:
            services.application_withdraw(actor=request.user, application=application)
        except ApplicationError as exc:
            error = exc.message
        else:
            messages.success(request, _("The application has been withdrawn."))
            return redirect("application-detail", pk=application.pk)
    context = {"application": application, "call": application.call, "error": error}
    return render(request, "grants/applications/withdraw.html", context, status=400 if error else 200)


@login_required
@require_GET
def application_list(request):
    """The organisation's applications (an applicant without an organisation is told to create one)."""
    if not Access.of(request.user).acts_for_organisation:
        raise Http404(_("No such page."))
    organisation = applicant_organisation(request.user)
    applications = application_list_query(request.user) if organisation is not None else []
    return render(
        request, "grants/applications/list.html", {"applications": applications, "organisation": organisation}
    )
