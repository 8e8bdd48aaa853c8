"""The beneficiary's payment-claim pages (issue 9) under /claims/: its
organisation's claims, a claim's draft (period and kind), expenditure items with
their supporting documents, indicator values with their evidence, the XLSX
import, submission and the rounds of clarification.

Who sees what is the selectors' (grants.selectors.claims: the beneficiary's
users, officers and auditors; 404 for anyone else); who may change what is the
services' (grants.services.claims): these views only decide which forms to
offer. The edit pages answer 404 to a user who may read the claim but not
change it (an auditor, a partner organisation), as for a claim it may not see."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from clusters.selectors.organisations import organisation_id_for
from core.concurrency import StaleEditError
from core.errors import ApplicationError
from core.permissions import Access
from grants.forms.applications import add_service_error
from grants.forms.claims import (
    ClaimForm,
    ImportForm,
    IndicatorValueForm,
    ItemForm,
    SubmitForm,
    VersionOnlyForm,
    claim_data,
    item_data,
)
from grants.models import (
    BudgetLine,
    ClaimIndicatorValue,
    ClaimStatus,
    Indicator,
    PaymentClaim,
    Project,
)
from grants.selectors.claims import claim_get_for, claim_with_totals, claims_visible_to, item_get_for
from grants.selectors.projects import projects_visible_to
from grants.services import claims as services
from grants.services.claims_import import (
    XLSX_CONTENT_TYPE,
    ImportRowsError,
    claim_template_xlsx,
    items_import_xlsx,
    template_file_name,
)
from grants.views.applications import CONTENT_TYPES

# Statuses after which the officer's verification of each item is shown to the beneficiary.
VERIFICATION_SHOWN = (ClaimStatus.RETURNED, ClaimStatus.APPROVED, ClaimStatus.REJECTED, ClaimStatus.PAID)


def _today():
    return services.vilnius_date()


def _is_beneficiary(user, project: Project) -> bool:
    return Access.of(user).acts_for_organisation and organisation_id_for(user) == project.beneficiary_id


def _may_override(user) -> bool:
    return Access.of(user).manages_programme and user.has_perm(services.OVERRIDE_PERMISSION)


def _editable_claim(request, pk: int) -> PaymentClaim:
    """A claim the user may change (its beneficiary's users), else 404."""
    claim = claim_get_for(user=request.user, pk=pk)
    if not _is_beneficiary(request.user, claim.project):
        raise Http404(_("No such payment claim."))
    return claim


def _item_editor_claim(request, claim: PaymentClaim) -> None:
    """Items are changed by the beneficiary's users and by officers who may
    accept a repeated document; anyone else gets 404."""
    if not (_is_beneficiary(request.user, claim.project) or _may_override(request.user)):
        raise Http404(_("No such expenditure item."))


def _locked_out(request, claim: PaymentClaim):
    """A redirect to the claim when it is no longer with the beneficiary, else None."""
    if claim.status not in services.EDITABLE:
        messages.error(
            request,
            _("Claim %(reference)s has the status “%(status)s” and can no longer be changed.")
            % {"reference": claim.reference, "status": claim.get_status_display()},
        )
        return redirect("claims:claim-detail", pk=claim.pk)
    return None


def _stale(form, error: StaleEditError):
    """The current data in the form, with the message above it."""
    form.is_valid()
    form.add_error(None, error.message)
    return form


def _project_lines(project: Project):
    return BudgetLine.objects.filter(project=project).select_related("cost_category").order_by("cost_category__code")


def _indicators_of(project: Project):
    """The indicators the claim may report: those of the project's targets."""
    return Indicator.objects.filter(project_targets__project=project).order_by("code").distinct()


# --- the list ---------------------------------------------------------------------------


@login_required
@require_GET
def claim_list(request):
    """The organisation's claims and, for each of its projects that takes
    claims, the way to a new one."""
    if not Access.of(request.user).acts_for_organisation:
        raise Http404(_("No such page."))
    organisation_id = organisation_id_for(request.user)
    claims = []
    projects = []
    if organisation_id is not None:
        claims = list(
            claim_with_totals(claims_visible_to(request.user))
            .select_related("project")
            .order_by("project__code", "-number")
        )
        projects = list(
            projects_visible_to(request.user)
            .filter(beneficiary_id=organisation_id, status__in=services.PROJECT_TAKES_CLAIMS)
            .order_by("code")
        )
    today = _today()
    for claim in claims:
        claim.days_left = services.claim_days_left(claim, today)
        claim.overdue = services.claim_is_overdue(claim, today)
    context = {"claims": claims, "projects": projects, "has_organisation": organisation_id is not None}
    return render(request, "grants/claims/list.html", context)


# --- the claim --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def claim_create(request, project_pk: int):
    project = get_object_or_404(projects_visible_to(request.user), pk=project_pk)
    if not _is_beneficiary(request.user, project):
        raise Http404(_("No such project."))
    if project.status not in services.PROJECT_TAKES_CLAIMS:
        messages.error(
            request,
            _("Project %(code)s has the status “%(status)s”; it takes no payment claims.")
            % {"code": project.code, "status": project.get_status_display()},
        )
        return redirect("project-detail", pk=project.pk)
    form = ClaimForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            claim = services.claim_create(
                actor=request.user,
                project=project,
                period_start=data["period_start"],
                period_end=data["period_end"],
                kind=data["kind"],
            )
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _("Payment claim %(reference)s is created as a draft. Add its expenditure items.")
                % {"reference": claim.reference},
            )
            return redirect("claims:claim-detail", pk=claim.pk)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "grants/claims/claim_form.html", {"project": project, "form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def claim_update(request, pk: int):
    claim = _editable_claim(request, pk)
    if response := _locked_out(request, claim):
        return response
    status = 200
    if request.method == "POST":
        form = ClaimForm(request.POST, versioned=True)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.claim_update(
                    actor=request.user,
                    claim=claim,
                    version=data["version"],
                    period_start=data["period_start"],
                    period_end=data["period_end"],
                    kind=data["kind"],
                )
            except StaleEditError as error:
                claim.refresh_from_db()
                form = _stale(ClaimForm(claim_data(claim), versioned=True), error)
                status = 409
            except ApplicationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("Payment claim %(reference)s is saved.") % {"reference": claim.reference})
                return redirect("claims:claim-detail", pk=claim.pk)
        if status == 200 and form.errors:
            status = 400
    else:
        form = ClaimForm(initial=claim_data(claim), versioned=True)
    context = {"project": claim.project, "claim": claim, "form": form}
    return render(request, "grants/claims/claim_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def claim_delete(request, pk: int):
    """A confirmation page, then the deletion of a draft."""
    claim = _editable_claim(request, pk)
    if claim.status != ClaimStatus.DRAFT:
        messages.error(request, _("Only a draft claim can be deleted."))
        return redirect("claims:claim-detail", pk=claim.pk)
    form = VersionOnlyForm(request.POST or None, initial={"version": claim.version})
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.claim_delete(actor=request.user, claim=claim, version=form.cleaned_data["version"])
        except StaleEditError as error:
            claim.refresh_from_db()
            form = _stale(VersionOnlyForm({"version": claim.version}), error)
            status = 409
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The draft claim %(reference)s is deleted.") % {"reference": claim.reference})
            return redirect("claims:claim-list")
    if status == 200 and form.is_bound and form.errors:
        status = 400
    return render(request, "grants/claims/claim_delete.html", {"claim": claim, "form": form}, status=status)


def _detail_context(request, claim: PaymentClaim, submit_form=None) -> dict:
    user = request.user
    access = Access.of(user)
    beneficiary = _is_beneficiary(user, claim.project)
    editable = claim.status in services.EDITABLE
    items = list(
        claim.items.select_related("budget_line__cost_category", "double_funding_overridden_by").order_by("pk")
    )
    totals = claim_with_totals(PaymentClaim.objects.filter(pk=claim.pk)).values(
        "claimed_total", "eligible_total", "item_count"
    )[0]
    values = {value.indicator_id: value for value in claim.indicator_values.select_related("indicator")}
    targets = list(claim.project.indicator_targets.select_related("indicator").order_by("indicator__code"))
    indicator_rows = [{"target": target, "value": values.get(target.indicator_id)} for target in targets]
    verified_items = any(item.eligible_amount is not None for item in items)
    today = _today()
    days_left = services.claim_days_left(claim, today)
    show_verification = verified_items and (access.sees_all_data or claim.status in VERIFICATION_SHOWN)
    can_edit_items = editable and (beneficiary or _may_override(user))
    if submit_form is None and beneficiary and editable:
        submit_form = SubmitForm(initial={"version": claim.version}, returned=claim.status == ClaimStatus.RETURNED)
    return {
        "claim": claim,
        "project": claim.project,
        "items": items,
        "totals": totals,
        "indicator_rows": indicator_rows,
        "rounds": list(claim.rounds.select_related("submitted_by", "returned_by").order_by("number")),
        "is_beneficiary": beneficiary,
        "can_edit": beneficiary and editable,
        "can_edit_items": can_edit_items,
        "show_verification": show_verification,
        "item_columns": 8 + (2 if show_verification else 0) + (1 if can_edit_items else 0),
        "days_left": days_left,
        "deadline_running": claim.status in services.DEADLINE_RUNNING,
        "overdue_days": -days_left if days_left is not None and days_left < 0 else 0,
        "overdue": services.claim_is_overdue(claim, today),
        "missing_documents": sum(1 for item in items if not item.document),
        "submit_form": submit_form,
        "payment": getattr(claim, "payment", None) if claim.status == ClaimStatus.PAID else None,
    }


@login_required
@require_GET
def claim_detail(request, pk: int):
    claim = claim_get_for(user=request.user, pk=pk)
    return render(request, "grants/claims/claim_detail.html", _detail_context(request, claim))


@login_required
@require_http_methods(["POST"])
def claim_submit(request, pk: int):
    claim = _editable_claim(request, pk)
    if response := _locked_out(request, claim):
        return response
    returned = claim.status == ClaimStatus.RETURNED
    form = SubmitForm(request.POST, returned=returned)
    status = 400
    if form.is_valid():
        try:
            services.claim_submit(
                actor=request.user,
                claim=claim,
                version=form.cleaned_data["version"],
                response=form.cleaned_data.get("response", ""),
            )
        except StaleEditError as error:
            claim.refresh_from_db()
            data = {"version": claim.version, "response": form.cleaned_data.get("response", "")}
            form = _stale(SubmitForm(data, returned=claim.status == ClaimStatus.RETURNED), error)
            status = 409
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _("Payment claim %(reference)s is submitted. The payment deadline is %(due)s.")
                % {"reference": claim.reference, "due": date_format(claim.payment_due_on, "SHORT_DATE_FORMAT")},
            )
            return redirect("claims:claim-detail", pk=claim.pk)
    claim.refresh_from_db()
    return render(request, "grants/claims/claim_detail.html", _detail_context(request, claim, form), status=status)


