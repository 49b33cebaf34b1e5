"""A dossier's metric timeline: where it stood for the reports at every instant. Pure.

After each event a dossier is in one *segment*: not received yet (no segment), running (processing,
clock running), paused for payment (status 6, clock stopped), awaiting supplement after receipt
(status 5) or ended (3, 7, 8, 9, 10). Consecutive events that leave the segment unchanged (hand-overs,
assignments, approvals, apologies…) do not start a new one. The timeline is the list of segments; it
only ever grows (events are appended in time order), and it is all the reports need about a dossier's
history.

Rules (the issue's, for indicator 2.1 of Decision 766 and Biểu II.06a):

* **Timeliness** is judged against the legal appointment in force (`original_due_at`: moved by clock
  pauses, so supplement and payment time is excluded; an apology does not move it), at a granularity
  (minute by default): early `<`, on time `=`, late `>` (`motcua.dossiers.domain.compare`).
* **Ended with a result** (9, 10): early / on time / late by its resolution instant.
* **Ended without a result** (withdrawn 7, stopped 8): on time.
* **Awaiting supplement** after receipt counts as ended *at the request*: on time, or late when the
  request came after the appointment.
* **More than one supplement request in processing** (`forced_late`): late (overdue while in progress),
  whatever happens.
* **In progress** at a period end: judged at the period end (clock stopped at `paused_at` while
  waiting for payment): in time or overdue.
* Dossiers never received (submitted online and refused, withdrawn or still waiting) are in no report.

`standing_before(timeline, E)` says where a dossier stood just before the instant `E` (a period
boundary, see `periods`); `period_standing` classifies it for a whole period; `intervals` gives the
same answers as stock intervals (what the rollups count); `contributions` turns a dossier into the
rollup deltas it adds.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from enum import IntEnum, StrEnum
from typing import Any

from motcua.dossiers.domain import Granularity, Timeliness
from motcua.dossiers.domain.deadlines import truncate

from .periods import boundary_after, local_day

RESOLVED_STATUSES = frozenset({9, 10})
FINISHED_STATUSES = frozenset({3, 7, 8, 9, 10})
SUPPLEMENT_STATUS = 5
PAYMENT_STATUS = 6
_UNIT = {
    Granularity.SECOND: timedelta(seconds=1),
    Granularity.MINUTE: timedelta(minutes=1),
    Granularity.HOUR: timedelta(hours=1),
    Granularity.DAY: timedelta(days=1),
}


class SegmentKind(IntEnum):
    RUNNING = 1
    PAYMENT = 2
    SUPPLEMENT = 3
    ENDED = 4


class Standing(StrEnum):
    """Where a dossier stands in a report: ended (early, on time, late) or in progress (in time, overdue)."""

    EARLY = "early"
    ON_TIME = "on_time"
    LATE = "late"
    IN_TIME = "in_time"
    OVERDUE = "overdue"


ENDED_STANDINGS = frozenset({Standing.EARLY, Standing.ON_TIME, Standing.LATE})


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The few dossier values after an event that decide its segment (the dossier row's columns)."""

    status: int
    received_at: datetime | None
    finished_at: datetime | None
    paused_at: datetime | None
    original_due_at: datetime | None
    forced_late: bool


@dataclass(frozen=True, slots=True)
class Segment:
    """From `start` on (until the next segment) the dossier is in this situation."""

    start: datetime
    kind: SegmentKind
    due: datetime | None = None  # the legal appointment in force
    paused_at: datetime | None = None  # PAYMENT and SUPPLEMENT: when the clock stopped
    forced: bool = False  # more than one supplement request in processing
    resolved: bool = False  # ENDED with a result (9, 10)

    def same_as(self, other: Segment) -> bool:
        return (self.kind, self.due, self.paused_at, self.forced, self.resolved) == (
            other.kind, other.due, other.paused_at, other.forced, other.resolved)


Timeline = tuple[Segment, ...]


