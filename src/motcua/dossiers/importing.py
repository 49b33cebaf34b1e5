"""Import historical dossiers from a legacy system (JSON Lines), all or nothing.

Pass 1 (`validate_lines`) parses and checks every line and replays its events through the pure rules
(`motcua.dossiers.domain`): `new_dossier`, then `apply` for each event, with the actor role taken from
the transition table row that allows the action. Any problem becomes an `ImportProblem` (line, field,
what is wrong, in Vietnamese). Pass 2 (`write_dossiers`) runs only when there is no problem at all and
writes every dossier, its step rows, components and events with `bulk_create` in one transaction.

The format is documented in README.md ("Importing historical dossiers"); `docs/examples/dossiers.jsonl`
is an example. Imported dossiers have the same state snapshot, step rows and events as dossiers
handled live, except that events have no actor (`actor_name="import"`) and carry `imported: true`.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from itertools import groupby
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from motcua.catalog import selectors as catalog
from motcua.catalog.models import Procedure
from motcua.core.domain.permissions import Role
from motcua.core.models import Unit
from motcua.dossiers import domain as rules
from motcua.dossiers.codes import next_code
from motcua.dossiers.models import (
    Dossier,
    DossierCodeSequence,
    DossierComponent,
    DossierEvent,
    StepExecution,
)
from motcua.metrics import latesteps
from motcua.metrics.rollups import tz as rollups_tz
from motcua.workcalendar.domain import WorkCalendar
from motcua.workcalendar.selectors import calendar_for_unit

BATCH_SIZE = 1000
IMPORT_ACTOR_NAME = "import"

CHANNELS = {"direct": rules.Channel.DIRECT, "online": rules.Channel.ONLINE, "postal": rules.Channel.POSTAL}
APPLICANT_KINDS: dict[str, int] = {"citizen": 1, "organisation": 2}  # ApplicantKind.CITIZEN, .BUSINESS
TOP_FIELDS = frozenset({
    "code", "procedure", "receiving_unit", "competent_unit", "channel", "applicant", "received_at", "submitted_at",
    "due_at", "events", "components", "result", "fees", "vneid_verified", "synced_to_national_portal", "summary",
})
APPLICANT_FIELDS = frozenset({"kind", "name", "id_number", "phone", "email", "address"})
EVENT_FIELDS = frozenset({"at", "action", "note", "new_due_at"})
COMPONENT_FIELDS = frozenset({"name", "digitized", "reused", "from_citizen_store"})
FEE_FIELDS = frozenset({"name", "amount", "paid_online"})
# Actions an online dossier may start with before the desk has received it (no implicit `accept` then).
INTAKE_ACTIONS = frozenset({rules.DossierAction.ACCEPT, rules.DossierAction.RECEIVE,
                            rules.DossierAction.REQUEST_SUPPLEMENT, rules.DossierAction.REFUSE,
                            rules.DossierAction.WITHDRAW})
# Preference when several actors may do an action: the system, then officers in this order, then the applicant.
ACTOR_PREFERENCE: tuple[rules.Actor, ...] = (
    rules.ActorKind.SYSTEM, Role.RECEPTION_OFFICER, Role.SPECIALIST, Role.LEADER, Role.CLERK, rules.ActorKind.APPLICANT,
)
CODE_PATTERN = re.compile(r"^(?P<unit>.+)-(?P<day>\d{6})-(?P<number>\d{4,})$")
MAX_LENGTHS = {"applicant.name": 255, "applicant.id_number": 20, "applicant.phone": 20, "applicant.email": 254,
               "applicant.address": 500, "summary": 500, "code": 40}


@dataclass(frozen=True)
class ImportProblem:
    """One problem of the file: 1-based line number, the field (JSON path), what is wrong (Vietnamese)."""

    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"Dòng {self.line}, trường “{self.field}”: {self.message}"


class DossierImportError(Exception):
    def __init__(self, problems: list[ImportProblem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


@dataclass
class ReplayedEvent:
    event: rules.TransitionEvent
    note: str


@dataclass
class ImportRow:
    """A validated line, replayed: what pass 2 writes."""

    line: int
    code: str  # "" → generated on write
    procedure: Procedure
    receiving: Unit
    competent: Unit
    current_unit_code: str
    channel: rules.Channel
    applicant: dict[str, Any]
    summary: str
    state: rules.DossierState
    events: list[ReplayedEvent]
    components: list[dict[str, Any]]
    fee_total: int
    paid_online: bool
    vneid_verified: bool
    synced: bool
    code_instant: datetime  # the instant whose local day goes into a generated code


Progress = Callable[[str, int, int], None]


def _noop(phase: str, done: int, total: int) -> None:
    return None


# ---------------------------------------------------------------------------------------------------------
# Reference data, looked up once per file


@dataclass
class _Lookups:
    procedures: dict[str, Procedure] = field(default_factory=dict)
    units: dict[str, Unit] = field(default_factory=dict)
    competent: dict[tuple[int, int, int | None], Unit | str] = field(default_factory=dict)
    templates: dict[tuple[int, int, int], list[rules.StepTemplate]] = field(default_factory=dict)
    calendars: dict[int, WorkCalendar] = field(default_factory=dict)

    @classmethod
    def load(cls) -> _Lookups:
        return cls(procedures={p.code: p for p in Procedure.objects.all()},
                   units={u.code: u for u in Unit.objects.filter(is_active=True)})

    def competent_unit(self, procedure: Procedure, receiving: Unit, given: Unit | None) -> Unit | str:
        """The competent unit, or a message saying why there is none."""
        from motcua.dossiers.services import competent_unit_for  # the live rule, so that imports match it

        key = (procedure.pk, receiving.pk, given.pk if given else None)
        if key not in self.competent:
            try:
                self.competent[key] = competent_unit_for(procedure, receiving, given)
            except ValidationError:
                self.competent[key] = ("đơn vị này không có thẩm quyền giải quyết thủ tục" if given else
                                       "thủ tục chưa có đơn vị nào có thẩm quyền giải quyết")
        return self.competent[key]

    def step_templates(self, procedure: Procedure, receiving: Unit, competent: Unit) -> list[rules.StepTemplate]:
        from motcua.dossiers.services import step_templates_for  # the live rule, so that imports match it

        key = (procedure.pk, receiving.pk, competent.pk)
        if key not in self.templates:
            self.templates[key] = step_templates_for(procedure, receiving, competent)
        return self.templates[key]

    def calendar(self, unit: Unit) -> WorkCalendar:
        if unit.pk not in self.calendars:
            self.calendars[unit.pk] = calendar_for_unit(unit)
        return self.calendars[unit.pk]


# ---------------------------------------------------------------------------------------------------------
# Pass 1: parse, check, replay


class _LineErrors(Exception):
    pass


class _Checker:
    """Collects the problems of one line."""

    def __init__(self, line: int) -> None:
        self.line = line
        self.problems: list[ImportProblem] = []

    def add(self, path: str, message: str) -> None:
        self.problems.append(ImportProblem(self.line, path, message))

    def text(self, data: dict[str, Any], key: str, path: str, *, required: bool = False) -> str:
        value = data.get(key)
        if value is None or value == "":
            if required:
                self.add(path, "bắt buộc, không được để trống")
            return ""
        if not isinstance(value, str):
            self.add(path, "phải là một chuỗi ký tự")
            return ""
        if required and not value.strip():
            self.add(path, "bắt buộc, không được để trống")
        limit = MAX_LENGTHS.get(path)
        if limit is not None and len(value) > limit:
            self.add(path, f"dài {len(value)} ký tự, tối đa {limit}")
        return value.strip()

    def flag(self, data: dict[str, Any], key: str, path: str) -> bool:
        value = data.get(key, False)
        if value is None:
            return False
        if not isinstance(value, bool):
            self.add(path, "phải là true hoặc false")
            return False
        return value

    def instant(self, data: dict[str, Any], key: str, path: str, *, required: bool = False) -> datetime | None:
        value = data.get(key)
        if value is None or value == "":
            if required:
                self.add(path, "bắt buộc: thời điểm theo ISO 8601 có múi giờ, ví dụ 2025-03-10T08:15:00+07:00")
            return None
        if not isinstance(value, str):
            self.add(path, "phải là chuỗi thời điểm ISO 8601, ví dụ 2025-03-10T08:15:00+07:00")
            return None
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            self.add(path, f"“{value}” không phải thời điểm ISO 8601 hợp lệ (ví dụ 2025-03-10T08:15:00+07:00)")
            return None
        if parsed.tzinfo is None or parsed.utcoffset() is None:
            self.add(path, f"“{value}” thiếu múi giờ; ghi rõ, ví dụ 2025-03-10T08:15:00+07:00")
            return None
        return parsed

    def obj(self, data: dict[str, Any], key: str, path: str, allowed: frozenset[str], *,
            required: bool = False) -> dict[str, Any]:
        value = data.get(key)
        if value is None:
            if required:
                self.add(path, "bắt buộc")
            return {}
        if not isinstance(value, dict):
            self.add(path, "phải là một đối tượng JSON {…}")
            return {}
        self.unknown(value, allowed, path + ".")
        return value

    def items(self, data: dict[str, Any], key: str, path: str) -> list[Any]:
        value = data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.add(path, "phải là một danh sách […]")
            return []
        return value

    def unknown(self, data: dict[str, Any], allowed: frozenset[str], prefix: str = "") -> None:
        for key in data:
            if key not in allowed:
                self.add(prefix + key, "trường không có trong định dạng nhập (xem README); kiểm tra chính tả")


def _nul_paths(value: Any, path: str = "") -> Iterator[str]:
    """JSON paths of the strings containing a NUL character (PostgreSQL refuses them)."""
    if isinstance(value, str):
        if "\x00" in value:
            yield path or "(dòng)"
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _nul_paths(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nul_paths(item, f"{path}[{index}]")


def actor_for(state: rules.DossierState, action: rules.DossierAction) -> rules.Actor:
    """The actor the import acts as: the first of `ACTOR_PREFERENCE` that a fitting table row allows."""
    fitting = [r for r in rules.TRANSITIONS
               if r.action is action and state.status in r.from_statuses and r.step.holds(state)]
    for actor in ACTOR_PREFERENCE:
        if any(actor in r.roles for r in fitting):
            return actor
    return Role.RECEPTION_OFFICER  # no row fits: `apply` names the reason


_ERROR_TEXT = {
    rules.ErrorCode.ACTION_NOT_ALLOWED_IN_STATUS: "không thực hiện được ở trạng thái này",
    rules.ErrorCode.ROLE_NOT_ALLOWED: "không vai trò nào được phép thực hiện ở trạng thái này",
    rules.ErrorCode.NO_NEXT_STEP: "hồ sơ đang ở bước cuối, không còn bước sau để chuyển",
    rules.ErrorCode.NO_PREVIOUS_STEP: "hồ sơ đang ở bước đầu, không có bước trước để trả lại",
    rules.ErrorCode.NOT_LAST_STEP: "chỉ ghi kết quả được ở bước cuối của quy trình",
    rules.ErrorCode.NOT_APPROVED: "quy trình có bước lãnh đạo: cần sự kiện approve trước record_result",
    rules.ErrorCode.ALREADY_APPROVED: "hồ sơ đã được phê duyệt rồi",
    rules.ErrorCode.APOLOGY_ALREADY_GIVEN: "đã có một lần xin lỗi, chỉ được một lần",
    rules.ErrorCode.APOLOGY_TOO_LATE: "xin lỗi phải trước hạn trả ít nhất một ngày làm việc",
    rules.ErrorCode.APOLOGY_DATE_NOT_AFTER_DUE: "ngày hẹn mới (new_due_at) phải sau ngày hẹn hiện tại",
    rules.ErrorCode.MISSING_RESULT: "chưa ghi kết quả (record_result) trước khi trả",
    rules.ErrorCode.RESULT_NOT_ELECTRONIC: "kết quả không phải bản điện tử",
    rules.ErrorCode.MISSING_PARAMETER: "thiếu thông tin cần cho thao tác này",
    rules.ErrorCode.INVALID_PARAMETER: "thông tin kèm theo thao tác không hợp lệ",
    rules.ErrorCode.TIME_BEFORE_LAST_CHANGE: "thời điểm sớm hơn sự kiện trước đó (sự kiện phải theo thứ tự thời gian)",
}


def _transition_problem(err: rules.TransitionError) -> str:
    return (f"thao tác “{err.action.value}” không hợp lệ với hồ sơ ở trạng thái {err.status.value} "
            f"({err.status.label}): {_ERROR_TEXT.get(err.code, err.code.value)}")


def parse_line(number: int, text: str, lookups: _Lookups) -> ImportRow | list[ImportProblem]:
    c = _Checker(number)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return [ImportProblem(number, "(dòng)", f"không phải JSON hợp lệ: {exc.msg} (cột {exc.colno})")]
    if not isinstance(data, dict):
        return [ImportProblem(number, "(dòng)", "mỗi dòng phải là một đối tượng JSON {…}")]
    for path in _nul_paths(data):
        c.add(path, "chứa ký tự NUL (\\u0000), không được phép; xóa ký tự này")
    if c.problems:
        return c.problems
    c.unknown(data, TOP_FIELDS)

    code = c.text(data, "code", "code")
    procedure_code = c.text(data, "procedure", "procedure", required=True)
    procedure = lookups.procedures.get(procedure_code)
    if procedure_code and procedure is None:
        c.add("procedure", f"không có thủ tục mã “{procedure_code}” trong danh mục")
    receiving_code = c.text(data, "receiving_unit", "receiving_unit", required=True)
    receiving = lookups.units.get(receiving_code)
    if receiving_code and receiving is None:
        c.add("receiving_unit", f"không có đơn vị mã “{receiving_code}” (hoặc đơn vị đã ngừng hoạt động)")
    competent_code = c.text(data, "competent_unit", "competent_unit")
    given_competent = lookups.units.get(competent_code) if competent_code else None
    if competent_code and given_competent is None:
        c.add("competent_unit", f"không có đơn vị mã “{competent_code}” (hoặc đơn vị đã ngừng hoạt động)")
    channel_name = c.text(data, "channel", "channel", required=True)
    channel = CHANNELS.get(channel_name)
    if channel_name and channel is None:
        c.add("channel", f"“{channel_name}” không hợp lệ; dùng direct, online hoặc postal")

    a = c.obj(data, "applicant", "applicant", APPLICANT_FIELDS, required=True)
    kind_name = c.text(a, "kind", "applicant.kind") or "citizen"
    kind = APPLICANT_KINDS.get(kind_name)
    if kind is None:
        c.add("applicant.kind", f"“{kind_name}” không hợp lệ; dùng citizen hoặc organisation")
    applicant: dict[str, Any] = {
        "applicant_kind": kind if kind is not None else APPLICANT_KINDS["citizen"],
        "applicant_name": c.text(a, "name", "applicant.name", required="applicant" in data),
        "applicant_id_number": c.text(a, "id_number", "applicant.id_number"),
        "applicant_phone": c.text(a, "phone", "applicant.phone"),
        "applicant_email": c.text(a, "email", "applicant.email"),
        "applicant_address": c.text(a, "address", "applicant.address"),
    }
    id_number = applicant["applicant_id_number"]
    if id_number and not (id_number.isdigit() and len(id_number) in (9, 12)):
        c.add("applicant.id_number", "số định danh có 12 chữ số (hoặc 9 với chứng minh nhân dân cũ)")
    phone = applicant["applicant_phone"]
    if phone and not (phone.replace("+", "", 1).isdigit() and 8 <= len(phone) <= 15):
        c.add("applicant.phone", "số điện thoại phải có từ 8 đến 15 chữ số")
    if applicant["applicant_email"]:
        try:
            validate_email(applicant["applicant_email"])
        except ValidationError:
            c.add("applicant.email", f"“{applicant['applicant_email']}” không phải địa chỉ thư điện tử hợp lệ")
    summary = c.text(data, "summary", "summary")

    received_at = c.instant(data, "received_at", "received_at", required=True)
    submitted_at = c.instant(data, "submitted_at", "submitted_at")
    due_at = c.instant(data, "due_at", "due_at")
    result = c.obj(data, "result", "result", frozenset({"electronic"}))
    electronic = c.flag(result, "electronic", "result.electronic")

    events: list[tuple[int, datetime, rules.DossierAction, str, datetime | None]] = []
    for index, raw in enumerate(c.items(data, "events", "events")):
        path = f"events[{index}]"
        if not isinstance(raw, dict):
            c.add(path, "mỗi sự kiện phải là một đối tượng {\"at\": …, \"action\": …}")
            continue
        c.unknown(raw, EVENT_FIELDS, path + ".")
        at = c.instant(raw, "at", f"{path}.at", required=True)
        action_name = c.text(raw, "action", f"{path}.action", required=True)
        note = c.text(raw, "note", f"{path}.note")
        new_due = c.instant(raw, "new_due_at", f"{path}.new_due_at")
        try:
            action = rules.DossierAction(action_name)
        except ValueError:
            if action_name:
                c.add(f"{path}.action", f"không có thao tác “{action_name}”; dùng tên trong bảng chuyển trạng thái "
                      "(receive, accept, request_supplement, supplement, hand_over, approve, record_result, …)")
            continue
        if at is not None:
            events.append((index, at, action, note, new_due))

    components: list[dict[str, Any]] = []
    for index, raw in enumerate(c.items(data, "components", "components")):
        path = f"components[{index}]"
        if not isinstance(raw, dict):
            c.add(path, "mỗi thành phần phải là một đối tượng {\"name\": …}")
            continue
        c.unknown(raw, COMPONENT_FIELDS, path + ".")
        name = c.text(raw, "name", f"{path}.name", required=True)
        if len(name) > 500:
            c.add(f"{path}.name", "tên thành phần dài quá 500 ký tự")
        components.append({"name": name, "digitized": c.flag(raw, "digitized", f"{path}.digitized"),
                           "reused": c.flag(raw, "reused", f"{path}.reused"),
                           "from_citizen_store": c.flag(raw, "from_citizen_store", f"{path}.from_citizen_store"),
                           "order": index})
    fee_total, paid_online = 0, False
    for index, raw in enumerate(c.items(data, "fees", "fees")):
        path = f"fees[{index}]"
        if not isinstance(raw, dict):
            c.add(path, "mỗi khoản phí phải là một đối tượng {\"name\": …, \"amount\": …}")
            continue
        c.unknown(raw, FEE_FIELDS, path + ".")
        c.text(raw, "name", f"{path}.name")
        amount = raw.get("amount", 0)
        if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
            c.add(f"{path}.amount", "số tiền phải là số nguyên không âm (đồng)")
        else:
            fee_total += amount
        paid_online = c.flag(raw, "paid_online", f"{path}.paid_online") or paid_online
    vneid = c.flag(data, "vneid_verified", "vneid_verified")
    synced = c.flag(data, "synced_to_national_portal", "synced_to_national_portal")

    if c.problems or procedure is None or receiving is None or channel is None or received_at is None:
        return c.problems
    competent = lookups.competent_unit(procedure, receiving, given_competent)
    if isinstance(competent, str):
        c.add("competent_unit" if given_competent else "procedure", competent)
        return c.problems

    # ---- replay through the pure rules ----
    calendar = lookups.calendar(receiving)
    templates = lookups.step_templates(procedure, receiving, competent)
    online = channel is rules.Channel.ONLINE
    limit = catalog.limit_of(procedure)
    start = submitted_at if online and submitted_at is not None else received_at
    if submitted_at is not None and not online:
        c.add("submitted_at", "chỉ dùng cho hồ sơ nộp trực tuyến (channel online)")
    if submitted_at is not None and submitted_at > received_at:
        c.add("submitted_at", "thời điểm nộp trực tuyến phải trước hoặc bằng received_at")
    if c.problems:
        return c.problems
    replayed: list[ReplayedEvent] = []
    try:
        created = rules.new_dossier(limit, templates, start, calendar, channel, online)
    except (rules.TransitionError, ValueError) as exc:
        c.add("received_at", f"không tạo được hồ sơ tại thời điểm này: {exc}")
        return c.problems
    state = created.state
    replayed.append(ReplayedEvent(created.event, ""))
    current_unit = receiving.code
    steps: list[tuple[int, datetime, rules.DossierAction, str, datetime | None]] = list(events)
    if online and (not steps or steps[0][2] not in INTAKE_ACTIONS):
        steps.insert(0, (-1, received_at, rules.DossierAction.ACCEPT, "", None))
    for index, at, action, note, new_due in steps:
        path = f"events[{index}]" if index >= 0 else "received_at"
        actor = actor_for(state, action)
        ctx = rules.Context(
            now=at, actor_role=actor, calendar=calendar,
            electronic=electronic if action is rules.DossierAction.RECORD_RESULT else None,
            channel=(rules.ReturnChannel.ELECTRONIC if electronic else rules.ReturnChannel.DESK)
            if action is rules.DossierAction.RETURN_RESULT else None,
            new_due_at=new_due, reason=note,
        )
        try:
            done = rules.apply(state, action, ctx)
        except rules.TransitionError as err:
            where = f"sự kiện thứ {index + 1} ({action.value})" if index >= 0 else "tiếp nhận hồ sơ trực tuyến"
            c.add(f"{path}.action" if index >= 0 else path, f"{where}: {_transition_problem(err)}")
            return c.problems
        except ValueError as exc:
            c.add(f"{path}.at" if index >= 0 else path, f"sự kiện thứ {index + 1}: {exc}")
            return c.problems
        state = done.state
        if state.step is not None:
            current_unit = state.step.unit_ref
        replayed.append(ReplayedEvent(done.event, note))

    if due_at is not None:
        if state.due_at is None:
            c.add("due_at", "hồ sơ chưa được tiếp nhận nên không có ngày hẹn trả; bỏ trường này")
            return c.problems
        if due_at != state.due_at:  # legacy appointment: keep it (README explains)
            state = (replace(state, due_at=due_at, promised_due_at=due_at) if state.promised_due_at is not None
                     else replace(state, due_at=due_at, original_due_at=due_at))
    missing_units = {s.unit_ref for s in state.steps} - set(lookups.units)
    if missing_units:
        c.add("procedure", f"quy trình của thủ tục dùng đơn vị không tồn tại: {', '.join(sorted(missing_units))}")
        return c.problems
    return ImportRow(
        line=number, code=code, procedure=procedure, receiving=receiving, competent=competent,
        current_unit_code=current_unit, channel=channel, applicant=applicant, summary=summary, state=state,
        events=replayed, components=components, fee_total=fee_total, paid_online=paid_online,
        vneid_verified=vneid, synced=synced, code_instant=start,
    )


def validate_lines(lines: Iterable[str], *, total: int = 0, progress: Progress = _noop,
                   every: int = 1000) -> list[ImportRow]:
    """Pass 1: every line checked; raises `DossierImportError` with every problem, else the rows."""
    lookups = _Lookups.load()
    rows: list[ImportRow] = []
    problems: list[ImportProblem] = []
    codes: dict[str, int] = {}
    done = 0
    for number, text in enumerate(lines, start=1):
        done = number
        if text.strip():
            parsed = parse_line(number, text, lookups)
            if isinstance(parsed, list):
                problems.extend(parsed)
            else:
                if parsed.code:
                    first = codes.setdefault(parsed.code, number)
                    if first != number:
                        problems.append(ImportProblem(number, "code",
                                                      f"mã hồ sơ “{parsed.code}” trùng với dòng {first}"))
                rows.append(parsed)
        if every and number % every == 0:
            progress("validate", number, total)
    if not every or done % every:
        progress("validate", done, total)
    given = list(codes)
    for start in range(0, len(given), BATCH_SIZE):
        for existing in Dossier.objects.filter(code__in=given[start:start + BATCH_SIZE]).values_list("code", flat=True):
            problems.append(ImportProblem(codes[existing], "code",
                                          f"mã hồ sơ “{existing}” đã có trong hệ thống (đã nhập trước đây?)"))
    if not rows and not problems:
        problems.append(ImportProblem(0, "(tệp)", "tệp không có dòng dữ liệu nào"))
    if problems:
        problems.sort(key=lambda p: p.line)
        raise DossierImportError(problems)
    return rows


# ---------------------------------------------------------------------------------------------------------
# Pass 2: write


def _bump_sequences(rows: list[ImportRow]) -> None:
    """Given codes shaped like generated ones move their (unit, day) counter past them (no later collision)."""
    highest: dict[tuple[int, date], int] = {}
    for row in rows:
        match = CODE_PATTERN.match(row.code) if row.code else None
        if match is None or match["unit"] != row.receiving.code:
            continue
        try:
            day = datetime.strptime(match["day"], "%y%m%d").date()
        except ValueError:
            continue
        key = (row.receiving.pk, day)
        highest[key] = max(highest.get(key, 0), int(match["number"]))
    for (unit_id, day), last in highest.items():
        seq, created = DossierCodeSequence.objects.select_for_update().get_or_create(
            unit_id=unit_id, day=day, defaults={"last": last})
        if not created and seq.last < last:
            seq.last = last
            seq.save(update_fields=["last"])


def _dossier(row: ImportRow, units: dict[str, Unit]) -> Dossier:
    s = row.state
    return Dossier(
        code=row.code, procedure=row.procedure, receiving_unit=row.receiving, competent_unit=row.competent,
        current_unit=units[row.current_unit_code], channel=int(row.channel), status=int(s.status),
        current_step=s.current_step, **row.applicant, summary=row.summary,
        submitted_at=s.submitted_at, received_at=s.received_at, due_at=s.due_at, original_due_at=s.original_due_at,
        promised_due_at=s.promised_due_at, paused_at=s.paused_at,
        at_risk_from=rules.at_risk_from(s, calendar_for_unit(row.receiving)), overdue_from=rules.overdue_from(s),
        awaiting_approval=s.awaiting_approval,
        supplement_requests=s.supplement_requests_in_processing, forced_late=s.forced_late, apologised=s.apologised,
        finished_at=s.finished_at, returned_at=s.returned_at, result_electronic=s.result_electronic,
        vneid_verified=row.vneid_verified, synced_to_national_portal=row.synced, fee_total=row.fee_total,
        paid_online=row.paid_online, state=rules.state_to_json(s), version=len(row.events) - 1,
    )


def write_dossiers(rows: list[ImportRow], *, progress: Progress = _noop) -> list[Dossier]:
    """Pass 2: everything in one transaction, bulk inserts per batch of `BATCH_SIZE` dossiers."""
    units = {u.code: u for u in Unit.objects.all()}
    written: list[Dossier] = []
    zone = rollups_tz()
    with transaction.atomic():
        _bump_sequences(rows)
        for row in rows:
            if not row.code:
                row.code = next_code(row.receiving.pk, row.receiving.code, row.code_instant)
        for start in range(0, len(rows), BATCH_SIZE):
            batch = rows[start:start + BATCH_SIZE]
            dossiers = Dossier.objects.bulk_create([_dossier(row, units) for row in batch])
            steps: list[StepExecution] = []
            components: list[DossierComponent] = []
            events: list[DossierEvent] = []
            for row, dossier in zip(batch, dossiers, strict=True):
                for step in row.state.steps:
                    steps.append(StepExecution(
                        dossier=dossier, index=step.index, name=step.name, role=step.role.value,
                        unit=units[step.unit_ref], holder_id=int(step.holder) if step.holder else None,
                        share_seconds=int(step.share.total_seconds()), started_at=step.started_at,
                        due_at=step.due_at, finished_at=step.finished_at))
                components.extend(DossierComponent(dossier=dossier, **comp) for comp in row.components)
                for seq, replayed in enumerate(row.events, start=1):
                    e = replayed.event
                    payload: dict[str, Any] = {**e.payload, "actor_role": e.actor_role.value, "imported": True}
                    if replayed.note:
                        payload["note"] = replayed.note
                    events.append(DossierEvent(
                        dossier=dossier, seq=seq, action=e.action.value, actor=None, actor_name=IMPORT_ACTOR_NAME,
                        at=e.at, from_status=None if e.from_status is None else int(e.from_status),
                        to_status=int(e.to_status), from_step=e.from_step, to_step=e.to_step, payload=payload))
            StepExecution.objects.bulk_create(steps, batch_size=BATCH_SIZE * 2)
            paused = {d.pk: d.paused_at for d in dossiers}
            late: Counter[Any] = Counter()
            for dossier_id, rows_of_one in groupby(steps, key=lambda s: s.dossier_id):  # written dossier by dossier
                late.update(latesteps.keys_of(rows_of_one, paused[dossier_id], zone))
            latesteps.add(late)
            DossierComponent.objects.bulk_create(components, batch_size=BATCH_SIZE * 2)
            DossierEvent.objects.bulk_create(events, batch_size=BATCH_SIZE * 2)
            written.extend(dossiers)
            progress("write", start + len(batch), len(rows))
        from motcua.metrics.rollups import rebuild_dossiers

        rebuild_dossiers(d.pk for d in written)  # the reports' rollups, in the same transaction
    return written


def import_lines(lines: list[str], *, progress: Progress = _noop, every: int = 1000) -> list[Dossier]:
    """Both passes; raises `DossierImportError` (nothing written) on any problem."""
    rows = validate_lines(lines, total=len(lines), progress=progress, every=every)
    return write_dossiers(rows, progress=progress)
