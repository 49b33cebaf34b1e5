"""Validated input types shared by the routers: bounded text without control characters, codes, times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from django.utils import timezone
from pydantic import AfterValidator, StringConstraints

# One line of text: no control characters (NUL breaks PostgreSQL, the rest has no business in a field).
LINE = r"^[^\x00-\x1f\x7f]*$"
# Free text: tabs and line breaks allowed.
TEXT = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
# Official unit codes (000.10.01.H12), dossier codes (000.10.01.H12-260406-0001), procedure codes (1.001193).
CODE = r"^[0-9A-Za-z.\-]{1,40}$"
PROCEDURE_CODE = r"^\d{1,2}\.\d{6}$"
SHA256 = r"^[0-9a-f]{64}$"

Line = Annotated[str, StringConstraints(pattern=LINE)]
Code = Annotated[str, StringConstraints(pattern=CODE, max_length=40)]


def _aware(value: datetime) -> datetime:
    """Years 1900..2999 only (no overflow anywhere); a naive time is local time."""
    if not 1900 <= value.year <= 2999:
        raise ValueError("the year must be between 1900 and 2999")
    if timezone.is_naive(value):
        return timezone.make_aware(value)
    if not plausible_offset(value):
        raise ValueError("the UTC offset must be between -14:00 and +14:00")
    return value.astimezone(UTC)


def plausible_offset(value: datetime) -> bool:
    """Real time zones are within ±14 h of UTC (PostgreSQL refuses more than about ±16 h)."""
    offset = value.utcoffset()
    return offset is None or abs(offset) <= timedelta(hours=14)


AwareDatetime = Annotated[datetime, AfterValidator(_aware)]


def local(value: datetime | None) -> datetime | None:
    """Response times: ISO 8601 in local time with its offset (+07:00)."""
    return timezone.localtime(value) if value is not None else None