def segment_of(snapshot: Snapshot, at: datetime) -> Segment | None:
    """The segment a dossier enters with the event at `at` (None while it has not been received)."""
    s = snapshot
    if s.received_at is None:
        return None
    if s.finished_at is not None or s.status in FINISHED_STATUSES:
        finished = s.finished_at or at
        return Segment(finished, SegmentKind.ENDED, due=s.original_due_at, forced=s.forced_late,
                       resolved=s.status in RESOLVED_STATUSES)
    if s.status == SUPPLEMENT_STATUS:
        return Segment(at, SegmentKind.SUPPLEMENT, due=s.original_due_at, paused_at=s.paused_at or at,
                       forced=s.forced_late)
    if s.status == PAYMENT_STATUS:
        return Segment(at, SegmentKind.PAYMENT, due=s.original_due_at, paused_at=s.paused_at or at,
                       forced=s.forced_late)
    return Segment(at, SegmentKind.RUNNING, due=s.original_due_at, forced=s.forced_late)


def extend(timeline: Timeline, segment: Segment | None) -> Timeline:
    """The timeline after an event that put the dossier in `segment`."""
    if segment is None:
        return timeline
    if not timeline:
        return (segment,)
    last = timeline[-1]
    if last.same_as(segment):
        return timeline
    if last.kind is SegmentKind.ENDED and segment.kind is SegmentKind.ENDED:
        return (*timeline[:-1], replace(segment, start=last.start))  # 9 → 10: still ended at the resolution
    if segment.start < last.start:
        raise ValueError(f"a segment starting at {segment.start.isoformat()} cannot follow one starting at "
                         f"{last.start.isoformat()}")
    if segment.start == last.start:  # two changes at the same instant: the later one is what holds
        return (*timeline[:-1], segment)
    return (*timeline, segment)


def build(changes: Iterable[tuple[datetime, Snapshot]]) -> Timeline:
    """The timeline of a dossier from its snapshots after each event, in order."""
    timeline: Timeline = ()
    for at, snapshot in changes:
        timeline = extend(timeline, segment_of(snapshot, at))
    return timeline


# ---- judging ------------------------------------------------------------------------------------------


def _floor(due: datetime, g: Granularity) -> datetime:
    """`due` truncated to `g` in its own time zone (as `compare` truncates both instants)."""
    if g is Granularity.MINUTE:
        return due.replace(second=0, microsecond=0)  # zone offsets are whole minutes
    if g is Granularity.SECOND:
        return due.replace(microsecond=0)
    return truncate(due, g, due)


def _granularity(granularity: Granularity | str) -> Granularity:
    return granularity if isinstance(granularity, Granularity) else Granularity(granularity)


def overdue_from(due: datetime, granularity: Granularity | str = Granularity.MINUTE) -> datetime:
    """The first instant at which a running clock is late for `due`: `compare(t, due)` is late iff t >= this."""
    g = _granularity(granularity)
    return _floor(due, g) + _UNIT[g]


def judge(finished: datetime, due: datetime, granularity: Granularity | str = Granularity.MINUTE) -> Timeliness:
    """`motcua.dossiers.domain.compare`, computed with one truncation (the rollups call it millions of times):
    early iff `finished` is before the start of the due unit, late iff it is at or after the next unit."""
    g = _granularity(granularity)
    start = _floor(due, g)
    if finished < start:
        return Timeliness.EARLY
    return Timeliness.ON_TIME if finished < start + _UNIT[g] else Timeliness.LATE


def _late(clock: datetime, due: datetime | None, granularity: Granularity | str) -> bool:
    return due is not None and clock >= overdue_from(due, granularity)


def ended_standing(segment: Segment, granularity: Granularity | str = Granularity.MINUTE) -> Standing:
    """Early / on time / late of an ended dossier (withdrawn and stopped ones are on time)."""
    if segment.forced:
        return Standing.LATE
    if not segment.resolved or segment.due is None:
        return Standing.ON_TIME
    return _STANDING[judge(segment.start, segment.due, granularity)]


_STANDING = {Timeliness.EARLY: Standing.EARLY, Timeliness.ON_TIME: Standing.ON_TIME, Timeliness.LATE: Standing.LATE}


def _paused_late(segment: Segment, granularity: Granularity | str) -> bool:
    assert segment.paused_at is not None
    return segment.forced or _late(segment.paused_at, segment.due, granularity)


def segment_before(timeline: Timeline, instant: datetime) -> Segment | None:
    """The segment in force just before `instant` (None when the dossier was not received by then)."""
    found = None
    for segment in timeline:
        if segment.start < instant:
            found = segment
        else:
            break
    return found


