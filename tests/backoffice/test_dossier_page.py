"""The dossier page: scope, exactly the allowed actions, direct POSTs refused, each action form, notes, files."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from motcua.catalog import selectors as catalog
from motcua.catalog.demo import seed_demo_catalogue
from motcua.core.domain.permissions import Role
from motcua.dossiers.models import Channel, Dossier, DossierEvent, StoredFile
from motcua.dossiers.services import (
    ActionParams,
    ApplicantData,
    ComponentData,
    DossierError,
    add_note,
    allowed_actions_for,
    create_dossier,
    perform,
)
from tests.portal.support import audit

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


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
        "specialist2": make_officer("spec2_a", t["a"], Role.SPECIALIST),
        "leader": make_officer("lead_a", t["a"], Role.LEADER),
        "clerk": make_officer("clerk_a", t["a"], Role.CLERK),
        "reception_b": make_officer("recep_b", t["b"], Role.RECEPTION_OFFICER),
        "specialist_b": make_officer("spec_b", t["b"], Role.SPECIALIST),
        "monitor": make_officer("giamsat", t["province"], Role.MONITOR),
    }


def receive(desk, unit: str = "a") -> Dossier:
    reception = desk["reception"] if unit == "a" else desk["reception_b"]
    return create_dossier(
        actor=reception, procedure=desk["proc"], receiving_unit=desk["t"][unit], channel=Channel.DIRECT,
        applicant=ApplicantData(name="Nguyễn Văn An", id_number="001203004567", phone="0912345678",
                                email="an@example.org", address="3 Quang Trung"),
        components=[ComponentData(name="Tờ khai đề nghị", files=[io.BytesIO(PDF)]),
                    ComponentData(name="Giấy xác nhận", files=[io.BytesIO(PNG)]),
                    ComponentData(name="Bản sao giấy khai sinh")],
    )


def to_resolved(desk, d: Dossier) -> None:
    """Reception → specialist → leader (approve) → clerk → return step, then record a paper result."""
    perform(actor=desk["reception"], code=d.code, action="hand_over")
    perform(actor=desk["specialist"], code=d.code, action="hand_over")
    perform(actor=desk["leader"], code=d.code, action="approve")
    perform(actor=desk["leader"], code=d.code, action="hand_over")
    perform(actor=desk["clerk"], code=d.code, action="hand_over")
    perform(actor=desk["clerk"], code=d.code, action="record_result", params=ActionParams(electronic=False))


def page_of(client: Client, d: Dossier, query: str = "") -> str:
    response = client.get(f"/backoffice/dossiers/{d.code}/{query}")
    assert response.status_code == 200
    return response.content.decode()


def shown_actions(html: str) -> set[str]:
    return set(re.findall(r'<details class="action" id="action-([a-z_]+)"', html))


def post(client: Client, d: Dossier, action: str, data: dict | None = None, **extra):
    return client.post(f"/backoffice/dossiers/{d.code}/actions/{action}/", data or {}, **extra)


def events(d: Dossier) -> list[str]:
    return list(DossierEvent.objects.filter(dossier=d).order_by("seq").values_list("action", flat=True))


# ---- scope ------------------------------------------------------------------------------------------------


def test_login_required(client: Client, desk) -> None:
    d = receive(desk)
    response = client.get(f"/backoffice/dossiers/{d.code}/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    response = post(client, d, "hand_over")
    assert response.status_code == 302
    assert events(d) == ["receive"]


def test_other_units_officer_gets_404_for_page_file_and_actions(client: Client, desk) -> None:
    d = receive(desk)
    sha = StoredFile.objects.filter(components__dossier=d, content_type="application/pdf").get().sha256
    client.force_login(desk["reception_b"])
    assert client.get(f"/backoffice/dossiers/{d.code}/").status_code == 404
    assert client.get(f"/backoffice/dossiers/{d.code}/files/{sha}/").status_code == 404
    assert post(client, d, "hand_over").status_code == 404
    assert client.post(f"/backoffice/dossiers/{d.code}/notes/", {"text": "x"}).status_code == 404
    assert client.get("/backoffice/dossiers/000.10.01.H12-000000-9999/").status_code == 404
    assert events(d) == ["receive"]


def test_monitor_sees_the_dossier_but_no_action_and_cannot_post(client: Client, desk) -> None:
    d = receive(desk)
    client.force_login(desk["monitor"])
    html = page_of(client, d)
    assert d.code in html and "Nguyễn Văn An" in html
    assert shown_actions(html) == set()
    assert "Hiện bạn không có thao tác nào với hồ sơ này." in html
    assert 'action="/backoffice/dossiers/' not in html  # neither action forms nor the note form
    response = post(client, d, "hand_over", {"hand_over-to_unit": desk["t"]["a"].code})
    assert response.status_code == 403
    assert client.post(f"/backoffice/dossiers/{d.code}/notes/", {"text": "Ghi chú"}).status_code == 403
    assert events(d) == ["receive"]
    assert Dossier.objects.get(pk=d.pk).current_step == 0


# ---- the page ---------------------------------------------------------------------------------------------


def test_page_shows_header_applicant_components_steps_and_timeline(client: Client, desk) -> None:
    d = receive(desk)
    client.force_login(desk["reception"])
    html = page_of(client, d)
    assert f"<h1 class=\"dossier-head__code\">{d.code}</h1>" in html
    assert "Xác định, xác định lại mức độ khuyết tật" in html
    assert "Trạng thái:</span> Đang xử lý" in html
    assert 'data-timeliness="in_time"' in html and "Trong hạn" in html
    # Full applicant data for officers.
    assert "001203004567" in html and "0912345678" in html and "an@example.org" in html
    # Components with files and the viewer links; the one without a file says so.
    assert "Tờ khai đề nghị" in html and "Giấy xác nhận" in html and "Chưa có tệp" in html
    assert html.count('class="file-link"') == 2
    # Step table: five steps, the first current with its due time and timeliness.
    assert html.count('data-label="#"') == 5
    assert 'aria-current="step"' in html and "Tiếp nhận, kiểm tra hồ sơ" in html
    # Timeline: the receipt, by the reception officer.
    assert 'data-action="receive"' in html and "Recep_A" in html
    # Printed forms: receipt (01) and process control sheet (06) only.
    assert f"/backoffice/dossiers/{d.code}/forms/01.pdf" in html
    assert f"/backoffice/dossiers/{d.code}/forms/06.pdf" in html
    assert f"/backoffice/dossiers/{d.code}/forms/02.pdf" not in html
    page = audit(html)
    assert page.landmarks["main"] == 1 and page.unlabelled_controls() == [] and page.external == []


@pytest.mark.parametrize("who", ["reception", "specialist", "leader", "clerk", "monitor"])
def test_exactly_the_allowed_actions_are_shown(client: Client, desk, who: str) -> None:
    d = receive(desk)
    perform(actor=desk["reception"], code=d.code, action="hand_over")  # at the specialist step
    d.refresh_from_db()
    client.force_login(desk[who])
    html = page_of(client, d)
    assert shown_actions(html) == set(allowed_actions_for(desk[who], d))
    if who == "leader":
        assert {"approve", "stop", "apologise", "request_payment"} <= shown_actions(html)
    if who == "clerk":
        assert "approve" not in html.split('id="actions-heading"')[1].split("</aside>")[0]


def test_direct_post_of_an_action_not_allowed_is_refused_and_changes_nothing(client: Client, desk) -> None:
    d = receive(desk)
    client.force_login(desk["clerk"])
    assert "approve" not in allowed_actions_for(desk["clerk"], d)
    response = post(client, d, "approve", {"approve-note": "ok"})
    assert response.status_code == 403
    assert "Bạn không thể thực hiện “Phê duyệt” đối với hồ sơ này lúc này" in response.content.decode()
    client.force_login(desk["specialist"])
    response = post(client, d, "record_result", {"record_result-electronic": "no"})  # not at the last step
    assert response.status_code == 403
    response = post(client, d, "return_result", {"return_result-channel": "post",
                                                 "return_result-tracking_number": "EB1"})
    assert response.status_code == 403
    assert post(client, d, "no_such_action").status_code == 404
    assert client.get(f"/backoffice/dossiers/{d.code}/actions/hand_over/").status_code == 405
    fresh = Dossier.objects.get(pk=d.pk)
    assert events(d) == ["receive"] and fresh.version == d.version and fresh.status == 4


# ---- action forms -----------------------------------------------------------------------------------------


def test_hand_over_to_a_chosen_officer_redirects_with_print_link(client: Client, desk) -> None:
    d = receive(desk)
    client.force_login(desk["reception"])
    html = page_of(client, d)
    # The hand-over form lists the specialists of the next step's unit, not the other commune's.
    form = html.split('id="action-hand_over"')[1].split("</details>")[0]
    assert "Spec_A" in form and "Spec2_A" in form and "Spec_B" not in form
    response = post(client, d, "hand_over", {"hand_over-to_unit": desk["t"]["a"].code,
                                             "hand_over-holder": str(desk["specialist2"].pk),
                                             "hand_over-note": "Chuyển thẩm định"})
    assert response.status_code == 302
    assert response["Location"] == f"/backoffice/dossiers/{d.code}/?done=hand_over#done"
    d.refresh_from_db()
    assert d.current_step == 1 and d.current_holder_id == desk["specialist2"].pk
    event = DossierEvent.objects.filter(dossier=d).latest("seq")
    assert event.action == "hand_over" and event.payload["reason"] == "Chuyển thẩm định"
    html = client.get(response["Location"]).content.decode()
    assert "Đã thực hiện “Chuyển bước tiếp theo”" in html
    assert f"/backoffice/dossiers/{d.code}/forms/06.pdf" in html.split('id="done"')[1].split("</div>")[0]
    assert "Spec2_A" in html.split('id="timeline-heading"')[1]


def test_hand_over_refuses_an_officer_of_another_unit(client: Client, desk) -> None:
    d = receive(desk)
    client.force_login(desk["reception"])
    response = post(client, d, "hand_over", {"hand_over-to_unit": desk["t"]["a"].code,
                                             "hand_over-holder": str(desk["specialist_b"].pk)})
    assert response.status_code == 422
    html = response.content.decode()
    assert "Cán bộ này không giữ vai trò mà bước xử lý yêu cầu tại đơn vị đã chọn" in html
    assert '<details class="action" id="action-hand_over" open>' in html
    assert events(d) == ["receive"]


def test_hand_over_to_another_unit_interconnected(client: Client, desk) -> None:
    d = receive(desk)
    client.force_login(desk["reception"])
    b = desk["t"]["b"]
    options = client.get(f"/backoffice/dossiers/{d.code}/officers/", {"unit": b.code, "role": "specialist"})
    assert options.status_code == 200 and "Spec_B" in options.content.decode()
    assert "Spec_A" not in options.content.decode()
    response = post(client, d, "hand_over", {"hand_over-to_unit": b.code,
                                             "hand_over-holder": str(desk["specialist_b"].pk)})
    assert response.status_code == 302
    d.refresh_from_db()
    assert d.current_unit_id == b.pk and d.current_holder_id == desk["specialist_b"].pk
    # Reception at A still sees it (receiving unit), now at B's specialist step.
    html = page_of(client, d)
    assert "UBND xã Bình Minh" in html


def test_handing_over_out_of_ones_reach_goes_back_to_the_worklist(client: Client, desk) -> None:
    d = receive(desk)
    perform(actor=desk["reception"], code=d.code, action="hand_over",
            params=ActionParams(to_unit=desk["t"]["b"], holder=desk["specialist_b"]))
    client.force_login(desk["specialist_b"])
    assert "hand_over" in shown_actions(page_of(client, d))
    response = post(client, d, "hand_over", {"hand_over-to_unit": desk["t"]["a"].code})
    assert response.status_code == 302 and response["Location"] == "/backoffice/worklist/"
    assert client.get(f"/backoffice/dossiers/{d.code}/").status_code == 404  # now out of B's reach
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == [f"Đã thực hiện “Chuyển bước tiếp theo” đối với hồ sơ {d.code}."]
    d.refresh_from_db()
    assert d.current_step == 2 and d.current_unit_id == desk["t"]["a"].pk


def test_assign_requires_an_officer_from_the_list(client: Client, desk) -> None:
    d = receive(desk)
    client.force_login(desk["reception"])
    response = post(client, d, "assign", {"assign-holder": ""})
    assert response.status_code == 422
    assert "Chọn cán bộ xử lý bước này." in response.content.decode()
    response = post(client, d, "assign", {"assign-holder": str(desk["specialist_b"].pk)})
    assert response.status_code == 422 and "Chọn cán bộ trong danh sách." in response.content.decode()
    response = post(client, d, "assign", {"assign-holder": str(desk["reception"].pk)})
    assert response.status_code == 302
    d.refresh_from_db()
    assert d.current_holder_id == desk["reception"].pk


def test_request_supplement_needs_what_is_missing_and_offers_form_02(client: Client, desk) -> None:
    d = receive(desk)
    perform(actor=desk["reception"], code=d.code, action="hand_over")
    client.force_login(desk["specialist"])
    response = post(client, d, "request_supplement", {"request_supplement-note": "Bổ sung"})
    assert response.status_code == 422
    assert "Đánh dấu thành phần hồ sơ cần bổ sung" in response.content.decode()
    assert events(d) == ["receive", "hand_over"]
    response = post(client, d, "request_supplement", {
        "request_supplement-missing": ["Bản sao giấy khai sinh"],
        "request_supplement-other": "Giấy khám sức khỏe\n\n",
        "request_supplement-note": "Nộp tại Bộ phận Một cửa"})
    assert response.status_code == 302 and "done=request_supplement" in response["Location"]
    d.refresh_from_db()
    assert d.status == 5 and d.paused_at is not None
    event = DossierEvent.objects.filter(dossier=d).latest("seq")
    assert event.payload["missing"] == "Bản sao giấy khai sinh\nGiấy khám sức khỏe"
    assert "- Giấy khám sức khỏe" in event.payload["reason"] and "Nộp tại Bộ phận Một cửa" in event.payload["reason"]
    html = client.get(response["Location"]).content.decode()
    done = html.split('id="done"')[1].split("</div>")[0]
    assert f"/backoffice/dossiers/{d.code}/forms/02.pdf" in done
    assert "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (Mẫu 02)" in done
    assert "Trạng thái:</span> Chờ bổ sung" in html


def test_request_supplement_refuses_an_unknown_component(client: Client, desk) -> None:
    d = receive(desk)
    client.force_login(desk["reception"])
    response = post(client, d, "request_supplement", {"request_supplement-missing": ["Không có"]})
    assert response.status_code == 422 and "Chọn thành phần hồ sơ trong danh sách." in response.content.decode()


@pytest.mark.parametrize(("amount", "message"), [
    ("", "Nhập số tiền phải nộp (đồng)."),
    ("1.200.000", "Nhập số tiền là số nguyên (đồng), không có dấu chấm."),
    ("0", "Số tiền phải lớn hơn 0."),
])
def test_request_payment_validates_the_amount(client: Client, desk, amount: str, message: str) -> None:
    d = receive(desk)
    perform(actor=desk["reception"], code=d.code, action="hand_over")
    client.force_login(desk["specialist"])
    response = post(client, d, "request_payment", {"request_payment-amount": amount,
                                                   "request_payment-note": "Lệ phí"})
    assert response.status_code == 422
    assert message in response.content.decode()
    assert events(d) == ["receive", "hand_over"]


def test_request_payment_then_record_payment(client: Client, desk) -> None:
    d = receive(desk)
    perform(actor=desk["reception"], code=d.code, action="hand_over")
    client.force_login(desk["specialist"])
    response = post(client, d, "request_payment", {"request_payment-amount": "1200000",
                                                   "request_payment-note": "Lệ phí trước bạ"})
    assert response.status_code == 302
    d.refresh_from_db()
    assert d.status == 6
    event = DossierEvent.objects.filter(dossier=d).latest("seq")
    assert event.payload["amount"] == 1200000 and event.payload["reason"] == "Lệ phí trước bạ"
    assert "1.200.000 đồng" in page_of(client, d)
    client.force_login(desk["clerk"])
    html = page_of(client, d)
    assert "record_payment" in shown_actions(html)
    response = post(client, d, "record_payment", {"record_payment-note": "BL-0001"})
    assert response.status_code == 302
    d.refresh_from_db()
    assert d.status == 4


def test_send_back_needs_a_reason_and_an_earlier_step(client: Client, desk) -> None:
    d = receive(desk)
    perform(actor=desk["reception"], code=d.code, action="hand_over")
    perform(actor=desk["specialist"], code=d.code, action="hand_over")
    client.force_login(desk["leader"])
    response = post(client, d, "send_back", {"send_back-to_step": "1"})
    assert response.status_code == 422 and "Nhập lý do" in response.content.decode()
    response = post(client, d, "send_back", {"send_back-to_step": "2", "send_back-note": "x"})
    assert response.status_code == 422 and "Chọn một bước trước đó trong danh sách." in response.content.decode()
    response = post(client, d, "send_back", {"send_back-to_step": "1", "send_back-note": "Thẩm định lại"})
    assert response.status_code == 302
    d.refresh_from_db()
    assert d.current_step == 1


def test_record_result_with_an_uploaded_document(client: Client, desk) -> None:
    d = receive(desk)
    for who in ("reception", "specialist"):
        perform(actor=desk[who], code=d.code, action="hand_over")
    perform(actor=desk["leader"], code=d.code, action="approve")
    perform(actor=desk["leader"], code=d.code, action="hand_over")
    perform(actor=desk["clerk"], code=d.code, action="hand_over")
    client.force_login(desk["clerk"])
    response = post(client, d, "record_result", {"record_result-electronic": "yes"})
    assert response.status_code == 422 and "Tải lên tệp kết quả điện tử." in response.content.decode()
    response = post(client, d, "record_result", {})
    assert response.status_code == 422 and "Chọn kết quả là bản điện tử hay bản giấy." in response.content.decode()
    bad = SimpleUploadedFile("ketqua.exe", b"MZ\x90\x00", content_type="application/pdf")
    response = post(client, d, "record_result", {"record_result-electronic": "yes", "record_result-file": bad})
    assert response.status_code == 422
    assert "Loại tệp này không được chấp nhận." in response.content.decode()
    assert not StoredFile.objects.filter(size=4).exists()  # the refused upload left nothing behind
    d.refresh_from_db()
    assert d.status == 4
    result = SimpleUploadedFile("ketqua.pdf", PDF + b"% result\n", content_type="application/pdf")
    response = post(client, d, "record_result", {"record_result-electronic": "yes", "record_result-file": result})
    assert response.status_code == 302
    d.refresh_from_db()
    assert d.status == 9 and d.result_electronic
    sha = DossierEvent.objects.filter(dossier=d).latest("seq").payload["result_file"]
    assert StoredFile.objects.filter(sha256=sha).exists()
    file_response = client.get(f"/backoffice/dossiers/{d.code}/files/{sha}/")
    assert file_response.status_code == 200
    assert b"".join(file_response.streaming_content).endswith(b"% result\n")
    html = page_of(client, d, f"?view={sha}")
    assert f'<iframe class="viewer__frame" src="/backoffice/dossiers/{d.code}/files/{sha}/"' in html
    assert "Xem tệp kết quả" in html


def test_return_result_form_validation_per_channel(client: Client, desk) -> None:
    d = receive(desk)
    to_resolved(desk, d)
    client.force_login(desk["reception"])
    html = page_of(client, d)
    form = html.split('id="action-return_result"')[1].split("</details>")[0]
    assert 'value="electronic"' not in form  # a paper result cannot be returned electronically
    response = post(client, d, "return_result", {"return_result-channel": "desk"})
    body = response.content.decode()
    assert response.status_code == 422
    assert "Nhập họ và tên người nhận kết quả." in body
    assert "Nhập số định danh cá nhân (CCCD) của người nhận kết quả." in body
    response = post(client, d, "return_result", {"return_result-channel": "desk",
                                                  "return_result-receiver_name": "Nguyễn Văn An",
                                                  "return_result-receiver_id_number": "12345",
                                                  "return_result-receiver_relationship": "self"})
    assert response.status_code == 422 and "Số định danh cá nhân gồm 12 chữ số" in response.content.decode()
    response = post(client, d, "return_result", {"return_result-channel": "post"})
    assert response.status_code == 422 and "Nhập mã vận đơn của bưu gửi." in response.content.decode()
    response = post(client, d, "return_result", {"return_result-channel": "electronic"})
    assert response.status_code == 422
    assert Dossier.objects.get(pk=d.pk).status == 9
    response = post(client, d, "return_result", {"return_result-channel": "post",
                                                  "return_result-tracking_number": "EB123456789VN"})
    assert response.status_code == 302
    d.refresh_from_db()
    assert d.status == 10
    event = DossierEvent.objects.filter(dossier=d).latest("seq")
    assert event.payload["channel"] == "post" and event.payload["tracking_number"] == "EB123456789VN"
    assert "receiver_name" not in event.payload
    assert "EB123456789VN" in page_of(client, d)


def test_return_at_the_desk_records_the_receiver(client: Client, desk) -> None:
    d = receive(desk)
    to_resolved(desk, d)
    client.force_login(desk["clerk"])
    response = post(client, d, "return_result", {"return_result-channel": "desk",
                                                  "return_result-receiver_name": "Trần Thị Bình",
                                                  "return_result-receiver_id_number": "036185001122",
                                                  "return_result-receiver_relationship": "authorised"})
    assert response.status_code == 302
    payload = DossierEvent.objects.filter(dossier=d).latest("seq").payload
    assert payload["receiver_name"] == "Trần Thị Bình" and payload["receiver_id_number"] == "036185001122"
    assert payload["receiver_relationship"] == "authorised"
    html = page_of(client, d)
    assert "Trần Thị Bình (Người được ủy quyền)" in html
    assert "••••••••1122" in html and "036185001122" not in html


def test_apology_error_from_the_rules_is_shown_and_nothing_changes(client: Client, desk) -> None:
    d = receive(desk)
    perform(actor=desk["reception"], code=d.code, action="hand_over")
    d.refresh_from_db()
    client.force_login(desk["leader"])
    assert "apologise" in shown_actions(page_of(client, d))
    before = timezone.localtime(d.due_at - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = post(client, d, "apologise", {"apologise-new_due_at": before, "apologise-note": "Chờ xác minh"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "Chưa thay đổi gì" in html and "Ngày hẹn trả mới phải sau ngày hẹn hiện tại." in html
    assert '<details class="action" id="action-apologise" open>' in html
    fresh = Dossier.objects.get(pk=d.pk)
    assert not fresh.apologised and fresh.due_at == d.due_at and events(d) == ["receive", "hand_over"]
    response = post(client, d, "apologise", {"apologise-new_due_at": "not a date", "apologise-note": "x"})
    assert response.status_code == 422
    assert "Nhập ngày giờ theo dạng ngày/tháng/năm giờ:phút." in response.content.decode()
    response = post(client, d, "apologise", {"apologise-new_due_at": before})
    assert response.status_code == 422 and "Nhập lý do" in response.content.decode()


def test_apology_with_a_new_date_then_no_second_one(client: Client, desk) -> None:
    d = receive(desk)
    perform(actor=desk["reception"], code=d.code, action="hand_over")
    d.refresh_from_db()
    client.force_login(desk["leader"])
    new = timezone.localtime(d.due_at + timedelta(days=3)).replace(second=0, microsecond=0)
    response = post(client, d, "apologise", {"apologise-new_due_at": new.strftime("%Y-%m-%dT%H:%M"),
                                             "apologise-note": "Chờ kết quả xác minh"})
    assert response.status_code == 302 and "done=apologise" in response["Location"]
    d.refresh_from_db()
    assert d.apologised and d.promised_due_at == new and d.due_at == new
    html = client.get(response["Location"]).content.decode()
    assert f"/backoffice/dossiers/{d.code}/forms/04.pdf" in html.split('id="done"')[1].split("</div>")[0]
    assert "apologise" not in shown_actions(html)  # at most once
    assert new.strftime("%H:%M %d/%m/%Y") in html
    assert post(client, d, "apologise", {"apologise-new_due_at": new.strftime("%Y-%m-%dT%H:%M"),
                                         "apologise-note": "x"}).status_code == 403


@pytest.mark.parametrize(("action", "who"), [("stop", "leader"), ("withdraw", "reception")])
def test_stop_and_withdraw_need_a_reason(client: Client, desk, action: str, who: str) -> None:
    d = receive(desk)
    client.force_login(desk[who])
    if action == "stop":
        perform(actor=desk["reception"], code=d.code, action="hand_over")
        perform(actor=desk["specialist"], code=d.code, action="hand_over")
    response = post(client, d, action, {f"{action}-note": "  "})
    assert response.status_code == 422 and "Nhập lý do" in response.content.decode()
    response = post(client, d, action, {f"{action}-note": "Theo đề nghị"})
    assert response.status_code == 302
    d.refresh_from_db()
    assert d.status == (8 if action == "stop" else 7)
    html = client.get(response["Location"]).content.decode()
    if action == "stop":
        assert f"/backoffice/dossiers/{d.code}/forms/05.pdf" in html
    assert "Theo đề nghị" in html


def test_refuse_an_online_dossier_needs_a_reason(client: Client, desk) -> None:
    d = create_dossier(actor=desk["reception"], procedure=desk["proc"], receiving_unit=desk["t"]["a"],
                       channel=Channel.ONLINE, applicant=ApplicantData(name="Lê Văn C"))
    client.force_login(desk["reception"])
    html = page_of(client, d)
    assert {"accept", "refuse", "request_supplement"} <= shown_actions(html)
    assert post(client, d, "refuse", {}).status_code == 422
    response = post(client, d, "refuse", {"refuse-note": "Không thuộc thẩm quyền"})
    assert response.status_code == 302
    d.refresh_from_db()
    assert d.status == 3
    assert f"/backoffice/dossiers/{d.code}/forms/03.pdf" in client.get(response["Location"]).content.decode()


def test_a_text_with_a_nul_character_is_refused(client: Client, desk) -> None:
    d = receive(desk)
    client.force_login(desk["reception"])
    response = post(client, d, "withdraw", {"withdraw-note": "a\x00b"})
    assert response.status_code == 422
    assert Dossier.objects.get(pk=d.pk).status == 4


# ---- notes ------------------------------------------------------------------------------------------------


def test_officer_adds_a_note_that_changes_nothing_else(client: Client, desk) -> None:
    d = receive(desk)
    client.force_login(desk["reception"])
    response = client.post(f"/backoffice/dossiers/{d.code}/notes/", {"text": "  "})
    assert response.status_code == 422 and "Nhập nội dung ghi chú trước khi lưu." in response.content.decode()
    response = client.post(f"/backoffice/dossiers/{d.code}/notes/", {"text": "Đã gọi điện cho người nộp."})
    assert response.status_code == 302 and response["Location"].endswith("#notes")
    fresh = Dossier.objects.get(pk=d.pk)
    assert fresh.version == d.version and fresh.status == d.status and fresh.state == d.state
    note = DossierEvent.objects.filter(dossier=d).latest("seq")
    assert note.action == "note" and note.payload["note"] == "Đã gọi điện cho người nộp."
    assert note.from_status == note.to_status == 4
    html = page_of(client, d)
    notes = html.split('id="notes-heading"')[1]
    assert "Đã gọi điện cho người nộp." in notes
    assert 'data-action="note"' not in html  # notes are listed apart from the timeline
    # Actions still work after a note (the event sequence continues).
    perform(actor=desk["reception"], code=d.code, action="hand_over")
    assert events(d) == ["receive", "note", "hand_over"]


def test_add_note_service_refuses_monitors_and_other_units(desk) -> None:
    d = receive(desk)
    with pytest.raises(DossierError) as refused:
        add_note(actor=desk["monitor"], code=d.code, text="x")
    assert refused.value.status == 403
    with pytest.raises(DossierError) as hidden:
        add_note(actor=desk["reception_b"], code=d.code, text="x")
    assert hidden.value.status == 404
    assert events(d) == ["receive"]


# ---- files and the viewer ---------------------------------------------------------------------------------


def test_file_view_is_inline_framable_and_scoped(client: Client, desk) -> None:
    d = receive(desk)
    other = receive(desk, "b")
    pdf = StoredFile.objects.filter(components__dossier=d, content_type="application/pdf").get()
    png = StoredFile.objects.filter(components__dossier=d, content_type="image/png").get()
    client.force_login(desk["specialist"])
    response = client.get(f"/backoffice/dossiers/{d.code}/files/{pdf.sha256}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Frame-Options"] == "SAMEORIGIN" and response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF
    # The same bytes are attached to B's dossier too, but through A's code only A's files are served.
    foreign = StoredFile.objects.filter(components__dossier=other).exclude(pk__in=[pdf.pk, png.pk])
    assert not foreign.exists()
    assert client.get(f"/backoffice/dossiers/{d.code}/files/{'0' * 64}/").status_code == 404
    assert client.get(f"/backoffice/dossiers/{d.code}/files/not-a-hash/").status_code == 404
    assert client.get(f"/backoffice/dossiers/{other.code}/files/{pdf.sha256}/").status_code == 404
    html = page_of(client, d, f"?view={png.sha256}")
    assert f'<img class="viewer__image" src="/backoffice/dossiers/{d.code}/files/{png.sha256}/"' in html
    assert 'alt="Ảnh quét: Giấy xác nhận"' in html
    html = page_of(client, d, f"?view={pdf.sha256}")
    assert '<iframe class="viewer__frame"' in html and 'title="Tệp PDF: Tờ khai đề nghị"' in html


def test_officer_options_endpoint_is_scoped_and_checks_the_role(client: Client, desk) -> None:
    d = receive(desk)
    client.force_login(desk["reception_b"])
    assert client.get(f"/backoffice/dossiers/{d.code}/officers/", {"unit": desk["t"]["a"].code,
                                                                     "role": "specialist"}).status_code == 404
    client.force_login(desk["reception"])
    body = client.get(f"/backoffice/dossiers/{d.code}/officers/", {"unit": desk["t"]["a"].code,
                                                                     "role": "unit_admin"}).content.decode()
    assert body.count("<option") == 1  # only "anyone in the unit"


# ---- bounded work and the service's checks of the recorded facts -------------------------------------------


def test_page_queries_do_not_grow_with_the_timeline(client: Client, desk, django_assert_max_num_queries) -> None:
    d = receive(desk)
    perform(actor=desk["reception"], code=d.code, action="hand_over",
            params=ActionParams(holder=desk["specialist"]))
    client.force_login(desk["specialist"])
    page_of(client, d)  # warm the calendar cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        page_of(client, d)
    for i in range(15):
        add_note(actor=desk["specialist"], code=d.code, text=f"Ghi chú {i}")
        perform(actor=desk["specialist"], code=d.code, action="assign",
                params=ActionParams(holder=desk["specialist2"] if i % 2 else desk["specialist"]))
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = page_of(client, d)
    assert html.count('data-action="assign"') == 15 and "Ghi chú 14" in html


@pytest.mark.parametrize(("action", "params", "code"), [
    ("hand_over", ActionParams(amount=1000), "invalid_parameter"),
    ("request_payment", ActionParams(amount=0, reason="x"), "invalid_parameter"),
    ("hand_over", ActionParams(missing=("Tờ khai",)), "invalid_parameter"),
    ("hand_over", ActionParams(receiver_name="A"), "invalid_parameter"),
    ("approve", ActionParams(result_file=io.BytesIO(PDF)), "invalid_parameter"),
    ("hand_over", ActionParams(reason="x" * 2001), "invalid_parameter"),
])
def test_service_checks_the_facts_it_records(desk, action: str, params: ActionParams, code: str) -> None:
    d = receive(desk)
    perform(actor=desk["reception"], code=d.code, action="hand_over")
    perform(actor=desk["specialist"], code=d.code, action="hand_over")
    actor = desk["leader"]
    with pytest.raises(DossierError) as refused:
        perform(actor=actor, code=d.code, action=action, params=params)
    assert refused.value.code == code and refused.value.status == 400
    assert events(d) == ["receive", "hand_over", "hand_over"]


def test_service_refuses_a_desk_receiver_on_another_channel_and_a_bad_id(desk) -> None:
    d = receive(desk)
    to_resolved(desk, d)
    for params in (ActionParams(channel="post", tracking_number="EB1", receiver_name="A"),
                   ActionParams(channel="desk", receiver_name="A", receiver_id_number="12ab"),
                   ActionParams(channel="desk", receiver_name="A", receiver_relationship="friend"),
                   ActionParams(channel="desk", receiver_id_number="036185001122")):
        with pytest.raises(DossierError) as refused:
            perform(actor=desk["clerk"], code=d.code, action="return_result", params=params)
        assert refused.value.status == 400
    assert Dossier.objects.get(pk=d.pk).status == 9


def test_supplement_request_at_intake_offers_form_02_only(client: Client, desk) -> None:
    d = create_dossier(actor=desk["reception"], procedure=desk["proc"], receiving_unit=desk["t"]["a"],
                       channel=Channel.ONLINE, applicant=ApplicantData(name="Lê Văn C"),
                       components=[ComponentData(name="Tờ khai")])
    client.force_login(desk["reception"])
    response = post(client, d, "request_supplement", {"request_supplement-missing": ["Tờ khai"]})
    assert response.status_code == 302
    html = client.get(response["Location"]).content.decode()
    assert f"/backoffice/dossiers/{d.code}/forms/02.pdf" in html
    assert "/forms/01.pdf" not in html and "/forms/06.pdf" not in html  # not received: no receipt, no sheet
    d.refresh_from_db()
    assert d.status == 5 and d.received_at is None
