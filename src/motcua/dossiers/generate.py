"""Realistic generated dossiers for demos and benchmarks (`motcua generate --dossiers N --seed S`).

How it stays fast (1,000,000 dossiers in minutes) and consistent:

* A few hundred *templates* (receiving unit, procedure, channel, path shape, pace) are simulated with
  the pure rules (`new_dossier` + `apply`, actors chosen as the import does), from a start a few weeks
  before `until`, on the receiving unit's real working calendar.
* Each dossier is a template shifted back by a whole number of weeks (same weekday and office hour;
  weeks whose receipt day is a holiday are skipped), with its own applicant, code and component mix.
  States, step rows and events are the template's with every instant shifted, so each state JSON
  round-trips through `state_from_json` and events chain. Due times of shifted copies keep the
  template week's working-time arithmetic (a holiday inside the shifted window is not re-counted).
* Codes are numbered per receiving unit and local day, continuing `DossierCodeSequence`, which is
  brought up to date at the end (gap-free, no collision with later live intake).
* PostgreSQL: rows are streamed with COPY on the Django connection's psycopg connection, from a
  writer thread while the main thread renders the next chunk, all in one transaction. Other
  databases: `bulk_create`.
* The reports' metric facts and spans are written beside the dossiers and the rollups added once at
  the end (`motcua.metrics.rollups.BulkFacts`): a fact is built once per shape (shifted template,
  e-ID flag, component mix), not once per dossier.

Deterministic for a given seed, `until` date, unit list and catalogue.
"""

from __future__ import annotations

import queue
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, timedelta
from datetime import time as dtime
from functools import partial
from typing import Any

from django.db import connection, transaction
from django.db.models import Max, Q
from django.utils import timezone

from motcua.catalog import selectors as catalog
from motcua.catalog.models import Procedure, ProcedureUnit, UnitRoles
from motcua.core.models import Unit
from motcua.core.pgcopy import copy_cell
from motcua.dossiers import domain as rules
from motcua.dossiers.importing import actor_for
from motcua.dossiers.models import Dossier, DossierCodeSequence, DossierComponent, DossierEvent, StepExecution
from motcua.metrics import latesteps
from motcua.metrics.rollups import FACT_COPY, SPAN_COPY, BulkFacts, Shape
from motcua.metrics.rollups import tz as rollups_tz
from motcua.workcalendar.domain import WorkCalendar
from motcua.workcalendar.selectors import calendar_for_unit

A = rules.DossierAction
TEMPLATES = 400
HISTORY_WEEKS = 104  # received over the last two years
RECENT_WEEKS = 6  # unfinished dossiers were received recently
CHUNK = 20_000
DEMO_UNITS = ("000.10.01.H99", "000.10.02.H99", "000.10.03.H99", "000.00.01.H99")

# Path shapes and their weights (≈70% finished: returned, resolved, withdrawn, refused, stopped).
SHAPES: tuple[tuple[str, float], ...] = (
    ("returned", 0.60), ("resolved", 0.05), ("withdrawn", 0.03), ("refused", 0.015), ("stopped", 0.01),
    ("processing", 0.245), ("awaiting_supplement", 0.025), ("awaiting_payment", 0.01), ("submitted", 0.015),
)
# Pace of the steps as a fraction of their shares → early, on time (finished at the appointment), late.
PACES: tuple[tuple[str, float], ...] = (("early", 0.72), ("on_time", 0.08), ("late", 0.20))

SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
            "Dương", "Lý")
MIDDLE = ("Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thanh", "Quốc", "Thu", "Gia", "Anh", "Xuân")
GIVEN = ("An", "Bình", "Cường", "Dũng", "Dung", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hoa", "Hùng", "Hương", "Khánh",
         "Lan", "Linh", "Long", "Mai", "Minh", "Nam", "Nga", "Ngọc", "Phong", "Phương", "Quân", "Sơn", "Tâm", "Thảo",
         "Trang", "Tuấn", "Vân", "Yến")
STREETS = ("Quang Trung", "Lê Lợi", "Trần Hưng Đạo", "Nguyễn Trãi", "Hai Bà Trưng", "Lý Thường Kiệt", "Phan Chu Trinh")


