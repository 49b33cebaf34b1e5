"""Dossiers with a history for every form, built through the services (shared by the printing and lookup tests)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from motcua.catalog import selectors as catalog
from motcua.catalog.demo import seed_demo_catalogue
from motcua.core.domain.permissions import Role
from motcua.dossiers.models import Channel
from motcua.dossiers.services import ActionParams, ApplicantData, ComponentData, create_dossier, perform

VN = ZoneInfo("Asia/Ho_Chi_Minh")
APPLICANT = "Nguyễn Thị Hồng Nhung"
SUPPLEMENT_REASON = "Thiếu giấy khám sức khỏe\nBản sao giấy khai sinh chưa được chứng thực"
APOLOGY_REASON = "Phải xác minh thêm thông tin tại cơ quan khác"
STOP_REASON = "Người yêu cầu đã chết theo thông báo của cơ quan công an"
REFUSAL_REASON = "Thủ tục không thuộc thẩm quyền giải quyết của UBND xã"


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 4, day, hour, minute, tzinfo=VN)


def make_desk(province_tree: dict[str, Any], make_officer: Any) -> dict[str, Any]:
    """Commune A (with the demo catalogue) and its officers, an officer of commune B, a province monitor."""
    t = province_tree
    a = t["a"]
    a.address, a.phone = "3 Đường Quang Trung, xã An Bình", "0226 3861 001"
    a.save()
    seed_demo_catalogue(province=t["province"], centre=t["centre"], departments=[t["dept"]],
                        communes=[t["a"], t["b"]])
    return {
        "t": t,
        "proc": catalog.procedure_by_code("1.001699"),
        "reception": make_officer("recep_a", a, Role.RECEPTION_OFFICER),
        "specialist": make_officer("spec_a", a, Role.SPECIALIST),
        "leader": make_officer("lead_a", a, Role.LEADER),
        "clerk": make_officer("clerk_a", a, Role.CLERK),
        "reception_b": make_officer("recep_b", t["b"], Role.RECEPTION_OFFICER),
        "leader_b": make_officer("lead_b", t["b"], Role.LEADER),
        "monitor": make_officer("monitor", t["province"], Role.MONITOR),
    }


def receive(desk: dict[str, Any], when: datetime, unit: str = "a", **kw: Any) -> Any:
    officer = desk["reception"] if unit == "a" else desk["reception_b"]
    return create_dossier(
        actor=officer, procedure=desk["proc"], receiving_unit=desk["t"][unit],
        channel=kw.pop("channel", Channel.DIRECT),
        applicant=ApplicantData(name=APPLICANT, id_number="001203004567", phone="0912345678",
                                email="nhung@example.org", address="Số 12 ngõ 5, thôn Đông, xã An Bình"),
        components=[ComponentData(name="Tờ khai đăng ký (theo mẫu)", form="original", quantity=1),
                    ComponentData(name="Bản sao giấy chứng nhận khuyết tật", form="certified_copy", quantity=2)],
        now=when, fee_total=kw.pop("fee_total", 50000), **kw,
    )


def make_returned(desk: dict[str, Any]) -> Any:
    """Received Mon 6 Apr 2026 08:00, supplemented once, approved, resolved and returned at the desk."""
    d = receive(desk, at(6, 8))
    r, s, lead, clerk = desk["reception"], desk["specialist"], desk["leader"], desk["clerk"]
    perform(actor=r, code=d.code, action="hand_over", params=ActionParams(holder=s), now=at(6, 9))
    perform(actor=s, code=d.code, action="request_supplement", params=ActionParams(reason=SUPPLEMENT_REASON),
            now=at(7, 8))
    perform(actor=r, code=d.code, action="supplement", params=ActionParams(as_applicant=True), now=at(8, 8))
    perform(actor=s, code=d.code, action="hand_over", now=at(9, 8))
    perform(actor=lead, code=d.code, action="approve", now=at(9, 9))
    perform(actor=lead, code=d.code, action="hand_over", now=at(9, 10))
    perform(actor=clerk, code=d.code, action="hand_over", now=at(9, 11))
    perform(actor=r, code=d.code, action="record_result", params=ActionParams(electronic=False), now=at(9, 14))
    perform(actor=r, code=d.code, action="return_result", params=ActionParams(channel="desk"), now=at(10, 8))
    d.refresh_from_db()
    return d


def make_apologised(desk: dict[str, Any]) -> Any:
    d = receive(desk, at(6, 8, 30))
    perform(actor=desk["reception"], code=d.code, action="hand_over", now=at(6, 9))
    perform(actor=desk["leader"], code=d.code, action="apologise",
            params=ActionParams(new_due_at=d.due_at + timedelta(days=3), reason=APOLOGY_REASON), now=at(6, 10))
    d.refresh_from_db()
    return d


def make_stopped(desk: dict[str, Any]) -> Any:
    d = receive(desk, at(6, 9))
    perform(actor=desk["reception"], code=d.code, action="hand_over", now=at(6, 10))
    perform(actor=desk["leader"], code=d.code, action="stop", params=ActionParams(reason=STOP_REASON),
            now=at(7, 15, 45))
    d.refresh_from_db()
    return d


def make_refused(desk: dict[str, Any]) -> Any:
    d = create_dossier(
        actor=desk["reception"], procedure=desk["proc"], receiving_unit=desk["t"]["a"], channel=Channel.ONLINE,
        applicant=ApplicantData(name="Trần Văn Bình", address="Thôn Tây, xã An Bình"), now=at(6, 7),
    )
    perform(actor=desk["reception"], code=d.code, action="refuse", params=ActionParams(reason=REFUSAL_REASON),
            now=at(6, 10))
    d.refresh_from_db()
    return d
