"""Filters of the report job list: by kind and by status."""

import django_filters

from reports.kinds import kind_choices
from reports.models import ReportJob, ReportJobStatus


class ReportJobFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=kind_choices)
    status = django_filters.ChoiceFilter(choices=ReportJobStatus.choices)

    class Meta:
        model = ReportJob
        fields = ["kind", "status"]