def _pick(rng: random.Random, weighted: Sequence[tuple[str, float]]) -> str:
    return rng.choices([w[0] for w in weighted], [w[1] for w in weighted])[0]


@dataclass
class Template:
    """One simulated dossier path: the final state, its events and the unit holding it."""

    procedure: Procedure
    receiving: Unit
    competent: Unit
    channel: rules.Channel
    state: rules.DossierState
    events: list[rules.TransitionEvent]
    current_unit: str
    documents: list[str]
    fee_total: int
    unfinished: bool
    at_risk_from: datetime | None = None

    @property
    def first_at(self) -> datetime:
        return self.events[0].at


@dataclass
class GenerateResult:
    dossiers: int = 0
    steps: int = 0
    events: int = 0
    components: int = 0
    seconds: float = 0.0
    statuses: dict[int, int] = field(default_factory=dict)


Progress = Callable[[int, int], None]

# ---------------------------------------------------------------------------------------------------------
# Simulation of templates (pure rules)


class _Sim:
    def __init__(self, state: rules.DossierState, calendar: WorkCalendar, events: list[rules.TransitionEvent],
                 receiving: str) -> None:
        self.state, self.calendar, self.events, self.unit = state, calendar, events, receiving

    @property
    def at(self) -> datetime:
        return self.state.last_event_at

    def later(self, hours: float) -> datetime:
        return self.calendar.add_working_time(self.at, timedelta(minutes=max(5, round(hours * 60))))

    def do(self, action: rules.DossierAction, at: datetime, **params: Any) -> None:
        ctx = rules.Context(now=at, actor_role=actor_for(self.state, action), calendar=self.calendar, **params)
        done = rules.apply(self.state, action, ctx)
        self.state = done.state
        self.events.append(done.event)
        if self.state.step is not None:
            self.unit = self.state.step.unit_ref


