"""A procedure's limit is the working calendar's `Limit`: stored, validated, migrated, and due dates."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from motcua.catalog.models import Field, LimitKinds, Procedure
from motcua.catalog.selectors import limit_of
from motcua.core.models import Unit
from motcua.workcalendar.domain import Limit, LimitKind
from motcua.workcalendar.selectors import calendar_for_unit

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
WD, SAME = LimitKind.WORKING_DAYS, LimitKind.SAME_DAY


def _at(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=HCM)


def _procedure(code: str = "9.000001", **limits: object) -> Procedure:
    field, _created = Field.objects.get_or_create(code="thu-nghiem", defaults={"name": "Thử nghiệm"})
    values: dict[str, object] = {"legal_limit_kind": "wd", "legal_limit_amount": 3, **limits}
    return Procedure(code=code, name="Thủ tục thử", field=field, steps_text="…", target_subjects="…",
                     implementing_agency="UBND xã", result="…", **values)


def test_limit_kind_choices_are_the_calendars_kinds() -> None:
    assert LimitKinds.values == [kind.value for kind in LimitKind]
    assert all(LimitKind(value) for value in LimitKinds.values)


@pytest.mark.django_db
def test_limit_of_is_the_calendars_limit(demo_catalogue: dict[str, Unit]) -> None:
    disability = limit_of(Procedure.objects.get(code="1.001699"))
    assert type(disability) is Limit and disability.kind is WD and disability == Limit(WD, 25)
    certified_copy = Procedure.objects.get(code="2.000815")
    assert limit_of(certified_copy) == Limit(SAME) and limit_of(certified_copy).kind is SAME
    assert certified_copy.legal_limit_amount == 0  # stored as the calendar has it


@pytest.mark.django_db
def test_due_of_25_working_days_over_the_april_may_holidays(demo_catalogue: dict[str, Unit]) -> None:
    calendar = calendar_for_unit(demo_catalogue["a"])  # default office hours 07:00–11:30, 13:30–17:00
    # The national days off the count skips (seeded by the workcalendar migrations).
    assert not any(calendar.is_working_day(date(2026, 4, d)) for d in (27, 30)) and not calendar.is_working_day(
        date(2026, 5, 1))
    limit = limit_of(Procedure.objects.get(code="1.001699"))
    # Mon 13 Apr 09:00: 6 working hours that day, then 24 full days (192 h), then 2 h → 09:00 on the 25th
    # working day after it: 14–17, 20–24, 28–29 Apr (27, 30 Apr, 1 May off), 4–8, 11–15, 18–21 May.
    assert calendar.due(_at(2026, 4, 13, 9), limit) == _at(2026, 5, 21, 9)
    # Received in the lunch break: counting starts at 13:30, 3.5 h that day, 24 full days, then the 4.5 h
    # morning of 21 May; a limit that completes exactly at the lunch break is due then.
    assert calendar.due(_at(2026, 4, 13, 12), limit) == _at(2026, 5, 21, 11, 30)


@pytest.mark.django_db
def test_due_of_a_same_day_certified_copy(demo_catalogue: dict[str, Unit]) -> None:
    calendar = calendar_for_unit(demo_catalogue["a"])
    limit = limit_of(Procedure.objects.get(code="2.000815"))
    assert calendar.due(_at(2026, 4, 28, 10), limit) == _at(2026, 4, 28, 17)  # before 15:00: today's close
    assert calendar.due(_at(2026, 4, 28, 14, 59), limit) == _at(2026, 4, 28, 17)
    # Wed 29 Apr 15:30: the next working day's close; 30 Apr, 1 May are holidays, then the weekend.
    assert calendar.due(_at(2026, 4, 29, 15, 30), limit) == _at(2026, 5, 4, 17)
    assert calendar.due(_at(2026, 5, 2, 10), limit) == _at(2026, 5, 4, 17)  # Saturday → Monday's close


@pytest.mark.django_db
def test_same_day_is_stored_with_amount_zero_and_other_kinds_with_at_least_one() -> None:
    _procedure("9.000001", legal_limit_kind="sameday", legal_limit_amount=0,
               internal_limit_kind="sameday", internal_limit_amount=0).save()
    _procedure("9.000002", legal_limit_kind="wd", legal_limit_amount=1,
               internal_limit_kind="sameday", internal_limit_amount=0).save()
    saved = Procedure.objects.get(code="9.000001")
    assert saved.legal_limit == saved.internal_limit == saved.effective_limit == Limit(SAME)
    assert Procedure.objects.get(code="9.000002").effective_limit == Limit(SAME)
    for code, values in [
        ("9.000003", {"legal_limit_kind": "sameday", "legal_limit_amount": 1}),
        ("9.000004", {"legal_limit_kind": "wd", "legal_limit_amount": 0}),
        ("9.000005", {"internal_limit_kind": "sameday", "internal_limit_amount": 1}),
        ("9.000006", {"internal_limit_kind": "wh", "internal_limit_amount": 0}),
        ("9.000007", {"internal_limit_kind": "sameday", "internal_limit_amount": None}),
        ("9.000008", {"internal_limit_kind": "wd", "internal_limit_amount": None}),
    ]:
        with pytest.raises(IntegrityError), transaction.atomic():
            _procedure(code, **values).save()


@pytest.mark.django_db
def test_clean_sets_the_same_day_amount_and_checks_the_others() -> None:
    procedure = _procedure(legal_limit_kind="sameday", legal_limit_amount=1,
                           internal_limit_kind="sameday", internal_limit_amount=None)
    procedure.full_clean()
    assert (procedure.legal_limit_amount, procedure.internal_limit_amount) == (0, 0)
    assert procedure.effective_limit == Limit(SAME)

    zero = _procedure(legal_limit_kind="wd", legal_limit_amount=0)
    with pytest.raises(ValidationError) as excinfo:
        zero.full_clean()
    assert set(excinfo.value.message_dict) == {"legal_limit_amount"}

    zero_internal = _procedure(internal_limit_kind="wh", internal_limit_amount=0)
    with pytest.raises(ValidationError) as excinfo:
        zero_internal.full_clean()
    assert set(excinfo.value.message_dict) == {"internal_limit_amount"}

    longer = _procedure(legal_limit_kind="sameday", legal_limit_amount=0,
                        internal_limit_kind="wd", internal_limit_amount=2)
    with pytest.raises(ValidationError) as excinfo:
        longer.full_clean()
    assert set(excinfo.value.message_dict) == {"internal_limit_amount"}

    missing = _procedure(internal_limit_kind="wd", internal_limit_amount=None)
    with pytest.raises(ValidationError) as excinfo:
        missing.full_clean()
    assert set(excinfo.value.message_dict) == {"internal_limit_amount"}


BEFORE, AFTER = ("catalog", "0002_search_trigram_index"), ("catalog", "0003_sameday_limit_amount_zero")


@pytest.fixture
def executor() -> Iterator[MigrationExecutor]:
    """A migration executor; the database is back at the latest migrations afterwards."""
    try:
        yield MigrationExecutor(connection)
    finally:
        latest = MigrationExecutor(connection)
        latest.migrate(latest.loader.graph.leaf_nodes())


def _migrate(executor: MigrationExecutor, target: tuple[str, str]) -> None:
    executor.loader.build_graph()
    executor.migrate([target])


def _amounts() -> dict[str, tuple[int, int | None]]:
    rows = Procedure.objects.values_list("code", "legal_limit_amount", "internal_limit_amount")
    return {code: (legal, internal) for code, legal, internal in rows}


@pytest.mark.django_db(transaction=True)
def test_migration_0003_converts_same_day_amounts_both_ways(executor: MigrationExecutor) -> None:
    _migrate(executor, BEFORE)
    old = executor.loader.project_state([BEFORE]).apps
    field = old.get_model("catalog", "Field").objects.create(code="thu-nghiem", name="Thử nghiệm")
    old_procedure = old.get_model("catalog", "Procedure")
    common = {"name": "Thủ tục thử", "field": field, "steps_text": "…", "target_subjects": "…",
              "implementing_agency": "UBND xã", "result": "…"}
    old_procedure.objects.create(code="9.000001", legal_limit_kind="sameday", legal_limit_amount=1,
                                 internal_limit_kind="sameday", internal_limit_amount=1, **common)
    old_procedure.objects.create(code="9.000002", legal_limit_kind="wd", legal_limit_amount=3,
                                 internal_limit_kind="sameday", internal_limit_amount=1, **common)
    old_procedure.objects.create(code="9.000003", legal_limit_kind="sameday", legal_limit_amount=1, **common)
    old_procedure.objects.create(code="9.000004", legal_limit_kind="d", legal_limit_amount=15,
                                 internal_limit_kind="d", internal_limit_amount=1, **common)
    old_procedure.objects.create(code="9.000005", legal_limit_kind="wd", legal_limit_amount=3,
                                 internal_limit_kind="wd", internal_limit_amount=None, **common)  # no limit

    _migrate(executor, AFTER)
    assert _amounts() == {"9.000001": (0, 0), "9.000002": (3, 0), "9.000003": (0, None), "9.000004": (15, 1),
                          "9.000005": (3, None)}
    assert Procedure.objects.get(code="9.000001").effective_limit == Limit(SAME)
    stray = Procedure.objects.get(code="9.000005")
    assert stray.internal_limit_kind == "" and stray.internal_limit is None

    _migrate(executor, BEFORE)
    assert _amounts() == {"9.000001": (1, 1), "9.000002": (3, 1), "9.000003": (1, None), "9.000004": (15, 1),
                          "9.000005": (3, None)}
