"""The one role policy of Fondas: what each role may do, decided here and
nowhere else. Views, API permissions, selectors, services and templates (through
the `access` context variable, see `core.context_processors`) ask `Access`;
which objects a user may see is then narrowed in each app's selectors
(`*_visible_to`). Deny by default: an anonymous or inactive user may do nothing."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from core.models import Role

# Officers and auditors read every programme's data; an administrator who is a
# superuser does too (it administers everything anyway).
_SEES_ALL_DATA = frozenset({Role.OFFICER, Role.AUDITOR})
# Who may request any report; applicants may request statements of their own
# organisation's projects only.
_REQUESTS_ANY_REPORT = frozenset({Role.OFFICER, Role.AUDITOR})
_USES_REPORTS = frozenset({Role.OFFICER, Role.AUDITOR, Role.APPLICANT})


@dataclass(frozen=True)
class Access:
    """What one user may do, by role."""

    role: str | None
    sees_all_data: bool = False
    uses_reports: bool = False
    requests_any_report: bool = False
    acts_for_organisation: bool = False
    evaluates: bool = False
    administers: bool = False
    # Programme officers: configure calls, verify claims, approve payments and
    # amendments, edit the cluster registry.
    manages_programme: bool = False
    # Officers and auditors browse and export the audit trail.
    reads_audit_trail: bool = False

    @classmethod
    def of(cls, user) -> "Access":
        if user is None or not user.is_authenticated or not user.is_active:
            return cls(role=None)
        role = user.role
        return cls(
            role=role,
            sees_all_data=role in _SEES_ALL_DATA or (role == Role.ADMINISTRATOR and user.is_superuser),
            uses_reports=role in _USES_REPORTS,
            requests_any_report=role in _REQUESTS_ANY_REPORT,
            acts_for_organisation=role == Role.APPLICANT,
            evaluates=role == Role.EVALUATOR,
            administers=bool(user.is_staff),
            manages_programme=role == Role.OFFICER,
            reads_audit_trail=role in _SEES_ALL_DATA,
        )


class UsesReports(BasePermission):
    """DRF: the role may use the report endpoints (the selectors then narrow
    which jobs it sees)."""

    message = _("Your role does not allow using reports.")

    def has_permission(self, request, view) -> bool:
        return Access.of(request.user).uses_reports
