"""Counter reception and the review of online dossiers, through the Django test client.

Only reception officers of a desk reach these pages and actions (403 otherwise, for pages and for direct
POSTs alike); everything is written through the dossier services; a refused form writes nothing.
"""

from __future__ import annotations

import io
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from motcua.catalog import selectors as catalog
from motcua.catalog.demo import seed_demo_catalogue
from motcua.core.domain.permissions import Role
from motcua.core.services import assign_role
from motcua.dossiers import counter
from motcua.dossiers.models import Channel, Dossier, DossierEvent, IdempotencyKey, StoredFile
from motcua.dossiers.services import ApplicantData, ComponentData, create_dossier
from tests.portal.support import audit

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
CCCD = "001203004567"
BIRTH = "1.001193"  # Đăng ký khai sinh (commune; fee: free)
CERTIFY = "2.000815"  # Chứng thực bản sao (commune; fee: 2,000/page for pages 1–2, then 1,000, cap 200,000 a copy)


@pytest.fixture
def desk(province_tree, make_officer):
    t = province_tree
    seed_demo_catalogue(province=t["province"], centre=t["centre"], departments=[t["dept"]],
                        communes=[t["a"], t["b"]])
    return {
        "t": t,
        "reception": make_officer("recep_a", t["a"], Role.RECEPTION_OFFICER),
        "specialist": make_officer("spec_a", t["a"], Role.SPECIALIST),
        "leader": make_officer("lead_a", t["a"], Role.LEADER),
        "reception_b": make_officer("recep_b", t["b"], Role.RECEPTION_OFFICER),
    }


@pytest.fixture
def officer(client: Client, desk):
    client.force_login(desk["reception"])
    return desk["reception"]


def docs(code: str) -> list:
    return counter.required_documents(catalog.procedure_by_code(code).pk)


def fee_id(code: str) -> int:
    return catalog.procedure_by_code(code).fees.get().pk


def intake_data(code: str = BIRTH, *, outcome: str = "receive", tick: str = "all", token: str = "tok-1",
                **overrides) -> dict:
    data = {"desk": "000.10.01.H12", "procedure": code, "token": token, "outcome": outcome, "kind": "1",
            "id_number": CCCD, "name": "Nguyễn Văn An", "phone": "0912 345 678", "email": "an@example.org",
            "address": "3 Quang Trung", "summary": "", "missing_note": "", "refusal_reason": ""}
    for doc in docs(code):
        data[f"doc_{doc.pk}_form"] = "original"
        data[f"doc_{doc.pk}_quantity"] = "1"
        if tick == "all" or (tick == "mandatory" and doc.mandatory):
            data[f"doc_{doc.pk}_received"] = "on"
    data.update(overrides)
    return data


def online_dossier(desk, when: datetime, *, unit: str = "a", name: str = "Trần Thị Bình", code: str = BIRTH,
                   files: bool = True) -> Dossier:
    return create_dossier(
        actor=None, procedure=catalog.procedure_by_code(code), receiving_unit=desk["t"][unit],
        channel=Channel.ONLINE, now=when,
        applicant=ApplicantData(name=name, id_number="036185001122", email="binh@example.org"),
        components=[ComponentData(name=d.name, required_document_id=d.pk,
                                  files=[io.BytesIO(PDF)] if files and i == 0 else [])
                    for i, d in enumerate(docs(code))],
    )


URLS = ["/backoffice/reception/", "/backoffice/online/"]


