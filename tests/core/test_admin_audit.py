"""Changes made through the Django admin are audited like the services' own:
who, what, old and new values, in the same transaction as the change; the
organisation an applicant acts for changes only through its service."""

import json
from datetime import date
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from clusters.models import Cluster, ClusterMember, ExcellenceLabel, Organisation, OrganisationUser
from clusters.services import cluster_create, excellence_label_award
from core.admin import AuditedAdminMixin
from core.models import AuditEvent, AuditEventType, Role, User
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

# Company codes whose last digit is the check digit, for forms that validate them again.
VALID_CODES = iter(["302999001", "302999019", "302999026", "302999033", "302999040", "302999058"])


def _in_english(client) -> None:
    """The admin in English (the language cookie the switcher sets), for tests
    that read its English wording."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


class _FormFields(HTMLParser):
    """The values a browser would submit for the admin's main form, as they are
    on the page (inputs, checked boxes, selected options, text areas)."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._in_form = False
        self._select: str | None = None
        self._textarea: str | None = None

    def _add(self, name, value):
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("id", "").endswith("_form"):
            self._in_form = True
        if not self._in_form:
            return
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self._add(name, a.get("value", "on" if a.get("type") == "checkbox" else ""))
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in a:
            self._add(self._select, a.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self._add(name, "")

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._in_form = False


def _form_data(client, url) -> dict[str, list[str]]:
    response = client.get(url)
    assert response.status_code == 200
    parser = _FormFields()
    parser.feed(response.content.decode())
    return parser.data


def _post(client, url, **changes):
    """Submit the admin form at `url` as the page shows it, with `changes`."""
    data = _form_data(client, url)
    for name, value in changes.items():
        data[name] = value if isinstance(value, list) else [value]
    data = {k: v for k, v in data.items() if v != [None]}
    return client.post(url, data)


def _events(obj, event_type=None):
    events = AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
    if event_type is not None:
        events = events.filter(event_type=event_type)
    return list(events)


def _changed(response):
    """The admin answered a successful save with a redirect."""
    assert response.status_code == 302, response.context and response.context.get("errors")
    return response


def test_renaming_an_organisation_is_audited_with_old_and_new_name(admin_client, admin_user):
    organisation = OrganisationFactory(name="UAB Senas", legal_code=next(VALID_CODES))
    url = reverse("admin:clusters_organisation_change", args=[organisation.pk])
    _changed(_post(admin_client, url, name="UAB Naujas"))
    organisation.refresh_from_db()
    assert organisation.name == "UAB Naujas"
    [event] = _events(organisation, AuditEventType.UPDATED)
    assert event.actor == admin_user
    assert event.old_values == {"name": "UAB Senas"}
    assert event.new_values == {"name": "UAB Naujas"}


def test_saving_an_unchanged_form_writes_no_event(admin_client):
    organisation = OrganisationFactory(legal_code=next(VALID_CODES))
    _changed(_post(admin_client, reverse("admin:clusters_organisation_change", args=[organisation.pk])))
    assert _events(organisation) == []


def test_adding_an_organisation_goes_through_the_service(admin_client, admin_user):
    url = reverse("admin:clusters_organisation_add")
    data = {
        "name": "UAB Pridėta",
        "legal_code": "302999115",
        "organisation_type": "sme",
        "sector": "Food",
        "region": "kaunas",
    }
    _changed(admin_client.post(url, data))
    organisation = Organisation.objects.get(legal_code="302999115")
    [event] = _events(organisation)
    assert event.event_type == AuditEventType.CREATED
    assert event.actor == admin_user
    assert event.new_values["name"] == "UAB Pridėta"
    assert event.new_values["region"] == "kaunas"


def test_an_invalid_company_code_is_refused_on_the_form_and_nothing_is_saved(admin_client):
    events = AuditEvent.objects.count()
    data = {"name": "UAB Bloga", "legal_code": "12345", "organisation_type": "sme", "region": "kaunas"}
    response = admin_client.post(reverse("admin:clusters_organisation_add"), data)
    assert response.status_code == 200
    assert "legal_code" in response.context["adminform"].form.errors
    assert not Organisation.objects.filter(name="UAB Bloga").exists()
    assert AuditEvent.objects.count() == events


def test_moving_a_user_to_another_organisation_is_a_linked_event_with_both_organisations(admin_client, admin_user):
    first, second = OrganisationFactory(), OrganisationFactory()
    applicant = UserFactory(role=Role.APPLICANT, organisation=first)
    link = OrganisationUser.objects.get(user=applicant)
    url = reverse("admin:clusters_organisationuser_change", args=[link.pk])
    _changed(_post(admin_client, url, organisation=str(second.pk)))
    link.refresh_from_db()
    assert link.organisation == second
    event = _events(link, AuditEventType.LINKED)[-1]
    assert event.actor == admin_user
    assert event.old_values == {"user": applicant.pk, "organisation": first.pk}
    assert event.new_values == {"user": applicant.pk, "organisation": second.pk}


def test_the_user_of_an_organisation_link_cannot_be_swapped_in_the_admin(admin_client):
    applicant = UserFactory(role=Role.APPLICANT, organisation=OrganisationFactory())
    other = UserFactory(role=Role.APPLICANT)
    link = OrganisationUser.objects.get(user=applicant)
    url = reverse("admin:clusters_organisationuser_change", args=[link.pk])
    _changed(admin_client.post(url, {"user": str(other.pk), "organisation": str(link.organisation_id)}))
    link.refresh_from_db()
    assert link.user == applicant


def test_linking_a_non_applicant_is_refused_on_the_form_and_nothing_is_saved(admin_client):
    _in_english(admin_client)
    officer = UserFactory(role=Role.OFFICER)
    events = AuditEvent.objects.count()
    url = reverse("admin:clusters_organisationuser_add")
    response = admin_client.post(url, {"user": str(officer.pk), "organisation": str(OrganisationFactory().pk)})
    assert response.status_code == 200
    assert "Only applicant accounts" in str(response.context["adminform"].form.errors)
    assert not OrganisationUser.objects.filter(user=officer).exists()
    assert AuditEvent.objects.count() == events


def test_linking_through_the_admin_writes_the_services_event(admin_client, admin_user):
    applicant = UserFactory(role=Role.APPLICANT)
    organisation = OrganisationFactory()
    url = reverse("admin:clusters_organisationuser_add")
    _changed(admin_client.post(url, {"user": str(applicant.pk), "organisation": str(organisation.pk)}))
    link = OrganisationUser.objects.get(user=applicant)
    [event] = _events(link)
    assert event.event_type == AuditEventType.LINKED
    assert event.actor == admin_user
    assert event.new_values == {"user": applicant.pk, "organisation": organisation.pk}


def test_role_staff_active_and_groups_of_a_user_are_audited(admin_client, admin_user):
    group = Group.objects.create(name="Officers")
    user = UserFactory(role=Role.APPLICANT, is_staff=False, is_active=True)
    url = reverse("admin:core_user_change", args=[user.pk])
    response = _post(admin_client, url, role=Role.OFFICER, is_staff="on", is_active=None, groups=[str(group.pk)])
    _changed(response)
    user.refresh_from_db()
    assert (user.role, user.is_staff, user.is_active) == (Role.OFFICER, True, False)
    [event] = _events(user, AuditEventType.UPDATED)
    assert event.actor == admin_user
    assert event.old_values == {"role": Role.APPLICANT, "is_staff": False, "is_active": True, "groups": []}
    assert event.new_values == {"role": Role.OFFICER, "is_staff": True, "is_active": False, "groups": [group.pk]}


def test_a_password_change_is_audited_without_the_password_or_its_hash(admin_client, admin_user):
    user = UserFactory()
    url = reverse("admin:auth_user_password_change", args=[user.pk])
    new_password = "Zalgiris-Vilnius-2026"
    response = admin_client.post(url, {"password1": new_password, "password2": new_password, "usable_password": "true"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new_password)
    [event] = _events(user, AuditEventType.UPDATED)
    assert event.actor == admin_user
    assert event.new_values["password"] == "changed"
    recorded = json.dumps([event.old_values, event.new_values])
    assert new_password not in recorded
    assert user.password not in recorded


def test_adding_a_user_is_audited_without_the_password(admin_client):
    url = reverse("admin:core_user_add")
    password = "Kaunas-Klaipeda-2026"
    data = {"username": "naujas", "password1": password, "password2": password, "usable_password": "true"}
    data["role"] = Role.AUDITOR
    _changed(admin_client.post(url, data))
    user = User.objects.get(username="naujas")
    [event] = _events(user, AuditEventType.CREATED)
    assert event.new_values["username"] == "naujas"
    assert event.new_values["role"] == Role.AUDITOR
    assert event.new_values["password"] == "changed"
    recorded = json.dumps(event.new_values)
    assert password not in recorded
    assert user.password not in recorded


def test_changing_a_groups_permissions_is_audited(admin_client):
    group = Group.objects.create(name="Auditors")
    permission = Permission.objects.get(codename="view_auditevent")
    url = reverse("admin:auth_group_change", args=[group.pk])
    _changed(_post(admin_client, url, permissions=[str(permission.pk)]))
    [event] = _events(group, AuditEventType.UPDATED)
    assert event.old_values == {"permissions": []}
    assert event.new_values == {"permissions": [permission.pk]}


def test_deleting_a_cluster_records_it_and_what_the_delete_cascades_to(admin_client, admin_user):
    coordinator = OrganisationFactory()
    cluster = cluster_create(actor=None, name="Lazeriai", coordinator=coordinator, established_on=date(2015, 1, 1))
    label = excellence_label_award(
        actor=None, cluster=cluster, level="gold", awarded_on=date(2020, 1, 1), valid_until=date(2022, 1, 1)
    )
    member = cluster.memberships.get()
    url = reverse("admin:clusters_cluster_delete", args=[cluster.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert not Cluster.objects.filter(pk=cluster.pk).exists()
    deleted = AuditEvent.objects.filter(event_type=AuditEventType.DELETED, actor=admin_user)
    assert set(deleted.values_list("object_type", "object_id")) == {
        ("clusters.cluster", str(cluster.pk)),
        ("clusters.clustermember", str(member.pk)),
        ("clusters.excellencelabel", str(label.pk)),
    }
    assert deleted.get(object_type="clusters.cluster").old_values["name"] == "Lazeriai"


def test_deleting_organisations_from_the_list_records_each(admin_client):
    first, second = OrganisationFactory(), OrganisationFactory()
    url = reverse("admin:clusters_organisation_changelist")
    response = admin_client.post(
        url, {"action": "delete_selected", "_selected_action": [first.pk, second.pk], "post": "yes"}
    )
    assert response.status_code == 302
    assert not Organisation.objects.filter(pk__in=[first.pk, second.pk]).exists()
    for organisation in (first, second):
        [event] = _events(organisation, AuditEventType.DELETED)
        assert event.old_values["legal_code"] == organisation.legal_code


def test_inline_changes_of_a_cluster_are_audited_per_row(admin_client):
    coordinator, joining = OrganisationFactory(), OrganisationFactory()
    cluster = cluster_create(actor=None, name="Maistas", coordinator=coordinator, established_on=date(2015, 1, 1))
    label = excellence_label_award(
        actor=None, cluster=cluster, level="bronze", awarded_on=date(2020, 1, 1), valid_until=date(2022, 1, 1)
    )
    coordinator_member = cluster.memberships.get()
    url = reverse("admin:clusters_cluster_change", args=[cluster.pk])
    data = _form_data(admin_client, url)
    # One new member, the label upgraded, the coordinator's membership dated later.
    total = int(data["memberships-TOTAL_FORMS"][0])
    data["memberships-TOTAL_FORMS"] = [str(total + 1)]
    data[f"memberships-{total}-organisation"] = [str(joining.pk)]
    data[f"memberships-{total}-joined_on"] = ["2016-05-01"]
    data[f"memberships-{total}-cluster"] = [str(cluster.pk)]
    data["labels-0-level"] = ["silver"]
    data["memberships-0-joined_on"] = ["2015-02-01"]
    _changed(admin_client.post(url, data))
    new_member = ClusterMember.objects.get(cluster=cluster, organisation=joining)
    [created] = _events(new_member, AuditEventType.CREATED)
    assert created.new_values["organisation"] == joining.pk
    assert created.new_values["joined_on"] == "2016-05-01"
    [upgraded] = _events(label, AuditEventType.UPDATED)
    assert (upgraded.old_values, upgraded.new_values) == ({"level": "bronze"}, {"level": "silver"})
    [redated] = _events(coordinator_member, AuditEventType.UPDATED)
    assert redated.old_values == {"joined_on": "2015-01-01"}

    # The label deleted through its inline row.
    data = _form_data(admin_client, url)
    data["labels-0-DELETE"] = ["on"]
    _changed(admin_client.post(url, data))
    assert not ExcellenceLabel.objects.filter(pk=label.pk).exists()
    assert len(_events(label, AuditEventType.DELETED)) == 1


def test_a_change_and_its_audit_event_commit_together(admin_client, monkeypatch):
    organisation = OrganisationFactory(name="UAB Liks", legal_code=next(VALID_CODES))

    def broken(**kwargs):
        raise RuntimeError("audit trail unavailable")

    monkeypatch.setattr("core.admin.audit_record", broken)
    url = reverse("admin:clusters_organisation_change", args=[organisation.pk])
    with pytest.raises(RuntimeError):
        _post(admin_client, url, name="UAB Pakeistas")
    organisation.refresh_from_db()
    assert organisation.name == "UAB Liks"


def test_issuing_and_revoking_an_api_token_is_audited_on_the_user_without_its_key(admin_client):
    user = UserFactory()
    _changed(admin_client.post(reverse("admin:authtoken_tokenproxy_add"), {"user": str(user.pk)}))
    key = user.auth_token.key
    [issued] = _events(user, AuditEventType.UPDATED)
    assert issued.new_values == {"api_token": "issued"}
    url = reverse("admin:authtoken_tokenproxy_delete", args=[user.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert _events(user, AuditEventType.UPDATED)[-1].new_values == {"api_token": "revoked"}
    assert not AuditEvent.objects.filter(object_id=key).exists()
    assert key not in json.dumps(list(AuditEvent.objects.values_list("old_values", "new_values")))


# Fondas's own apps, and the accounts, groups and API tokens that decide who sees what.
AUDITED_APPS = {"core", "clusters", "grants", "reports", "auth", "authtoken"}


def test_every_writable_admin_is_audited(rf, admin_user):
    """A new admin that can add, change or delete must be audited (or read-only)."""
    request = rf.get("/")
    request.user = admin_user
    registered = [(m, a) for m, a in admin.site._registry.items() if m._meta.app_label in AUDITED_APPS]
    assert {m._meta.app_label for m, _ in registered} == AUDITED_APPS
    unaudited = [
        model._meta.label
        for model, model_admin in registered
        if not isinstance(model_admin, AuditedAdminMixin)
        and (
            model_admin.has_add_permission(request)
            or model_admin.has_change_permission(request)
            or model_admin.has_delete_permission(request)
        )
    ]
    assert unaudited == []


def test_an_inline_membership_that_counts_an_organisation_twice_is_refused(admin_client):
    coordinator = OrganisationFactory()
    cluster = cluster_create(actor=None, name="Mediena", coordinator=coordinator, established_on=date(2015, 1, 1))
    _in_english(admin_client)
    url = reverse("admin:clusters_cluster_change", args=[cluster.pk])
    data = _form_data(admin_client, url)
    total = int(data["memberships-TOTAL_FORMS"][0])
    data["memberships-TOTAL_FORMS"] = [str(total + 1)]
    data[f"memberships-{total}-organisation"] = [str(coordinator.pk)]
    data[f"memberships-{total}-joined_on"] = ["2016-01-01"]
    data[f"memberships-{total}-cluster"] = [str(cluster.pk)]
    events = AuditEvent.objects.count()
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "is already a member of Mediena" in response.content.decode()
    assert cluster.memberships.count() == 1
    assert AuditEvent.objects.count() == events


def test_adding_a_cluster_goes_through_the_service(admin_client, admin_user):
    coordinator = OrganisationFactory()
    data = _form_data(admin_client, reverse("admin:clusters_cluster_add"))
    data.update(name=["Vandenilis"], coordinator=[str(coordinator.pk)], established_on=["2019-04-01"])
    # Maturity is a dated assessment, entered in its own rows.
    data.update(
        {
            "maturity_assessments-TOTAL_FORMS": ["1"],
            "maturity_assessments-0-level": ["2"],
            "maturity_assessments-0-assessed_on": ["2019-04-01"],
        }
    )
    _changed(admin_client.post(reverse("admin:clusters_cluster_add"), data))
    cluster = Cluster.objects.get(name="Vandenilis")
    assert cluster.maturity_assessments.get().level == 2
    member = cluster.memberships.get()
    assert (member.organisation, member.joined_on) == (coordinator, date(2019, 4, 1))
    [created] = _events(cluster)
    assert (created.event_type, created.actor) == (AuditEventType.CREATED, admin_user)
    [joined] = _events(member)
    assert joined.event_type == AuditEventType.JOINED


def test_a_new_clusters_coordinator_is_not_added_twice_through_its_rows(admin_client):
    coordinator = OrganisationFactory()
    _in_english(admin_client)
    url = reverse("admin:clusters_cluster_add")
    data = _form_data(admin_client, url)
    data.update(name=["Dubliai"], coordinator=[str(coordinator.pk)], established_on=["2019-04-01"])
    data["memberships-TOTAL_FORMS"] = ["1"]
    data["memberships-0-organisation"] = [str(coordinator.pk)]
    data["memberships-0-joined_on"] = ["2019-05-01"]
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "is already a member" in response.content.decode()
    assert not Cluster.objects.filter(name="Dubliai").exists()
