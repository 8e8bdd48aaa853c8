"""Forms of the evaluators' pages: the conflict-of-interest declaration and
the scores of one application, one score and comment per criterion."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError
from core.formatting import format_quantity


class ConflictForm(forms.Form):
    has_conflict = forms.TypedChoiceField(
        label=_("Conflict of interest"),
        choices=[
            ("no", _("I have no conflict of interest with this application or its applicant")),
            ("yes", _("I have a conflict of interest: remove me from this application")),
        ],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )


class ScoringForm(forms.Form):
    """One score (0..the criterion's maximum) and a comment per criterion of
    the call. Fields are named score_<criterion id> and comment_<criterion id>."""

    def __init__(self, *args, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        for criterion in self.criteria:
            self.fields[f"score_{criterion.pk}"] = forms.DecimalField(
                label=_("Score for %(criterion)s") % {"criterion": f"{criterion.code} {criterion.name}"},
                min_value=Decimal("0"),
                max_value=Decimal(criterion.max_score),
                max_digits=5,
                decimal_places=2,
                localize=True,
                help_text=_("From 0 to %(max)s; weight %(weight)s.")
                % {"max": criterion.max_score, "weight": format_quantity(criterion.weight)},
            )
            self.fields[f"comment_{criterion.pk}"] = forms.CharField(
                label=_("Comment on %(criterion)s") % {"criterion": criterion.code},
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
            )

    def rows(self):
        """(criterion, score field, comment field) for the template."""
        return [(c, self[f"score_{c.pk}"], self[f"comment_{c.pk}"]) for c in self.criteria]

    def scores(self) -> dict:
        return {
            c: (self.cleaned_data[f"score_{c.pk}"], self.cleaned_data[f"comment_{c.pk}"].strip()) for c in self.criteria
        }

    def add_application_error(self, error: ApplicationError) -> None:
        field = error.field
        if field and field not in self.fields:
            # The service may name a criterion by its code or id.
            for criterion in self.criteria:
                if field in (criterion.code, str(criterion.pk), f"scores.{criterion.code}"):
                    field = f"score_{criterion.pk}"
                    break
        self.add_error(field if field in self.fields else None, error.message)
