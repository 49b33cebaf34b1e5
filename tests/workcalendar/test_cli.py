"""`motcua calendar due|seed`: through call_command and through a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

DAY = [["07:00", "11:30"], ["13:30", "17:00"]]
CALENDAR = {
    "office_hours": dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), DAY),
    "holidays": ["2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20"],
    "working_days": ["2026-08-22"],
}


@pytest.fixture
def calendar_file(tmp_path: Path) -> Path:
    path = tmp_path / "calendar.json"
    path.write_text(json.dumps(CALENDAR), encoding="utf-8")
    return path


@pytest.fixture
def bad_hours_file(tmp_path: Path) -> Path:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({**CALENDAR, "office_hours": {"mon": [["11:30", "07:00"]]}}), encoding="utf-8")
    return path


def due(*args: str) -> str:
    out = StringIO()
    call_command("calendar", "due", *args, stdout=out)
    return out.getvalue().strip()


@pytest.mark.parametrize(
    ("start", "limit", "expected"),
    [
        ("2026-02-13T14:30", "1wd", "2026-02-23T14:30:00+07:00"),
        ("2026-02-12T10:00", "3wd", "2026-02-24T10:00:00+07:00"),
        ("2026-03-02T10:30", "1wh", "2026-03-02T11:30:00+07:00"),
        ("2026-03-02T03:30:00Z", "1wh", "2026-03-02T11:30:00+07:00"),
        ("2026-03-06T15:30+07:00", "sameday", "2026-03-09T17:00:00+07:00"),
        ("2026-08-21T16:00", "2wh", "2026-08-22T08:00:00+07:00"),
        ("2026-03-05T10:00", "2d", "2026-03-09T07:00:00+07:00"),
        ("2026-03-02", "1wh", "2026-03-02T08:00:00+07:00"),
    ],
)
def test_due_with_file(calendar_file: Path, start: str, limit: str, expected: str) -> None:
    assert due(start, limit, "--calendar", str(calendar_file)) == expected


def test_file_calendar_grows_past_its_dates(calendar_file: Path) -> None:
    assert due("2026-03-02T07:00", "600wd", "--calendar", str(calendar_file)).startswith("2028-")


@pytest.mark.django_db
def test_due_with_database_and_unit(province_tree: dict[str, object]) -> None:
    assert due("2026-02-13T14:30", "1wd") == "2026-02-23T14:30:00+07:00"
    assert due("2026-08-28T16:00", "2wh", "--unit", "000.10.01.H12") == "2026-09-03T08:00:00+07:00"


@pytest.mark.django_db
def test_seed_command() -> None:
    out = StringIO()
    call_command("calendar", "seed", "--from", "2026", "--to", "2027", stdout=out)
    assert "0" in out.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["2026-03-02T08:00", "3x"], "unknown limit '3x'"),
        (["2026-03-02T08:00", "-1wd"], "unknown limit '-1wd'"),
        (["2026-02-30T08:00", "1wd"], "invalid start '2026-02-30T08:00'"),
        (["2026-03-02T08:00", "1wd", "--unit", "999.99.99.H99"], "unknown unit '999.99.99.H99'"),
        (["2026-03-02T08:00", "1wd", "--calendar", "/nonexistent/calendar.json"], "cannot read calendar file"),
        (["2019-03-02T08:00", "1wd"], "outside the working calendar"),
    ],
)
def test_bad_input_call_command(args: list[str], fragment: str) -> None:
    with pytest.raises(CommandError) as info:
        due(*args)
    assert info.value.returncode == 2
    assert fragment in str(info.value)


def test_bad_hours_call_command(bad_hours_file: Path) -> None:
    with pytest.raises(CommandError, match="end 07:00 must be after start 11:30") as info:
        due("2026-03-02T08:00", "1wd", "--calendar", str(bad_hours_file))
    assert info.value.returncode == 2


# ---- a real process -----------------------------------------------------------------------------------


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "motcua.cli", "calendar", *args],
        capture_output=True, text=True, timeout=60, env={**os.environ, **(env or {})}, check=False,
    )


@pytest.fixture(scope="module")
def migrated_db(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A throw-away SQLite database migrated by the real `motcua migrate` (seeds 2020–2035)."""
    db = tmp_path_factory.mktemp("clidb") / "motcua.sqlite3"
    env = {"DATABASE_URL": f"sqlite:///{db}", "DJANGO_SETTINGS_MODULE": "motcua.config.settings.dev"}
    done = subprocess.run([sys.executable, "-m", "motcua.cli", "migrate", "--no-input", "-v", "0"],
                          capture_output=True, text=True, timeout=300, env={**os.environ, **env}, check=False)
    assert done.returncode == 0, done.stderr
    return env


def test_process_prints_due_instant(calendar_file: Path) -> None:
    done = run_cli("due", "2026-02-13T14:30", "1wd", "--calendar", str(calendar_file))
    assert (done.returncode, done.stdout, done.stderr) == (0, "2026-02-23T14:30:00+07:00\n", "")


def test_process_with_database(migrated_db: dict[str, str]) -> None:
    done = run_cli("due", "2026-02-12T10:00", "3wd", env=migrated_db)
    assert (done.returncode, done.stdout.strip()) == (0, "2026-02-24T10:00:00+07:00"), done.stderr


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["2026-03-02T08:00", "3x"], "unknown limit '3x'"),
        (["2026-03-02T08:00", "-1wd"], "unknown limit '-1wd'"),
        (["03/02/2026 08:00", "1wd"], "invalid start '03/02/2026 08:00'"),
        (["2026-03-02T08:00", "1wd", "--calendar", "BAD_HOURS"], "end 07:00 must be after start 11:30"),
        (["2026-03-02T08:00", "1wd", "--calendar", "/nonexistent/calendar.json"], "cannot read calendar file"),
        (["2026-03-02T08:00", "1wd", "--unit", "999.99.99.H99"], "unknown unit '999.99.99.H99'"),
        (["2026-03-02T08:00"], "required: limit"),
    ],
)
def test_process_bad_input_one_line_exit_2(
    migrated_db: dict[str, str], bad_hours_file: Path, args: list[str], fragment: str
) -> None:
    done = run_cli("due", *[str(bad_hours_file) if a == "BAD_HOURS" else a for a in args], env=migrated_db)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert fragment in lines[0]
    assert "Traceback" not in done.stderr and "CommandError" not in done.stderr
