"""The project statement: one project's beneficiary, budget, payments,
indicators and status history. The one kind an applicant may ask for, about a
project whose beneficiary is its own organisation."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from clusters.selectors import organisation_id_for
from core.permissions import Access
from grants.models import Project
from grants.selectors.statements import project_statement
from reports import charts
from reports.kinds import params as p
from reports.kinds import register
from reports.kinds.base import ReportKindBase, slug

NOT_OWN = _("You may request statements of your organisation's projects only.")


@register
class ProjectStatementReport(ReportKindBase):
    code = "project"
    label = _("Project statement")
    short_name = _("project statement")
    fields = ("project_id",)
    for_applicants = True
    order = 30

    def require_may_request(self, actor, params: dict) -> None:
        """Officers and auditors: any project. An applicant: a project whose
        beneficiary is its organisation. Checked on the raw parameters first,
        so that an applicant learns nothing about other organisations' projects."""
        access = Access.of(actor)
        if access.requests_any_report:
            return
        if not access.uses_reports:
            raise PermissionDenied(gettext("Your role does not allow requesting this report."))
        organisation_id = organisation_id_for(actor)
        if organisation_id is None:
            raise PermissionDenied(str(NOT_OWN))
        raw = params.get("project_id") if isinstance(params, dict) else None
        try:
            project_id = int(str(raw).strip())
        except ValueError:
            return  # missing or not a number: validation names the field, and this runs again on its result
        if not Project.objects.filter(pk=project_id, beneficiary_id=organisation_id).exists():
            raise PermissionDenied(str(NOT_OWN))

    def form_fields(self, user):
        return {"project_id": p.project_form_field(user)}

    def clean(self, params: dict) -> dict:
        params = p.require_object(params)
        p.reject_unknown(params, set(self.fields))
        return {"project_id": p.clean_existing(params, "project_id", Project, noun="project")}

    def subject(self, params: dict) -> str:
        row = Project.objects.filter(pk=params.get("project_id")).values_list("code", "title").first()
        return f"{row[0]} {row[1]}" if row else gettext("project %(id)s") % {"id": params.get("project_id")}

    def running_title(self, params: dict) -> str:
        code = Project.objects.filter(pk=params.get("project_id")).values_list("code", flat=True).first()
        return f"{self.label} — {code or params.get('project_id')}"

    def file_stem(self, params: dict) -> str:
        code = Project.objects.filter(pk=params.get("project_id")).values_list("code", flat=True).first()
        return f"project-statement-{slug(code or params.get('project_id'))}"

    def context(self, params, as_of, index):
        statement = project_statement(project_id=params["project_id"], as_of=as_of)
        chart = charts.payment_chart(statement.grant_amount, statement.paid_total)
        return {"statement": statement, "payment_chart": chart}, False
