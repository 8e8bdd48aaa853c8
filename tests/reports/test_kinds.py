"""Report kinds as modules: one registry, each kind's parameter rules, the
audit-trail kind's data, and a kind added by one module and one template
without touching anything else."""

import copy
import sys
import textwrap
from datetime import timedelta
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from pypdf import PdfReader
from rest_framework.test import APIClient

from core.audit import audit_record
from core.errors import ApplicationError
from core.models import AuditEvent, AuditEventType
from grants.models import Project, ProjectStatus
from grants.selectors.asof import AsOf
from grants.services import project_transition
from reports import documents, kinds
from reports.forms import ReportRequestForm
from reports.kinds import get_kind, kind_choices
from reports.kinds.params import EARLIEST_DATE
from reports.models import ReportJob
from reports.services.jobs import report_job_request
from tests.factories import make_instrument, make_project

pytestmark = pytest.mark.django_db

API = "/api/v1/reports/"
REPORT_ID = "c0ffee00-0000-4000-8000-000000000001"


def _api_error(user, body) -> dict:
    api = APIClient()
    api.force_authenticate(user)
    response = api.post(API, body, format="json")
    assert response.status_code == 400, response.content
    return response.json()["error"]


# --------------------------------------------------------------------------- the registry


def test_registry_holds_the_kinds_and_is_the_source_of_every_choice(officer):
    assert [code for code, _label in kind_choices()] == [
        "programme",
        "scorecard",
        "instrument",
        "project",
        "claim_verification",
        "audit_trail",
        "call_ranking",
    ]
    assert ReportJob._meta.get_field("kind").choices == kind_choices()
    form = ReportRequestForm(user=officer)
    assert form.fields["kind"].choices == kind_choices()
    with pytest.raises(ApplicationError) as raised:
        get_kind("payroll")
    assert raised.value.field == "kind"


def test_unknown_kind_is_refused_by_the_api_naming_the_field(officer):
    error = _api_error(officer, {"kind": "payroll", "params": {}})
    assert "kind" in error["fields"]


# --------------------------------------------------------------------------- parameter rules


FUTURE = (timezone.localdate() + timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    ("kind", "params", "field"),
    [
        # The probes: an end in the far future, a future period end, a period of every day there is.
        ("audit_trail", {"date_from": "2021-01-01", "date_to": "9999-12-31"}, "date_to"),
        ("programme", {"period_start": "2021-01-01", "period_end": FUTURE}, "period_end"),
        ("programme", {"period_start": "0001-01-01", "period_end": "9999-12-31"}, "period_start"),
        ("instrument", {"as_of_date": FUTURE}, "as_of_date"),
        ("audit_trail", {"date_from": "1999-12-31", "date_to": "2000-01-31"}, "date_from"),
        ("programme", {"period_start": "2005-01-01", "period_end": "2020-01-01"}, "period_end"),
        ("programme", {"period_start": "2021-02-01", "period_end": "2021-01-01"}, "period_end"),
        ("audit_trail", {"date_from": "2021-02-01", "date_to": "2021-01-01"}, "date_to"),
    ],
)
def test_every_date_parameter_follows_the_same_rules(officer, programme, instrument, kind, params, field):
    subject = {"programme": {"programme_id": programme.pk}, "instrument": {"instrument_id": instrument.pk}}
    body = {"kind": kind, "params": {**subject.get(kind, {}), **params}}
    with pytest.raises(ApplicationError) as raised:
        report_job_request(actor=officer, kind=kind, params=body["params"])
    assert raised.value.field == field
    assert field in _api_error(officer, body)["fields"]
    assert not ReportJob.objects.exists()


