"""The cluster registry's pages under /clusters/ (namespace "registry"): the
list with its search and filters, each cluster's page, and the officers'
small editing forms. Officers, auditors and applicants read (signed in;
anyone else gets 404); only programme officers edit (others get 404). Writes
go through clusters.services.registry."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from clusters.forms_registry import (
    ActivityForm,
    ClusterCreateForm,
    ClusterEditForm,
    ClusterFilterForm,
    CommitmentEndForm,
    CommitmentStartForm,
    LabelAwardForm,
    LabelWithdrawForm,
    MaturityForm,
    MemberAddForm,
    MemberLeaveForm,
    NetworkAddForm,
    NetworkEndForm,
    add_service_error,
)
from clusters.models import (
    Cluster,
    ClusterCommitment,
    ClusterMember,
    ExcellenceLabel,
    MaturityLevel,
    NetworkMembership,
)
from clusters.selectors.registry import cluster_detail, cluster_projects, clusters_filtered
from clusters.services import registry as services
from core.concurrency import StaleEditError
from core.errors import ApplicationError
from core.permissions import Access

CLUSTERS_PER_PAGE = 25


def require_reader(request) -> Access:
    """Officers, auditors and applicants read the registry; anyone else gets 404."""
    access = Access.of(request.user)
    if not (access.sees_all_data or access.acts_for_organisation):
        raise Http404(_("No such page."))
    return access


def require_officer(request) -> None:
    if not Access.of(request.user).manages_programme:
        raise Http404(_("No such page."))


def _day(request) -> date:
    """The day the page is as of: `?on=YYYY-MM-DD`, else today (Vilnius)."""
    try:
        return date.fromisoformat(request.GET.get("on", ""))
    except ValueError:
        return timezone.localdate()


@login_required
@require_GET
def cluster_list(request):
    access = require_reader(request)
    form = ClusterFilterForm(request.GET or None)
    params = form.params()
    day = params.get("on") or timezone.localdate()
    clusters = Cluster.objects.none()
    if not form.is_bound or form.is_valid():
        try:
            clusters = clusters_filtered(params, day)
        except ApplicationError as error:
            add_service_error(form, error)
    page = Paginator(clusters, CLUSTERS_PER_PAGE).get_page(request.GET.get("page"))
    filtered = form.is_bound and any(value for key, value in params.items() if key != "on")
    return render(
        request,
        "clusters/registry/cluster_list.html",
        {
            "form": form,
            "page": page,
            "day": day,
            "filtered": filtered,
            "may_edit": access.manages_programme,
            "maturity_levels": MaturityLevel.choices,
        },
    )


@login_required
@require_GET
def cluster_detail_view(request, pk: int):
    access = require_reader(request)
    day = _day(request)
    detail = cluster_detail(pk, day)
    return render(
        request,
        "clusters/registry/cluster_detail.html",
        {
            "detail": detail,
            "cluster": detail.cluster,
            "projects": cluster_projects(detail.cluster, user=request.user),
            "day": day,
            "is_today": day == timezone.localdate(),
            "may_edit": access.manages_programme,
        },
    )


def _form_page(request, *, form, title: str, cluster=None, lead: str = "", submit: str):
    return render(
        request,
        "clusters/registry/edit_form.html",
        {"form": form, "title": title, "cluster": cluster, "lead": lead, "submit": submit},
    )


def _back(cluster, anchor: str = ""):
    return redirect(reverse("registry:cluster-detail", args=[cluster.pk]) + (f"#{anchor}" if anchor else ""))


@login_required
@require_http_methods(["GET", "POST"])
def cluster_create_view(request):
    require_officer(request)
    form = ClusterCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cluster = services.cluster_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Cluster %(name)s is registered.") % {"name": cluster.name})
            return _back(cluster)
    return _form_page(request, form=form, title=_("New cluster"), submit=_("Register the cluster"))


@login_required
@require_http_methods(["GET", "POST"])
def cluster_update_view(request, pk: int):
    require_officer(request)
    cluster = get_object_or_404(Cluster, pk=pk)
    form = ClusterEditForm(request.POST or None, initial=ClusterEditForm.initial_for(cluster))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            cluster = services.cluster_update(actor=request.user, cluster=cluster, **data)
        except StaleEditError as error:
            # Someone else saved first: show their data, with the message above the form.
            cluster.refresh_from_db()
            form = ClusterEditForm(ClusterEditForm.initial_for(cluster) | {"coordinator": cluster.coordinator_id})
            form.is_valid()
            form.add_error(None, error.message)
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Cluster %(name)s is saved.") % {"name": cluster.name})
            return _back(cluster)
    title = _("Edit cluster %(name)s") % {"name": cluster.name}
    return _form_page(request, form=form, title=title, cluster=cluster, submit=_("Save the cluster"))


def _cluster_form(request, pk: int, form_class, *, title: str, submit: str, save, success: str, anchor: str):
    """A small form that adds something to cluster `pk`: `save(cluster, data)`
    calls the service and returns what it made."""
    require_officer(request)
    cluster = get_object_or_404(Cluster, pk=pk)
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            save(cluster, form.cleaned_data)
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, success)
            return _back(cluster, anchor)
    return _form_page(request, form=form, title=title % {"cluster": cluster.name}, cluster=cluster, submit=submit)


def _row_form(request, row, form_class, *, title: str, lead: str, submit: str, save, success: str, anchor: str):
    """A small form that ends something of a cluster (`row.cluster`)."""
    require_officer(request)
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            save(row, form.cleaned_data)
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, success)
            return _back(row.cluster, anchor)
    return _form_page(request, form=form, title=title, cluster=row.cluster, lead=lead, submit=submit)


@login_required
@require_http_methods(["GET", "POST"])
def member_add(request, pk: int):
    return _cluster_form(
        request,
        pk,
        MemberAddForm,
        title=_("Add a member to %(cluster)s"),
        submit=_("Add the member"),
        save=lambda cluster, data: services.cluster_member_add(actor=request.user, cluster=cluster, **data),
        success=_("The member is added."),
        anchor="members-heading",
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_leave(request, pk: int):
    require_officer(request)
    member = get_object_or_404(ClusterMember.objects.select_related("cluster", "organisation"), pk=pk)
    return _row_form(
        request,
        member,
        MemberLeaveForm,
        title=_("%(organisation)s leaves %(cluster)s")
        % {"organisation": member.organisation, "cluster": member.cluster},
        lead=_("A member since %(date)s.") % {"date": member.joined_on.isoformat()},
        submit=_("End the membership"),
        save=lambda row, data: services.cluster_member_leave(actor=request.user, member=row, **data),
        success=_("The membership is ended."),
        anchor="members-heading",
    )


@login_required
@require_http_methods(["GET", "POST"])
def label_award(request, pk: int):
    return _cluster_form(
        request,
        pk,
        LabelAwardForm,
        title=_("Award an excellence label to %(cluster)s"),
        submit=_("Award the label"),
        save=lambda cluster, data: services.excellence_label_award(actor=request.user, cluster=cluster, **data),
        success=_("The label is awarded."),
        anchor="labels-heading",
    )


@login_required
@require_http_methods(["GET", "POST"])
def label_withdraw(request, pk: int):
    require_officer(request)
    label = get_object_or_404(ExcellenceLabel.objects.select_related("cluster"), pk=pk)
    return _row_form(
        request,
        label,
        LabelWithdrawForm,
        title=_("Withdraw the %(level)s label of %(cluster)s")
        % {"level": label.get_level_display(), "cluster": label.cluster},
        lead=_("Awarded on %(awarded)s, valid until %(until)s.")
        % {"awarded": label.awarded_on.isoformat(), "until": label.valid_until.isoformat()},
        submit=_("Withdraw the label"),
        save=lambda row, data: services.excellence_label_withdraw(actor=request.user, label=row, **data),
        success=_("The label is withdrawn."),
        anchor="labels-heading",
    )


@login_required
@require_http_methods(["GET", "POST"])
def network_add(request, pk: int):
    return _cluster_form(
        request,
        pk,
        NetworkAddForm,
        title=_("%(cluster)s joins an international network"),
        submit=_("Add the network"),
        save=lambda cluster, data: services.network_membership_add(actor=request.user, cluster=cluster, **data),
        success=_("The network membership is added."),
        anchor="networks-heading",
    )


@login_required
@require_http_methods(["GET", "POST"])
def network_end(request, pk: int):
    require_officer(request)
    membership = get_object_or_404(NetworkMembership.objects.select_related("cluster"), pk=pk)
    return _row_form(
        request,
        membership,
        NetworkEndForm,
        title=_("%(cluster)s leaves %(network)s") % {"cluster": membership.cluster, "network": membership.network},
        lead=_("A member since %(date)s.") % {"date": membership.joined_on.isoformat()},
        submit=_("End the network membership"),
        save=lambda row, data: services.network_membership_end(actor=request.user, membership=row, **data),
        success=_("The network membership is ended."),
        anchor="networks-heading",
    )


@login_required
@require_http_methods(["GET", "POST"])
def commitment_start(request, pk: int):
    return _cluster_form(
        request,
        pk,
        CommitmentStartForm,
        title=_("Set a strategy flag of %(cluster)s"),
        submit=_("Set the flag"),
        save=lambda cluster, data: services.cluster_commitment_start(actor=request.user, cluster=cluster, **data),
        success=_("The strategy flag is set."),
        anchor="flags-heading",
    )


@login_required
@require_http_methods(["GET", "POST"])
def commitment_end(request, pk: int):
    require_officer(request)
    commitment = get_object_or_404(ClusterCommitment.objects.select_related("cluster"), pk=pk)
    return _row_form(
        request,
        commitment,
        CommitmentEndForm,
        title=_("End “%(kind)s” of %(cluster)s")
        % {"kind": commitment.get_kind_display(), "cluster": commitment.cluster},
        lead=_("Held since %(date)s.") % {"date": commitment.started_on.isoformat()},
        submit=_("End the flag"),
        save=lambda row, data: services.cluster_commitment_end(actor=request.user, commitment=row, **data),
        success=_("The strategy flag is ended."),
        anchor="flags-heading",
    )


@login_required
@require_http_methods(["GET", "POST"])
def maturity_record(request, pk: int):
    return _cluster_form(
        request,
        pk,
        MaturityForm,
        title=_("Record a maturity assessment of %(cluster)s"),
        submit=_("Record the assessment"),
        save=lambda cluster, data: services.maturity_assessment_record(actor=request.user, cluster=cluster, **data),
        success=_("The maturity assessment is recorded."),
        anchor="maturity-heading",
    )


@login_required
@require_http_methods(["GET", "POST"])
def activity_record(request, pk: int):
    return _cluster_form(
        request,
        pk,
        ActivityForm,
        title=_("Record an activity of %(cluster)s"),
        submit=_("Record the activity"),
        save=lambda cluster, data: services.cluster_activity_record(actor=request.user, cluster=cluster, **data),
        success=_("The activity is recorded."),
        anchor="activities-heading",
    )
