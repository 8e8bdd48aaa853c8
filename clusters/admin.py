from django.contrib import admin

from clusters.models import (
    Cluster,
    ClusterActivity,
    ClusterMember,
    ExcellenceLabel,
    NetworkMembership,
    Organisation,
    OrganisationUser,
)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "legal_code", "organisation_type", "sector", "region")
    list_filter = ("organisation_type", "region")
    search_fields = ("name", "legal_code")


@admin.register(OrganisationUser)
class OrganisationUserAdmin(admin.ModelAdmin):
    list_display = ("user", "organisation")
    autocomplete_fields = ("organisation",)


class ClusterMemberInline(admin.TabularInline):
    model = ClusterMember
    autocomplete_fields = ("organisation",)
    extra = 0


class ExcellenceLabelInline(admin.TabularInline):
    model = ExcellenceLabel
    extra = 0


class NetworkMembershipInline(admin.TabularInline):
    model = NetworkMembership
    extra = 0


@admin.register(Cluster)
class ClusterAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "coordinator",
        "maturity_level",
        "has_digitisation_strategy",
        "has_circular_economy_strategy",
    )
    list_filter = ("maturity_level", "has_digitisation_strategy", "has_circular_economy_strategy", "in_pact_for_skills")
    search_fields = ("name",)
    autocomplete_fields = ("coordinator",)
    inlines = [ClusterMemberInline, ExcellenceLabelInline, NetworkMembershipInline]


@admin.register(ClusterActivity)
class ClusterActivityAdmin(admin.ModelAdmin):
    list_display = ("cluster", "kind", "held_on", "title")
    list_filter = ("kind",)
    date_hierarchy = "held_on"


admin.site.register(ExcellenceLabel)
admin.site.register(NetworkMembership)
