"""`DossierState` ⇄ a JSON-safe dict (for a JSON column or a cache). Pure.

Datetimes are ISO 8601 with their UTC offset (instants round-trip exactly; the zone becomes a fixed
offset), working time is whole seconds (microseconds if any), enums are their values, the limit is its
compact form ("3wd"). `FORMAT` is stored too, so that a later change of shape can be migrated.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from motcua.core.domain.permissions import Role
from motcua.workcalendar.domain import parse_limit

from .state import DossierState, StepState
from .statuses import Channel, ReturnChannel, Status

FORMAT = 1

_DATETIMES = ("last_event_at", "submitted_at", "received_at", "due_at", "original_due_at", "promised_due_at",
              "paused_at", "finished_at", "returned_at")
_COUNTS = ("supplement_requests_at_intake", "supplement_requests_in_processing", "payments_recorded")
_FLAGS = ("online", "forced_late", "apologised", "approved", "result_recorded", "result_electronic")
_STEP_DATETIMES = ("planned_due_at", "started_at", "due_at", "finished_at")


def _dt(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _parse_dt(value: Any) -> datetime | None:
    if value is None:
        return None
    parsed = datetime.fromisoformat(str(value))
    if parsed.tzinfo is None:
        raise ValueError(f"a stored time must carry its UTC offset, got {value!r}")
    return parsed


def _step_to_json(step: StepState) -> dict[str, Any]:
    data: dict[str, Any] = {"index": step.index, "name": step.name, "role": step.role.value,
                            "unit_ref": step.unit_ref, "share_us": step.share // timedelta(microseconds=1),
                            "holder": step.holder}
    data.update({name: _dt(getattr(step, name)) for name in _STEP_DATETIMES})
    return data


def _step_from_json(data: Mapping[str, Any]) -> StepState:
    return StepState(index=int(data["index"]), name=str(data["name"]), role=Role(data["role"]),
                     unit_ref=str(data["unit_ref"]), share=timedelta(microseconds=int(data["share_us"])),
                     planned_due_at=_parse_dt(data.get("planned_due_at")), started_at=_parse_dt(data.get("started_at")),
                     due_at=_parse_dt(data.get("due_at")), finished_at=_parse_dt(data.get("finished_at")),
                     holder=None if data.get("holder") is None else str(data["holder"]))


def state_to_json(state: DossierState) -> dict[str, Any]:
    data: dict[str, Any] = {
        "format": FORMAT,
        "status": state.status.value,
        "limit": str(state.limit),
        "channel": state.channel.value,
        "current_step": state.current_step,
        "return_channel": None if state.return_channel is None else state.return_channel.value,
        "steps": [_step_to_json(step) for step in state.steps],
    }
    data.update({name: _dt(getattr(state, name)) for name in _DATETIMES})
    data.update({name: int(getattr(state, name)) for name in _COUNTS})
    data.update({name: bool(getattr(state, name)) for name in _FLAGS})
    return data


def state_from_json(data: Mapping[str, Any]) -> DossierState:
    """The state stored by `state_to_json`; ValueError/KeyError on anything else."""
    if data.get("format") != FORMAT:
        raise ValueError(f"unknown dossier state format {data.get('format')!r} (expected {FORMAT})")
    last = _parse_dt(data["last_event_at"])
    if last is None:
        raise ValueError("a dossier state needs last_event_at")
    current = data.get("current_step")
    return_channel = data.get("return_channel")
    t = _parse_dt
    return DossierState(
        status=Status(int(data["status"])),
        limit=parse_limit(str(data["limit"])),
        channel=Channel(int(data["channel"])),
        online=bool(data["online"]),
        steps=tuple(_step_from_json(step) for step in data["steps"]),
        last_event_at=last,
        current_step=None if current is None else int(current),
        submitted_at=t(data.get("submitted_at")),
        received_at=t(data.get("received_at")),
        due_at=t(data.get("due_at")),
        original_due_at=t(data.get("original_due_at")),
        promised_due_at=t(data.get("promised_due_at")),
        paused_at=t(data.get("paused_at")),
        supplement_requests_at_intake=int(data.get("supplement_requests_at_intake", 0)),
        supplement_requests_in_processing=int(data.get("supplement_requests_in_processing", 0)),
        forced_late=bool(data.get("forced_late", False)),
        apologised=bool(data.get("apologised", False)),
        approved=bool(data.get("approved", False)),
        result_recorded=bool(data.get("result_recorded", False)),
        result_electronic=bool(data.get("result_electronic", False)),
        payments_recorded=int(data.get("payments_recorded", 0)),
        finished_at=t(data.get("finished_at")),
        returned_at=t(data.get("returned_at")),
        return_channel=None if return_channel is None else ReturnChannel(return_channel),
    )
