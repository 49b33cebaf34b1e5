"""The one error an illegal action raises, with a stable machine code. Pure."""

from __future__ import annotations

from enum import StrEnum

from .statuses import DossierAction, Status


class ErrorCode(StrEnum):
    """Stable codes: services and API clients branch on these, and translate them. Never rename."""

    ACTION_NOT_ALLOWED_IN_STATUS = "action_not_allowed_in_status"
    ROLE_NOT_ALLOWED = "role_not_allowed"
    NO_NEXT_STEP = "no_next_step"
    NO_PREVIOUS_STEP = "no_previous_step"
    NOT_LAST_STEP = "not_last_step"
    NOT_APPROVED = "not_approved"
    ALREADY_APPROVED = "already_approved"
    APOLOGY_ALREADY_GIVEN = "apology_already_given"
    APOLOGY_TOO_LATE = "apology_too_late"
    APOLOGY_DATE_NOT_AFTER_DUE = "apology_date_not_after_due"
    MISSING_RESULT = "missing_result"
    RESULT_NOT_ELECTRONIC = "result_not_electronic"
    MISSING_PARAMETER = "missing_parameter"
    INVALID_PARAMETER = "invalid_parameter"
    TIME_BEFORE_LAST_CHANGE = "time_before_last_change"


class TransitionError(Exception):
    """An action that the rules do not allow now. `code` is for machines, `message` (English) for logs."""

    def __init__(self, code: ErrorCode, message: str, *, action: DossierAction, status: Status) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.action = action
        self.status = status

    def __repr__(self) -> str:
        return f"TransitionError({self.code.value!r}, {self.message!r})"