def standing_before(timeline: Timeline, instant: datetime,
                    granularity: Granularity | str = Granularity.MINUTE) -> Standing | None:
    """Where the dossier stood just before `instant` (a period boundary); None if not received by then.

    Ended: its outcome; awaiting supplement: ended at the request (on time or late); waiting for
    payment: judged at `paused_at`; running: judged at `instant`.
    """
    segment = segment_before(timeline, instant)
    if segment is None:
        return None
    if segment.kind is SegmentKind.ENDED:
        return ended_standing(segment, granularity)
    if segment.kind is SegmentKind.SUPPLEMENT:
        return Standing.LATE if _paused_late(segment, granularity) else Standing.ON_TIME
    if segment.kind is SegmentKind.PAYMENT:
        return Standing.OVERDUE if _paused_late(segment, granularity) else Standing.IN_TIME
    overdue = segment.forced or (segment.due is not None and overdue_from(segment.due, granularity) < instant)
    return Standing.OVERDUE if overdue else Standing.IN_TIME


@dataclass(frozen=True, slots=True)
class PeriodStanding:
    """How one dossier counts in a period's report."""

    carried_over: bool  # received before the period and not ended before it
    standing: Standing  # at the period end (or its outcome, when it ended in the period)
    finished: bool  # ended during the period
    awaiting_supplement: bool  # awaiting supplement at the period end (ended at the request)

    @property
    def resolved(self) -> bool:
        """In the report's "resolved" columns: ended in the period, or awaiting supplement at its end."""
        return self.standing in ENDED_STANDINGS


def period_standing(timeline: Timeline, start: datetime, end: datetime,
                    granularity: Granularity | str = Granularity.MINUTE) -> PeriodStanding | None:
    """How the dossier counts in the period `[start, end)`; None when it is not part of it.

    Part of it: received before `end` and not ended before `start`.
    """
    if not timeline or timeline[0].start >= end:
        return None
    last = timeline[-1]
    ended = last if last.kind is SegmentKind.ENDED else None
    if ended is not None and ended.start < start:
        return None
    carried = timeline[0].start < start
    if ended is not None and ended.start < end:
        return PeriodStanding(carried, ended_standing(ended, granularity), True, False)
    standing = standing_before(timeline, end, granularity)
    assert standing is not None
    at_end = segment_before(timeline, end)
    supplement = at_end is not None and at_end.kind is SegmentKind.SUPPLEMENT
    return PeriodStanding(carried, standing, False, supplement)


# ---- stock intervals ----------------------------------------------------------------------------------


class Stock(StrEnum):
    OPEN = "open"  # received and not ended (awaiting supplement included)
    SUPPLEMENT_ON_TIME = "supplement_on_time"  # awaiting supplement, requested in time
    SUPPLEMENT_LATE = "supplement_late"  # awaiting supplement, requested late (or forced late)
    OVERDUE = "overdue"  # in progress (not awaiting supplement) and overdue


@dataclass(frozen=True, slots=True)
class Interval:
    """The dossier is in `stock` from just after `start` until `end` included (`end` None: still is)."""

    stock: Stock
    start: datetime
    end: datetime | None

    def contains_before(self, instant: datetime) -> bool:
        """Is the dossier in the stock just before `instant`?"""
        return self.start < instant and (self.end is None or instant <= self.end)


def intervals(timeline: Timeline, granularity: Granularity | str = Granularity.MINUTE) -> list[Interval]:
    """The stock intervals of a dossier: `standing_before(E)` is in progress overdue iff an OVERDUE interval
    contains E, awaiting supplement iff a SUPPLEMENT_* one does, and the dossier is open iff the OPEN one does.
    Adjacent intervals of the same stock are merged; empty ones are left out.
    """
    if not timeline:
        return []
    last = timeline[-1]
    ended_at = last.start if last.kind is SegmentKind.ENDED else None
    out: list[Interval] = [Interval(Stock.OPEN, timeline[0].start, ended_at)]
    for index, segment in enumerate(timeline):
        if segment.kind is SegmentKind.ENDED:
            break
        end = timeline[index + 1].start if index + 1 < len(timeline) else None
        if segment.kind is SegmentKind.SUPPLEMENT:
            stock = Stock.SUPPLEMENT_LATE if _paused_late(segment, granularity) else Stock.SUPPLEMENT_ON_TIME
            _add(out, Interval(stock, segment.start, end))
        elif segment.kind is SegmentKind.PAYMENT:
            if _paused_late(segment, granularity):
                _add(out, Interval(Stock.OVERDUE, segment.start, end))
        elif segment.forced:
            _add(out, Interval(Stock.OVERDUE, segment.start, end))
        elif segment.due is not None:
            begin = max(segment.start, overdue_from(segment.due, granularity))
            if end is None or begin < end:
                _add(out, Interval(Stock.OVERDUE, begin, end))
    return out


