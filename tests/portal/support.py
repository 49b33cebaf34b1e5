"""Helpers shared by the interface tests (portal, back-office, browser)."""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

PROJECT_LOCALE = Path(__file__).resolve().parents[2] / "src" / "motcua" / "locale"


def ensure_compiled_messages() -> None:
    """Compile the project catalogue when its .mo is missing or older than the .po (the .mo is git-ignored)."""
    msgfmt = shutil.which("msgfmt")
    for po in PROJECT_LOCALE.glob("*/LC_MESSAGES/django.po"):
        mo = po.with_suffix(".mo")
        if msgfmt and (not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime):
            subprocess.run([msgfmt, "--check-format", "-o", str(mo), str(po)], check=True)


class PageAudit(HTMLParser):
    """Collects what the accessibility checks need from one HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.html_lang: str | None = None
        self.landmarks: dict[str, int] = {"header": 0, "nav": 0, "main": 0, "footer": 0}
        self.controls: list[dict[str, str | None]] = []
        self.label_targets: set[str] = set()
        self.open_labels = 0
        self.external: list[str] = []
        self.skip_link = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "html":
            self.html_lang = a.get("lang")
        if tag in self.landmarks:
            self.landmarks[tag] += 1
        if tag == "label":
            self.open_labels += 1
            if a.get("for"):
                self.label_targets.add(a["for"] or "")
        if tag in {"input", "select", "textarea"} and a.get("type") not in {"hidden", "submit", "button"}:
            self.controls.append({**a, "_wrapped": "yes" if self.open_labels else None})
        if tag == "a" and a.get("class") == "skip-link" and a.get("href") == "#main":
            self.skip_link = True
        for attr in ("src", "href"):
            value = a.get(attr) or ""
            if value.startswith(("http://", "https://", "//")) and tag in {"script", "link", "img"}:
                self.external.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self.open_labels -= 1

    def unlabelled_controls(self) -> list[dict[str, str | None]]:
        return [
            c for c in self.controls
            if not (c.get("_wrapped") or c.get("aria-label") or (c.get("id") and c["id"] in self.label_targets))
        ]


def audit(html: str) -> PageAudit:
    parser = PageAudit()
    parser.feed(html)
    return parser