def simulate(rng: random.Random, procedure: Procedure, templates: list[rules.StepTemplate], receiving: Unit,
             channel: rules.Channel, shape: str, pace: str, start: datetime, calendar: WorkCalendar) -> _Sim:
    """Play one dossier's life through the rules from `start` (raises TransitionError on an impossible path)."""
    online = channel is rules.Channel.ONLINE
    if not online and shape in ("submitted", "refused"):
        shape = "processing"
    created = rules.new_dossier(catalog.limit_of(procedure), templates, start, calendar, channel, online)
    sim = _Sim(created.state, calendar, [created.event], receiving.code)
    if online:
        if shape == "submitted":
            return sim
        if shape == "refused" or rng.random() < 0.03:
            sim.do(A.REQUEST_SUPPLEMENT, sim.later(rng.uniform(1, 8)), reason="Bổ sung ảnh giấy tờ rõ nét")
            if shape == "refused":
                sim.do(A.REFUSE, sim.later(rng.uniform(16, 40)), reason="Không bổ sung trong thời hạn")
                return sim
            sim.do(A.SUPPLEMENT, sim.later(rng.uniform(2, 16)))
        sim.do(A.ACCEPT, sim.later(rng.uniform(0.5, 8)))
    n = len(sim.state.steps)
    factor = {"early": rng.uniform(0.15, 0.8), "on_time": 0.85, "late": rng.uniform(1.15, 2.2)}[pace]
    stop_at = rng.randrange(n) if shape in ("processing", "awaiting_supplement", "awaiting_payment", "withdrawn",
                                            "stopped") else None
    supplements = 0 if rng.random() >= 0.11 else (2 if rng.random() < 0.12 else 1)
    apology = pace == "late" and rng.random() < 0.35
    payment = shape == "awaiting_payment" or (procedure.fees.exists() and rng.random() < 0.05)
    for index in range(n):
        step = sim.state.steps[index]
        hours = step.share.total_seconds() / 3600 * factor
        if index == 1 and supplements and shape != "awaiting_supplement":
            for _ in range(supplements):
                sim.do(A.REQUEST_SUPPLEMENT, sim.later(hours / 3), reason="Bổ sung giấy tờ còn thiếu")
                sim.do(A.SUPPLEMENT, sim.later(rng.uniform(4, 24)))
        if index == 1 and apology and sim.state.due_at is not None:
            left = calendar.working_time_between(sim.at, sim.state.due_at)
            if left >= rules.ONE_WORKING_DAY + timedelta(hours=1):
                sim.do(A.APOLOGISE, sim.later(0.5),
                       new_due_at=calendar.add_working_time(sim.state.due_at, timedelta(hours=rng.choice((8, 16, 24)))),
                       reason="Xin lỗi vì chậm giải quyết")
        if index == stop_at:
            at = sim.later(hours / 2)
            if shape == "awaiting_supplement":
                sim.do(A.REQUEST_SUPPLEMENT, at, reason="Bổ sung giấy tờ còn thiếu")
            elif shape == "awaiting_payment" and step.role.value in ("specialist", "leader"):
                sim.do(A.REQUEST_PAYMENT, at)
            elif shape == "withdrawn":
                sim.do(A.WITHDRAW, at, reason="Người nộp xin rút hồ sơ")
            elif shape == "stopped":
                sim.do(A.STOP, at, reason="Dừng xử lý theo đề nghị của cơ quan chuyên môn")
            return sim
        if payment and step.role.value == "specialist" and shape != "awaiting_payment":
            sim.do(A.REQUEST_PAYMENT, sim.later(hours / 2))
            sim.do(A.RECORD_PAYMENT, sim.later(rng.uniform(1, 8)))
        if step.role.value == "leader" and sim.state.requires_approval and not sim.state.approved:
            sim.do(A.APPROVE, sim.later(hours * 0.8))
        if index < n - 1:
            sim.do(A.HAND_OVER, sim.later(hours))
    finish = sim.later(0.2)
    due = sim.state.original_due_at
    if pace == "on_time" and due is not None and due >= sim.at and not sim.state.forced_late:
        finish = due
    sim.do(A.RECORD_RESULT, finish, electronic=online or rng.random() < 0.3)
    if shape == "returned":
        electronic = sim.state.result_electronic and rng.random() < 0.7
        sim.do(A.RETURN_RESULT, sim.later(0.1) if electronic else sim.later(rng.uniform(1, 24)),
               channel=rules.ReturnChannel.ELECTRONIC if electronic else rules.ReturnChannel.DESK)
    return sim