def _add(out: list[Interval], interval: Interval) -> None:
    for index in range(len(out) - 1, 0, -1):  # out[0] is OPEN
        previous = out[index]
        if previous.stock is interval.stock and previous.end == interval.start:
            out[index] = Interval(interval.stock, previous.start, interval.end)
            return
        if previous.stock is interval.stock:
            break
    out.append(interval)


# ---- attributes and rollup contributions --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Attributes:
    """What the attribute indicators (1.4, 3.3, 3.6, 4.x) read of a dossier, as it is now."""

    online: bool = False  # submitted online (channel 2)
    synced: bool = False  # synchronised to the national portal
    eresult: bool = False  # has an electronic result
    fee: bool = False  # has fees or charges to pay (total > 0)
    paid_online: bool = False  # paid online (counted only with a fee)
    digitized: bool = False  # every component digitized, and the result electronic once there is one
    reused: bool = False  # reuses digitized data (a component reused from an earlier result)
    citizen_store: bool = False  # a component taken from the citizen's data store
    vneid: bool = False  # applicant verified with the national e-ID (population data)


def digitized(components: int, digitized_components: int, resolved: bool, eresult: bool) -> bool:
    """A digitized dossier: it has components, all of them digitized, and an electronic result once resolved."""
    return components > 0 and digitized_components == components and (eresult or not resolved)


class Measure(StrEnum):
    """The rollup columns: flows by the local day of their instant, stock deltas by boundary day."""

    RECEIVED_ONLINE = "received_online"
    RECEIVED_OTHER = "received_other"  # at the counter or by post
    SYNCED = "synced"
    ONLINE_ERESULT = "online_eresult"
    WITH_FEE = "with_fee"
    PAID_ONLINE = "paid_online"
    DIGITIZED = "digitized"
    REUSED = "reused"
    CITIZEN_STORE = "citizen_store"
    VNEID = "vneid"
    FINISHED_EARLY = "finished_early"
    FINISHED_ON_TIME = "finished_on_time"
    FINISHED_LATE = "finished_late"
    RESOLVED = "resolved"
    RESOLVED_ERESULT = "resolved_eresult"
    OPEN_DELTA = "open_delta"
    SUPPLEMENT_ON_TIME_DELTA = "supplement_on_time_delta"
    SUPPLEMENT_LATE_DELTA = "supplement_late_delta"
    OVERDUE_DELTA = "overdue_delta"


STOCK_DELTA = {
    Stock.OPEN: Measure.OPEN_DELTA,
    Stock.SUPPLEMENT_ON_TIME: Measure.SUPPLEMENT_ON_TIME_DELTA,
    Stock.SUPPLEMENT_LATE: Measure.SUPPLEMENT_LATE_DELTA,
    Stock.OVERDUE: Measure.OVERDUE_DELTA,
}
_FINISHED = {Standing.EARLY: Measure.FINISHED_EARLY, Standing.ON_TIME: Measure.FINISHED_ON_TIME,
             Standing.LATE: Measure.FINISHED_LATE}
_RECEIVED_FLAGS = (
    ("synced", Measure.SYNCED), ("digitized", Measure.DIGITIZED), ("reused", Measure.REUSED),
    ("citizen_store", Measure.CITIZEN_STORE), ("vneid", Measure.VNEID), ("fee", Measure.WITH_FEE),
)

Contributions = dict[tuple[date, Measure], int]


