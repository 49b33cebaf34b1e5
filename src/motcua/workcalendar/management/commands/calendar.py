"""`motcua calendar due START LIMIT [--calendar FILE] [--unit CODE]` and `motcua calendar seed [--from Y --to Y]`.

`due` prints the due instant as ISO 8601 local time (e.g. 2026-02-24T14:30:00+07:00). With
`--calendar FILE` the JSON file fully defines the calendar and no database is used:

    {"office_hours": {"mon": [["07:00", "11:30"], ["13:30", "17:00"]], ...},
     "holidays": ["2026-02-16", ...], "working_days": ["2026-08-22", ...], "timezone": "Asia/Ho_Chi_Minh"}

(every key optional; default office hours, no days off, Asia/Ho_Chi_Minh). Without it: the national
calendar in the database, with the office hours of `--unit CODE` if given.
Bad input prints one line on stderr and exits with status 2.
"""

from __future__ import annotations

import json
import re
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError
from django.utils.translation import gettext as _

from motcua.workcalendar.domain import CalendarRangeError, Limit, WorkCalendar, parse_limit, parse_weekly_hours

EXIT_BAD_INPUT = 2
_FILE_KEYS = {"office_hours", "holidays", "working_days", "timezone"}
_MAX_FILE_CALENDAR_YEARS = 200


class BadInput(Exception):
    """Operator input that cannot be used; the message is the one line printed."""