def test_dates_at_the_bounds_are_accepted(officer, programme):
    translation.deactivate()  # outside a request no language is active: Lithuanian, the default
    today = timezone.localdate()
    span_end = EARLIEST_DATE.replace(year=EARLIEST_DATE.year + 15) - timedelta(days=1)
    for params in (
        {"period_start": EARLIEST_DATE.isoformat(), "period_end": span_end.isoformat()},
        {"as_of_date": today.isoformat()},
    ):
        job = report_job_request(actor=officer, kind="programme", params={"programme_id": programme.pk, **params})
        # Without a language, the active one (Lithuanian outside a request) is stored.
        assert job.params == {"programme_id": programme.pk, **params, "language": "lt"}
    trail = {"date_from": today.isoformat(), "date_to": today.isoformat()}
    assert report_job_request(actor=officer, kind="audit_trail", params=trail).params == {**trail, "language": "lt"}


@pytest.mark.parametrize("bad", ["12\x0034", "\ud800", "ok\x1b[2J"])
def test_control_characters_and_lone_surrogates_are_refused_naming_the_field(officer, bad):
    params = {"object_type": "grants.project", "object_id": bad}
    with pytest.raises(ApplicationError) as raised:
        get_kind("audit_trail").clean(params)
    assert raised.value.field == "object_id"
    with pytest.raises(ApplicationError):
        report_job_request(actor=officer, kind="audit_trail", params=params)
    with pytest.raises(ApplicationError) as raised:
        get_kind("audit_trail").clean({"object_type": "grants.\x00project", "object_id": "1"})
    assert raised.value.field == "object_type"
    assert not ReportJob.objects.exists()


def test_a_nul_in_a_parameter_is_a_400_on_the_api(officer):
    error = _api_error(
        officer, {"kind": "audit_trail", "params": {"object_type": "grants.project", "object_id": "1\x00"}}
    )
    assert "params.object_id" in error["fields"] or "object_id" in error["fields"]


# --------------------------------------------------------------------------- the audit-trail kind's data


def _trail(params: dict, as_of=None, index=0):
    spec = get_kind("audit_trail")
    context, empty = spec.context(params, AsOf.at(as_of or timezone.now()), index)
    return context["trail"], empty


def test_audit_trail_by_object_and_by_date_range():
    project = make_project(make_instrument(code="BCL"))
    project_transition(actor=None, project=project, to_status=ProjectStatus.IN_IMPLEMENTATION)
    by_object, _ = _trail({"object_type": "grants.project", "object_id": str(project.pk)})
    assert [r.event_type for r in by_object.rows] == [AuditEventType.CREATED, AuditEventType.STATUS_CHANGED]
    assert [r.event_label for r in by_object.rows] == [
        AuditEventType.CREATED.label,
        AuditEventType.STATUS_CHANGED.label,
    ]
    assert by_object.event_count == 2
    assert by_object.rows[1].change_text == "status: contracted → in_implementation"
    today = timezone.localdate().isoformat()
    in_range, _ = _trail({"date_from": today, "date_to": today})
    assert in_range.event_count == AuditEvent.objects.count()
    assert _trail({"date_from": "2000-01-01", "date_to": "2000-01-02"})[0].rows == []
    # Events after the as-of time are excluded, and sections page through the rest.
    as_of = timezone.now()
    audit_record(actor=None, obj=project, event_type=AuditEventType.RECORDED, new={"note": "later"})
    assert _trail({"date_from": today, "date_to": today}, as_of)[0].event_count == AuditEvent.objects.count() - 1


def test_audit_trail_sections_page_through_the_events(monkeypatch):
    project = make_project(make_instrument(code="BCL"))
    for _ in range(4):
        audit_record(actor=None, obj=project, event_type=AuditEventType.RECORDED, new={"note": "x"})
    monkeypatch.setattr(type(get_kind("audit_trail")), "rows_per_section", 2)
    params = {"object_type": "grants.project", "object_id": str(project.pk)}
    assert get_kind("audit_trail").section_count(params) == 3  # created + 4 recorded
    sections = [_trail(params, index=i) for i in range(4)]
    assert [len(trail.rows) for trail, _ in sections] == [2, 2, 1, 0]
    assert [empty for _, empty in sections] == [False, False, False, True]


# --------------------------------------------------------------------------- a new kind


