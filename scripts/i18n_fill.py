"""Fill untranslated Vietnamese entries of every catalogue under src/motcua from JSON files of msgid → msgstr."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import polib


def main(folder: str) -> int:
    table: dict[str, str] = {}
    for path in sorted(Path(folder).glob("*.json")):
        table.update(json.loads(path.read_text(encoding="utf-8")))
    missing: list[str] = []
    for po_path in sorted(Path("src/motcua").rglob("locale/vi/LC_MESSAGES/django.po")):
        po = polib.pofile(str(po_path), wrapwidth=79)
        changed = False
        for entry in po:
            if entry.obsolete:
                continue
            if "fuzzy" in entry.flags and entry.msgid in table:
                entry.flags.remove("fuzzy")
                entry.msgstr = ""
                entry.previous_msgid = None
                entry.previous_msgid_plural = None  # a lone "#| msgid_plural" line breaks msgfmt
                if entry.msgid_plural:
                    entry.msgstr_plural = {}  # else the fuzzy guess would stay as the translation
            if entry.msgid_plural:
                if not any(entry.msgstr_plural.values()):
                    if entry.msgid in table:
                        entry.msgstr_plural = {0: table[entry.msgid]}
                        changed = True
                    else:
                        missing.append(f"{po_path}: {entry.msgid}")
            elif not entry.msgstr:
                if entry.msgid in table:
                    entry.msgstr = table[entry.msgid]
                    changed = True
                else:
                    missing.append(f"{po_path}: {entry.msgid}")
        if changed:
            po.save()
    for line in missing:
        print(f"untranslated: {line}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1] if len(sys.argv) > 1 else "i18n-pending"))
