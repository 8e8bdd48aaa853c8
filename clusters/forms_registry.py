"""Forms of the cluster registry's pages: the list's filters (GET) and the
officers' small editing forms. They parse input; the rules are in
clusters.services.registry and come back as field errors."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from clusters.models import ActivityKind, CommitmentKind, LabelLevel, MaturityLevel, Organisation, Region
from clusters.selectors.registry import (
    LABEL_ANY,
    LABEL_NONE,
    MATURITY_NONE,
    NO,
    STATE_ACTIVE,
    STATE_DISSOLVED,
    YES,
    cluster_sectors,
)
from core.errors import ApplicationError


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def add_service_error(form: forms.Form, error: ApplicationError) -> None:
    """Show a service's refusal by the field it names (or at the top of the form)."""
    form.add_error(error.field if error.field in form.fields else None, error.message)


def _date(label, *, required=True, help_text=""):
    return forms.DateField(label=label, required=required, widget=DateInput(), help_text=help_text)


def _national_target_choices() -> list[tuple[str, str]]:
    """The national targets the scorecard measures, for the `target` filter
    (the scorecard's links set it); read lazily: another family's modules."""
    try:
        from clusters.selectors.landscape import national_targets
        from clusters.selectors.scorecard import TARGET_IDS
    except ImportError:
        return []
    try:
        return [(target.id, target.text) for target in national_targets() if target.id in TARGET_IDS]
    except (OSError, KeyError, ValueError):
        return []


class ClusterFilterForm(forms.Form):
    """The registry list's search and filters, every one optional."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        help_text=_("Part of the cluster's name, or the coordinator's name or company code."),
    )
    sector = forms.ChoiceField(label=_("Sector"), required=False)
    region = forms.ChoiceField(
        label=_("Coordinator's region"), required=False, choices=[("", _("Any region")), *Region.choices]
    )
    label = forms.ChoiceField(
        label=_("Excellence label"),
        required=False,
        choices=[
            ("", pgettext_lazy("filter", "Any")),
            (LABEL_ANY, _("Has a valid label")),
            (LABEL_NONE, _("No valid label")),
            *LabelLevel.choices,
        ],
    )
    network = forms.ChoiceField(
        label=_("International network"),
        required=False,
        choices=[("", pgettext_lazy("filter", "Any")), (YES, _("In a network")), (NO, _("In no network"))],
    )
    commitments = forms.MultipleChoiceField(
        label=_("Strategy flags"),
        required=False,
        choices=CommitmentKind.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Clusters that hold every flag ticked on the day."),
    )
    maturity = forms.ChoiceField(
        label=_("Maturity"),
        required=False,
        choices=[
            ("", pgettext_lazy("filter", "Any")),
            *[(str(value), label) for value, label in MaturityLevel.choices],
            (MATURITY_NONE, _("Not assessed")),
        ],
    )
    state = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", pgettext_lazy("filter", "Any")),
            (STATE_ACTIVE, pgettext_lazy("cluster", "Active")),
            (STATE_DISSOLVED, pgettext_lazy("cluster", "Dissolved")),
        ],
    )
    target = forms.ChoiceField(label=_("Behind the national target"), required=False)
    on = forms.DateField(
        label=_("As of"),
        required=False,
        widget=DateInput(),
        help_text=_("Members, labels, networks, flags and maturity on this day; today when blank."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sector"].choices = [("", _("Any sector")), *((s, s) for s in cluster_sectors())]
        targets = _national_target_choices()
        if targets:
            self.fields["target"].choices = [("", pgettext_lazy("filter", "Any")), *targets]
        else:
            # No list to choose from: the scorecard's link still filters, and the
            # selector says whether the target exists.
            self.fields["target"] = forms.CharField(required=False, widget=forms.HiddenInput)
        self.fields["q"].widget.attrs.update({"autocomplete": "off"})

    def params(self) -> dict:
        return dict(self.cleaned_data) if self.is_bound and self.is_valid() else {}


class ClusterForm(forms.Form):
    name = forms.CharField(label=_("Name of the cluster"), max_length=250)
    coordinator = forms.ModelChoiceField(
        label=_("Coordinator"),
        queryset=Organisation.objects.order_by("name"),
        help_text=_("A new coordinator must already be a member of the cluster."),
    )
    sector = forms.CharField(label=_("Sector"), max_length=120, required=False)
    established_on = _date(_("Established on"))
    dissolved_on = _date(_("Dissolved on"), required=False, help_text=_("Blank while the cluster exists."))
    is_new_initiative = forms.BooleanField(label=_("A new cluster initiative"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs.update({"autocomplete": "off"})

    @staticmethod
    def initial_for(cluster) -> dict:
        return {
            "name": cluster.name,
            "coordinator": cluster.coordinator_id,
            "sector": cluster.sector,
            "established_on": cluster.established_on,
            "dissolved_on": cluster.dissolved_on,
            "is_new_initiative": cluster.is_new_initiative,
            "version": cluster.version,
        }


class ClusterCreateForm(ClusterForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["coordinator"].help_text = _("The coordinator becomes the cluster's first member.")


class ClusterEditForm(ClusterForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, label=_("version"))


class MemberAddForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("Organisation"), queryset=Organisation.objects.order_by("name"))
    joined_on = _date(_("Joined on"))
    left_on = _date(_("Left on"), required=False, help_text=_("Only for a past membership; blank while it lasts."))


class MemberLeaveForm(forms.Form):
    left_on = _date(_("Left on"), help_text=_("The first day it is no longer a member."))


class LabelAwardForm(forms.Form):
    level = forms.ChoiceField(label=_("Level"), choices=LabelLevel.choices)
    awarded_on = _date(_("Awarded on"))
    valid_until = _date(_("Valid until"), help_text=_("The first day the label no longer counts."))


class LabelWithdrawForm(forms.Form):
    withdrawn_on = _date(_("Withdrawn on"), help_text=_("The first day the label no longer counts."))


class NetworkAddForm(forms.Form):
    network = forms.CharField(label=_("International network"), max_length=200)
    joined_on = _date(_("Joined on"))
    left_on = _date(_("Left on"), required=False, help_text=_("Only for a past membership; blank while it lasts."))


class NetworkEndForm(forms.Form):
    left_on = _date(_("Left on"), help_text=_("The first day the cluster is no longer in the network."))


class CommitmentStartForm(forms.Form):
    kind = forms.ChoiceField(label=_("Strategy flag"), choices=CommitmentKind.choices)
    started_on = _date(_("Since"))
    note = forms.CharField(label=_("Note"), max_length=250, required=False)


class CommitmentEndForm(forms.Form):
    ended_on = _date(_("Until"), help_text=_("The first day the flag no longer holds."))


class MaturityForm(forms.Form):
    level = forms.TypedChoiceField(label=_("Maturity level"), choices=MaturityLevel.choices, coerce=int)
    assessed_on = _date(_("Assessed on"))


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ActivityKind.choices)
    held_on = _date(_("Held on"))
    title = forms.CharField(label=_("Title"), max_length=250)
