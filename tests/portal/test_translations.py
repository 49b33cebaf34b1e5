"""The project catalogue (templates and settings) is complete: every message has a Vietnamese translation."""

from __future__ import annotations

import re

from tests.portal.support import PROJECT_LOCALE

PO = PROJECT_LOCALE / "vi" / "LC_MESSAGES" / "django.po"


def entries() -> list[str]:
    return [block for block in PO.read_text(encoding="utf-8").split("\n\n") if re.search(r"^msgid ", block, re.M)]


def test_every_message_is_translated_and_none_is_fuzzy() -> None:
    untranslated, fuzzy = [], []
    for block in entries()[1:]:  # the first entry is the header
        msgid = re.search(r'^msgid "(.*)"', block, re.M)
        if re.search(r'^msgstr(\[0\])? ""\n(?!")', block + "\n", re.M):
            untranslated.append(msgid.group(1) if msgid else block)
        if "#, fuzzy" in block or ", fuzzy" in block:
            fuzzy.append(msgid.group(1) if msgid else block)
    assert untranslated == []
    assert fuzzy == []


def test_catalogue_only_holds_project_level_sources() -> None:
    """Apps keep their own catalogues; this one covers templates/, config/, portal/ and backoffice/ only."""
    sources = set(re.findall(r"^#: (.+)$", PO.read_text(encoding="utf-8"), re.M))
    files = {ref.rsplit(":", 1)[0] for line in sources for ref in line.split()}
    assert files, "no source references in the catalogue"
    allowed = ("templates/", "config/", "portal/", "backoffice/")
    assert sorted(f for f in files if not f.startswith(allowed)) == []