def contributions(timeline: Timeline, attributes: Attributes, tz: tzinfo,
                  granularity: Granularity | str = Granularity.MINUTE,
                  stock_intervals: Sequence[Interval] | None = None) -> Contributions:
    """What one dossier adds to its unit's and procedure's rollup rows, by day and measure.

    `stock_intervals`: `intervals(timeline, granularity)` when the caller has them already.
    """
    out: Contributions = {}
    if not timeline:
        return out

    def add(day: date, measure: Measure, amount: int = 1) -> None:
        key = (day, measure)
        total = out.get(key, 0) + amount
        if total:
            out[key] = total
        else:
            out.pop(key, None)

    a = attributes
    received = local_day(timeline[0].start, tz)
    add(received, Measure.RECEIVED_ONLINE if a.online else Measure.RECEIVED_OTHER)
    for name, measure in _RECEIVED_FLAGS:
        if getattr(a, name):
            add(received, measure)
    if a.online and a.eresult:
        add(received, Measure.ONLINE_ERESULT)
    if a.fee and a.paid_online:
        add(received, Measure.PAID_ONLINE)
    last = timeline[-1]
    if last.kind is SegmentKind.ENDED:
        finished = local_day(last.start, tz)
        add(finished, _FINISHED[ended_standing(last, granularity)])
        if last.resolved:
            add(finished, Measure.RESOLVED)
            if a.eresult:
                add(finished, Measure.RESOLVED_ERESULT)
    for interval in intervals(timeline, granularity) if stock_intervals is None else stock_intervals:
        measure = STOCK_DELTA[interval.stock]
        begin = boundary_after(interval.start, tz)
        stop = None if interval.end is None else boundary_after(interval.end, tz)
        if stop is None or begin < stop:
            add(begin, measure)
            if stop is not None:
                add(stop, measure, -1)
    return out


def difference(new: Mapping[Any, int], old: Mapping[Any, int]) -> dict[Any, int]:
    """`new − old`, without zeros."""
    out = {k: v - old.get(k, 0) for k, v in new.items() if v != old.get(k, 0)}
    out.update({k: -v for k, v in old.items() if k not in new and v})
    return out


# ---- storage ------------------------------------------------------------------------------------------

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)


def _us(moment: datetime | None) -> int | None:
    return None if moment is None else (moment - _EPOCH) // _MICRO


def _dt(value: int | None, tz: tzinfo) -> datetime | None:
    return None if value is None else (_EPOCH + value * _MICRO).astimezone(tz)


def timeline_to_json(timeline: Timeline) -> list[list[int | None]]:
    """Compact JSON: `[start, kind, due, paused_at, forced, resolved]` per segment, instants in µs since 1970."""
    return [[_us(s.start), int(s.kind), _us(s.due), _us(s.paused_at), int(s.forced), int(s.resolved)]
            for s in timeline]


def timeline_from_json(data: Sequence[Sequence[int | None]], tz: tzinfo) -> Timeline:
    out = []
    for start, kind, due, paused, forced, resolved in data:
        begin = _dt(start, tz)
        assert begin is not None and kind is not None
        out.append(Segment(begin, SegmentKind(kind), _dt(due, tz), _dt(paused, tz), bool(forced), bool(resolved)))
    return tuple(out)


# ---- replay from stored events ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EventRecord:
    """What an event row says (as `DossierEvent` stores it)."""

    at: datetime
    action: str
    from_status: int | None
    to_status: int
    payload: Mapping[str, Any]


def _parse(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def snapshots(events: Iterable[EventRecord]) -> Iterator[tuple[datetime, Snapshot]]:
    """The dossier's snapshot after each event, from the events alone (their payloads carry the appointments).

    The receipt (`receive`/`accept` into processing) sets `received_at` and the appointment; a resumption
    after a pause (`supplement`, `record_payment`) sets the moved `original_due_at`; a supplement request
    in processing says whether it made the dossier late (`forced_late`).
    """
    received = finished = paused = due = None
    forced = False
    for e in events:
        p = e.payload
        if e.action in ("receive", "accept") and e.to_status == 4 and received is None:
            received = _parse(p.get("received_at")) or e.at
            due = _parse(p.get("due_at"))
        elif e.action in ("supplement", "record_payment") and received is not None and p.get("original_due_at"):
            due = _parse(p.get("original_due_at"))
        if e.action == "request_supplement" and p.get("forced_late"):
            forced = True
        if e.to_status in (SUPPLEMENT_STATUS, PAYMENT_STATUS):
            if e.from_status != e.to_status:
                paused = e.at
        else:
            paused = None
        if e.to_status in FINISHED_STATUSES and finished is None:
            finished = e.at
        yield e.at, Snapshot(e.to_status, received, finished, paused, due, forced)


def timeline_from_events(events: Sequence[EventRecord], final: Snapshot | None = None) -> Timeline:
    """The timeline rebuilt from stored events; `final` (the dossier row now) stands for the last event's
    snapshot, so that values kept by an import (a legacy appointment) count as they do for live dossiers."""
    changes = list(snapshots(events))
    if final is not None and changes:
        changes[-1] = (changes[-1][0], final)
    return build(changes)
