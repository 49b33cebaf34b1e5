"""The demo catalogue: ≥ 40 real procedures from `fixtures/procedures.csv`, made usable for the demo.

Real: codes, names, fields, the published level, and the time limit and fee where the source page was
read (`time_limit_confirmed = yes`). Plausible, for the demo only: required documents, process steps,
legal basis, and the time limit where it was not confirmed. Those procedures get `is_demo_data=True`
and a note: check them against the national catalogue (and the province's own publication decision)
before real use. Fees set by provincial councils are left as a note (no fee rule).

Levels after the 1 July 2025 two-tier reform: "Xã" → commune; "Tỉnh"/land registration office →
province; former district procedures ("(huyện pre-2025)") → commune, since the reform moved most of
them (civil status with foreign elements, certification, household businesses, house construction
permits) to communes; unknown levels → commune for the household-business and construction families,
province otherwise. Every such choice is written into the procedure's demo note.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from django.db import transaction

from motcua.catalog import services
from motcua.catalog.domain.fees import FeeKind, parse_fee_text
from motcua.catalog.domain.limits import parse_limit_text, step_budget
from motcua.catalog.domain.steps import default_step_plan
from motcua.catalog.domain.text import fold
from motcua.core.models import Unit
from motcua.workcalendar.domain import Limit, LimitKind

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "procedures.csv"

# Source field names → (code, canonical name).
FIELDS: dict[str, tuple[str, str]] = {
    "ho tich": ("ho-tich", "Hộ tịch"),
    "chung thuc": ("chung-thuc", "Chứng thực"),
    "bao tro xa hoi": ("bao-tro-xa-hoi", "Bảo trợ xã hội"),
    "giam ngheo": ("giam-ngheo", "Giảm nghèo"),
    "nguoi co cong": ("nguoi-co-cong", "Người có công"),
    "cu tru": ("cu-tru", "Đăng ký, quản lý cư trú"),
    "hkd": ("ho-kinh-doanh", "Thành lập và hoạt động của hộ kinh doanh"),
    "thanh lap va hoat dong cua ho kinh doanh": ("ho-kinh-doanh", "Thành lập và hoạt động của hộ kinh doanh"),
    "xay dung": ("xay-dung", "Hoạt động xây dựng"),
    "hoat dong xay dung": ("xay-dung", "Hoạt động xây dựng"),
    "dat dai": ("dat-dai", "Đất đai"),
    "dang ky bien phap bao dam": ("bien-phap-bao-dam", "Đăng ký biện pháp bảo đảm"),
}

# Field code → (default limit when not confirmed, legal basis, department name keywords).
FIELD_DEFAULTS: dict[str, tuple[Limit, str, tuple[str, ...]]] = {
    "ho-tich": (Limit(LimitKind.WORKING_DAYS, 3), "Luật Hộ tịch 2014; Nghị định 123/2015/NĐ-CP",
                ("tu phap",)),
    "chung-thuc": (Limit(LimitKind.SAME_DAY), "Nghị định 23/2015/NĐ-CP về chứng thực", ("tu phap",)),
    "bao-tro-xa-hoi": (Limit(LimitKind.WORKING_DAYS, 15), "Luật Người khuyết tật 2010; Nghị định 20/2021/NĐ-CP",
                       ("y te", "noi vu", "lao dong")),
    "giam-ngheo": (Limit(LimitKind.WORKING_DAYS, 15), "Nghị định 07/2021/NĐ-CP về chuẩn nghèo",
                   ("noi vu", "lao dong", "y te")),
    "nguoi-co-cong": (Limit(LimitKind.WORKING_DAYS, 12), "Pháp lệnh Ưu đãi người có công với cách mạng 2020",
                      ("noi vu", "lao dong")),
    "cu-tru": (Limit(LimitKind.WORKING_DAYS, 3), "Luật Cư trú 2020; Nghị định 62/2021/NĐ-CP", ("cong an",)),
    "ho-kinh-doanh": (Limit(LimitKind.WORKING_DAYS, 3), "Quy định về đăng ký hộ kinh doanh",
                      ("tai chinh", "ke hoach")),
    "xay-dung": (Limit(LimitKind.WORKING_DAYS, 10), "Luật Xây dựng 2014 (sửa đổi, bổ sung 2020)",
                 ("xay dung",)),
    "dat-dai": (Limit(LimitKind.WORKING_DAYS, 20), "Luật Đất đai 2024", ("nong nghiep", "moi truong",
                                                                             "tai nguyen")),
    "bien-phap-bao-dam": (Limit(LimitKind.SAME_DAY), "Nghị định 99/2022/NĐ-CP về đăng ký biện pháp bảo đảm",
                          ("nong nghiep", "moi truong", "tai nguyen")),
}

COMMUNE = "commune"  # Unit.Kind.COMMUNE

FULL_ONLINE = {"1.001193", "2.000635", "1.004194", "1.004222"}

STEP_NAMES = {
    "reception": ("Tiếp nhận, kiểm tra hồ sơ", "reception_officer", "receiving_desk"),
    "appraisal": ("Thẩm định, xử lý hồ sơ", "specialist", None),
    "approval": ("Phê duyệt kết quả", "leader", "competent_unit_leader"),
    "issue": ("Vào sổ, đóng dấu, chuyển kết quả", "clerk", "competent_unit"),
    "return": ("Trả kết quả", "reception_officer", "receiving_desk"),
}

FEE_NAMES = {FeeKind.TIERED_PAGE: "Phí chứng thực", FeeKind.FIXED: "Phí, lệ phí",
             FeeKind.FREE: "Không thu phí, lệ phí"}


def _field(source: str) -> tuple[str, str]:
    key = fold(source).split("(")[0].split("/")[0].strip()
    return FIELDS.get(key) or FIELDS.get(fold(source).strip()) or (key.replace(" ", "-")[:40], source)


def _levels(source: str, field_code: str) -> tuple[list[str], str]:
    folded = fold(source)
    if "huyen" in folded:
        return ["commune"], ("Thủ tục trước đây thuộc cấp huyện; sau sắp xếp chính quyền hai cấp (từ 01/7/2025) "
                             "được xếp cấp xã trong dữ liệu mẫu — đối chiếu quyết định công bố của tỉnh.")
    if folded in {"", "-", "—"}:
        level = "commune" if field_code in {"ho-kinh-doanh", "xay-dung"} else "province"
        return [level], "Cấp thực hiện chưa rõ trong dữ liệu nguồn; tạm xếp theo lĩnh vực — cần kiểm tra."
    levels = []
    if "tinh" in folded or "vpdkdd" in folded:
        levels.append("province")
    if "xa" in folded.replace("vpdkdd", ""):
        levels.append("commune")
    return levels or ["province"], ""


def _department(field_code: str, departments: list[Unit], province: Unit) -> Unit:
    keywords = FIELD_DEFAULTS.get(field_code, (None, "", ()))[2]
    for unit in departments:
        if any(k in fold(unit.name) for k in keywords):
            return unit
    return province


def _documents(field_code: str, name: str) -> list[dict[str, Any]]:
    form = {"name": f"Tờ khai / đơn đề nghị {name[:1].lower()}{name[1:]} (theo mẫu)", "originals": 1, "copies": 0,
            "mandatory": True}
    identity = {"name": "Giấy tờ tùy thân của người nộp (xuất trình khi nộp trực tiếp)", "originals": 0,
                "copies": 0, "mandatory": False,
                "note": "Không yêu cầu nếu thông tin đã khai thác được từ Cơ sở dữ liệu quốc gia về dân cư."}
    extra: dict[str, dict[str, Any]] = {
        "chung-thuc": {"name": "Bản chính giấy tờ, văn bản cần chứng thực", "originals": 1, "copies": 0,
                       "mandatory": True},
        "dat-dai": {"name": "Giấy tờ về quyền sử dụng đất (nếu có)", "originals": 0, "copies": 1, "mandatory": True},
        "xay-dung": {"name": "Bản vẽ thiết kế xây dựng", "originals": 2, "copies": 0, "mandatory": True},
        "bao-tro-xa-hoi": {"name": "Giấy tờ xác nhận về đối tượng (nếu có)", "originals": 0, "copies": 1,
                           "mandatory": False},
    }
    return [form, identity, *([extra[field_code]] if field_code in extra else [])]


def _steps(limit: Limit, commune: bool) -> list[dict[str, Any]]:
    steps = []
    for key, hours in default_step_plan(step_budget(limit).hours):
        name, role, relative = STEP_NAMES[key]
        relative = relative or ("competent_unit" if commune else "competent_division")
        steps.append({"name": name, "role": role, "relative_unit": relative, "hours": hours})
    return steps


def demo_rows(*, province: Unit, centre: Unit, departments: list[Unit]) -> list[dict[str, Any]]:
    """The import rows of the demo catalogue (pure data; unit codes must exist)."""
    with FIXTURE.open(encoding="utf-8-sig", newline="") as handle:
        source = list(csv.DictReader(handle))
    rows = []
    for src in source:
        field_code, field_name = _field(src["field"])
        default_limit, legal_basis, _keywords = FIELD_DEFAULTS.get(
            field_code, (Limit(LimitKind.WORKING_DAYS, 5), "", ()))
        levels, level_note = _levels(src["level"], field_code)
        limit_text = src["time_limit"].strip()
        parsed = parse_limit_text(limit_text)
        confirmed = src["time_limit_confirmed"].strip().lower() == "yes" and parsed is not None
        limit = parsed or default_limit
        notes = []
        if not confirmed:
            notes.append(
                "Dữ liệu minh họa: thời hạn " + (f"lấy theo quy định chung ({limit_text})" if parsed else
                                                 "là giá trị giả định") +
                " — cần kiểm tra với Cơ sở dữ liệu quốc gia về TTHC trước khi sử dụng.")
        if level_note:
            notes.append(level_note)
        notes.append("Thành phần hồ sơ, căn cứ pháp lý và quy trình nội bộ là minh họa.")
        fee_text = src["fee"].strip()
        fee_rules = parse_fee_text(fee_text) or ()
        commune = "commune" in levels
        units: list[dict[str, str]] = []
        if commune:
            units += [{"role": "competent", "unit_kind": COMMUNE},
                      {"role": "receiving", "unit_kind": COMMUNE}]
        if "province" in levels:
            units += [{"role": "competent", "unit": _department(field_code, departments, province).code},
                      {"role": "receiving", "unit": centre.code}]
            if commune and field_code == "dat-dai":
                units.remove({"role": "competent", "unit_kind": COMMUNE})
                units.append({"role": "coordinating", "unit_kind": COMMUNE})
        agency = ("Công an cấp xã" if field_code == "cu-tru" else
                  "Ủy ban nhân dân cấp xã" if commune and "province" not in levels else
                  _department(field_code, departments, province).name)
        rows.append({
            "code": src["code"].strip(), "name": src["name"].strip(), "field_code": field_code,
            "field_name": field_name, "levels": ";".join(levels),
            "steps_text": ("Bước 1: Cá nhân, tổ chức nộp hồ sơ trực tiếp tại Bộ phận Một cửa, qua dịch vụ bưu chính "
                           "công ích hoặc trực tuyến trên Cổng Dịch vụ công.\nBước 2: Cơ quan có thẩm quyền "
                           "kiểm tra, thẩm định và giải quyết hồ sơ.\nBước 3: Nhận kết quả tại Bộ phận Một cửa, "
                           "qua bưu chính hoặc bản điện tử."),
            "submission_channels": "direct;online;postal",
            "target_subjects": "Cá nhân, tổ chức có yêu cầu",
            "implementing_agency": agency,
            "result": f"Văn bản, giấy tờ là kết quả giải quyết thủ tục “{src['name'].strip()}”",
            "result_kind": "paper", "legal_basis": legal_basis,
            "legal_time_limit": str(limit), "internal_time_limit": "",
            "time_limit_note": limit_text if limit_text not in {"—", "-"} else "",
            "online_level": "full" if src["code"] in FULL_ONLINE else "partial",
            "fee_note": fee_text if fee_text not in {"—", "-"} else "",
            "is_demo_data": "no" if confirmed else "yes",
            "demo_note": " ".join(notes),
            "documents": _documents(field_code, src["name"].strip()),
            "fees": [{"name": FEE_NAMES[r.kind], "kind": r.kind.value, "amount": r.amount, "basis": r.basis.value,
                      "tiers": [[t.from_page, t.price] for t in r.tiers], "cap_per_copy": r.cap_per_copy}
                     for r in fee_rules],
            "steps": _steps(limit, commune),
            "units": units,
        })
    return rows


@transaction.atomic
def seed_demo_catalogue(*, province: Unit, centre: Unit, departments: list[Unit], communes: list[Unit]) -> int:
    """Load (or bring up to date) the demo catalogue; idempotent. Returns the number of procedures.

    Commune procedures are linked to every commune by kind (`communes` is accepted for the caller's
    convenience and future per-commune variants); province procedures to the matching department
    (by name: Tư pháp, Xây dựng…, else the province) and received at `centre`.
    """
    rows = demo_rows(province=province, centre=centre, departments=departments)
    summary = services.import_procedures(enumerate(rows, start=2), total=len(rows))
    return summary.created + summary.updated