# --- items ------------------------------------------------------------------------------


def _item_form(request, claim: PaymentClaim, *, item=None, data=None, files=None, initial=None) -> ItemForm:
    return ItemForm(
        data,
        files,
        initial=initial,
        budget_lines=_project_lines(claim.project),
        may_override=_may_override(request.user),
        item=item,
    )


@login_required
@require_http_methods(["GET", "POST"])
def item_create(request, pk: int):
    claim = claim_get_for(user=request.user, pk=pk)
    _item_editor_claim(request, claim)
    if response := _locked_out(request, claim):
        return response
    if request.method == "POST":
        form = _item_form(request, claim, data=request.POST, files=request.FILES)
    else:
        form = _item_form(request, claim)
    if request.method == "POST" and form.is_valid():
        try:
            services.item_add(
                actor=request.user,
                claim=claim,
                document=form.cleaned_data.get("document"),
                **form.values(),
            )
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The expenditure item is added."))
            if request.POST.get("action") == "another":
                return redirect("claims:item-create", pk=claim.pk)
            return redirect("claims:claim-detail", pk=claim.pk)
    status = 400 if form.is_bound and form.errors else 200
    context = {"claim": claim, "project": claim.project, "form": form}
    return render(request, "grants/claims/item_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def item_update(request, pk: int):
    item = item_get_for(user=request.user, pk=pk)
    claim = item.claim
    _item_editor_claim(request, claim)
    if response := _locked_out(request, claim):
        return response
    status = 200
    if request.method == "POST":
        form = _item_form(request, claim, item=item, data=request.POST, files=request.FILES)
        if form.is_valid():
            try:
                services.item_update(
                    actor=request.user,
                    item=item,
                    version=form.cleaned_data["version"],
                    document=form.cleaned_data.get("document"),
                    **form.values(),
                )
            except StaleEditError as error:
                item.refresh_from_db()
                form = _stale(_item_form(request, claim, item=item, data=item_data(item)), error)
                status = 409
            except ApplicationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("The expenditure item is saved."))
                return redirect("claims:claim-detail", pk=claim.pk)
        if status == 200 and form.errors:
            status = 400
    else:
        initial = item_data(item)
        initial["vat_recoverable"] = item.vat_recoverable
        initial["amount_excl_vat"] = item.amount_excl_vat
        initial["vat_amount"] = item.vat_amount
        form = _item_form(request, claim, item=item, initial=initial)
    context = {"claim": claim, "project": claim.project, "form": form, "item": item}
    return render(request, "grants/claims/item_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def item_delete(request, pk: int):
    item = item_get_for(user=request.user, pk=pk)
    claim = item.claim
    _item_editor_claim(request, claim)
    if response := _locked_out(request, claim):
        return response
    form = VersionOnlyForm(request.POST or None, initial={"version": item.version})
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.item_delete(actor=request.user, item=item, version=form.cleaned_data["version"])
        except StaleEditError as error:
            item.refresh_from_db()
            form = _stale(VersionOnlyForm({"version": item.version}), error)
            status = 409
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request, _("The item %(number)s is removed from the claim.") % {"number": item.document_number}
            )
            return redirect("claims:claim-detail", pk=claim.pk)
    if status == 200 and form.is_bound and form.errors:
        status = 400
    context = {"claim": claim, "project": claim.project, "item": item, "form": form}
    return render(request, "grants/claims/item_delete.html", context, status=status)


