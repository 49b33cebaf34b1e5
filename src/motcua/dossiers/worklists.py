"""Worklist queries: the officer's tabs (mine, my units', due today, overdue, at risk, awaiting supplement,
awaiting approval), their counts, filters, sorting and keyset pagination.

Everything is decided in SQL on indexed columns and scoped to the units the officer may see
(`motcua.core.permissions`, resolved once to a literal list of unit ids). Rows are read with
`values()`: the dossier's state JSON is never loaded.

Definitions (one place; the row labels use the same columns):

* **open** — statuses 1, 2, 4, 5, 6, 9 (not ended; 9 waits for the result to be returned);
  **in processing** — 4, 5, 6 (a process step is current; 5 and 6 have the clock paused).
* **overdue** — `overdue_from <= now` (domain `overdue_from`, written by the services at each
  transition): in processing with the appointment the applicant holds (`due_at`) passed — before
  now while the clock runs, before the pause while it is paused — or forced late by a second
  supplement request.
* **at risk** — in processing, not overdue, and `at_risk_from <= now` (domain `at_risk_from`: from
  when the working time left until the appointment is below what the remaining steps need, the
  unused share of the current step plus the later steps' shares; exactly `at_risk`).
* **due today** — clock running (4), not overdue, appointment before the end of today (local time;
  appointments fall inside office hours, so this is the end of today's working day).
* **mine** — open, in the officer's units, current step held by the officer.
* **awaiting approval** — column `awaiting_approval` (processing at a leader's step, not approved),
  in a unit where the officer may approve (leaders only).

How it stays fast at millions of dossiers: each tab is a union of disjoint *parts*, each a range on
one index (a unit's status-4 dossiers due before now; its paused ones overdue since…); on PostgreSQL a
page reads every (unit, part) from its own ordered index, `LIMIT` page size + 1, and merges them with
`UNION ALL` (an `IN` list over several units or statuses would make the planner sort every open
dossier of the unit). Counts are the sum of bounded counts of the parts.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import F, Q, QuerySet
from django.db.models.expressions import OrderBy
from django.utils import timezone

from motcua.core.domain.permissions import Action
from motcua.core.permissions import units_for
from motcua.dossiers.models import Dossier

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from motcua.core.models import User

OPEN_STATUSES = (1, 2, 4, 5, 6, 9)
IN_PROCESSING = (4, 5, 6)
PAUSED = (5, 6)
PAGE_SIZE = 50
COUNT_CAP = 1000  # tab counts stop counting here ("1000+"): every count query is bounded
MAX_QUERY_LENGTH = 100
MAX_BULK = PAGE_SIZE  # dossiers approved in one request


class Tab(StrEnum):
    MINE = "mine"
    UNIT = "unit"
    DUE_TODAY = "due_today"
    OVERDUE = "overdue"
    AT_RISK = "at_risk"
    SUPPLEMENT = "supplement"
    APPROVAL = "approval"


TABS: tuple[Tab, ...] = tuple(Tab)


class Sort(StrEnum):
    DUE = "due"
    DUE_DESC = "-due"
    RECEIVED = "received"
    RECEIVED_DESC = "-received"
    CODE = "code"
    CODE_DESC = "-code"

    @property
    def column(self) -> str:
        return {"due": "due_at", "received": "received_at", "code": "code"}[self.value.lstrip("-")]

    @property
    def descending(self) -> bool:
        return self.value.startswith("-")


class Risk(StrEnum):
    """What the row's colour and label say (overdue red, at risk amber, in time green)."""

    OVERDUE = "overdue"
    AT_RISK = "at_risk"
    IN_TIME = "in_time"
    LATE = "late"  # resolved (9) after its appointment
    DONE_IN_TIME = "done_in_time"  # resolved (9) by its appointment
    NONE = "none"  # not received yet (1, 2): no appointment


