"""The values the dossier rules work on: step templates, dossier state, action context, events. Pure."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from motcua.core.domain.permissions import Role
from motcua.workcalendar.domain import Limit, WorkCalendar

from .statuses import Actor, Channel, DossierAction, ReturnChannel, Status

# JSON-friendly payload values (datetimes are ISO 8601 strings, working time is whole seconds).
PayloadValue = str | int | bool | None


@dataclass(frozen=True, slots=True)
class StepTemplate:
    """One process step of the procedure as the catalogue defines it; `hours` is its share (working hours)."""

    name: str
    role: Role
    unit_ref: str
    hours: int

    def __post_init__(self) -> None:
        if isinstance(self.hours, bool) or not isinstance(self.hours, int) or self.hours < 0:
            raise ValueError(f"a step share must be a non-negative number of working hours, got {self.hours!r}")


@dataclass(frozen=True, slots=True)
class StepState:
    """One process step of one dossier.

    * `share`: its working time; `planned_due_at`: when it should end if every step used exactly its share
      from receipt on (cumulative, never after the appointment), the yardstick that attributes lateness;
    * `started_at`/`due_at`: when it started (this time) and its own due time, `add_working_time(started_at,
      share)`; `finished_at` when it was handed on; all three None while not started;
    * `unit_ref`: the unit performing it (the template's, or the one chosen on hand-over); `holder`: the
      assigned officer (an opaque reference for the service layer).
    """

    index: int
    name: str
    role: Role
    unit_ref: str
    share: timedelta
    planned_due_at: datetime | None = None
    started_at: datetime | None = None
    due_at: datetime | None = None
    finished_at: datetime | None = None
    holder: str | None = None


@dataclass(frozen=True, slots=True)
class DossierState:
    """Everything the rules need to know about a dossier. Immutable: `apply` returns a new one.

    Appointments: `original_due_at` is the legal appointment (from receipt, moved only by clock pauses),
    against which timeliness is judged; `promised_due_at` is the new date of an apology (moved by later
    pauses too); `due_at` is the appointment the applicant holds now: the promised one if any, else the
    original one. `paused_at` is set while the clock is stopped (statuses 5 and 6).
    """

    status: Status
    limit: Limit
    channel: Channel
    online: bool
    steps: tuple[StepState, ...]
    last_event_at: datetime
    current_step: int | None = None
    submitted_at: datetime | None = None
    received_at: datetime | None = None
    due_at: datetime | None = None
    original_due_at: datetime | None = None
    promised_due_at: datetime | None = None
    paused_at: datetime | None = None
    supplement_requests_at_intake: int = 0
    supplement_requests_in_processing: int = 0
    forced_late: bool = False
    apologised: bool = False
    approved: bool = False
    result_recorded: bool = False
    result_electronic: bool = False
    payments_recorded: int = 0
    finished_at: datetime | None = None
    returned_at: datetime | None = None
    return_channel: ReturnChannel | None = None

    @property
    def in_processing(self) -> bool:
        """Received and not finished: the dossier is at a process step (possibly with the clock paused)."""
        return self.current_step is not None

    @property
    def step(self) -> StepState | None:
        """The current step, if any."""
        return None if self.current_step is None else self.steps[self.current_step]

    @property
    def requires_approval(self) -> bool:
        """A process with a leader step needs `approve` before its result can be recorded."""
        return any(s.role is Role.LEADER for s in self.steps)

    @property
    def awaiting_approval(self) -> bool:
        """Processing at a leader's step and not approved yet: what a leader's worklist shows to approve."""
        step = self.step
        return self.status is Status.PROCESSING and step is not None and step.role is Role.LEADER and not self.approved


@dataclass(frozen=True, slots=True)
class Context:
    """Who acts, when, on which calendar, and the action's parameters (only those it uses are read).

    * `holder`: officer for `assign` (required) and optionally for `hand_over`/`send_back`;
    * `to_unit`: unit performing the next step on `hand_over` (interconnected procedures);
    * `to_step`: earlier step index for `send_back` (default: the previous step);
    * `electronic`: for `record_result` (required): is the result an electronic document?
    * `channel`: for `return_result` (required);
    * `new_due_at`: for `apologise` (required): the new appointment;
    * `reason`: free text copied into the event payload (refusal reason, supplement contents…).
    """

    now: datetime
    actor_role: Actor
    calendar: WorkCalendar
    holder: str | None = None
    to_unit: str | None = None
    to_step: int | None = None
    electronic: bool | None = None
    channel: ReturnChannel | None = None
    new_due_at: datetime | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class TransitionEvent:
    """What the service appends to the dossier's event log for one transition (creation included)."""

    action: DossierAction
    at: datetime
    actor_role: Actor
    from_status: Status | None
    to_status: Status
    from_step: int | None
    to_step: int | None
    payload: dict[str, PayloadValue] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Transitioned:
    state: DossierState
    event: TransitionEvent
