"""A pure calendar with lunch breaks and holidays, a three-step process, and sample dossiers in every status.

Office hours 07:00–11:30, 13:30–17:00 Mon–Fri. Days off: Mon 27 Apr 2026 (Hùng Kings, observed),
Thu 30 Apr and Fri 1 May 2026. 2 March 2026 is a Monday.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from motcua.core.domain.permissions import Role
from motcua.dossiers.domain import (
    ActorKind,
    Channel,
    Context,
    DossierAction,
    DossierState,
    ReturnChannel,
    Status,
    StepTemplate,
    apply,
    new_dossier,
)
from motcua.workcalendar.domain import WorkCalendar, parse_limit

VN = ZoneInfo("Asia/Ho_Chi_Minh")
HOLIDAYS = frozenset({date(2026, 4, 27), date(2026, 4, 30), date(2026, 5, 1)})
CALENDAR = WorkCalendar(holidays=HOLIDAYS, first_day=date(2026, 1, 1), last_day=date(2027, 12, 31))

A = DossierAction
RECEPTION, SPECIALIST, LEADER, CLERK = Role.RECEPTION_OFFICER, Role.SPECIALIST, Role.LEADER, Role.CLERK
APPLICANT, SYSTEM = ActorKind.APPLICANT, ActorKind.SYSTEM
ALL_ACTORS: tuple[Role | ActorKind, ...] = (*Role, *ActorKind)

# 2 working days = 16 h: reception 2 h at the desk, appraisal 10 h, leader approval 4 h.
LIMIT = parse_limit("2wd")
STEPS = (
    StepTemplate("reception", RECEPTION, "desk", 2),
    StepTemplate("appraisal", SPECIALIST, "division", 10),
    StepTemplate("approval", LEADER, "leader", 4),
)
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=VN)  # Monday 09:00; a 2wd dossier received now is due Wed 4 Mar 09:00


def local(text: str) -> datetime:
    """'2026-04-28 09:00' → aware datetime in Asia/Ho_Chi_Minh."""
    return datetime.fromisoformat(text).replace(tzinfo=VN)


def ctx(now: datetime, actor: Role | ActorKind, **params: Any) -> Context:
    return Context(now=now, actor_role=actor, calendar=CALENDAR, **params)


def act(state: DossierState, action: DossierAction, actor: Role | ActorKind, now: datetime,
        **params: Any) -> DossierState:
    return apply(state, action, ctx(now, actor, **params)).state


def counter(at: datetime = T0, steps: tuple[StepTemplate, ...] = STEPS, limit_text: str = "2wd") -> DossierState:
    return new_dossier(parse_limit(limit_text), list(steps), at, CALENDAR, Channel.DIRECT, online=False).state


def online(at: datetime = T0) -> DossierState:
    return new_dossier(LIMIT, list(STEPS), at, CALENDAR, Channel.ONLINE, online=True).state


def _to_step(state: DossierState, index: int, now: datetime) -> DossierState:
    while state.current_step is not None and state.current_step < index:
        state = act(state, A.HAND_OVER, SPECIALIST, now)
    return state


def _resolved(now: datetime) -> DossierState:
    state = act(_to_step(counter(now), 2, now), A.APPROVE, LEADER, now)
    return act(state, A.RECORD_RESULT, LEADER, now, electronic=True)


# Sample dossiers, all built at T0 (so an action at T0 is never "before the last change").
SAMPLES: dict[str, Callable[[], DossierState]] = {
    "submitted": lambda: online(),
    "received": lambda: replace(counter(), status=Status.RECEIVED),  # unreachable: synthesized
    "not_received": lambda: act(online(), A.REFUSE, RECEPTION, T0),
    "intake_supplement": lambda: act(online(), A.REQUEST_SUPPLEMENT, RECEPTION, T0),
    "processing_first": lambda: counter(),
    "processing_middle": lambda: _to_step(counter(), 1, T0),
    "processing_last": lambda: act(_to_step(counter(), 2, T0), A.APPROVE, LEADER, T0),
    "processing_supplement": lambda: act(counter(), A.REQUEST_SUPPLEMENT, SPECIALIST, T0),
    "awaiting_payment": lambda: act(counter(), A.REQUEST_PAYMENT, SPECIALIST, T0),
    "withdrawn": lambda: act(counter(), A.WITHDRAW, APPLICANT, T0),
    "stopped": lambda: act(counter(), A.STOP, LEADER, T0),
    "resolved": lambda: _resolved(T0),
    "returned": lambda: act(_resolved(T0), A.RETURN_RESULT, RECEPTION, T0, channel=ReturnChannel.DESK),
}


def default_params(state: DossierState, action: DossierAction) -> dict[str, Any]:
    """Valid parameters for `action` on `state` (so that only the rules decide)."""
    if action is A.ASSIGN:
        return {"holder": "officer-2"}
    if action is A.RECORD_RESULT:
        return {"electronic": True}
    if action is A.RETURN_RESULT:
        return {"channel": ReturnChannel.DESK}
    if action is A.APOLOGISE:
        due = state.due_at or T0
        return {"new_due_at": due + timedelta(days=2)}
    if action in (A.REFUSE, A.WITHDRAW, A.STOP, A.REQUEST_SUPPLEMENT):
        return {"reason": "test"}
    return {}