class _OneLineParser(CommandParser):
    """Argument errors on the command line as a single line (no usage block)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        _accept_dash_digit_values(self)

    def error(self, message: str) -> Any:
        if self.called_from_command_line:
            self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")
        raise CommandError(f"Error: {message}", returncode=EXIT_BAD_INPUT)


def _accept_dash_digit_values(parser: CommandParser) -> None:
    """A limit like "-1wd" must reach the limit parser (and be refused there), not look like an option."""
    parser._negative_number_matcher = re.compile(r"^-\d")


def _parse_date(value: Any, where: str) -> date:
    if not isinstance(value, str):
        raise BadInput(f"{where}: expected a date 'YYYY-MM-DD', got {value!r}")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadInput(f"{where}: {value!r} is not a date 'YYYY-MM-DD'") from None


def _parse_dates(data: dict[str, Any], key: str) -> frozenset[date]:
    values = data.get(key, [])
    if not isinstance(values, list):
        raise BadInput(f"{key}: expected a list of dates 'YYYY-MM-DD'")
    return frozenset(_parse_date(value, f"{key}[{index}]") for index, value in enumerate(values))


class Command(BaseCommand):
    help = _("Working calendar: compute a due instant, seed the national holidays.")
    requires_system_checks: list[str] = []

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.__class__ = _OneLineParser  # same layout, one-line errors
        _accept_dash_digit_values(parser)
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{due,seed}", parser_class=_OneLineParser)
        due = actions.add_parser("due", help=_("Print the due instant of a time limit."))
        due.add_argument("start", help=_("Start, ISO 8601; local time when it has no offset."))
        due.add_argument("limit", help=_("Time limit: Nwd, Nwh, Nd or sameday."))
        due.add_argument("--calendar", metavar="FILE", help=_("JSON file that fully defines the calendar."))
        due.add_argument("--unit", metavar="CODE", help=_("Use the office hours of this unit."))
        first, last = getattr(settings, "MOTCUA_HOLIDAY_YEARS", (2020, 2035))
        seed = actions.add_parser("seed", help=_("Seed the national holidays into the database."))
        seed.add_argument("--from", dest="first_year", type=int, default=first, metavar="YEAR")
        seed.add_argument("--to", dest="last_year", type=int, default=last, metavar="YEAR")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "due":
                self.stdout.write(self._due(options))
            else:
                self._seed(options)
        except BadInput as exc:
            message = f"motcua calendar {options['action']}: error: {exc}"
            if self._called_from_command_line:
                self.stderr.write(message)
                sys.exit(EXIT_BAD_INPUT)
            raise CommandError(message, returncode=EXIT_BAD_INPUT) from None

    # ---- due -----------------------------------------------------------------------------------------

    def _due(self, options: dict[str, Any]) -> str:
        try:
            limit = parse_limit(options["limit"])
        except ValueError as exc:
            raise BadInput(str(exc)) from None
        if options["calendar"] and options["unit"]:
            raise BadInput("use either --calendar or --unit, not both")
        if options["calendar"]:
            data = self._read_file(options["calendar"])
            start = self._parse_start(options["start"], self._file_tz(data))
            result = self._due_with_file(data, start, limit)
        else:
            start = self._parse_start(options["start"], ZoneInfo(settings.TIME_ZONE))
            calendar = self._db_calendar(options["unit"])
            try:
                result = calendar.due(start, limit)
            except ValueError as exc:
                raise BadInput(str(exc)) from None
        return result.isoformat()

    @staticmethod
    def _parse_start(text: str, tz: ZoneInfo) -> datetime:
        try:
            start = datetime.fromisoformat(text)
        except ValueError:
            raise BadInput(
                f"invalid start {text!r}: use ISO 8601, e.g. 2026-02-20T14:00 or 2026-02-20T14:00+07:00"
            ) from None
        return start.replace(tzinfo=tz) if start.tzinfo is None else start

    @staticmethod
    def _read_file(path: str) -> dict[str, Any]:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise BadInput(f"cannot read calendar file {path}: {getattr(exc, 'strerror', None) or exc}") from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise BadInput(f"calendar file {path} is not valid JSON: {exc.msg} (line {exc.lineno})") from None
        if not isinstance(data, dict):
            raise BadInput(f"calendar file {path} must hold a JSON object")
        unknown = sorted(set(data) - _FILE_KEYS)
        if unknown:
            raise BadInput(f"calendar file {path}: unknown key(s) {', '.join(unknown)}")
        return data

    @staticmethod
    def _file_tz(data: dict[str, Any]) -> ZoneInfo:
        name = data.get("timezone", settings.TIME_ZONE)
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise BadInput(f"timezone: unknown time zone {name!r}") from None

    def _due_with_file(self, data: dict[str, Any], start: datetime, limit: Limit) -> datetime:
        try:
            hours = parse_weekly_hours(data.get("office_hours", parse_weekly_hours_default()))
        except ValueError as exc:
            raise BadInput(f"office_hours: {exc}") from None
        holidays = _parse_dates(data, "holidays")
        working_days = _parse_dates(data, "working_days")
        tz = self._file_tz(data)
        local_start = start.astimezone(tz).date()
        years = [local_start.year, *(day.year for day in holidays | working_days)]
        first_year, last_year = min(years), max(years) + 1
        # The file calendar has no natural end: widen the range until the due instant fits.
        while True:
            calendar = WorkCalendar(
                hours, holidays, working_days, tz=tz, first_day=date(first_year, 1, 1), last_day=date(last_year, 12, 31)
            )
            try:
                return calendar.due(start, limit)
            except CalendarRangeError as exc:
                if last_year - first_year >= _MAX_FILE_CALENDAR_YEARS:
                    raise BadInput(str(exc)) from None
                last_year += max(2, last_year - first_year)
            except ValueError as exc:
                raise BadInput(str(exc)) from None

    @staticmethod
    def _db_calendar(unit_code: str | None) -> WorkCalendar:
        from motcua.core.models import Unit
        from motcua.workcalendar.selectors import calendar_for_unit

        unit = None
        try:
            if unit_code:
                unit = Unit.objects.filter(code=unit_code).first()
                if unit is None:
                    raise BadInput(f"unknown unit {unit_code!r}")
            return calendar_for_unit(unit)
        except DatabaseError as exc:
            raise BadInput(f"the database is not ready (run `motcua migrate`): {exc}") from None
        except ValueError as exc:
            raise BadInput(f"unit {unit_code}: {exc}") from None

    # ---- seed ----------------------------------------------------------------------------------------

    def _seed(self, options: dict[str, Any]) -> None:
        from motcua.workcalendar.services import seed_national_holidays

        first, last = options["first_year"], options["last_year"]
        if not 1995 <= first <= last <= 2100:
            raise BadInput(f"years must satisfy 1995 <= --from <= --to <= 2100, got {first} and {last}")
        created = seed_national_holidays(first, last)
        self.stdout.write(
            _("Seeded %(count)d national calendar days for %(first)d–%(last)d.")
            % {"count": created, "first": first, "last": last}
        )


def parse_weekly_hours_default() -> dict[str, Any]:
    from motcua.workcalendar.domain import DEFAULT_WEEKLY_HOURS

    return DEFAULT_WEEKLY_HOURS.to_mapping()
