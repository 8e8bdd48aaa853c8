"""The Lithuanian catalogue is complete and current: no untranslated or fuzzy
entry, no marked string that `makemessages` would add untranslated, and the
committed .mo files say what the .po files say."""

import gettext
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "locale" / "lt" / "LC_MESSAGES"
DOMAINS = ("django", "djangojs")
MSGATTRIB = shutil.which("msgattrib")
needs_gettext = pytest.mark.skipif(
    MSGATTRIB is None, reason="gettext is not installed (scripts/install.sh --dev installs it)"
)


def entries(po_text: str) -> list[str]:
    """The entries (blocks) of a .po text, header left out."""
    blocks = [block for block in po_text.strip().split("\n\n") if block.strip()]
    return [block for block in blocks if "Content-Type: text/plain" not in block]


def attrib(path: Path, flag: str) -> list[str]:
    result = subprocess.run([MSGATTRIB, flag, str(path)], capture_output=True, text=True, check=True)
    return entries(result.stdout)


@needs_gettext
@pytest.mark.parametrize("domain", DOMAINS)
def test_every_entry_is_translated_and_none_is_fuzzy(domain):
    po = LOCALE / f"{domain}.po"
    assert po.exists(), f"{po} is missing"
    untranslated = attrib(po, "--untranslated")
    fuzzy = attrib(po, "--only-fuzzy")
    assert not untranslated, "Untranslated entries:\n\n" + "\n\n".join(untranslated[:20])
    assert not fuzzy, "Fuzzy entries:\n\n" + "\n\n".join(fuzzy[:20])


@needs_gettext
def test_the_check_finds_an_untranslated_entry(tmp_path):
    """A check of the check: an entry with an empty msgstr is found."""
    sample = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\nmsgid "Home"\nmsgstr ""\n'
    path = tmp_path / "sample.po"
    path.write_text(sample, encoding="utf-8")
    assert len(attrib(path, "--untranslated")) == 1


@needs_gettext
def test_makemessages_adds_no_untranslated_string(tmp_path):
    """scripts/messages.sh (makemessages for both domains) run in a copy of the
    project finds every marked string already translated: a string marked but
    not translated fails here."""
    copy = tmp_path / "fondas"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(".venv", "var", ".git", "__pycache__", "node_modules", ".pytest_cache"),
    )
    (copy / ".venv").symlink_to(Path(sys.prefix))
    subprocess.run(["bash", "scripts/messages.sh"], cwd=copy, check=True, capture_output=True)
    for domain in DOMAINS:
        po = copy / "locale" / "lt" / "LC_MESSAGES" / f"{domain}.po"
        new = attrib(po, "--untranslated") + attrib(po, "--only-fuzzy")
        assert not new, f"makemessages finds strings of {domain} not yet translated:\n\n" + "\n\n".join(new[:20])


@pytest.mark.parametrize("domain", DOMAINS)
def test_committed_mo_matches_the_po(domain, tmp_path):
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.skip("gettext is not installed (scripts/install.sh --dev installs it)")
    compiled = tmp_path / f"{domain}.mo"
    subprocess.run([msgfmt, "--check-format", "-o", str(compiled), str(LOCALE / f"{domain}.po")], check=True)
    with open(compiled, "rb") as fresh, open(LOCALE / f"{domain}.mo", "rb") as committed:
        fresh_catalogue = gettext.GNUTranslations(fresh)._catalog
        committed_catalogue = gettext.GNUTranslations(committed)._catalog
    assert committed_catalogue == fresh_catalogue, f"Run scripts/messages.sh: {domain}.mo is out of date."


def test_catalogue_uses_the_standard_terms():
    """The terms of Lithuanian EU-funds administration, not word-for-word ones."""
    with open(LOCALE / "django.mo", "rb") as mo:
        catalogue = gettext.GNUTranslations(mo)._catalog
    translations = " ".join(str(value) for value in catalogue.values()).lower()
    for term in ("stebėsenos rodikli", "tinkamos finansuoti išlaidos", "projekto vykdytoj"):
        assert term in translations, term