# ---- access --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", URLS)
def test_login_required(client: Client, desk, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("role", ["specialist", "leader"])
def test_officers_without_the_reception_role_get_403_and_cannot_post(client: Client, desk, role: str) -> None:
    online = online_dossier(desk, datetime(2026, 4, 6, 8, tzinfo=VN))
    client.force_login(desk[role])
    assert client.get("/backoffice/reception/").status_code == 403
    assert client.get(f"/backoffice/reception/?procedure={BIRTH}").status_code == 403
    assert client.get("/backoffice/online/").status_code == 403
    assert client.get(f"/backoffice/online/{online.code}/").status_code == 403
    before = Dossier.objects.count()
    assert client.post("/backoffice/reception/", intake_data()).status_code == 403
    assert Dossier.objects.count() == before
    for action in ("accept", "request_supplement", "refuse", "supplement"):
        response = client.post(f"/backoffice/online/{online.code}/{action}/", {"reason": "x", "note": "x"})
        assert response.status_code == 403, action
    online.refresh_from_db()
    assert online.status == 1 and DossierEvent.objects.filter(dossier=online).count() == 1
    assert client.post("/backoffice/reception/applicant/", {"id_number": CCCD}).status_code == 403
    assert client.post("/backoffice/reception/preview/", {"procedure": BIRTH}).status_code == 403


def test_other_desk_is_refused(client: Client, desk) -> None:
    client.force_login(desk["reception_b"])
    assert client.get("/backoffice/reception/?desk=000.10.01.H12").status_code == 403
    assert client.post("/backoffice/reception/", intake_data()).status_code == 403
    assert Dossier.objects.count() == 0
    # B's own desk works.
    assert client.get("/backoffice/reception/").status_code == 200


# ---- procedure picker ----------------------------------------------------------------------------------


def test_search_without_diacritics_finds_the_procedure_first(client: Client, officer) -> None:
    html = client.get("/backoffice/reception/procedures/", {"q": "khai sinh"}, HTTP_HX_REQUEST="true").content.decode()
    names = re.findall(r'procedure-option__name">([^<]+)<', html)
    assert names[0] == "Đăng ký khai sinh"
    assert all("khai sinh" in n.lower() for n in names)
    assert "<html" not in html  # a partial for htmx
    page = client.get("/backoffice/reception/", {"q": "dang ky khai sinh"}).content.decode()
    assert "Đăng ký khai sinh" in page and f"procedure={BIRTH}" in page


def test_search_lists_only_what_the_desk_receives(client: Client, officer, desk, make_officer) -> None:
    html = client.get("/backoffice/reception/procedures/", {"q": "to chuc"}).content.decode()
    assert "1.012753" not in html  # a province procedure, received at the service centre, not at a commune
    picker = client.get("/backoffice/reception/", {"procedure": "1.012753"})
    assert picker.status_code == 200  # back to the picker, with a message
    assert "Bộ phận Một cửa này không tiếp nhận thủ tục đó" in picker.content.decode()
    centre_officer = Client()
    centre_officer.force_login(make_officer("recep_centre", desk["t"]["centre"], Role.RECEPTION_OFFICER))
    assert "1.012753" in centre_officer.get("/backoffice/reception/procedures/", {"q": "to chuc"}).content.decode()


def test_search_is_paginated(client: Client, officer) -> None:
    html = client.get("/backoffice/reception/procedures/", {"q": ""}).content.decode()
    assert len(re.findall(r'class="procedure-option"', html)) == 10
    assert 'rel="next"' in html


# ---- the form ------------------------------------------------------------------------------------------


def test_form_shows_checklist_fee_and_appointment(client: Client, officer) -> None:
    html = client.get("/backoffice/reception/", {"procedure": CERTIFY}).content.decode()
    for doc in docs(CERTIFY):
        assert doc.name in html
        assert f'name="doc_{doc.pk}_scan"' in html
    assert f'name="fee_{fee_id(CERTIFY)}_pages"' in html and f'name="fee_{fee_id(CERTIFY)}_copies"' in html
    assert "Hẹn trả kết quả" in html and "Phí, lệ phí phải nộp" in html
    page = audit(html)
    assert page.html_lang == "vi" and page.landmarks["main"] == 1
    assert page.unlabelled_controls() == []


def test_receive_a_complete_dossier(client: Client, officer, django_capture_on_commit_callbacks) -> None:
    doc = docs(CERTIFY)[0]
    data = intake_data(CERTIFY, **{f"fee_{fee_id(CERTIFY)}_pages": "5", f"fee_{fee_id(CERTIFY)}_copies": "2",
                                   f"doc_{doc.pk}_scan": SimpleUploadedFile("scan.pdf", PDF, "application/pdf")})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/backoffice/reception/", data)
    assert response.status_code == 302
    dossier = Dossier.objects.get()
    assert response["Location"] == f"/backoffice/reception/done/{dossier.code}/"
    assert dossier.status == 4 and dossier.channel == Channel.DIRECT and dossier.received_at is not None
    assert dossier.applicant_id_number == CCCD and dossier.applicant_phone == "0912345678"
    # 5 pages: 2 × 2,000 + 3 × 1,000 = 7,000 a copy; 2 copies.
    assert dossier.fee_total == 14_000
    components = list(dossier.components.order_by("order"))
    assert [c.name for c in components] == [d.name for d in docs(CERTIFY)]
    assert components[0].digitized and components[0].files.count() == 1
    assert not components[1].digitized
    assert [e.action for e in DossierEvent.objects.filter(dossier=dossier)] == ["receive"]
    assert mail.outbox[0].subject == f"Hồ sơ {dossier.code} đã được tiếp nhận"
    done = client.get(response["Location"]).content.decode()
    assert dossier.code in done
    assert f'href="/backoffice/dossiers/{dossier.code}/forms/01.pdf"' in done
    assert "14.000 đ" in done


def test_missing_mandatory_document_refuses_receipt_and_writes_nothing(client: Client, officer) -> None:
    mandatory = [d for d in docs(CERTIFY) if d.mandatory]
    data = intake_data(CERTIFY, tick="mandatory")
    del data[f"doc_{mandatory[-1].pk}_received"]
    response = client.post("/backoffice/reception/", data)
    assert response.status_code == 422
    html = response.content.decode()
    assert "giấy tờ bắt buộc chưa nhận" in html and "Bắt buộc: đánh dấu khi đã nhận." in html
    assert Dossier.objects.count() == 0 and DossierEvent.objects.count() == 0


@pytest.mark.parametrize(("field", "value", "message"), [
    ("id_number", "00120300456", "Số định danh cá nhân (CCCD) gồm đúng 12 chữ số"),
    ("id_number", "", "Nhập số định danh cá nhân (CCCD) 12 chữ số của công dân."),
    ("phone", "12345", "Nhập số điện thoại Việt Nam"),
    ("email", "an@", "Nhập địa chỉ thư điện tử hợp lệ, ví dụ ten@example.com"),
    ("name", "  ", "Nhập họ và tên người nộp hồ sơ."),
])
def test_applicant_fields_are_validated(client: Client, officer, field: str, value: str, message: str) -> None:
    response = client.post("/backoffice/reception/", intake_data(**{field: value}))
    assert response.status_code == 422
    assert message in response.content.decode()
    assert Dossier.objects.count() == 0


def test_an_organisation_needs_no_id_number(client: Client, officer) -> None:
    response = client.post("/backoffice/reception/", intake_data(kind="2", id_number="", name="Công ty TNHH Ánh Dương"))
    assert response.status_code == 302
    assert Dossier.objects.get().applicant_kind == 2


def test_a_scan_that_is_not_a_document_is_refused(client: Client, officer) -> None:
    doc = docs(BIRTH)[0]
    fake = SimpleUploadedFile("x.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
    data = intake_data(**{f"doc_{doc.pk}_scan": fake})
    response = client.post("/backoffice/reception/", data)
    assert response.status_code == 422
    assert "Loại tệp này không được chấp nhận" in response.content.decode()
    assert Dossier.objects.count() == 0 and StoredFile.objects.count() == 0


def test_the_same_form_sent_twice_creates_one_dossier(client: Client, officer) -> None:
    first = client.post("/backoffice/reception/", intake_data(token="abc"))
    second = client.post("/backoffice/reception/", intake_data(token="abc", name="Someone Else"))
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Dossier.objects.count() == 1 and IdempotencyKey.objects.count() == 1
    client.post("/backoffice/reception/", intake_data(token="def"))
    assert Dossier.objects.count() == 2


def test_incomplete_dossier_gets_a_supplement_request(client: Client, officer,
                                                       django_capture_on_commit_callbacks) -> None:
    data = intake_data(CERTIFY, outcome="supplement", tick="none", missing_note="Bản chính bị mờ, cần bản rõ hơn.")
    data[f"doc_{docs(CERTIFY)[0].pk}_received"] = "on"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/backoffice/reception/", data)
    assert response.status_code == 302
    dossier = Dossier.objects.get()
    assert dossier.status == 5 and dossier.received_at is None and dossier.due_at is None
    assert dossier.fee_total == 0
    assert [e.action for e in DossierEvent.objects.filter(dossier=dossier).order_by("seq")] == [
        "submit_online", "request_supplement"]
    reason = DossierEvent.objects.get(dossier=dossier, action="request_supplement").payload["reason"]
    missing = docs(CERTIFY)[1:]
    assert reason.startswith("Giấy tờ cần bổ sung: 1. " + missing[0].name)
    assert missing[1].name in reason and "Bản chính bị mờ" in reason
    assert docs(CERTIFY)[0].name not in reason
    assert dossier.components.count() == 1  # what was received
    assert "Bản chính bị mờ" in mail.outbox[-1].body
    done = client.get(response["Location"]).content.decode()
    assert f"/backoffice/dossiers/{dossier.code}/forms/02.pdf" in done and missing[0].name in done


def test_supplement_request_needs_something_missing(client: Client, officer) -> None:
    response = client.post("/backoffice/reception/", intake_data(outcome="supplement"))
    assert response.status_code == 422
    assert "Bỏ đánh dấu các giấy tờ còn thiếu" in response.content.decode()
    assert Dossier.objects.count() == 0


def test_refusal_needs_a_reason_then_prints_form_03(client: Client, officer) -> None:
    response = client.post("/backoffice/reception/", intake_data(outcome="refuse"))
    assert response.status_code == 422 and "Nêu lý do từ chối" in response.content.decode()
    assert Dossier.objects.count() == 0
    response = client.post("/backoffice/reception/", intake_data(
        outcome="refuse", refusal_reason="Không thuộc thẩm quyền của UBND xã (Điều 13 Luật Hộ tịch)."))
    dossier = Dossier.objects.get()
    assert dossier.status == 3 and dossier.finished_at is not None
    done = client.get(response["Location"]).content.decode()
    assert f"/backoffice/dossiers/{dossier.code}/forms/03.pdf" in done and "Điều 13 Luật Hộ tịch" in done


# ---- applicant lookup and preview ----------------------------------------------------------------------


def test_returning_applicant_is_prefilled_only_within_scope(client: Client, officer, desk) -> None:
    client.post("/backoffice/reception/", intake_data(token="t1", address="12 Lê Lợi, phường An Hòa"))
    html = client.post("/backoffice/reception/applicant/", {"id_number": CCCD, "name": ""}).content.decode()
    assert 'value="Nguyễn Văn An"' in html and 'value="12 Lê Lợi, phường An Hòa"' in html
    assert "Đã điền sẵn" in html
    # What the officer already typed is kept.
    html = client.post("/backoffice/reception/applicant/", {"id_number": CCCD, "name": "Nguyễn V. An"}).content.decode()
    assert 'value="Nguyễn V. An"' in html
    # A dossier of another commune's desk is outside the officer's scope: nothing leaks.
    online_dossier(desk, datetime(2026, 4, 6, 8, tzinfo=VN), unit="b", name="Lê Văn Cường")
    html = client.post("/backoffice/reception/applicant/", {"id_number": "036185001122"}).content.decode()
    assert "Lê Văn Cường" not in html and "Không có hồ sơ trước" in html


def test_preview_computes_tiered_fee_and_appointment(client: Client, officer) -> None:
    fid = fee_id(CERTIFY)
    html = client.post("/backoffice/reception/preview/", {
        "desk": "000.10.01.H12", "procedure": CERTIFY, f"fee_{fid}_pages": "150", f"fee_{fid}_copies": "3",
        f"doc_{docs(CERTIFY)[0].pk}_received": "on"}).content.decode()
    # 150 pages: 2 × 2,000 + 148 × 1,000 = 152,000 a copy (under the cap), 3 copies.
    assert "456.000 đ" in html
    assert "Đã nhận 1/3 giấy tờ" in html
    assert docs(CERTIFY)[2].name in html  # a mandatory document still missing
    capped = client.post("/backoffice/reception/preview/", {
        "desk": "000.10.01.H12", "procedure": CERTIFY, f"fee_{fid}_pages": "500", f"fee_{fid}_copies": "1",
    }).content.decode()
    assert "200.000 đ" in capped  # the cap per copy
    bad = client.post("/backoffice/reception/preview/", {
        "desk": "000.10.01.H12", "procedure": CERTIFY, f"fee_{fid}_pages": "0"}).content.decode()
    assert "nhập số nguyên từ 1" in bad
    assert client.post("/backoffice/reception/preview/", {"desk": "000.10.01.H12", "procedure": "1.012753"}
                       ).status_code == 404


def test_preview_appointment_matches_the_saved_dossier(client: Client, officer) -> None:
    html = client.post("/backoffice/reception/preview/", {"desk": "000.10.01.H12", "procedure": BIRTH}).content.decode()
    client.post("/backoffice/reception/", intake_data())
    dossier = Dossier.objects.get()
    assert timezone.localtime(dossier.due_at).strftime("%d/%m/%Y") in html


# ---- online review -------------------------------------------------------------------------------------


def test_review_list_is_scoped_oldest_first_and_counted(client: Client, officer, desk) -> None:
    newer = online_dossier(desk, datetime(2026, 4, 7, 9, tzinfo=VN), name="Người Mới")
    older = online_dossier(desk, datetime(2026, 4, 6, 8, tzinfo=VN), name="Người Cũ")
    other = online_dossier(desk, datetime(2026, 4, 6, 7, tzinfo=VN), unit="b", name="Người Xã Khác")
    html = client.get("/backoffice/online/").content.decode()
    assert html.index(older.code) < html.index(newer.code)
    assert other.code not in html and "Người Xã Khác" not in html
    assert re.search(r'aria-current="page">Chờ xem xét <span class="tabs__count">2</span>', html)
    page = audit(html)
    assert page.unlabelled_controls() == [] and page.html_lang == "vi"


def test_review_list_is_paginated(client: Client, officer, desk) -> None:
    for i in range(27):
        online_dossier(desk, datetime(2026, 4, 6, 8, i, tzinfo=VN), files=False)
    first = client.get("/backoffice/online/").content.decode()
    second = client.get("/backoffice/online/?page=2").content.decode()
    assert first.count("/backoffice/online/000.10.01.H12-") == 25
    assert second.count("/backoffice/online/000.10.01.H12-") == 2


def test_accept_an_online_dossier(client: Client, officer, desk, django_capture_on_commit_callbacks) -> None:
    d = online_dossier(desk, datetime(2026, 4, 6, 8, tzinfo=VN))
    html = client.get(f"/backoffice/online/{d.code}/").content.decode()
    assert "Trần Thị Bình" in html and "036185001122" in html
    sha = d.components.get(order=0).files.get().sha256
    assert f"/backoffice/online/{d.code}/files/{sha}/" in html
    assert audit(html).unlabelled_controls() == []
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/backoffice/online/{d.code}/accept/")
    assert response.status_code == 302
    assert response["Location"] == f"/backoffice/reception/done/{d.code}/?next=/backoffice/online/"
    d.refresh_from_db()
    assert d.status == 4 and d.received_at is not None and d.due_at is not None
    assert DossierEvent.objects.filter(dossier=d).last().actor_id == officer.pk
    assert mail.outbox[-1].to == ["binh@example.org"]
    done = client.get(response["Location"]).content.decode()
    assert f"/backoffice/dossiers/{d.code}/forms/01.pdf" in done and 'href="/backoffice/online/"' in done
    # Accepted: no longer in the queue, and the review page sends to the outcome.
    assert d.code not in client.get("/backoffice/online/").content.decode()
    assert client.get(f"/backoffice/online/{d.code}/").status_code == 302


def test_supplement_round_trip_at_intake(client: Client, officer, desk) -> None:
    d = online_dossier(desk, datetime(2026, 4, 6, 8, tzinfo=VN))
    names = [doc.name for doc in docs(BIRTH)]
    response = client.post(f"/backoffice/online/{d.code}/request_supplement/",
                           {"missing": [names[1]], "note": "Ảnh chụp bị mờ."})
    assert response.status_code == 302
    d.refresh_from_db()
    assert d.status == 5 and d.received_at is None
    reason = DossierEvent.objects.get(dossier=d, action="request_supplement").payload["reason"]
    assert names[1] in reason and "Ảnh chụp bị mờ." in reason and names[0] not in reason
    assert f"/backoffice/dossiers/{d.code}/forms/02.pdf" in client.get(response["Location"]).content.decode()
    waiting = client.get("/backoffice/online/?queue=supplement").content.decode()
    assert d.code in waiting and re.search(r'Chờ bổ sung <span class="tabs__count">1</span>', waiting)
    detail = client.get(f"/backoffice/online/{d.code}/").content.decode()
    assert "Ảnh chụp bị mờ." in detail
    assert f"/backoffice/online/{d.code}/supplement/" in detail
    assert f"/backoffice/online/{d.code}/accept/" not in detail  # not allowed while waiting
    assert client.post(f"/backoffice/online/{d.code}/accept/").status_code == 403
    client.post(f"/backoffice/online/{d.code}/supplement/")
    d.refresh_from_db()
    assert d.status == 1
    client.post(f"/backoffice/online/{d.code}/accept/")
    d.refresh_from_db()
    assert d.status == 4
    assert [e.action for e in DossierEvent.objects.filter(dossier=d).order_by("seq")] == [
        "submit_online", "request_supplement", "supplement", "accept"]


def test_supplement_request_needs_content(client: Client, officer, desk) -> None:
    d = online_dossier(desk, datetime(2026, 4, 6, 8, tzinfo=VN))
    response = client.post(f"/backoffice/online/{d.code}/request_supplement/", {"note": "  "})
    assert response.status_code == 422
    assert "Đánh dấu các giấy tờ còn thiếu" in response.content.decode()
    d.refresh_from_db()
    assert d.status == 1
    response = client.post(f"/backoffice/online/{d.code}/request_supplement/", {"missing": ["Not a document"]})
    assert response.status_code == 422
    d.refresh_from_db()
    assert d.status == 1


def test_refuse_an_online_dossier(client: Client, officer, desk) -> None:
    d = online_dossier(desk, datetime(2026, 4, 6, 8, tzinfo=VN))
    assert client.post(f"/backoffice/online/{d.code}/refuse/", {"reason": ""}).status_code == 422
    d.refresh_from_db()
    assert d.status == 1
    response = client.post(f"/backoffice/online/{d.code}/refuse/", {"reason": "Hồ sơ không đúng thẩm quyền."})
    d.refresh_from_db()
    assert d.status == 3
    assert f"/backoffice/dossiers/{d.code}/forms/03.pdf" in client.get(response["Location"]).content.decode()


def test_other_desk_cannot_see_or_act(client: Client, desk) -> None:
    d = online_dossier(desk, datetime(2026, 4, 6, 8, tzinfo=VN))
    client.force_login(desk["reception_b"])
    assert client.get(f"/backoffice/online/{d.code}/").status_code == 404
    assert client.post(f"/backoffice/online/{d.code}/accept/").status_code == 404
    sha = d.components.get(order=0).files.get().sha256
    assert client.get(f"/backoffice/online/{d.code}/files/{sha}/").status_code == 404
    d.refresh_from_db()
    assert d.status == 1


def test_unknown_action_is_404(client: Client, officer, desk) -> None:
    d = online_dossier(desk, datetime(2026, 4, 6, 8, tzinfo=VN))
    assert client.post(f"/backoffice/online/{d.code}/approve/").status_code == 404
    assert client.get(f"/backoffice/online/{d.code}/accept/").status_code == 405


def test_component_file_is_served_inline(client: Client, officer, desk) -> None:
    d = online_dossier(desk, datetime(2026, 4, 6, 8, tzinfo=VN))
    sha = d.components.get(order=0).files.get().sha256
    response = client.get(f"/backoffice/online/{d.code}/files/{sha}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF
    other = online_dossier(desk, datetime(2026, 4, 6, 9, tzinfo=VN), code=CERTIFY, files=False)
    assert client.get(f"/backoffice/online/{other.code}/files/{sha}/").status_code == 404


def test_counter_supplement_comes_back_through_the_review_queue(client: Client, officer) -> None:
    data = intake_data(outcome="supplement", tick="none", missing_note="Thiếu tờ khai.")
    client.post("/backoffice/reception/", data)
    d = Dossier.objects.get()
    assert d.status == 5 and d.channel == Channel.DIRECT
    waiting = client.get("/backoffice/online/?queue=supplement").content.decode()
    assert d.code in waiting
    assert d.code not in client.get("/backoffice/online/?queue=supplement&channel=online").content.decode()
    client.post(f"/backoffice/online/{d.code}/supplement/")
    d.refresh_from_db()
    assert d.status == 1 and d.code in client.get("/backoffice/online/").content.decode()
    response = client.post(f"/backoffice/online/{d.code}/accept/")
    assert response.status_code == 302
    d.refresh_from_db()
    assert d.status == 4 and d.received_at is not None
    # A counter dossier is received (not "accepted" like an online one).
    assert list(DossierEvent.objects.filter(dossier=d).order_by("seq").values_list("action", flat=True)) == [
        "submit_online", "request_supplement", "supplement", "receive"]


def test_enter_without_a_button_receives(client: Client, officer) -> None:
    data = intake_data()
    del data["outcome"]
    assert client.post("/backoffice/reception/", data).status_code == 302
    assert Dossier.objects.get().status == 4


def test_an_officer_of_two_desks_chooses_one(client: Client, desk, make_officer) -> None:
    user = make_officer("recep_two", desk["t"]["a"], Role.RECEPTION_OFFICER)
    assign_role(actor=None, user=user, unit=desk["t"]["centre"], role=Role.RECEPTION_OFFICER)
    client.force_login(user)
    html = client.get("/backoffice/reception/").content.decode()
    assert '<select id="desk-select" name="desk">' in html
    assert "000.00.01.H12" in html and "000.10.01.H12" in html
    centre = client.get("/backoffice/reception/procedures/", {"desk": "000.00.01.H12", "q": "to chuc"})
    assert "1.012753" in centre.content.decode()
    response = client.post("/backoffice/reception/", intake_data(**{"desk": "000.00.01.H12"}))
    assert response.status_code == 404  # the centre does not receive a commune's birth registration
    response = client.post("/backoffice/reception/", intake_data())
    assert Dossier.objects.get().receiving_unit.code == "000.10.01.H12"