def _office_start(rng: random.Random, day: date, calendar: WorkCalendar) -> datetime:
    """A random instant in the office hours of `day` (or of the next working day)."""
    while not calendar.is_working_day(day):
        day += timedelta(days=1)
    intervals = calendar.intervals_on(day)
    chosen = rng.choice(intervals)
    begin, end = chosen[0], chosen[1]
    minute = rng.randrange(int(begin), max(int(begin) + 1, int(end) - 15))
    return datetime.combine(day, dtime(minute // 60, minute % 60), tzinfo=timezone.get_current_timezone())


@dataclass
class _Catalogue:
    units: list[Unit]
    unit_by_code: dict[str, Unit]
    procedures: dict[int, list[Procedure]]  # by receiving unit pk
    documents: dict[int, list[str]]
    fees: dict[int, int]


def _catalogue(unit_codes: Sequence[str] | None) -> _Catalogue:
    all_units = {u.code: u for u in Unit.objects.filter(is_active=True)}
    codes = list(unit_codes) if unit_codes else [c for c in DEMO_UNITS if c in all_units]
    missing = [c for c in codes if c not in all_units]
    if missing:
        raise ValueError(f"unknown unit code(s): {', '.join(missing)}")
    units = [all_units[c] for c in codes]
    procedures: dict[int, list[Procedure]] = {}
    active = list(Procedure.objects.filter(is_active=True).order_by("code"))
    for unit in units:
        links = ProcedureUnit.objects.filter(role=UnitRoles.RECEIVING).filter(Q(unit=unit) | Q(unit_kind=unit.kind))
        ids = set(links.values_list("procedure_id", flat=True))
        procedures[unit.pk] = [p for p in active if p.pk in ids]
    units = [u for u in units if procedures[u.pk]]
    if not units:
        raise ValueError("no receiving unit with procedures: load the demo province and catalogue first")
    documents = {p.pk: [d.name for d in p.documents.order_by("order", "pk")] for p in active}
    fees = {p.pk: sum(int(f.amount or 0) for f in p.fees.all()) for p in active}
    return _Catalogue(units, all_units, procedures, documents, fees)


def build_templates(rng: random.Random, cat: _Catalogue, until: datetime, count: int = TEMPLATES) -> list[Template]:
    from motcua.dossiers.services import competent_unit_for, step_templates_for  # the live rules

    result: list[Template] = []
    step_cache: dict[tuple[int, int], tuple[Unit, list[rules.StepTemplate]]] = {}
    attempts = 0
    while len(result) < count and attempts < count * 5:
        attempts += 1
        receiving = rng.choice(cat.units)
        procedure = rng.choice(cat.procedures[receiving.pk])
        key = (procedure.pk, receiving.pk)
        if key not in step_cache:
            competent = competent_unit_for(procedure, receiving, None)
            step_cache[key] = (competent, step_templates_for(procedure, receiving, competent))
        competent, templates = step_cache[key]
        roll = rng.random()
        channel = rules.Channel.ONLINE if roll < 0.4 else rules.Channel.POSTAL if roll < 0.45 else rules.Channel.DIRECT
        shape, pace = _pick(rng, SHAPES), _pick(rng, PACES)
        calendar = calendar_for_unit(receiving)
        unfinished = shape in ("processing", "awaiting_supplement", "awaiting_payment", "submitted")
        weeks_back = rng.randint(1, 3) if unfinished else 12
        sim = None
        for _ in range(6):
            start = _office_start(rng, (until - timedelta(weeks=weeks_back)).date(), calendar)
            sim_rng = random.Random(rng.getrandbits(64))
            try:
                sim = simulate(sim_rng, procedure, templates, receiving, channel, shape, pace, start, calendar)
            except (rules.TransitionError, ValueError):
                sim = None
                break
            if sim.at < until:
                break
            weeks_back += 4
            sim = None
        if sim is None:
            continue
        result.append(Template(procedure, receiving, competent, channel, sim.state, sim.events, sim.unit,
                               cat.documents.get(procedure.pk) or ["Tờ khai"], cat.fees.get(procedure.pk, 0),
                               unfinished, rules.at_risk_from(sim.state, calendar)))
    return result


# ---------------------------------------------------------------------------------------------------------
# Shifting and rendering

_PAYLOAD_TIMES = frozenset({"received_at", "due_at", "step_due_at", "due_at_before", "original_due_at",
                            "promised_due_at", "finished_at"})


def _shift_dt(value: datetime | None, delta: timedelta) -> datetime | None:
    return None if value is None else value - delta


def shift_state(state: rules.DossierState, delta: timedelta) -> rules.DossierState:
    """The state with every instant moved `delta` earlier."""
    steps = tuple(replace(s, planned_due_at=_shift_dt(s.planned_due_at, delta),
                          started_at=_shift_dt(s.started_at, delta), due_at=_shift_dt(s.due_at, delta),
                          finished_at=_shift_dt(s.finished_at, delta))
                  for s in state.steps)
    changes: dict[str, Any] = {f.name: _shift_dt(getattr(state, f.name), delta) for f in fields(state)
                               if isinstance(getattr(state, f.name), datetime)}
    return replace(state, steps=steps, **changes)


def _shift_payload(payload: dict[str, Any], delta: timedelta) -> dict[str, Any]:
    out = dict(payload)
    for key in _PAYLOAD_TIMES & out.keys():
        if isinstance(out[key], str):
            out[key] = (datetime.fromisoformat(out[key]) - delta).isoformat()
    return out


@dataclass
class Shifted:
    """A template moved `weeks` back: column values shared by every dossier made from it."""

    day: date
    dossier: dict[str, Any]
    steps: list[dict[str, Any]]
    events: list[dict[str, Any]]
    copy_dossier: str = ""
    copy_steps: list[str] = field(default_factory=list)
    copy_events: list[str] = field(default_factory=list)
    late_steps: list[Any] = field(default_factory=list)  # buckets of the late-step rollup (`metrics.latesteps`)


def _shifted(t: Template, weeks: int, units: dict[str, Unit]) -> Shifted:
    delta = timedelta(weeks=weeks)
    s = shift_state(t.state, delta)
    first = t.first_at - delta
    d = {
        "procedure_id": t.procedure.pk, "receiving_unit_id": t.receiving.pk, "competent_unit_id": t.competent.pk,
        "current_unit_id": units[t.current_unit].pk, "channel": int(t.channel), "status": int(s.status),
        "current_step": s.current_step, "submitted_at": s.submitted_at, "received_at": s.received_at,
        "due_at": s.due_at, "original_due_at": s.original_due_at, "promised_due_at": s.promised_due_at,
        "paused_at": s.paused_at, "supplement_requests": s.supplement_requests_in_processing,
        "forced_late": s.forced_late, "apologised": s.apologised, "finished_at": s.finished_at,
        "returned_at": s.returned_at, "result_electronic": s.result_electronic,
        "synced_to_national_portal": s.status in rules.FINISHED_STATUSES, "fee_total": t.fee_total,
        "paid_online": t.fee_total > 0 and t.channel is rules.Channel.ONLINE,
        "state": rules.state_to_json(s), "version": len(t.events) - 1, "created_at": first,
        "updated_at": s.last_event_at, "at_risk_from": _shift_dt(t.at_risk_from, delta),
        "overdue_from": rules.overdue_from(s), "awaiting_approval": s.awaiting_approval,
    }
    steps = [{"index": st.index, "name": st.name, "role": st.role.value, "unit_id": units[st.unit_ref].pk,
              "holder_id": None, "share_seconds": int(st.share.total_seconds()), "started_at": st.started_at,
              "due_at": st.due_at, "finished_at": st.finished_at} for st in s.steps]
    events = [{"seq": i, "action": e.action.value, "actor_id": None, "actor_name": e.actor_role.value,
               "at": e.at - delta, "from_status": None if e.from_status is None else int(e.from_status),
               "to_status": int(e.to_status), "from_step": e.from_step, "to_step": e.to_step,
               "payload": {**_shift_payload(e.payload, delta), "actor_role": e.actor_role.value},
               "recorded_at": e.at - delta} for i, e in enumerate(t.events, start=1)]
    return Shifted(timezone.localtime(first).date(), d, steps, events,
                   late_steps=latesteps.keys_of(steps, s.paused_at, rollups_tz()))


# COPY text format
DOSSIER_COLS = ("id", "code", "applicant_kind", "applicant_name", "applicant_id_number", "applicant_phone",
                "applicant_email", "applicant_address", "summary", "vneid_verified", "current_holder_id",
                "procedure_id", "receiving_unit_id", "competent_unit_id", "current_unit_id", "channel", "status",
                "current_step", "submitted_at", "received_at", "due_at", "original_due_at", "promised_due_at",
                "paused_at", "supplement_requests", "forced_late", "apologised", "finished_at", "returned_at",
                "result_electronic", "synced_to_national_portal", "fee_total", "paid_online", "state", "version",
                "created_at", "updated_at", "at_risk_from", "overdue_from", "awaiting_approval")
DOSSIER_SHARED = DOSSIER_COLS[11:]
STEP_COLS = ("dossier_id", "index", "name", "role", "unit_id", "holder_id", "share_seconds", "started_at", "due_at",
             "finished_at")
EVENT_COLS = ("dossier_id", "seq", "action", "actor_id", "actor_name", "at", "from_status", "to_status",
              "from_step", "to_step", "payload", "recorded_at")
COMPONENT_COLS = ("dossier_id", "required_document_id", "name", "form", "quantity", "digitized", "reused",
                  "from_citizen_store", "order")
_QUOTED_COMPONENT_COLS = tuple(f'"{c}"' for c in COMPONENT_COLS)  # "order" is a keyword


def _render(sh: Shifted) -> None:
    sh.copy_dossier = "\t".join(copy_cell(sh.dossier[c]) for c in DOSSIER_SHARED)
    sh.copy_steps = ["\t".join(copy_cell(r[c]) for c in STEP_COLS[1:]) for r in sh.steps]
    sh.copy_events = ["\t".join(copy_cell(r[c]) for c in EVENT_COLS[1:]) for r in sh.events]


# ---------------------------------------------------------------------------------------------------------
# Generation


@dataclass
class _Row:
    id: int
    code: str
    applicant: tuple[int, str, str, str, str, str]
    vneid: bool
    shifted: Shifted
    components: list[tuple[str, bool, bool, bool]]


def _applicant(rng: random.Random) -> tuple[int, str, str, str, str, str]:
    r = rng.random
    name = f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
    id_number = f"0{rng.randrange(10**10, 10**11)}"
    phone = f"09{rng.randrange(10**7, 10**8)}" if r() < 0.85 else ""
    email = f"nguoidan{rng.randrange(10**6)}@example.org" if r() < 0.3 else ""
    address = f"{rng.randrange(1, 300)} {rng.choice(STREETS)}"
    return 1, name, id_number, phone, email, address


def _components(rng: random.Random, documents: list[str], online: bool) -> list[tuple[str, bool, bool, bool]]:
    names = (documents * 3)[:3] if documents else ["Tờ khai"] * 3
    out = []
    for i, name in enumerate(names):
        digitized = online or rng.random() < 0.55
        out.append((name if i < len(documents) else f"{name} (bản sao {i + 1})", digitized,
                    digitized and rng.random() < 0.1, digitized and rng.random() < 0.15))
    return out


def _writer_copy(raw: Any, jobs: queue.Queue[tuple[str, ...] | None], errors: list[BaseException]) -> None:
    """COPY each job's texts: dossiers, steps, events, components, metric facts, metric spans."""
    sql = (
        f"COPY {Dossier._meta.db_table} ({', '.join(DOSSIER_COLS)}) FROM STDIN",
        f"COPY {StepExecution._meta.db_table} ({', '.join(STEP_COLS)}) FROM STDIN",
        f"COPY {DossierEvent._meta.db_table} ({', '.join(EVENT_COLS)}) FROM STDIN",
        f"COPY {DossierComponent._meta.db_table} ({', '.join(_QUOTED_COMPONENT_COLS)}) FROM STDIN",
        FACT_COPY,
        SPAN_COPY,
    )
    try:
        while (job := jobs.get()) is not None:
            with raw.cursor() as cur:
                for statement, text in zip(sql, job, strict=True):
                    if text:
                        with cur.copy(statement) as copy:
                            copy.write(text)
    except BaseException as exc:  # reported by the main thread
        errors.append(exc)
        while jobs.get() is not None:
            pass


def generate(n: int, seed: int, *, unit_codes: Sequence[str] | None = None, until: date | None = None,
             progress: Progress | None = None) -> GenerateResult:
    """Create `n` dossiers on the current database; see the module docstring."""
    began = time.monotonic()
    tz = timezone.get_current_timezone()
    until_day = until or timezone.localdate()
    until_at = datetime.combine(until_day, dtime(0, 0), tzinfo=tz)
    rng = random.Random(seed)
    cat = _catalogue(unit_codes)
    templates = build_templates(rng, cat, until_at)
    if not templates:
        raise ValueError("no dossier template could be built from the catalogue")
    result = GenerateResult()
    shifted: dict[tuple[int, int], Shifted] = {}
    calendars = {t.receiving.pk: calendar_for_unit(t.receiving) for t in templates}
    postgres = connection.vendor == "postgresql"
    with transaction.atomic():
        counters: dict[tuple[int, date], int] = {
            (unit_id, day): last for unit_id, day, last in DossierCodeSequence.objects.filter(
                unit_id__in={t.receiving.pk for t in templates}).values_list("unit_id", "day", "last")}
        next_id = (Dossier.objects.aggregate(m=Max("id"))["m"] or 0) + 1
        first_id = next_id
        jobs: queue.Queue[tuple[str, ...] | None] = queue.Queue(maxsize=2)
        errors: list[BaseException] = []
        writer = None
        triggers: str | None = None
        if postgres:
            connection.ensure_connection()
            triggers = _skip_fk_triggers()
            writer = threading.Thread(target=_writer_copy, args=(connection.connection, jobs, errors), daemon=True)
            writer.start()
        done = 0
        facts = BulkFacts()  # the reports' facts and spans, written beside the dossiers
        late_steps: Counter[Any] = Counter()  # the late-step rollup of the new dossiers, added at the end
        shapes: list[tuple[int, Shape]] = []
        try:
            while done < n and not errors:
                size = min(CHUNK, n - done)
                rows: list[_Row] = []
                for _ in range(size):
                    index = rng.randrange(len(templates))
                    t = templates[index]
                    span = RECENT_WEEKS if t.unfinished else HISTORY_WEEKS - 12
                    for _try in range(4):
                        weeks = rng.randrange(span + 1)
                        found = shifted.get((index, weeks))
                        if found is None:
                            found = _shifted(t, weeks, cat.unit_by_code)
                            if postgres:
                                _render(found)
                            shifted[(index, weeks)] = found
                        sh = found
                        if calendars[t.receiving.pk].is_working_day(sh.day) or t.channel is rules.Channel.ONLINE:
                            break
                    key = (t.receiving.pk, sh.day)
                    counters[key] = number = counters.get(key, 0) + 1
                    code = f"{t.receiving.code}-{sh.day:%y%m%d}-{number:04d}"
                    row = _Row(next_id, code, _applicant(rng), rng.random() < 0.35, sh,
                               _components(rng, t.documents, t.channel is rules.Channel.ONLINE))
                    rows.append(row)
                    comps = (len(row.components), sum(1 for c in row.components if c[1]),
                             any(c[2] for c in row.components), any(c[3] for c in row.components))
                    shape = facts.add((index, weeks, row.vneid, comps), partial(_fact_inputs, row, comps))
                    if shape is not None:
                        shapes.append((row.id, shape))
                    next_id += 1
                    if sh.late_steps:
                        late_steps.update(sh.late_steps)
                    status = sh.dossier["status"]
                    result.statuses[status] = result.statuses.get(status, 0) + 1
                    result.steps += len(sh.steps)
                    result.events += len(sh.events)
                    result.components += 3
                if postgres:
                    jobs.put((*_copy_texts(rows), *facts.copy_texts(shapes)))
                else:
                    _bulk_create(rows)
                    facts.create(shapes)
                shapes = []
                done += size
                if progress:
                    progress(done, n)
        finally:
            if writer is not None:
                jobs.put(None)
                writer.join()
                _restore_fk_triggers(triggers)
        if errors:
            raise errors[0]
        _fix_sequences(counters, first_id, next_id - 1, postgres)
        facts.finish()  # the reports' rollups of the new dossiers, same transaction
        latesteps.add(late_steps)
    result.dossiers = n
    result.seconds = time.monotonic() - began
    return result


def _skip_fk_triggers() -> str | None:
    """As a superuser, skip the per-row foreign-key triggers while loading (rows reference only rows read
    from the database or written here: consistent by construction). Others keep the checks.

    Returns the setting to restore (`_restore_fk_triggers`), None when nothing was changed.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
        if not (row and row[0]):
            return None
        cursor.execute("SHOW session_replication_role")
        previous = str(cursor.fetchone()[0])
        cursor.execute("SET LOCAL session_replication_role = replica")
        return previous


def _restore_fk_triggers(previous: str | None) -> None:
    if previous is not None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('session_replication_role', %s, true)", [previous])


class _Values:
    """A generated dossier's columns that its metric fact reads (`motcua.metrics.rollups._DOSSIER_VALUES`)."""

    def __init__(self, row: _Row) -> None:
        self.__dict__.update(row.shifted.dossier)
        self.id = row.id
        self.vneid_verified = row.vneid


def _fact_inputs(row: _Row, comps: tuple[int, int, bool, bool]) -> tuple[Any, list[dict[str, Any]],
                                                                           tuple[int, int, bool, bool]]:
    return _Values(row), row.shifted.events, comps


def _copy_texts(rows: list[_Row]) -> tuple[str, str, str, str]:
    d: list[str] = []
    s: list[str] = []
    e: list[str] = []
    c: list[str] = []
    for row in rows:
        sh = row.shifted
        a = row.applicant
        d.append(f"{row.id}\t{row.code}\t{a[0]}\t{a[1]}\t{a[2]}\t{a[3]}\t{a[4]}\t{a[5]}\t\t"
                 f"{'t' if row.vneid else 'f'}\t\\N\t{sh.copy_dossier}\n")
        prefix = f"{row.id}\t"
        s.append(prefix + ("\n" + prefix).join(sh.copy_steps) + "\n")
        e.append(prefix + ("\n" + prefix).join(sh.copy_events) + "\n")
        for order, (name, digitized, reused, store) in enumerate(row.components):
            c.append(f"{prefix}\\N\t{copy_cell(name)}\tcopy\t1\t{'t' if digitized else 'f'}\t{'t' if reused else 'f'}\t"
                     f"{'t' if store else 'f'}\t{order}\n")
    return "".join(d), "".join(s), "".join(e), "".join(c)


def _bulk_create(rows: list[_Row]) -> None:
    dossiers: list[Dossier] = []
    steps: list[StepExecution] = []
    events: list[DossierEvent] = []
    components: list[DossierComponent] = []
    for row in rows:
        sh = row.shifted
        kind, name, id_number, phone, email, address = row.applicant
        dossiers.append(Dossier(id=row.id, code=row.code, applicant_kind=kind, applicant_name=name,
                                applicant_id_number=id_number, applicant_phone=phone, applicant_email=email,
                                applicant_address=address, vneid_verified=row.vneid, **sh.dossier))
        steps.extend(StepExecution(dossier_id=row.id, **r) for r in sh.steps)
        events.extend(DossierEvent(dossier_id=row.id, **r) for r in sh.events)
        components.extend(DossierComponent(dossier_id=row.id, name=name, digitized=dg, reused=ru,
                                           from_citizen_store=st, order=o)
                          for o, (name, dg, ru, st) in enumerate(row.components))
    created = {f.name: f for f in Dossier._meta.fields}
    # auto_now(_add) would overwrite the historical times: switch them off for this insert.
    saved = (created["created_at"].auto_now_add, created["updated_at"].auto_now)
    created["created_at"].auto_now_add = created["updated_at"].auto_now = False
    event_recorded = DossierEvent._meta.get_field("recorded_at")
    saved_recorded = event_recorded.auto_now_add
    event_recorded.auto_now_add = False
    try:
        Dossier.objects.bulk_create(dossiers, batch_size=500)
        DossierEvent.objects.bulk_create(events, batch_size=1000)
    finally:
        created["created_at"].auto_now_add, created["updated_at"].auto_now = saved
        event_recorded.auto_now_add = saved_recorded
    StepExecution.objects.bulk_create(steps, batch_size=1000)
    DossierComponent.objects.bulk_create(components, batch_size=1000)


def _fix_sequences(counters: dict[tuple[int, date], int], first_id: int, last_id: int, postgres: bool) -> None:
    """Code counters up to date; the id sequences past the explicit ids."""
    table = DossierCodeSequence._meta.db_table
    greatest = "GREATEST" if postgres else "MAX"  # SQLite's two-argument max()
    items = list(counters.items())
    with connection.cursor() as cursor:
        for start in range(0, len(items), 1000):
            batch = items[start:start + 1000]
            values = ", ".join(["(%s, %s, %s)"] * len(batch))
            params: list[Any] = [v for (unit_id, day), last in batch for v in (unit_id, day, last)]
            cursor.execute(
                f"INSERT INTO {table} (unit_id, day, last) VALUES {values} "  # noqa: S608 - table name is ours
                f"ON CONFLICT (unit_id, day) DO UPDATE SET last = {greatest}({table}.last, EXCLUDED.last)", params)
        if postgres and last_id >= first_id:
            dossiers = Dossier._meta.db_table
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{dossiers}', 'id'), %s)", [last_id])
            for model in (Dossier, StepExecution, DossierEvent, DossierComponent, DossierCodeSequence):
                cursor.execute(f"ANALYZE {model._meta.db_table}")
