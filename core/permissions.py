"""Deny-by-default access helpers shared by views and API endpoints. Which
objects a user may see is decided in each app's selectors (`*_visible_to`)."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission

from core.models import Role


def has_role(user, *roles: str) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.role in roles)


def require_role(user, *roles: str) -> None:
    if not has_role(user, *roles):
        raise PermissionDenied("Your role does not allow this.")


class RoleRequiredMixin(LoginRequiredMixin):
    """HTML views: log in first, then hold one of `allowed_roles`."""

    allowed_roles: tuple[str, ...] = ()

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        require_role(request.user, *self.allowed_roles)
        return super().dispatch(request, *args, **kwargs)


class HasRole(BasePermission):
    """DRF: `HasRole.of(Role.OFFICER, ...)` builds a permission class."""

    roles: tuple[str, ...] = ()
    message = "Your role does not allow this."

    @classmethod
    def of(cls, *roles: str) -> type["HasRole"]:
        return type("HasRole", (cls,), {"roles": roles})

    def has_permission(self, request, view) -> bool:
        return has_role(request.user, *self.roles)


OVERSIGHT_ROLES = (Role.OFFICER, Role.AUDITOR)