def _file_response(field_file, name: str) -> FileResponse:
    """The stored file as a download under its original name, for a user the
    caller has checked (the same headers as an application's attachments)."""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    response = FileResponse(
        field_file.open("rb"),
        as_attachment=True,
        filename=name,
        content_type=CONTENT_TYPES.get(extension, "application/octet-stream"),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def item_document(request, pk: int):
    """The item's supporting document, for whoever may see the claim; 404 for anyone else."""
    item = item_get_for(user=request.user, pk=pk)
    if not item.document:
        raise Http404(_("This item has no document."))
    return _file_response(item.document, item.document_name or item.document.name.rsplit("/", 1)[-1])


# --- indicator values -------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def indicator_value(request, pk: int, indicator_pk: int):
    """The value of one of the project's indicators achieved in the claim's period."""
    claim = _editable_claim(request, pk)
    indicator = get_object_or_404(_indicators_of(claim.project), pk=indicator_pk)
    if response := _locked_out(request, claim):
        return response
    current = ClaimIndicatorValue.objects.filter(claim=claim, indicator=indicator).first()
    if request.method == "POST":
        if request.POST.get("action") == "delete" and current is not None:
            try:
                services.indicator_value_delete(actor=request.user, value=current)
            except ApplicationError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("The value of %(code)s is removed.") % {"code": indicator.code})
            return redirect("claims:claim-detail", pk=claim.pk)
        form = IndicatorValueForm(request.POST, request.FILES, indicator=indicator, current=current)
        if form.is_valid():
            try:
                services.indicator_value_set(
                    actor=request.user,
                    claim=claim,
                    indicator=indicator,
                    value=form.cleaned_data["value"],
                    evidence=form.cleaned_data["evidence"],
                    evidence_file=form.cleaned_data.get("evidence_file"),
                )
            except ApplicationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("The value of %(code)s is saved.") % {"code": indicator.code})
                return redirect("claims:claim-detail", pk=claim.pk)
    else:
        initial = {"value": current.value, "evidence": current.evidence} if current else None
        form = IndicatorValueForm(initial=initial, indicator=indicator, current=current)
    status = 400 if form.is_bound and form.errors else 200
    target = claim.project.indicator_targets.filter(indicator=indicator).first()
    context = {
        "claim": claim,
        "project": claim.project,
        "indicator": indicator,
        "target": target,
        "current": current,
        "form": form,
    }
    return render(request, "grants/claims/indicator_form.html", context, status=status)