@dataclass(frozen=True)
class WorklistScope:
    """Who is asking and when: the unit ids resolved once per request."""

    user_id: int | None
    unit_ids: tuple[int, ...]
    approve_unit_ids: frozenset[int]
    now: datetime
    day_end: datetime

    @property
    def may_approve(self) -> bool:
        return bool(self.approve_unit_ids)


def scope_for(user: User | AnonymousUser, now: datetime | None = None) -> WorklistScope:
    """The officer's reach for worklists (two small indexed queries on the unit tree)."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    day_end = (local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1))
    # Re-attach the zone to the wall-clock midnight (correct across a DST change, if the zone had one).
    day_end = day_end.replace(tzinfo=None).replace(tzinfo=local.tzinfo)
    view = tuple(units_for(user, Action.DOSSIER_VIEW).order_by("pk").values_list("pk", flat=True))
    approve = frozenset(units_for(user, Action.DOSSIER_APPROVE).values_list("pk", flat=True)) if view else frozenset()
    return WorklistScope(user.pk if user.is_authenticated else None, view, approve, now, day_end)


@dataclass(frozen=True)
class WorklistFilter:
    procedure: str = ""  # catalogue code
    status: int | None = None
    channel: int | None = None
    query: str = ""  # dossier code or applicant name (part of it)
    # The open dossiers of the officer's units matching `query`, resolved once per request (`resolve_query`).
    matches: tuple[int, ...] | None = None

    @property
    def active(self) -> bool:
        return bool(self.procedure or self.status or self.channel or self.query)


# ---- the tabs in SQL ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """One of the disjoint conditions whose union is a tab. `rare`: its dossiers are few and scattered in
    every sort order (forced late, paused): always read whole and sorted, never walked in sort order."""

    condition: Q
    rare: bool = False


def _parts(scope: WorklistScope, tab: Tab) -> list[Part]:
    """The parts of `tab` (besides the unit scope); each is a range on one index."""
    now = scope.now
    if tab is Tab.MINE:
        return [Part(Q(current_holder_id=scope.user_id, status__in=OPEN_STATUSES))]
    if tab is Tab.UNIT:
        return [Part(Q(status__in=OPEN_STATUSES))]
    if tab is Tab.DUE_TODAY:  # not overdue: for status 4, overdue_from = due_at + 1 µs > now ⇔ due_at ≥ now
        return [Part(Q(status=4, forced_late=False, due_at__gte=now, due_at__lt=scope.day_end))]
    if tab is Tab.OVERDUE:
        return [Part(Q(status=4, forced_late=False, due_at__lt=now)),  # ⇔ overdue_from ≤ now for these
                Part(Q(status__in=IN_PROCESSING, forced_late=True), rare=True),  # overdue since the forcing
                Part(Q(status__in=PAUSED, forced_late=False, overdue_from__lte=now), rare=True)]
    if tab is Tab.AT_RISK:
        return [Part(Q(status=4, forced_late=False, due_at__gte=now, at_risk_from__lte=now)),
                Part(Q(status__in=PAUSED, forced_late=False, at_risk_from__lte=now)
                     & (Q(overdue_from__isnull=True) | Q(overdue_from__gt=now)), rare=True)]
    if tab is Tab.SUPPLEMENT:
        return [Part(Q(status=5))]
    if tab is Tab.APPROVAL:  # status too: it lets the open-dossier indexes serve
        return [Part(Q(status=4, awaiting_approval=True))]
    raise ValueError(tab)


def _units(scope: WorklistScope, tab: Tab) -> list[int]:
    if tab is Tab.APPROVAL:
        return [pk for pk in scope.unit_ids if pk in scope.approve_unit_ids]
    return list(scope.unit_ids)


def tab_queryset(scope: WorklistScope, tab: Tab) -> QuerySet[Dossier]:
    """The dossiers of `tab` for the officer of `scope`, unordered and unfiltered (one query)."""
    condition = Q()
    for part in _parts(scope, tab):
        condition |= part.condition
    return Dossier.objects.filter(condition, current_unit_id__in=_units(scope, tab))


def visible_tabs(scope: WorklistScope) -> tuple[Tab, ...]:
    """Every tab, except awaiting approval for officers who may not approve anywhere."""
    return tuple(t for t in TABS if t is not Tab.APPROVAL or scope.may_approve)


_CODE_LIKE = re.compile(r"^[0-9A-Za-z.\-]*\d[0-9A-Za-z.\-]*$")


def _text_q(query: str) -> Q | None:
    query = " ".join(query.split())[:MAX_QUERY_LENGTH]
    if not query:
        return None
    if _CODE_LIKE.match(query):
        return Q(code__contains=query.upper())
    return Q(applicant_name__icontains=query)


MAX_MATCHES = 1000  # a text search resolves at most this many dossiers (then asks for a narrower one)


def resolve_query(scope: WorklistScope, f: WorklistFilter) -> tuple[WorklistFilter, bool]:
    """`f` with the open dossiers of the officer's units matching its text resolved to their ids (one
    bounded query through the trigram indexes on PostgreSQL), so that every tab count and the page
    filter on the ids instead of repeating the text search; and whether there were more than
    MAX_MATCHES (the first ones found are kept: the search should be narrowed)."""
    text = _text_q(f.query)
    if text is None or not scope.unit_ids:
        return f, False
    ids = list(Dossier.objects.filter(text, current_unit_id__in=list(scope.unit_ids), status__in=OPEN_STATUSES)
               .order_by().values_list("pk", flat=True)[: MAX_MATCHES + 1])
    return replace(f, matches=tuple(sorted(ids[:MAX_MATCHES]))), len(ids) > MAX_MATCHES


def apply_filter(qs: QuerySet[Dossier], f: WorklistFilter) -> QuerySet[Dossier]:
    if f.procedure:
        qs = qs.filter(procedure__code=f.procedure)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.channel:
        qs = qs.filter(channel=f.channel)
    if f.matches is not None:
        qs = qs.filter(pk__in=f.matches)
    else:
        text = _text_q(f.query)
        if text is not None:
            qs = qs.filter(text)
    return qs


@dataclass(frozen=True)
class TabCount:
    tab: Tab
    count: int
    capped: bool  # there are more than `count`


def bounded_counts(counts: list[tuple[QuerySet[Dossier], int]]) -> list[int]:
    """`min(qs.count(), cap + 1)` of each (queryset, cap), in one statement (one round trip): a scalar
    subquery `SELECT COUNT(*) FROM (… LIMIT cap + 1)` each."""
    if not counts:
        return []
    parts: list[str] = []
    params: list[Any] = []
    for qs, cap in counts:
        sql, qs_params = qs.order_by().values("pk")[: cap + 1].query.sql_with_params()
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS bounded)")  # noqa: S608 - SQL from the ORM
        params.extend(qs_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return [int(n) for n in row]


def tab_counts(scope: WorklistScope, f: WorklistFilter | None = None,
               tabs: Iterable[Tab] | None = None) -> list[TabCount]:
    """Bounded counts of each tab (with the filter applied): one bounded count per part of each tab, all
    in one statement."""
    plan: list[tuple[Tab, int]] = []
    querysets: list[QuerySet[Dossier]] = []
    for tab in tabs if tabs is not None else visible_tabs(scope):
        units = _units(scope, tab)
        parts = _parts(scope, tab) if units else []
        plan.append((tab, len(parts)))
        for part in parts:
            qs = Dossier.objects.filter(part.condition, current_unit_id__in=units)
            querysets.append(apply_filter(qs, f) if f is not None else qs)
    counts = iter(bounded_counts([(qs, COUNT_CAP) for qs in querysets]))
    result = []
    for tab, n_parts in plan:
        n = sum(next(counts) for _ in range(n_parts))
        result.append(TabCount(tab, min(n, COUNT_CAP), n > COUNT_CAP))
    return result


# ---- rows and pages -------------------------------------------------------------------------------------

ROW_FIELDS = ("pk", "code", "applicant_name", "status", "channel", "received_at", "due_at", "forced_late",
              "apologised", "at_risk_from", "overdue_from", "awaiting_approval", "finished_at", "original_due_at",
              "current_unit_id", "current_holder_id", "procedure__code", "procedure__name", "current_unit__name")


@dataclass(frozen=True)
class WorklistRow:
    pk: int
    code: str
    applicant_name: str
    procedure_code: str
    procedure_name: str
    unit_name: str
    status: int
    channel: int
    received_at: datetime | None
    due_at: datetime | None
    apologised: bool
    mine: bool
    risk: Risk
    awaiting_approval: bool
    can_approve: bool


def risk_of(values: dict[str, Any], now: datetime) -> Risk:
    """The row's risk from its columns, by the same rules as the tabs' SQL."""
    status = values["status"]
    if status in IN_PROCESSING:
        overdue, risky = values["overdue_from"], values["at_risk_from"]
        if overdue is not None and overdue <= now:
            return Risk.OVERDUE
        if risky is not None and risky <= now:
            return Risk.AT_RISK
        return Risk.IN_TIME
    if status == 9:
        finished, due = values["finished_at"], values["original_due_at"]
        if values["forced_late"] or (finished is not None and due is not None and finished > due):
            return Risk.LATE
        return Risk.DONE_IN_TIME
    return Risk.NONE


def _row(values: dict[str, Any], scope: WorklistScope) -> WorklistRow:
    awaiting = bool(values["awaiting_approval"])
    return WorklistRow(
        pk=values["pk"], code=values["code"], applicant_name=values["applicant_name"],
        procedure_code=values["procedure__code"], procedure_name=values["procedure__name"],
        unit_name=values["current_unit__name"], status=values["status"], channel=values["channel"],
        received_at=values["received_at"], due_at=values["due_at"], apologised=values["apologised"],
        mine=scope.user_id is not None and values["current_holder_id"] == scope.user_id,
        risk=risk_of(values, scope.now), awaiting_approval=awaiting,
        can_approve=awaiting and values["current_unit_id"] in scope.approve_unit_ids,
    )


class CursorError(ValueError):
    pass


def encode_cursor(sort: Sort, value: Any, pk: int) -> str:
    if isinstance(value, datetime):
        value = value.isoformat()
    raw = json.dumps([sort.value, value, pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: Sort) -> tuple[Any, int]:
    """(sort value, pk) of a cursor made for `sort`; CursorError when it is malformed or for another sort."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        kind, value, pk = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if kind != sort.value or isinstance(pk, bool) or not isinstance(pk, int):
            raise CursorError(cursor)
        if value is not None and sort.column != "code":
            value = datetime.fromisoformat(value)
            if value.tzinfo is None:
                raise CursorError(cursor)
        elif value is not None and not isinstance(value, str):
            raise CursorError(cursor)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise CursorError(cursor) from exc
    return value, pk


