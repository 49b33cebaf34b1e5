"""Dossier services on a real database: the whole path, pauses, permissions, events, side effects."""

from __future__ import annotations

import io
import itertools
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from motcua.catalog import selectors as catalog
from motcua.catalog.demo import seed_demo_catalogue
from motcua.core.domain.permissions import Role
from motcua.dossiers.models import Channel, Dossier, DossierEvent, Notification, StepExecution, StoredFile
from motcua.dossiers.services import (
    ActionParams,
    ApplicantData,
    ComponentData,
    DossierError,
    allowed_actions_for,
    create_dossier,
    perform,
)

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 4, day, hour, minute, tzinfo=VN)


@pytest.fixture
def desk(province_tree, make_officer):
    t = province_tree
    seed_demo_catalogue(province=t["province"], centre=t["centre"], departments=[t["dept"]],
                        communes=[t["a"], t["b"]])
    return {
        "t": t,
        "proc": catalog.procedure_by_code("1.001699"),
        "reception": make_officer("recep_a", t["a"], Role.RECEPTION_OFFICER),
        "specialist": make_officer("spec_a", t["a"], Role.SPECIALIST),
        "leader": make_officer("lead_a", t["a"], Role.LEADER),
        "clerk": make_officer("clerk_a", t["a"], Role.CLERK),
        "reception_b": make_officer("recep_b", t["b"], Role.RECEPTION_OFFICER),
    }


def receive(desk, when=None, **kw):
    return create_dossier(
        actor=desk["reception"], procedure=desk["proc"], receiving_unit=desk["t"]["a"], channel=Channel.DIRECT,
        applicant=ApplicantData(name="Nguyễn Văn An", id_number="001203004567", phone="0912345678",
                                email="an@example.org"),
        components=[ComponentData(name="Tờ khai", files=[io.BytesIO(b"%PDF-1.7\n%%EOF\n")])],
        now=when or at(6, 8), **kw,
    )