@login_required
@require_GET
def indicator_evidence(request, pk: int):
    """The evidence file of an indicator value, for whoever may see the claim."""
    value = get_object_or_404(
        ClaimIndicatorValue.objects.filter(claim__in=claims_visible_to(request.user)).exclude(evidence_file=""),
        pk=pk,
    )
    return _file_response(value.evidence_file, value.evidence_file_name or value.evidence_file.name.rsplit("/", 1)[-1])


# --- XLSX import ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def claim_import(request, pk: int):
    claim = _editable_claim(request, pk)
    if response := _locked_out(request, claim):
        return response
    form = ImportForm(request.POST or None, request.FILES or None)
    row_errors = []
    if request.method == "POST" and form.is_valid():
        try:
            items = items_import_xlsx(actor=request.user, claim=claim, file=form.cleaned_data["file"])
        except ImportRowsError as error:
            form.add_error("file", error.message)
            row_errors = error.errors
            form.fields["file"].widget.also_described_by = "row-errors"
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)d expenditure item is imported. Attach its supporting document.",
                    "%(count)d expenditure items are imported. Attach each item's supporting document.",
                    len(items),
                )
                % {"count": len(items)},
            )
            return redirect("claims:claim-detail", pk=claim.pk)
    status = 400 if form.is_bound and form.errors else 200
    context = {"claim": claim, "project": claim.project, "form": form, "row_errors": row_errors}
    return render(request, "grants/claims/import.html", context, status=status)


@login_required
@require_GET
def import_template(request):
    """The XLSX template in the page's language; with ?project=<pk>, that
    project's budget lines (a project the user may see, else 404)."""
    project = None
    if request.GET.get("project"):
        try:
            project_pk = int(request.GET["project"])
        except ValueError:
            raise Http404(_("No such project.")) from None
        project = get_object_or_404(projects_visible_to(request.user), pk=project_pk)
    elif not Access.of(request.user).role:
        raise Http404(_("No such page."))
    content = claim_template_xlsx(project=project)
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{template_file_name(project)}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
