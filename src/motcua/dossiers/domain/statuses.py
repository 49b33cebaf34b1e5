"""Statuses, actions, actors and channels of a dossier: the vocabulary of the state machine. Pure."""

from __future__ import annotations

from enum import IntEnum, StrEnum

from motcua.core.domain.permissions import Role


class Status(IntEnum):
    """TrangThaiHoSo of the national portal (the wire values: 1..10)."""

    SUBMITTED = 1  # mới đăng ký: submitted online, not yet reviewed by the one-stop desk
    RECEIVED = 2  # đã tiếp nhận (never a resting state in MotCua, see the package docstring)
    NOT_RECEIVED = 3  # không được tiếp nhận: refused at intake
    PROCESSING = 4  # đang xử lý: moving through the process steps
    AWAITING_SUPPLEMENT = 5  # chờ bổ sung
    AWAITING_PAYMENT = 6  # chờ thực hiện nghĩa vụ tài chính
    WITHDRAWN = 7  # rút hồ sơ
    STOPPED = 8  # dừng xử lý
    RESOLVED = 9  # đã có kết quả (result ready, not yet handed over)
    RETURNED = 10  # đã trả kết quả

    @property
    def label(self) -> str:
        return _LABELS[self]

    def describe(self) -> str:
        """'5 (awaiting supplement)': how messages name a status."""
        return f"{self.value} ({self.label})"


_LABELS: dict[Status, str] = {
    Status.SUBMITTED: "submitted",
    Status.RECEIVED: "received",
    Status.NOT_RECEIVED: "not received",
    Status.PROCESSING: "processing",
    Status.AWAITING_SUPPLEMENT: "awaiting supplement",
    Status.AWAITING_PAYMENT: "awaiting payment of financial obligations",
    Status.WITHDRAWN: "withdrawn",
    Status.STOPPED: "stopped",
    Status.RESOLVED: "resolved",
    Status.RETURNED: "returned",
}

TERMINAL_STATUSES: frozenset[Status] = frozenset(
    {Status.NOT_RECEIVED, Status.WITHDRAWN, Status.STOPPED, Status.RETURNED}
)
"""No action leaves these statuses."""

FINISHED_STATUSES: frozenset[Status] = TERMINAL_STATUSES | {Status.RESOLVED}
"""Processing has ended (`finished_at` is set): the terminal statuses plus 9, result ready."""

PAUSED_STATUSES: frozenset[Status] = frozenset({Status.AWAITING_SUPPLEMENT, Status.AWAITING_PAYMENT})
"""The clock is stopped (`paused_at` is set)."""


class DossierAction(StrEnum):
    """What can happen to a dossier. The values are the API and import names: never rename them."""

    SUBMIT_ONLINE = "submit_online"
    RECEIVE = "receive"
    ACCEPT = "accept"
    REQUEST_SUPPLEMENT = "request_supplement"
    SUPPLEMENT = "supplement"
    REFUSE = "refuse"
    ASSIGN = "assign"
    HAND_OVER = "hand_over"
    SEND_BACK = "send_back"
    REQUEST_PAYMENT = "request_payment"
    RECORD_PAYMENT = "record_payment"
    APPROVE = "approve"
    RECORD_RESULT = "record_result"
    RETURN_RESULT = "return_result"
    WITHDRAW = "withdraw"
    STOP = "stop"
    APOLOGISE = "apologise"


class ActorKind(StrEnum):
    """Actors that are not officers holding a `Role`."""

    APPLICANT = "applicant"
    SYSTEM = "system"  # a worker or an integration (payment callback, automatic electronic return…)


Actor = Role | ActorKind


class Channel(IntEnum):
    """KenhThucHien of the national portal: how the dossier came in."""

    DIRECT = 1
    ONLINE = 2
    POSTAL = 3


class ReturnChannel(StrEnum):
    """How the result is handed to the applicant."""

    DESK = "desk"
    POST = "post"
    ELECTRONIC = "electronic"


class Timeliness(StrEnum):
    EARLY = "early"  # finished before the appointment
    ON_TIME = "on_time"  # finished at the appointment (at the comparison granularity)
    LATE = "late"  # finished after it (or forced late)
    IN_TIME = "in_time"  # in progress, the appointment has not passed
    OVERDUE = "overdue"  # in progress, the appointment has passed (or forced late)


class Granularity(StrEnum):
    """The unit of time at which a finish time is compared with its due time (both are truncated)."""

    SECOND = "second"
    MINUTE = "minute"
    HOUR = "hour"
    DAY = "day"
