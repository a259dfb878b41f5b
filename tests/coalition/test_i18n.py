"""English and French: the French catalogue is complete and compiled, pages switch language."""

import gettext
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "locale" / "fr" / "LC_MESSAGES"


def po_entries(path: Path) -> list[tuple[str, str, bool]]:
    """(msgid, msgstr, fuzzy) for every entry but the header; enough of the format for us.

    A plural entry gives its msgid with its msgstr[0] (and is checked for every
    form separately by ``plural_entries``).
    """
    entries = []
    for fields, fuzzy in _blocks(path):
        if fields.get("msgid") and "msgid_plural" not in fields:
            entries.append((fields["msgid"], fields.get("msgstr", ""), fuzzy))
        elif fields.get("msgid"):
            entries.append((fields["msgid"], fields.get("msgstr[0]", ""), fuzzy))
    return entries


def plural_entries(path: Path) -> list[tuple[str, str, list[str]]]:
    return [
        (fields["msgid"], fields["msgid_plural"], [fields.get(f"msgstr[{n}]", "") for n in (0, 1)])
        for fields, _fuzzy in _blocks(path)
        if "msgid_plural" in fields
    ]


def _blocks(path: Path):
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        lines = block.strip().splitlines()
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        fields: dict[str, str] = {}
        current = None
        for line in lines:
            if line.startswith(("msgid", "msgstr")):
                current, _, quoted = line.partition(" ")
                fields[current] = json.loads(quoted)
            elif line.startswith('"') and current:
                fields[current] += json.loads(line)
        yield fields, fuzzy


def test_every_french_string_is_translated_and_none_is_fuzzy():
    entries = po_entries(CATALOGUE / "django.po")

    assert len(entries) > 50
    assert [msgid for msgid, msgstr, _ in entries if not msgstr] == []
    assert [msgid for msgid, _, fuzzy in entries if fuzzy] == []


def test_the_compiled_catalogue_matches_the_source():
    with (CATALOGUE / "django.mo").open("rb") as compiled:
        translations = gettext.GNUTranslations(compiled)

    stale = [
        msgid
        for msgid, msgstr, _ in po_entries(CATALOGUE / "django.po")
        if translations.gettext(msgid) != msgstr
    ]
    assert stale == [], "run: manage.py compilemessages -l fr"


def test_every_plural_has_both_french_forms_compiled():
    with (CATALOGUE / "django.mo").open("rb") as compiled:
        translations = gettext.GNUTranslations(compiled)

    plurals = plural_entries(CATALOGUE / "django.po")
    assert plurals, "the catalogue has plural entries; the parser should find them"
    for singular, plural, forms in plurals:
        assert all(forms), singular
        assert translations.ngettext(singular, plural, 1) == forms[0]
        assert translations.ngettext(singular, plural, 5) == forms[1]


@pytest.mark.django_db
def test_home_speaks_french_when_asked(client):
    client.cookies["django_language"] = "fr"

    page = client.get("/").content.decode()

    assert '<html lang="fr">' in page
    assert "Comment fonctionne le réseau" in page
    assert "Aller au contenu principal" in page


@pytest.mark.django_db
def test_the_browser_language_is_honoured(client):
    page = client.get("/", headers={"accept-language": "fr-CA,fr;q=0.9"}).content.decode()

    assert '<html lang="fr">' in page


@pytest.mark.django_db
def test_the_language_switcher_remembers_the_choice(client):
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/"})

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert "Comment fonctionne le réseau" in client.get("/").content.decode()


@pytest.mark.django_db
def test_an_unknown_language_is_ignored(client):
    client.post("/i18n/setlang/", {"language": "xx", "next": "/"})

    assert '<html lang="en">' in client.get("/").content.decode()


@pytest.mark.django_db
def test_account_pages_speak_french_too(client):
    client.cookies["django_language"] = "fr"

    page = client.get("/accounts/signup/").content.decode()

    assert "Mot de passe" in page
