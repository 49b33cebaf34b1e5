"""Pure dossier rules: the state machine, deadlines, clock pauses and timeliness. No Django here.

The national portal's ten statuses (`Status`), one explicit transition table (`TRANSITIONS`), and
`apply(state, action, ctx) -> Transitioned(state, event)`; "now" always comes in through `ctx`.

Decisions (the service layer and the tests rely on them):

* **Receipt goes straight to processing.** A dossier received at the counter or by post
  (`new_dossier(online=False)`), and an online dossier accepted (`accept`) or received at the counter
  after online registration (`receive`), goes to status 4 at the first process step in one event; the
  first step (usually the desk's own reception step) starts at the receipt instant. Status 2 is kept
  for the wire format and imports but is never a resting state: no action leaves or enters it.
* **Step index ⇔ processing.** `current_step` is set iff the dossier is received and not finished:
  status 4 and 6 always, status 5 when the supplement request came after receipt. Before receipt
  (statuses 1 and 5) and once finished (3, 7, 8, 9, 10) it is None.
* **Appointment.** `calendar.due(received_at, limit)`. Step i's planned due time is the working time
  of the shares 0..i added to the receipt instant (capped at the appointment); each time a step
  starts its own due time is its share added to its start (`motcua.dossiers.domain.deadlines`).
* **Clock pauses.** A supplement request after receipt (5) and a request to pay financial
  obligations (6; the law does not count that time) stop the clock: `paused_at = now`. On
  `supplement` / `record_payment` every appointment (original, promised) and the current and later
  steps' due times move later by `calendar.working_time_between(paused_at, now)`. A second supplement
  request in processing sets `forced_late` (national portal rule): the dossier is late whatever happens.
* **Supplement at intake.** Before receipt there is no clock: a supplement request (1 → 5) only
  records the request (`paused_at` marks when); `supplement` brings the dossier back to 1 for a new
  review, and the appointment is computed from the receipt (`accept`/`receive`), i.e. receipt
  restarts the clock. Intake requests do not count towards `forced_late`.
* **Apology.** At most once (`apology_already_given`), only while at least one working day (8 working
  hours) of clock time is left before the current appointment (`apology_too_late`; exactly 8 h is
  allowed; a paused dossier counts from `paused_at`), with a new date after it
  (`apology_date_not_after_due`). It sets `promised_due_at` and `due_at`; timeliness is still judged
  against `original_due_at`, and `promise_timeliness` says whether the new date was kept.
* **Finished.** `finished_at` is set iff the status is in `FINISHED_STATUSES` (3, 7, 8, 9, 10): the
  resolution (9, `record_result` at the last step) is when the dossier is judged; returning the result
  (10) later sets `returned_at` only. `TERMINAL_STATUSES` (3, 7, 8, 10) have no way out; 9 only
  allows recording more result documents and returning the result.
* **Approval.** A process with a leader step needs `approve` before `record_result`; `send_back`
  withdraws the approval (the result will be drafted again).
* **Timeliness** (`timeliness_of`): 9/10 early / on_time / late by `finished_at` at the granularity
  (minute by default); in progress in_time / overdue (paused: at `paused_at`); forced late → late
  (overdue while in progress); None for dossiers without a result (3, 7, 8) or not received.
* **Storage.** `state_to_json` / `state_from_json` give a JSON-safe dict of the whole state (format 1)
  for the dossier's JSON column; `TransitionEvent.payload` is JSON-safe already.
"""

from .deadlines import (
    LATE_MARGIN,
    LateStepKind,
    at_risk,
    at_risk_from,
    compare,
    late_from,
    late_step_bucket,
    needed_working_time,
    overdue_from,
    promise_timeliness,
    remaining_working_time,
    step_timeliness,
    timeliness_from,
    timeliness_of,
    truncate,
)
from .errors import ErrorCode, TransitionError
from .serialize import state_from_json, state_to_json
from .state import Context, DossierState, PayloadValue, StepState, StepTemplate, Transitioned, TransitionEvent
from .statuses import (
    FINISHED_STATUSES,
    PAUSED_STATUSES,
    TERMINAL_STATUSES,
    Actor,
    ActorKind,
    Channel,
    DossierAction,
    Granularity,
    ReturnChannel,
    Status,
    Timeliness,
)
from .transitions import (
    ONE_WORKING_DAY,
    TRANSITIONS,
    StepCondition,
    Transition,
    allowed_actions,
    apply,
    new_dossier,
)

__all__ = [
    "FINISHED_STATUSES",
    "LATE_MARGIN",
    "ONE_WORKING_DAY",
    "PAUSED_STATUSES",
    "TERMINAL_STATUSES",
    "TRANSITIONS",
    "Actor",
    "ActorKind",
    "Channel",
    "Context",
    "DossierAction",
    "DossierState",
    "ErrorCode",
    "Granularity",
    "LateStepKind",
    "PayloadValue",
    "ReturnChannel",
    "Status",
    "StepCondition",
    "StepState",
    "StepTemplate",
    "Timeliness",
    "Transition",
    "TransitionError",
    "TransitionEvent",
    "Transitioned",
    "allowed_actions",
    "apply",
    "at_risk",
    "at_risk_from",
    "compare",
    "late_from",
    "late_step_bucket",
    "needed_working_time",
    "new_dossier",
    "overdue_from",
    "promise_timeliness",
    "remaining_working_time",
    "state_from_json",
    "state_to_json",
    "step_timeliness",
    "timeliness_from",
    "timeliness_of",
    "truncate",
]
