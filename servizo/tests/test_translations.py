"""The committed Urdu catalogs are complete, keep every placeholder, and match the sources (README "Languages").

No database: these run in every test run. The last one runs makemessages (needs gettext, from Debian) on a
copy of the sources, so a string added without `make messages` and a translation fails here.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings

from servizo.testing.catalog import placeholders, read_po

LOCALE = settings.BASE_DIR / "locale"
DOMAINS = ("django", "djangojs")


def catalog(domain: str, locale: Path = LOCALE):
    return read_po(locale / "ur" / "LC_MESSAGES" / f"{domain}.po")


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_urdu_entry_is_translated_and_none_is_fuzzy(domain):
    entries = catalog(domain)
    assert entries, "the catalog is empty"
    untranslated = [entry.msgid for entry in entries if not entry.translated]
    fuzzy = [entry.msgid for entry in entries if "fuzzy" in entry.flags]
    assert not untranslated, f"Translate these in locale/ur/LC_MESSAGES/{domain}.po: {untranslated}"
    assert not fuzzy, f"Check these and drop their '#, fuzzy' line in {domain}.po: {fuzzy}"


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_urdu_translation_keeps_the_placeholders_of_its_english(domain):
    wrong = []
    for entry in catalog(domain):
        sources = [entry.msgid, entry.msgid_plural] if entry.msgid_plural else [entry.msgid]
        for index, text in enumerate(entry.msgstr):
            expected = placeholders(sources[min(index, len(sources) - 1)])
            if placeholders(text) != expected:
                wrong.append((entry.msgid, expected, placeholders(text)))
    assert not wrong, f"(msgid, its placeholders, the translation's): {wrong}"


def test_the_placeholder_check_sees_a_dropped_or_renamed_placeholder():
    assert placeholders("Paid %(amount)s on %(day)s") == ["%(amount)s", "%(day)s"]
    assert placeholders("%(amount)s ادا کیے") != placeholders("Paid %(amount)s on %(day)s")
    assert placeholders("{count} تصاویر") == placeholders("{count} photos") != placeholders("{number} photos")
    assert placeholders("100 %% sure") == []


def _project_copy(target: Path) -> None:
    """What makemessages reads: manage.py, the settings package, the project's apps, templates and JS."""
    base = Path(settings.BASE_DIR)
    shutil.copy2(base / "manage.py", target / "manage.py")
    local_apps = {
        Path(config.path).relative_to(base).parts[0]
        for config in apps.get_app_configs()
        if Path(config.path).is_relative_to(base) and "site-packages" not in Path(config.path).parts
    }
    for name in sorted(local_apps | {"servizo", "templates", "locale"}):
        shutil.copytree(base / name, target / name, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    shutil.copytree(base / "static" / "js", target / "static" / "js")


def test_the_committed_catalogs_are_up_to_date_with_the_sources(tmp_path):
    _project_copy(tmp_path)
    for domain in DOMAINS:
        subprocess.run(
            [sys.executable, "manage.py", "makemessages", "-l", "ur", "-d", domain, "--no-obsolete"],
            cwd=tmp_path,
            check=True,
            capture_output=True,
        )
        fresh = {entry.key for entry in catalog(domain, tmp_path / "locale")}
        committed = {entry.key for entry in catalog(domain)}
        assert fresh == committed, (
            f"{domain}.po is out of date: run `make messages` and translate. "
            f"New in the sources: {sorted(map(str, fresh - committed))}; gone: {sorted(map(str, committed - fresh))}"
        )
