"""Diacritic-insensitive text: "Đăng ký khai sinh" and "dang ky khai sinh" fold to the same key."""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^0-9a-z.]+")


def fold(text: str) -> str:
    """Lower-case `text` and drop Vietnamese diacritics (đ → d); punctuation is kept."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return unicodedata.normalize("NFC", stripped).lower()


def search_terms(text: str) -> list[str]:
    """The folded words of `text` (letters, digits and dots), for an AND search."""
    return [t.strip(".") for t in _NON_WORD.split(fold(text)) if t.strip(".")] if text else []


def search_text(*parts: str) -> str:
    """The stored search column: folded words of every part, separated by single spaces."""
    words: list[str] = []
    for part in parts:
        words.extend(search_terms(part))
    # Codes such as 1.001193 keep their dot so that a search by code matches too.
    return " " + " ".join(words) + " "
