"""Reads of amendment requests and agreement versions. Whoever sees a project
(grants.selectors.projects.projects_visible_to) sees its amendments and
agreement versions; anything else answers 404."""

from datetime import date

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from grants.models import AgreementVersion, Amendment, CostCategory, Project
from grants.selectors.projects import projects_visible_to


def project_amendments(project: Project) -> QuerySet[Amendment]:
    """The project's amendment requests, newest first."""
    return (
        Amendment.objects.filter(project=project)
        .select_related("agreement_version", "requested_by", "decided_by")
        .order_by("-requested_at", "-id")
    )


def project_agreement_versions(project: Project) -> QuerySet[AgreementVersion]:
    """The project's agreement versions, oldest first."""
    return AgreementVersion.objects.filter(project=project).select_related("amendment").order_by("number")


def amendments_visible_to(user) -> QuerySet[Amendment]:
    return Amendment.objects.filter(project__in=projects_visible_to(user).values("pk")).select_related(
        "project__instrument__programme",
        "project__beneficiary",
        "partner_added",
        "partner_removed",
        "requested_by",
        "decided_by",
        "agreement_version",
    )


def amendment_get_for(*, user, pk: int) -> Amendment:
    amendment = amendments_visible_to(user).filter(pk=pk).first()
    if amendment is None:
        raise Http404(_("No such amendment."))
    return amendment


def agreement_versions_visible_to(user) -> QuerySet[AgreementVersion]:
    return AgreementVersion.objects.filter(project__in=projects_visible_to(user).values("pk")).select_related(
        "project", "created_by"
    )


def agreement_version_get_for(*, user, pk: int) -> AgreementVersion:
    version = agreement_versions_visible_to(user).filter(pk=pk).first()
    if version is None:
        raise Http404(_("No such agreement version."))
    return version


def agreement_version_previous(version: AgreementVersion) -> AgreementVersion | None:
    return (
        AgreementVersion.objects.filter(project_id=version.project_id, number__lt=version.number)
        .order_by("-number")
        .first()
    )


def agreement_comparison(version: AgreementVersion, previous: AgreementVersion | None) -> dict:
    """The snapshot of `version` beside the previous one's, row by row, for
    reading: the agreement's facts, the budget lines (with the categories'
    names in the reader's language), the partners and the indicator targets.
    Each row says whether it changed."""
    this, before = version.snapshot, (previous.snapshot if previous else {})

    def shown(value, kind):
        # Dates are kept as ISO text in the snapshot; the page shows them as dates.
        return date.fromisoformat(value) if kind == "date" and value else value

    def row(key, label, kind="text"):
        return {
            "key": key,
            "label": label,
            "kind": kind,
            "value": shown(this.get(key), kind),
            "previous": shown(before.get(key), kind),
            "changed": previous is not None and this.get(key) != before.get(key),
        }

    facts = [
        row("title", _("Title")),
        row("start_date", _("Start date"), "date"),
        row("end_date", _("End date"), "date"),
        row("eligible_cost", _("Eligible cost"), "money"),
        row("grant_amount", _("Grant"), "money"),
        row("own_contribution", _("Own contribution"), "money"),
        row("funding_rate", _("Funding rate"), "percent"),
    ]
    budget, budget_before = this.get("budget", {}), before.get("budget", {})
    names = {c.code: c.name for c in CostCategory.objects.filter(code__in=set(budget) | set(budget_before))}
    budget_rows = [
        {
            "code": code,
            "name": names.get(code, code),
            "value": budget.get(code),
            "previous": budget_before.get(code),
            "changed": previous is not None and budget.get(code) != budget_before.get(code),
        }
        for code in sorted(set(budget) | set(budget_before))
    ]
    partners = {p["code"]: p["name"] for p in this.get("partners", [])}
    partners_before = {p["code"]: p["name"] for p in before.get("partners", [])}
    partner_rows = [
        {
            "code": code,
            "name": partners.get(code) or partners_before.get(code),
            "now": code in partners,
            "before": code in partners_before,
            "changed": previous is not None and (code in partners) != (code in partners_before),
        }
        for code in sorted(set(partners) | set(partners_before))
    ]
    targets, targets_before = this.get("indicator_targets", {}), before.get("indicator_targets", {})
    target_rows = [
        {
            "code": code,
            "value": targets.get(code),
            "previous": targets_before.get(code),
            "changed": previous is not None and targets.get(code) != targets_before.get(code),
        }
        for code in sorted(set(targets) | set(targets_before))
    ]
    return {"facts": facts, "budget": budget_rows, "partners": partner_rows, "targets": target_rows}