# The ascending order of a sort column is (value, pk) with nulls last; the descending order is its exact
# reverse (nulls first), so that both walk the same index forwards or backwards.


def _after_asc(col: str, value: Any, pk: int) -> Q:
    if value is None:
        return Q(**{f"{col}__isnull": True, "pk__gt": pk})
    return Q(**{f"{col}__gt": value}) | Q(**{col: value, "pk__gt": pk}) | Q(**{f"{col}__isnull": True})


def _before_asc(col: str, value: Any, pk: int) -> Q:
    if value is None:
        return Q(**{f"{col}__isnull": False}) | Q(**{f"{col}__isnull": True, "pk__lt": pk})
    return Q(**{f"{col}__lt": value}) | Q(**{col: value, "pk__lt": pk})


def _after(sort: Sort, value: Any, pk: int) -> Q:
    """Rows strictly after (value, pk) in the order of `sort`."""
    return (_before_asc if sort.descending else _after_asc)(sort.column, value, pk)


def _before(sort: Sort, value: Any, pk: int) -> Q:
    """Rows strictly before (value, pk) in the order of `sort`."""
    return (_after_asc if sort.descending else _before_asc)(sort.column, value, pk)


# Above this many rows in a part's small groups, the first page is sorted by the database (top-N) rather than
# reading every (pk, instant) pair into Python (a province monitor's overdue tab: tens of thousands).
PAIRS_IN_PYTHON = 2000


