"""Dossier lives played through the pure dossier rules, for the metric tests (no database)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from motcua.core.domain.permissions import Role
from motcua.dossiers import domain as rules
from motcua.metrics import domain as m
from motcua.workcalendar.domain import WorkCalendar, parse_limit

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CALENDAR = WorkCalendar(holidays=frozenset({date(2026, 4, 27), date(2026, 4, 30), date(2026, 5, 1)}),
                        first_day=date(2025, 6, 1), last_day=date(2027, 12, 31))
A = rules.DossierAction
R, SP, L, C = Role.RECEPTION_OFFICER, Role.SPECIALIST, Role.LEADER, Role.CLERK
APPLICANT, SYSTEM = rules.ActorKind.APPLICANT, rules.ActorKind.SYSTEM
ACTORS: tuple[Any, ...] = (R, SP, L, C, APPLICANT, SYSTEM)
# 2 working days = 16 h: reception 2 h, appraisal 10 h, approval 4 h.
STEPS = (rules.StepTemplate("reception", R, "desk", 2), rules.StepTemplate("appraisal", SP, "division", 10),
         rules.StepTemplate("approval", L, "leader", 4))


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=VN)


def snapshot(state: rules.DossierState) -> m.Snapshot:
    return m.Snapshot(int(state.status), state.received_at, state.finished_at, state.paused_at,
                      state.original_due_at, state.forced_late)


@dataclass
class Life:
    """A dossier played through the rules: its state after each event, and the events."""

    state: rules.DossierState
    changes: list[tuple[datetime, m.Snapshot]] = field(default_factory=list)
    events: list[m.EventRecord] = field(default_factory=list)

    @classmethod
    def start(cls, at: datetime, *, online: bool = False, limit: str = "2wd") -> Life:
        done = rules.new_dossier(parse_limit(limit), list(STEPS), at, CALENDAR,
                                 rules.Channel.ONLINE if online else rules.Channel.DIRECT, online)
        life = cls(done.state)
        life._record(done.event)
        return life

    def _record(self, event: rules.TransitionEvent) -> None:
        self.changes.append((event.at, snapshot(self.state)))
        self.events.append(m.EventRecord(event.at, event.action.value,
                                         None if event.from_status is None else int(event.from_status),
                                         int(event.to_status), dict(event.payload)))

    def do(self, action: rules.DossierAction, at: datetime | str, **params: Any) -> Life:
        when = local(at) if isinstance(at, str) else at
        for actor in ACTORS:
            if action in rules.allowed_actions(self.state, actor):
                done = rules.apply(self.state, action, rules.Context(now=when, actor_role=actor, calendar=CALENDAR,
                                                                     **params))
                self.state = done.state
                self._record(done.event)
                return self
        raise AssertionError(f"nobody may {action} in status {self.state.status}")

    def to_last_step(self, at: datetime | str) -> Life:
        while self.state.current_step is not None and self.state.current_step < len(STEPS) - 1:
            self.do(A.HAND_OVER, at)
        return self

    def resolve(self, at: datetime | str, *, electronic: bool = False) -> Life:
        self.to_last_step(at)
        if not self.state.approved:
            self.do(A.APPROVE, at)
        return self.do(A.RECORD_RESULT, at, electronic=electronic)

    @property
    def timeline(self) -> m.Timeline:
        return m.build(self.changes)


def due_of(life: Life) -> datetime:
    assert life.state.original_due_at is not None
    return life.state.original_due_at


def advance(at: datetime, hours: float) -> datetime:
    return CALENDAR.add_working_time(at, timedelta(hours=hours))
