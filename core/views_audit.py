"""The audit-trail browser (/audit/): officers and auditors filter the events
by object, user, event type and dates, newest first, page by page, and
download exactly the filtered events as CSV (?format=csv, all pages)."""

import json

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from core.exports import DATETIME, Column, csv_response
from core.filters import AuditEventFilter
from core.permissions import Access
from core.selectors import audit_event_label, audit_event_list, audit_row, event_actor, object_type_label

EVENTS_PER_PAGE = 50
CSV_CHUNK = 2000


def _json(value) -> str:
    # The values as recorded, keys as they are, for a spreadsheet or a script.
    return json.dumps(value, ensure_ascii=False) if value not in (None, {}, []) else ""


CSV_COLUMNS = [
    Column(gettext_lazy("When"), lambda e: e["occurred_at"], DATETIME),
    Column(gettext_lazy("Who"), event_actor),
    Column(gettext_lazy("Event"), lambda e: audit_event_label(e["event_type"])),
    Column(gettext_lazy("Event code"), lambda e: e["event_type"]),
    Column(gettext_lazy("Object type"), lambda e: e["object_type"]),
    Column(gettext_lazy("Object ID"), lambda e: e["object_id"]),
    Column(gettext_lazy("Object"), lambda e: e["object_repr"]),
    Column(gettext_lazy("Old values"), lambda e: _json(e["old_values"])),
    Column(gettext_lazy("New values"), lambda e: _json(e["new_values"])),
]


@login_required
@require_GET
def event_list(request):
    if not Access.of(request.user).reads_audit_trail:
        raise Http404(_("No such page."))
    events = AuditEventFilter(request.GET or None, queryset=audit_event_list())
    if request.GET.get("format") == "csv":
        return csv_response(
            rows=events.qs.iterator(chunk_size=CSV_CHUNK), columns=CSV_COLUMNS, filename="audit-trail.csv"
        )
    page = Paginator(events.qs, EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [(audit_row(event), object_type_label(event["object_type"])) for event in page.object_list]
    filtered = any(request.GET.get(name) for name in events.form.fields)
    context = {"filter": events, "page": page, "rows": rows, "filtered": filtered}
    return render(request, "core/audit/event_list.html", context)
