"""Filters of the audit-trail browser (/audit/) and its API (GET /api/v1/audit-events/):
by object (type and id), user, event type and a range of Vilnius dates. One
FilterSet for the page, its CSV and the API, so they list the same events."""

from datetime import date

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from core.models import AuditEventType
from core.selectors import actor_name, audit_actors, audit_object_types, events_on_days

SYSTEM = "system"


class ISODateInput(forms.TextInput):
    """A date typed as YYYY-MM-DD, whatever the browser's locale."""

    def __init__(self, attrs=None):
        base = {"placeholder": "YYYY-MM-DD", "inputmode": "numeric", "pattern": r"\d{4}-\d{2}-\d{2}", "size": 10}
        super().__init__(attrs={**base, **(attrs or {})})

    def format_value(self, value):
        return value.isoformat() if isinstance(value, date) else super().format_value(value)


def _date_filter(label):
    return django_filters.DateFilter(
        label=label,
        method="filter_days",
        widget=ISODateInput(),
        input_formats=["%Y-%m-%d"],
        help_text=_("YYYY-MM-DD, a whole day in Vilnius time"),
        error_messages={"invalid": _("Enter a date as YYYY-MM-DD.")},
    )


class AuditEventFilterForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned


class AuditEventFilter(django_filters.FilterSet):
    """Filters core.selectors.audit_event_list() (values rows, newest first)."""

    object_type = django_filters.ChoiceFilter(
        label=_("Object type"), choices=audit_object_types, empty_label=_("Any object type")
    )
    object_id = django_filters.CharFilter(
        label=_("Object ID"),
        help_text=_("The number of one object of that type, e.g. a project's ID from its address."),
        max_length=64,
    )
    actor = django_filters.ModelChoiceFilter(
        label=_("User"),
        queryset=lambda request: audit_actors(),
        empty_label=_("Anyone"),
        null_label=_("System"),
        null_value=SYSTEM,
    )
    event_type = django_filters.ChoiceFilter(
        label=_("Event"), choices=AuditEventType.choices, empty_label=_("Any event")
    )
    date_from = _date_filter(_("From"))
    date_to = _date_filter(_("To"))

    class Meta:
        form = AuditEventFilterForm

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form.fields["actor"].label_from_instance = lambda user: actor_name(
            user.first_name, user.last_name, user.username
        )

    def filter_days(self, queryset, name, value):
        if name == "date_from":
            return events_on_days(queryset, value, None)
        return events_on_days(queryset, None, value)
