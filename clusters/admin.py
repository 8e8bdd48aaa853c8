"""Admin of the cluster registry. Every change is audited (core.admin's
AuditedAdminMixin); new organisations and the organisation an applicant acts
for go through clusters.services, as on every other path."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

from clusters.models import (
    Cluster,
    ClusterActivity,
    ClusterCommitment,
    ClusterMember,
    ExcellenceLabel,
    MaturityAssessment,
    NetworkMembership,
    Organisation,
    OrganisationUser,
)
from clusters.services import (
    cluster_create,
    cluster_member_period_check,
    organisation_create,
    organisation_user_link,
    organisation_user_link_check,
)
from core.admin import AuditedModelAdmin
from core.errors import ApplicationError


@admin.register(Organisation)
class OrganisationAdmin(AuditedModelAdmin):
    list_display = ("name", "legal_code", "organisation_type", "sector", "region")
    list_filter = ("organisation_type", "region")
    search_fields = ("name", "legal_code")

    def save_through_service(self, request, obj, form, change):
        if change:
            return None
        data = form.cleaned_data
        return organisation_create(
            actor=request.user,
            name=data["name"],
            legal_code=data["legal_code"],
            organisation_type=data["organisation_type"],
            region=data["region"],
            sector=data.get("sector", ""),
        )


class OrganisationUserForm(forms.ModelForm):
    class Meta:
        model = OrganisationUser
        fields = ("user", "organisation")

    def clean(self):
        cleaned = super().clean()
        user = cleaned.get("user") or getattr(self.instance, "user", None)
        if user is not None:
            try:
                organisation_user_link_check(user=user)
            except ApplicationError as exc:
                field = exc.field if exc.field in self.fields else None
                raise ValidationError({field: exc.message}) from exc
        return cleaned


@admin.register(OrganisationUser)
class OrganisationUserAdmin(AuditedModelAdmin):
    """Which organisation an applicant acts for decides what it sees: linking
    and moving go through `organisation_user_link`."""

    form = OrganisationUserForm
    list_display = ("user", "organisation")
    autocomplete_fields = ("organisation",)

    def get_readonly_fields(self, request, obj=None):
        # A link moves its user to another organisation; it never changes user.
        return ("user",) if obj is not None else ()

    def save_through_service(self, request, obj, form, change):
        return organisation_user_link(actor=request.user, user=obj.user, organisation=form.cleaned_data["organisation"])


class ClusterMemberFormSet(BaseInlineFormSet):
    """The membership rules of clusters.services, applied to the rows as edited."""

    def clean(self):
        super().clean()
        seen: dict[int, list] = {}
        cluster = self.instance
        if cluster._state.adding and cluster.coordinator_id and cluster.established_on:
            # cluster_create makes the coordinator a member from the day the cluster was established.
            seen[cluster.coordinator_id] = [(cluster.established_on, None)]
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or self._should_delete_form(form) or not data.get("organisation") or not data.get("joined_on"):
                continue
            organisation = data["organisation"]
            others = seen.setdefault(organisation.pk, [])
            try:
                cluster_member_period_check(
                    cluster=self.instance,
                    organisation=organisation,
                    joined_on=data["joined_on"],
                    left_on=data.get("left_on"),
                    others=others,
                )
            except ApplicationError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            others.append((data["joined_on"], data.get("left_on")))


class ClusterMemberInline(admin.TabularInline):
    model = ClusterMember
    formset = ClusterMemberFormSet
    autocomplete_fields = ("organisation",)
    extra = 0


class ExcellenceLabelInline(admin.TabularInline):
    model = ExcellenceLabel
    extra = 0


class NetworkMembershipInline(admin.TabularInline):
    model = NetworkMembership
    extra = 0


class ClusterCommitmentInline(admin.TabularInline):
    """The dated strategy flags (the scorecard reads them as of any day)."""

    model = ClusterCommitment
    extra = 0


class MaturityAssessmentInline(admin.TabularInline):
    model = MaturityAssessment
    extra = 0


@admin.register(Cluster)
class ClusterAdmin(AuditedModelAdmin):
    list_display = ("name", "coordinator", "sector", "established_on", "dissolved_on", "is_new_initiative")
    list_filter = ("is_new_initiative", "sector")
    search_fields = ("name", "coordinator__name", "coordinator__legal_code")
    autocomplete_fields = ("coordinator",)
    # Optimistic locking: the version is the registry's, an admin change bumps it.
    readonly_fields = ("version",)
    inlines = [
        ClusterMemberInline,
        ExcellenceLabelInline,
        NetworkMembershipInline,
        ClusterCommitmentInline,
        MaturityAssessmentInline,
    ]

    def save_through_service(self, request, obj, form, change):
        if change:
            # An edit made here makes any edit started on the pages stale.
            obj.version += 1
            return None
        attributes = {k: v for k, v in form.cleaned_data.items() if k not in ("name", "coordinator", "established_on")}
        return cluster_create(
            actor=request.user,
            name=form.cleaned_data["name"],
            coordinator=form.cleaned_data["coordinator"],
            established_on=form.cleaned_data["established_on"],
            **attributes,
        )


@admin.register(ClusterActivity)
class ClusterActivityAdmin(AuditedModelAdmin):
    list_display = ("cluster", "kind", "held_on", "title")
    list_filter = ("kind",)
    date_hierarchy = "held_on"


@admin.register(ExcellenceLabel)
class ExcellenceLabelAdmin(AuditedModelAdmin):
    list_display = ("cluster", "level", "awarded_on", "valid_until")
    list_filter = ("level",)


@admin.register(NetworkMembership)
class NetworkMembershipAdmin(AuditedModelAdmin):
    list_display = ("cluster", "network", "joined_on", "left_on")
