"""Admin of users and the audit trail, and the mixins every Fondas admin uses:
an administrator's change is audited like a service's (who, when, old and new
values), in the same transaction as the change, or the admin is read-only."""

from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.db import models, router, transaction
from django.db.models.deletion import Collector
from rest_framework.authtoken.admin import TokenAdmin as BaseTokenAdmin
from rest_framework.authtoken.models import Token, TokenProxy

from core.audit import audit_record
from core.models import AuditEvent, AuditEventType, User

# What an audit event says instead of a secret's value.
CHANGED_WITHOUT_VALUE = "changed"


def _value(value: Any) -> Any:
    """A form value as the audit trail stores it: objects by primary key, sets of
    objects (many-to-many fields) as a sorted list of keys."""
    if isinstance(value, models.QuerySet | list | tuple | set) and all(isinstance(v, models.Model) for v in value):
        return sorted(v.pk for v in value)
    return value


class AuditedAdminMixin:
    """Writes the audit events of every add, change and delete made through this
    admin (and its inlines): CREATED, UPDATED (old and new values of the changed
    fields) and DELETED (including what the delete cascades to). Secret fields are
    recorded only as changed, never by value. An admin whose model has a service
    overrides `save_through_service` to call it; the service then writes the event."""

    audit_secret_fields: tuple[str, ...] = ("password", "password1", "password2")
    audit_ignored_fields: tuple[str, ...] = ("id", "DELETE", "usable_password")

    # -- values ---------------------------------------------------------------

    def _audit_fields(self, form, names) -> list[str]:
        return [n for n in names if n not in self.audit_ignored_fields]

    def _audit_new(self, form, names) -> dict[str, Any]:
        values = {}
        for name in self._audit_fields(form, names):
            if name in self.audit_secret_fields:
                if form.cleaned_data.get(name):
                    values["password"] = CHANGED_WITHOUT_VALUE
            elif name in form.cleaned_data:
                values[name] = _value(form.cleaned_data[name])
        return values

    def _audit_old(self, form, names) -> dict[str, Any]:
        values = {}
        for name in self._audit_fields(form, names):
            if name in self.audit_secret_fields:
                continue
            initial = form.get_initial_for_field(form.fields[name], name) if name in form.fields else None
            values[name] = _value(initial)
        return values

    def _audit_created(self, request, form) -> None:
        audit_record(
            actor=request.user,
            obj=form.instance,
            event_type=AuditEventType.CREATED,
            new=self._audit_new(form, list(form.cleaned_data)),
        )

    def _audit_changed(self, request, form, obj=None) -> None:
        if not form.changed_data:
            return
        audit_record(
            actor=request.user,
            obj=obj if obj is not None else form.instance,
            event_type=AuditEventType.UPDATED,
            old=self._audit_old(form, form.changed_data),
            new=self._audit_new(form, form.changed_data),
        )

    def _audit_deleted(self, request, objs) -> None:
        """One DELETED event for each object the delete removes, cascades included."""
        objs = list(objs)
        if not objs:
            return
        collector = Collector(using=router.db_for_write(type(objs[0])))
        collector.collect(objs)
        doomed = [obj for instances in collector.data.values() for obj in instances]
        doomed += [obj for queryset in collector.fast_deletes for obj in queryset]
        for obj in doomed:
            # A many-to-many row: its owner's event says enough. An API token: its
            # key is a secret and its primary key; it goes with its user.
            if obj._meta.auto_created or isinstance(obj, Token):
                continue
            audit_record(
                actor=request.user,
                obj=obj,
                event_type=AuditEventType.DELETED,
                old={
                    f.attname: getattr(obj, f.attname)
                    for f in obj._meta.concrete_fields
                    if f.attname not in self.audit_secret_fields
                },
            )

    # -- ModelAdmin hooks -----------------------------------------------------

    def save_through_service(self, request, obj, form, change) -> models.Model | None:
        """Save `obj` through the model's service and return the saved object, or
        return None to have it saved and audited here."""
        return None

    def save_model(self, request, obj, form, change):
        with transaction.atomic(using=router.db_for_write(type(obj))):
            saved = self.save_through_service(request, obj, form, change)
            if saved is not None:
                # The admin goes on with `obj` (its messages, log entry and redirect).
                obj.pk = saved.pk
                obj._state.adding = False
                obj._state.db = saved._state.db
                return
            super().save_model(request, obj, form, change)
            if change:
                self._audit_changed(request, form, obj)
            else:
                self._audit_created(request, form)

    def delete_model(self, request, obj):
        with transaction.atomic(using=router.db_for_write(type(obj))):
            self._audit_deleted(request, [obj])
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic(using=router.db_for_write(queryset.model)):
            self._audit_deleted(request, queryset)
            super().delete_queryset(request, queryset)

    def save_formset(self, request, form, formset, change):
        with transaction.atomic(using=router.db_for_write(formset.model)):
            deleted = [f for f in formset.deleted_forms if f.instance.pk is not None and not f.instance._state.adding]
            self._audit_deleted(request, [f.instance for f in deleted])
            changed = [f for f in formset.initial_forms if f not in deleted and f.has_changed()]
            super().save_formset(request, form, formset, change)
            for inline_form in changed:
                self._audit_changed(request, inline_form)
            for inline_form in formset.extra_forms:
                if inline_form.has_changed() and inline_form not in deleted and inline_form.instance.pk is not None:
                    self._audit_created(request, inline_form)


class AuditedModelAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """A writable admin whose changes are audited."""


class ReadOnlyAdminMixin:
    """For models that only services write (they check the invariants and write
    the audit trail): the administrator sees them here and changes nothing."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(AuditedAdminMixin, BaseUserAdmin):
    """Users, their role, staff and active flags, groups and permissions: each
    change decides who sees what, so each is audited; a password only as changed."""

    list_display = ("username", "email", "role", "is_active", "is_staff")
    list_filter = ("role", "is_active", "is_staff")
    fieldsets = BaseUserAdmin.fieldsets + (("Fondas", {"fields": ("role",)}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + (("Fondas", {"fields": ("role",)}),)

    def user_change_password(self, request, id, form_url=""):
        with transaction.atomic(using=router.db_for_write(self.model)):
            user = self.get_object(request, unquote(id))
            before = user.password if user is not None else None
            response = super().user_change_password(request, id, form_url)
            if user is not None and request.method == "POST":
                user.refresh_from_db(fields=["password"])
                if user.password != before:
                    audit_record(
                        actor=request.user,
                        obj=user,
                        event_type=AuditEventType.UPDATED,
                        new={"password": CHANGED_WITHOUT_VALUE, "usable_password": user.has_usable_password()},
                    )
        return response


if admin.site.is_registered(Group):
    admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(AuditedAdminMixin, BaseGroupAdmin):
    """Groups carry permissions to the staff in them; changes are audited."""


if admin.site.is_registered(TokenProxy):
    admin.site.unregister(TokenProxy)


@admin.register(TokenProxy)
class TokenAdmin(AuditedAdminMixin, BaseTokenAdmin):
    """An API token lets its user call the API: issuing and revoking one is
    audited on the user, never with the key (a secret, and the token's id)."""

    def get_readonly_fields(self, request, obj=None):
        return ("user",) if obj is not None else ()

    def _audit_created(self, request, form) -> None:
        audit_record(
            actor=request.user,
            obj=form.instance.user,
            event_type=AuditEventType.UPDATED,
            new={"api_token": "issued"},
        )

    def _audit_deleted(self, request, objs) -> None:
        for token in objs:
            audit_record(
                actor=request.user,
                obj=token.user,
                event_type=AuditEventType.UPDATED,
                old={"api_token": "issued"},
                new={"api_token": "revoked"},
            )


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: the audit trail is append-only."""

    list_display = ("occurred_at", "actor", "event_type", "object_type", "object_repr")
    list_filter = ("event_type", "object_type")
    search_fields = ("object_repr", "object_id")
    readonly_fields = [f.name for f in AuditEvent._meta.fields]
