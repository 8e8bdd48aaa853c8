"""The top navigation (templates/base.html): each role's links to the pages of
issues 9 and 10 (a link appears once its page exists), the current section
marked with aria-current, and the links every role had before."""

import re

import pytest
from django.conf import settings
from django.urls import NoReverseMatch, reverse

from core.models import Role
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def url_or_none(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def nav_links(client, path: str = "/") -> dict[str, dict]:
    html = client.get(path).content.decode()
    nav = html[html.index('<nav aria-label="Main">') : html.index("</nav>", html.index('<nav aria-label="Main">'))]
    links = {}
    for attrs, text in re.findall(r"<a ([^>]*)>([^<]*)</a>", nav):
        href = re.search(r'href="([^"]*)"', attrs).group(1)
        links[text.strip()] = {"href": href, "current": 'aria-current="page"' in attrs}
    return links


EXPECTED = {
    Role.OFFICER: {
        "Projects": "workspace:project-list",
        "Claims to verify": "verification:queue",
        "Audit trail": "audit:event-list",
        "Clusters": "registry:cluster-list",
        "Scorecard": "scorecard:scorecard",
    },
    Role.AUDITOR: {
        "Projects": "workspace:project-list",
        "Audit trail": "audit:event-list",
        "Clusters": "registry:cluster-list",
        "Scorecard": "scorecard:scorecard",
    },
    Role.APPLICANT: {"My payment claims": "claims:claim-list", "Clusters": "registry:cluster-list"},
    Role.EVALUATOR: {},
}
EVERY_NEW_LINK = {"Projects", "Claims to verify", "Audit trail", "Clusters", "Scorecard", "My payment claims"}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_each_role_sees_its_links_and_no_others(client, role):
    user = UserFactory(role=role, organisation=OrganisationFactory() if role == Role.APPLICANT else None)
    client.force_login(user)
    links = nav_links(client)
    expected = {label: url_or_none(name) for label, name in EXPECTED[role].items()}
    for label, url in expected.items():
        if url is None:
            assert label not in links, f"{label} shown before its page exists"
        else:
            assert links[label]["href"] == url
    assert not (EVERY_NEW_LINK - set(expected)) & set(links), links
    # The links of before stay.
    assert links["Home"]["href"] == "/" and links["Home"]["current"]
    if role in (Role.OFFICER, Role.AUDITOR, Role.APPLICANT):
        assert links["Reports"]["href"] == "/reports/"
        assert list(links)[-1] == "Reports"  # last: the keyboard test goes back up to it


def test_the_current_section_is_marked(client, officer, auditor):
    client.force_login(officer)
    links = nav_links(client, "/manage/projects/")
    assert links["Projects"]["current"] and not links["Home"]["current"]
    assert sum(link["current"] for link in links.values()) == 1
    client.force_login(auditor)
    links = nav_links(client, "/audit/")
    assert links["Audit trail"]["current"]
    assert sum(link["current"] for link in links.values()) == 1


def test_anonymous_pages_keep_the_skip_link_and_the_language_switch(client):
    html = client.get("/accounts/login/").content.decode()
    assert 'class="skip-link" href="#content"' in html
    assert 'class="language-switch"' in html
    assert '<nav aria-label="Main">' not in html