def test_counter_reception_to_returned_result(desk, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        d = receive(desk)
    assert d.code == "000.10.01.H12-260406-0001"
    assert d.status == 4 and d.current_step == 0
    assert d.received_at == at(6, 8)
    assert d.due_at is not None and d.due_at > at(6, 8)
    assert d.components.get().digitized is True
    assert StepExecution.objects.filter(dossier=d).count() == 5
    original_due = d.due_at

    perform(actor=desk["reception"], code=d.code, action="hand_over", now=at(6, 9))
    with django_capture_on_commit_callbacks(execute=True):
        perform(actor=desk["specialist"], code=d.code, action="request_supplement",
                params=ActionParams(reason="Thiếu giấy khám sức khỏe"), now=at(7, 8))
    d.refresh_from_db()
    assert d.status == 5 and d.paused_at == at(7, 8)
    # Paused from Tue 08:00 to Wed 08:00 = 8 working hours: the appointment moves by exactly that.
    perform(actor=desk["reception"], code=d.code, action="supplement", params=ActionParams(as_applicant=True),
            now=at(8, 8))
    d.refresh_from_db()
    assert d.status == 4
    from motcua.workcalendar.selectors import calendar_for_unit

    cal = calendar_for_unit(desk["t"]["a"])
    assert cal.working_time_between(original_due, d.due_at) == timedelta(hours=8)

    perform(actor=desk["specialist"], code=d.code, action="hand_over", now=at(9, 8))
    perform(actor=desk["leader"], code=d.code, action="approve", now=at(9, 9))
    perform(actor=desk["leader"], code=d.code, action="hand_over", now=at(9, 10))
    perform(actor=desk["clerk"], code=d.code, action="hand_over", now=at(9, 11))
    with django_capture_on_commit_callbacks(execute=True):
        perform(actor=desk["reception"], code=d.code, action="record_result",
                params=ActionParams(electronic=False), now=at(9, 14))
    perform(actor=desk["reception"], code=d.code, action="return_result", params=ActionParams(channel="desk"),
            now=at(10, 8))
    d.refresh_from_db()
    assert d.status == 10 and d.finished_at == at(9, 14) and d.returned_at == at(10, 8)

    events = list(DossierEvent.objects.filter(dossier=d).order_by("seq"))
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert [e.action for e in events] == ["receive", "hand_over", "request_supplement", "supplement", "hand_over",
                                          "approve", "hand_over", "hand_over", "record_result", "return_result"]
    for before, after in itertools.pairwise(events):
        assert after.from_status == before.to_status
    assert events[0].actor_id == desk["reception"].pk
    # One e-mail per notified event: received, supplement request, result ready.
    assert [m.subject for m in mail.outbox] == [
        f"Hồ sơ {d.code} đã được tiếp nhận",
        f"Hồ sơ {d.code}: đề nghị bổ sung hồ sơ",
        f"Hồ sơ {d.code}: đã có kết quả",
    ]
    assert "Thiếu giấy khám sức khỏe" in mail.outbox[1].body
    assert Notification.objects.count() == 3


def test_officer_of_b_cannot_see_or_act_on_a_dossier_of_a(desk):
    d = receive(desk)
    with pytest.raises(DossierError) as err:
        perform(actor=desk["reception_b"], code=d.code, action="hand_over", now=at(6, 9))
    assert err.value.status == 404
    assert DossierEvent.objects.filter(dossier=d).count() == 1
    with pytest.raises(PermissionDenied):
        create_dossier(actor=desk["reception_b"], procedure=desk["proc"], receiving_unit=desk["t"]["a"],
                       channel=Channel.DIRECT, applicant=ApplicantData(name="X"), now=at(6, 8))


def test_a_role_that_may_not_act_gets_a_clear_error_and_nothing_changes(desk):
    d = receive(desk)
    perform(actor=desk["reception"], code=d.code, action="hand_over", now=at(6, 9))
    with pytest.raises(DossierError) as err:
        perform(actor=desk["specialist"], code=d.code, action="approve", now=at(6, 10))
    assert err.value.status == 403
    with pytest.raises(DossierError) as err:
        perform(actor=desk["specialist"], code=d.code, action="return_result", now=at(6, 10))
    assert err.value.code == "permission_denied"
    with pytest.raises(DossierError) as err:
        perform(actor=desk["specialist"], code=d.code, action="record_result",
                params=ActionParams(electronic=True), now=at(6, 10))
    assert err.value.code == "not_last_step"
    assert "bước cuối" in err.value.detail
    d2 = Dossier.objects.get(pk=d.pk)
    assert (d2.status, d2.current_step, d2.version) == (4, 1, 1)
    assert DossierEvent.objects.filter(dossier=d).count() == 2


def test_allowed_actions_are_only_those_the_user_may_do_now(desk):
    d = receive(desk)
    assert set(allowed_actions_for(desk["reception"], d, now=at(6, 9))) >= {"hand_over", "withdraw"}
    assert "approve" not in allowed_actions_for(desk["reception"], d, now=at(6, 9))
    assert allowed_actions_for(desk["reception_b"], d, now=at(6, 9)) == []


def test_second_supplement_request_marks_late(desk):
    d = receive(desk)
    perform(actor=desk["reception"], code=d.code, action="hand_over", now=at(6, 9))
    for day in (7, 9):
        perform(actor=desk["specialist"], code=d.code, action="request_supplement", now=at(day, 8))
        perform(actor=desk["reception"], code=d.code, action="supplement", params=ActionParams(as_applicant=True),
                now=at(day, 9))
    d.refresh_from_db()
    assert d.forced_late is True and d.supplement_requests == 2


def test_apology_once_with_a_later_date(desk):
    d = receive(desk)
    new_date = d.due_at + timedelta(days=3)
    perform(actor=desk["leader"], code=d.code, action="apologise", params=ActionParams(new_due_at=new_date),
            now=at(6, 10))
    d.refresh_from_db()
    assert d.apologised and d.promised_due_at == new_date and d.original_due_at < new_date
    with pytest.raises(DossierError) as err:
        perform(actor=desk["leader"], code=d.code, action="apologise",
                params=ActionParams(new_due_at=new_date + timedelta(days=1)), now=at(6, 11))
    assert err.value.code == "apology_already_given"


@pytest.mark.parametrize(
    ("applicant", "field"),
    [(ApplicantData(name=" "), "applicant.name"), (ApplicantData(name="A", id_number="12345"), "applicant.id_number"),
     (ApplicantData(name="A", phone="abc"), "applicant.phone"), (ApplicantData(name="A\x00B"), "applicant.name")],
)
def test_bad_applicant_data_creates_nothing(desk, applicant, field):
    with pytest.raises(ValidationError) as err:
        create_dossier(actor=desk["reception"], procedure=desk["proc"], receiving_unit=desk["t"]["a"],
                       channel=Channel.DIRECT, applicant=applicant, now=at(6, 8))
    assert field in err.value.message_dict
    assert not Dossier.objects.exists()


def test_a_bad_file_leaves_no_dossier_no_file(desk, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(ValidationError):
        create_dossier(
            actor=desk["reception"], procedure=desk["proc"], receiving_unit=desk["t"]["a"], channel=Channel.DIRECT,
            applicant=ApplicantData(name="Trần Thị B"),
            components=[ComponentData(name="Ảnh", files=[io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"0" * 10)]),
                        ComponentData(name="Virus", files=[io.BytesIO(b"MZ\x90\x00")])],
            now=at(6, 8),
        )
    assert not Dossier.objects.exists()
    assert not StoredFile.objects.exists()
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


def test_online_dossier_is_accepted_then_gets_its_appointment(desk):
    d = create_dossier(actor=desk["reception"], procedure=desk["proc"], receiving_unit=desk["t"]["a"],
                       channel=Channel.ONLINE, applicant=ApplicantData(name="Lê C"), now=at(4, 22))
    assert d.status == 1 and d.due_at is None
    perform(actor=desk["reception"], code=d.code, action="accept", now=at(6, 8))
    d.refresh_from_db()
    assert d.status == 4 and d.received_at == at(6, 8) and d.due_at is not None


@given(name=st.text(max_size=300), address=st.text(max_size=600), summary=st.text(max_size=600),
       id_number=st.one_of(st.just(""), st.text(alphabet="0123456789", min_size=1, max_size=14)))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_text_either_creates_a_whole_dossier_or_is_refused_cleanly(desk, name, address, summary, id_number):
    """On PostgreSQL too (NUL bytes, lengths): a clear ValidationError or a complete dossier, nothing between."""
    before = (Dossier.objects.count(), DossierEvent.objects.count())
    try:
        with transaction.atomic():
            d = create_dossier(actor=desk["reception"], procedure=desk["proc"], receiving_unit=desk["t"]["a"],
                               channel=Channel.DIRECT, summary=summary, now=at(6, 8),
                               applicant=ApplicantData(name=name, address=address, id_number=id_number))
    except ValidationError:
        assert (Dossier.objects.count(), DossierEvent.objects.count()) == before
    else:
        assert DossierEvent.objects.filter(dossier=d).count() == 1
        assert Dossier.objects.get(pk=d.pk).applicant_name == name.strip()


DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_with_the_database_queue_the_task_row_commits_or_rolls_back_with_the_event(desk, settings):
    """The production queue: the notification task is written in the event's own transaction (an outbox)."""
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = DB_TASKS
    with pytest.raises(RuntimeError), transaction.atomic():
        receive(desk)
        assert DBTaskResult.objects.count() == 1  # written with the dossier…
        raise RuntimeError("the caller fails after the service")
    assert DBTaskResult.objects.count() == 0 and not Dossier.objects.exists()  # …and gone with it
    d = receive(desk)
    task = DBTaskResult.objects.get()
    event = DossierEvent.objects.get(dossier=d, action="receive")
    assert task.task_path.endswith("notify_applicant") and task.args_kwargs["args"] == [event.pk]
    assert not mail.outbox  # sent by a worker, after the commit, not here


@pytest.mark.postgres_only
def test_the_one_statement_intake_writes_the_same_rows_as_the_orm(desk, monkeypatch, settings):
    from django_tasks_db.models import DBTaskResult

    from motcua.core.models import Counter
    from motcua.dossiers import services
    from motcua.dossiers.models import DossierComponent
    from motcua.metrics.models import DossierFact, MetricSpan, RollupDay, RollupMonth

    settings.TASKS = DB_TASKS  # the production queue: its task row is written by the one statement too
    counter_a = Counter.objects.create(unit=desk["t"]["a"], number=3, name="Quầy 3")

    def make(one_statement: bool) -> Dossier:
        monkeypatch.setattr(services, "ONE_STATEMENT_INTAKE", one_statement)
        return create_dossier(
            actor=desk["reception"], procedure=desk["proc"], receiving_unit=desk["t"]["a"], channel=Channel.DIRECT,
            applicant=ApplicantData(name="Nguyễn Văn An", id_number="001203004567", email="an@example.org"),
            components=[ComponentData(name="Tờ khai", digitized=True, reused=True),
                        ComponentData(name="Bản sao", form="copy", quantity=2, from_citizen_store=True)],
            now=at(6, 8), summary="Chứng thực", vneid_verified=True, counter=counter_a)

    def rows(d: Dossier) -> tuple:
        skip = {"id", "code", "created_at", "updated_at", "recorded_at", "dossier_id", "dossier"}
        def strip(values):
            return [{k: v for k, v in row.items() if k not in skip} for row in values]
        event = DossierEvent.objects.get(dossier=d)
        tasks = DBTaskResult.objects.filter(args_kwargs__args=[event.pk]).values()
        return (strip(Dossier.objects.filter(pk=d.pk).values()),
                strip(StepExecution.objects.filter(dossier=d).order_by("index").values()),
                strip(DossierComponent.objects.filter(dossier=d).order_by("order").values()),
                strip(DossierEvent.objects.filter(dossier=d).values()),
                strip(DossierFact.objects.filter(dossier=d).values()),
                strip(MetricSpan.objects.filter(dossier=d).order_by("stock", "start").values()),
                [{k: v for k, v in t.items() if k not in ("id", "enqueued_at", "args_kwargs")} for t in tasks])

    def totals() -> list:
        sums = ("received_other", "open_delta")
        return [list(RollupDay.objects.order_by("unit_id", "procedure_id", "day")
                     .values_list("unit_id", "procedure_id", "day", *sums)),
                list(RollupMonth.objects.order_by("unit_id", "procedure_id", "month")
                     .values_list("unit_id", "procedure_id", "month", *sums))]

    fast = make(True)
    assert fast.pk and fast.events.get().seq == 1 and fast.code.endswith("-0001")
    after_one = totals()
    orm = make(False)
    assert orm.code == fast.code[:-4] + "0002"
    assert rows(fast) == rows(orm)
    assert rows(fast)[1] and len(rows(fast)[2]) == 2 and rows(fast)[3][0]["payload"]["counter"] == counter_a.number
    assert len(rows(fast)[6]) == 1 and rows(fast)[6][0]["task_path"].endswith("notify_applicant")
    # The rollups counted each intake once: twice the first one's figures after both.
    assert after_one[0] and after_one[1]
    assert [[(*row[:-2], row[-2] * 2, row[-1] * 2) for row in table] for table in after_one] == totals()
