"""Every page of every role, rendered in Lithuanian, shows no English interface
string from the catalogue. A text node or a label attribute that equals an
English msgid (whose Lithuanian translation differs) is an untranslated string
on the page; data (names, titles, codes) never equals a whole msgid of the
interface."""

import gettext
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction

from core.models import User
from grants import demo
from grants.models import Instrument, Project
from grants.selectors.projects import projects_visible_to

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "lt" / "LC_MESSAGES" / "django.mo"
LABEL_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt", "aria-roledescription"}
SKIPPED_ELEMENTS = {"script", "style", "code", "pre"}
LETTERS = re.compile(r"[A-Za-z]{3}")


def english_interface_strings() -> set[str]:
    """English msgids whose Lithuanian text differs, placeholders left out."""
    with open(CATALOGUE, "rb") as mo:
        catalogue = gettext.GNUTranslations(mo)._catalog
    strings = set()
    for key, translated in catalogue.items():
        msgid = key[0] if isinstance(key, tuple) else key
        if not msgid or "%(" in msgid or "{" in msgid or "\x04" in msgid:
            continue
        text = " ".join(msgid.split())
        if LETTERS.search(text) and text != " ".join(str(translated).split()):
            strings.add(text)
    return strings


class PageText(HTMLParser):
    """The visible text nodes and label attributes of a page."""

    def __init__(self):
        super().__init__()
        self.texts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED_ELEMENTS:
            self.skipping += 1
        for name, value in attrs:
            if name in LABEL_ATTRIBUTES and value:
                self.texts.append(" ".join(value.split()))

    def handle_endtag(self, tag):
        if tag in SKIPPED_ELEMENTS and self.skipping:
            self.skipping -= 1

    def handle_data(self, data):
        text = " ".join(data.split())
        if text and not self.skipping:
            self.texts.append(text)


def english_on(html: str, english: set[str]) -> list[str]:
    parser = PageText()
    parser.feed(html)
    return sorted({text for text in parser.texts if text in english})


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        demo.seed_demo()
        yield
        transaction.set_rollback(True)


def pages_of(user: User | None) -> list[tuple[str, str, dict | None]]:
    """(name, url, POST data or None) of every page `user` can reach, and the
    refusals and failed submits they can meet."""
    if user is None:
        return [
            ("login", "/accounts/login/", None),
            ("login-failed", "/accounts/login/", {"username": "nobody", "password": "wrong"}),
            ("not-found", "/no-such-page/", None),
        ]
    instrument = Instrument.objects.order_by("pk").first()
    project = projects_visible_to(user).order_by("pk").first() or Project.objects.order_by("pk").first()
    return [
        ("home", "/", None),
        ("instrument", f"/instruments/{instrument.pk}/", None),
        ("project", f"/projects/{project.pk}/", None),
        ("reports", "/reports/", None),
        ("report-form", "/reports/new/", None),
        ("report-form-failed", "/reports/new/", {"kind": "programme", "programme_id": "", "as_of_date": "x"}),
        ("not-found", "/no-such-page/", None),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("username", [None, *(spec[0] for spec in demo.DEMO_USERS)])
def test_every_page_is_in_lithuanian(seeded, client, username):
    english = english_interface_strings()
    assert len(english) > 100, "the catalogue is too small to check against"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "lt"
    user = User.objects.get(username=username) if username else None
    if user is not None:
        client.force_login(user)
        User.objects.filter(pk=user.pk).update(language="")
    found = {}
    checked = 0
    for name, url, data in pages_of(user):
        response = client.post(url, data) if data is not None else client.get(url)
        if response.status_code in (301, 302):
            continue
        html = response.content.decode()
        assert '<html lang="lt"' in html, f"{name} ({url}) is not a Lithuanian page"
        checked += 1
        leftovers = english_on(html, english)
        if leftovers:
            found[f"{name} {url} [{response.status_code}]"] = leftovers
    assert checked >= 3
    assert not found, "English interface strings on Lithuanian pages:\n" + "\n".join(
        f"  {page}: {texts}" for page, texts in found.items()
    )


def test_the_check_finds_an_english_string():
    english = {"Request a report", "Home"}
    html = '<html lang="lt"><body><a href="/">Pradžia</a><button title="Request a report">x</button></body></html>'
    assert english_on(html, english) == ["Request a report"]