def _key(pair: tuple[int, datetime | None]) -> tuple[bool, datetime, int]:
    """The ascending order of `_ordering` for (pk, instant) pairs: nulls last, then the pk."""
    pk, value = pair
    return (value is None, value or _EPOCH, pk)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _ordering(sort: Sort, *, reverse: bool = False) -> list[OrderBy]:
    if sort.descending != reverse:
        return [F(sort.column).desc(nulls_first=True), F("pk").desc()]
    return [F(sort.column).asc(nulls_last=True), F("pk").asc()]


@dataclass
class WorklistPage:
    rows: list[WorklistRow]
    next_cursor: str | None
    previous_cursor: str | None
    sort: Sort
    tab: Tab


MAX_PER_UNIT = 50  # up to this many units, a big part is read per unit on its own ordered index
SMALL_SET = 1000  # a part (in a unit) with at most this many dossiers is read whole and sorted, never walked
RARE_SET = 20_000  # the same for a rare part over all the units


def worklist_page(scope: WorklistScope, tab: Tab, f: WorklistFilter | None = None, sort: Sort = Sort.DUE, *,
                  after: str | None = None, before: str | None = None, limit: int = PAGE_SIZE) -> WorklistPage:
    """One page of `tab`, keyset-paginated on (sort column, pk): `after` the next page, `before` the previous.

    Raises CursorError for a malformed cursor. Each part of the tab is read according to its size (one
    bounded count per part, and per unit for the big parts): a small part is read whole through its
    filtering index and sorted; a big one is walked in the sort order on the unit's own index. Each
    read yields the ids of its first page; one last query reads and orders the rows of those ids.
    Walking a small, selective part in sort order instead can read most of a unit (or of the table)
    before finding a page, because the sort keys correlate with the filters (recent codes, early due
    times) and the planner cannot know it; one query with an `IN` list over several units would sort
    every open dossier of those units.
    """
    units = _units(scope, tab)
    if not units:
        return WorklistPage([], None, None, sort, tab)
    backwards = before is not None and after is None
    position = None
    if after is not None:
        position = _after(sort, *decode_cursor(after, sort))
    elif before is not None:
        position = _before(sort, *decode_cursor(before, sort))
    ordering = _ordering(sort, reverse=backwards)

    def matching(condition: Q, unit_ids: list[int]) -> QuerySet[Dossier]:
        qs = Dossier.objects.filter(condition, current_unit_id__in=unit_ids)
        qs = apply_filter(qs, f) if f is not None else qs
        return qs.filter(position) if position is not None else qs

    def first_ids(qs: QuerySet[Dossier]) -> list[int]:
        return list(qs.order_by(*ordering).values_list("pk", flat=True)[: limit + 1])

    # Sizes first (one statement), then one read per walked group and one per part's small groups.
    plan: list[tuple[Part, list[int], int]] = []
    for part in _parts(scope, tab):
        per_unit = not part.rare and len(units) <= MAX_PER_UNIT
        cap = RARE_SET if part.rare else SMALL_SET
        for group in [[unit] for unit in units] if per_unit else [units]:
            plan.append((part, group, cap))
    sizes = bounded_counts([(matching(part.condition, group), cap) for part, group, cap in plan])
    candidates: list[int] = []
    small: dict[int, tuple[Part, list[int], int]] = {}  # per part: its small groups' units and total size
    for (part, group, cap), size in zip(plan, sizes, strict=True):
        if size > cap:
            candidates += first_ids(matching(part.condition, group))  # walked in sort order
        elif size:
            _p, units_so_far, total = small.get(id(part), (part, [], 0))
            small[id(part)] = (part, units_so_far + group, total + size)
    for part, small_units, total in small.values():  # read whole through the filtering index, then sorted
        # The LIMIT keeps it a set read; its bound leaves room for dossiers that entered since the count.
        whole = matching(part.condition, small_units).order_by()
        if sort.column == "code":  # text: sorted by the database (its collation decides the order)
            candidates += first_ids(Dossier.objects.filter(pk__in=whole.values("pk")[: total + SMALL_SET]))
        elif total > PAIRS_IN_PYTHON:  # many rows (a province's units together): top-N sort in the database
            candidates += first_ids(whole)
        else:  # instants: (pk, value) in heap order, the first page picked here (no lookup per row)
            pairs = list(whole.values_list("pk", sort.column)[: total + SMALL_SET])
            candidates += [pk for pk, _value in sorted(pairs, key=_key, reverse=sort.descending != backwards)
                           [: limit + 1]]
    values = (list(Dossier.objects.filter(pk__in=candidates).order_by(*ordering).values(*ROW_FIELDS)[: limit + 1])
              if candidates else [])
    more = len(values) > limit
    values = values[:limit]
    if not values:
        return WorklistPage([], None, None, sort, tab)
    if backwards:
        values.reverse()
    rows = [_row(v, scope) for v in values]

    def cursor(v: dict[str, Any]) -> str:
        return encode_cursor(sort, v[sort.column], v["pk"])

    next_cursor: str | None
    previous_cursor: str | None
    if backwards:
        next_cursor = cursor(values[-1])
        previous_cursor = cursor(values[0]) if more else None
    else:
        next_cursor = cursor(values[-1]) if more else None
        previous_cursor = cursor(values[0]) if after is not None else None
    return WorklistPage(rows, next_cursor, previous_cursor, sort, tab)


