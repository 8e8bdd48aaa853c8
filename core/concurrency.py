"""Optimistic locking. Every edit form and every PATCH carries the version of
the row it was made from; the service locks the row, compares, and refuses a
stale edit with `StaleEditError` (HTTP 409 in the API, a message above the form on
the web) so that the other person's change is kept. A saved edit bumps the
version."""

from django import forms
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import ApplicationError


class StaleEditError(ApplicationError):
    """The row changed since the edit started (the API answers 409)."""

    status_code = 409


def version_check(locked: models.Model, expected: int | None) -> None:
    """Refuse the edit when `expected` (the version the person edited) is not
    the locked row's current version. `None` means the caller did not state
    one, which is refused too: every edit must say what it was made from."""
    current = locked.version
    if expected is None or int(expected) != current:
        raise StaleEditError(
            _(
                "Someone else changed this %(object)s while you were editing it (your version %(yours)s, "
                "now %(current)s). Their change is kept; reload it and make your change again."
            )
            % {
                "object": locked._meta.verbose_name,
                "yours": expected if expected is not None else "—",
                "current": current,
            },
            field="version",
            details={"expected_version": expected, "current_version": current},
        )


def version_bump(locked: models.Model) -> None:
    """Mark a saved edit: callers save `version` with the changed fields."""
    locked.version = locked.version + 1


class VersionedForm(forms.Form):
    """A form that carries the row's version in a hidden field."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, label=gettext_lazy("version"))


class VersionedModelFormMixin:
    """For ModelForms: the same hidden version field, initialised from the instance."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"] = forms.IntegerField(
            widget=forms.HiddenInput, min_value=1, label=gettext_lazy("version")
        )
        instance = getattr(self, "instance", None)
        if instance is not None and instance.pk and not self.is_bound:
            self.initial["version"] = instance.version