KIND_MODULE = '''
"""A throwaway kind: a greeting to one organisation."""

from clusters.models import Organisation
from reports.kinds import params as p
from reports.kinds import register
from reports.kinds.base import ReportKindBase, slug


@register
class GreetingReport(ReportKindBase):
    code = "greeting"
    label = "Greeting"
    short_name = "greeting"
    fields = ("organisation_id",)

    def clean(self, params):
        params = p.require_object(params)
        p.reject_unknown(params, set(self.fields))
        return {"organisation_id": p.clean_existing(params, "organisation_id", Organisation, noun="organisation")}

    def subject(self, params):
        return Organisation.objects.get(pk=params["organisation_id"]).name

    def file_stem(self, params):
        return f"greeting-{slug(self.subject(params))}"

    def context(self, params, as_of, index):
        return {"name": self.subject(params), "day": as_of.date}, False
'''

KIND_TEMPLATE = """{% extends "reports/pdf/base.html" %}
{% block content %}<h1>Hello {{ name }}</h1><p>Greetings as of {{ day|date:"Y-m-d" }}.</p>{% endblock %}
"""


@pytest.fixture
def greeting_kind(tmp_path, settings, monkeypatch):
    """A kind that exists only as a module and a template outside the project."""
    (tmp_path / "greeting_kind.py").write_text(textwrap.dedent(KIND_MODULE), encoding="utf-8")
    (tmp_path / "templates" / "reports" / "pdf").mkdir(parents=True)
    (tmp_path / "templates" / "reports" / "pdf" / "greeting.html").write_text(KIND_TEMPLATE, encoding="utf-8")
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [str(tmp_path / "templates"), *templates[0]["DIRS"]]
    settings.TEMPLATES = templates
    monkeypatch.syspath_prepend(str(tmp_path))
    kinds.discover()
    __import__("greeting_kind")
    yield get_kind("greeting")
    kinds.unregister("greeting")
    sys.modules.pop("greeting_kind", None)


def test_a_new_kind_is_one_module_and_one_template(greeting_kind, officer, organisation, client):
    assert ("greeting", "Greeting") in kind_choices()
    # The form offers it.
    client.force_login(officer)
    assert '<option value="greeting"' in client.get("/reports/new/").content.decode()
    # The API validates it with the kind's own rules and queues it.
    api = APIClient()
    api.force_authenticate(officer)
    refused = api.post(API, {"kind": "greeting", "params": {"organisation_id": 0}}, format="json")
    assert refused.status_code == 400 and "organisation_id" in str(refused.json())
    accepted = api.post(API, {"kind": "greeting", "params": {"organisation_id": organisation.pk}}, format="json")
    assert accepted.status_code == 202, accepted.content
    job = ReportJob.objects.get()
    assert (job.kind, job.title, job.get_kind_display()) == ("greeting", f"Greeting — {organisation.name}", "Greeting")
    # The renderer lays it out like any other kind.
    rendered = documents.render_report(kind=job.kind, params=job.params, report_id=str(job.pk), as_of=timezone.now())
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(rendered.content)).pages)
    assert f"Hello {organisation.name}" in text
    assert documents.download_filename(job.kind, job.params, str(job.pk)).startswith("fondas-greeting-")
    assert f"Greetings as of {timezone.localdate().isoformat()}" in text


# --------------------------------------------------------------------------- fixed number of queries


def test_programme_section_costs_the_same_queries_for_10_and_200_projects():
    instrument = make_instrument(code="BIG", allocation="90000000.00")
    programme = instrument.programme
    for _ in range(10):
        make_project(instrument)
    params = documents.validate_params("programme", {"programme_id": programme.pk, "as_of_date": "2025-12-31"})

    def section_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            html = documents.section_html("programme", params, REPORT_ID, timezone.now(), 0, page_numbers=True)
        assert html.count('<tr><th scope="row">PRJ-') == Project.objects.count()
        return len(ctx.captured_queries)

    small = section_queries()
    for _ in range(190):
        make_project(instrument)
    assert section_queries() == small <= 30, small