# ---- choices for the filter form ------------------------------------------------------------------------


def procedure_choices(scope: WorklistScope, limit: int = 500) -> list[tuple[str, str]]:
    """(code, name) of the active procedures linked to the officer's units (or their kinds); bounded."""
    from motcua.catalog.models import Procedure, ProcedureUnit
    from motcua.core.models import Unit

    if not scope.unit_ids:
        return []
    units = Unit.objects.filter(pk__in=list(scope.unit_ids))
    links = ProcedureUnit.objects.filter(Q(unit__in=units.values("pk")) | Q(unit_kind__in=units.values("kind")))
    return list(Procedure.objects.filter(is_active=True, pk__in=links.values("procedure_id"))
                .order_by("code").values_list("code", "name")[:limit])


# ---- bulk approval -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BulkOutcome:
    code: str
    ok: bool
    detail: str = ""


def approve_many(user: User, codes: Iterable[str], now: datetime | None = None) -> list[BulkOutcome]:
    """Approve each dossier through `services.perform(..., "approve")`, each in its own transaction.

    A failure (not found, not allowed, already approved…) is reported with the service's Vietnamese
    detail and does not undo the others.
    """
    from motcua.dossiers.services import DossierError, perform

    outcomes: list[BulkOutcome] = []
    seen: set[str] = set()
    for code in codes:
        if code in seen:
            continue
        seen.add(code)
        try:
            perform(actor=user, code=code, action="approve", now=now)
        except DossierError as err:
            outcomes.append(BulkOutcome(code, False, err.detail))
        else:
            outcomes.append(BulkOutcome(code, True))
    return outcomes
