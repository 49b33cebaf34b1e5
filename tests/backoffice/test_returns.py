"""Return desk: find by code or scanned lookup URL (scoped), say why a dossier is not ready, hand the result over."""

from __future__ import annotations

import pytest
from django.test import Client

from motcua.backoffice.returns import code_from_scan
from motcua.core.domain.permissions import Role
from motcua.dossiers.models import Dossier, DossierEvent
from motcua.dossiers.services import ActionParams, perform
from tests.backoffice.test_dossier_page import desk, receive, to_resolved  # noqa: F401 - fixture
from tests.portal.support import audit

pytestmark = pytest.mark.django_db

RECEIVER = {"receiver_name": "Trần Thị Bình", "receiver_id_number": "036185001122",
            "receiver_relationship": "authorised"}


@pytest.mark.parametrize(("raw", "code"), [
    ("000.10.01.H12-260406-0001", "000.10.01.H12-260406-0001"),
    ("  000.10.01.h12-260406-0001\n", "000.10.01.H12-260406-0001"),
    ("https://motcua.example.gov.vn/lookup/?code=000.10.01.H12-260406-0001", "000.10.01.H12-260406-0001"),
    ("http://127.0.0.1:8000/lookup/?lang=vi&code=000.10.01.H12-260406-0002#x", "000.10.01.H12-260406-0002"),
    ("/lookup/?code=000.10.01.H12-260406-0003", "000.10.01.H12-260406-0003"),
    ("https://example.org/lookup/?code=<script>", ""),
    ("DROP TABLE dossiers;", ""),
    ("", ""),
])
def test_code_from_scan(raw: str, code: str) -> None:
    assert code_from_scan(raw) == code


def test_login_required(client: Client, desk) -> None:  # noqa: F811
    assert client.get("/backoffice/returns/").status_code == 302
    d = receive(desk)
    assert client.post(f"/backoffice/returns/{d.code}/", RECEIVER).status_code == 302


def test_empty_desk_focuses_the_big_input(client: Client, desk) -> None:  # noqa: F811
    client.force_login(desk["reception"])
    html = client.get("/backoffice/returns/").content.decode()
    assert 'id="scan-input" name="q"' in html and "autofocus" in html.split('id="scan-input"')[1].split(">")[0]
    assert "/static/vendor/jsQR.js" in html and "/static/motcua/returns.js" in html
    assert 'id="scan-camera" hidden' in html  # shown by the script only when a camera can be used
    page = audit(html)
    assert page.unlabelled_controls() == [] and page.external == []


def test_ready_dossier_found_by_scanned_url_and_handed_over(client: Client, desk) -> None:  # noqa: F811
    d = receive(desk)
    to_resolved(desk, d)
    client.force_login(desk["reception"])
    response = client.get("/backoffice/returns/", {"q": f"http://testserver/lookup/?code={d.code}"})
    html = response.content.decode()
    assert response.status_code == 200
    assert f"Hồ sơ {d.code}" in html and "Nguyễn Văn An" in html and "Bản giấy" in html
    assert f'action="/backoffice/returns/{d.code}/"' in html
    assert "autofocus" in html.split('name="receiver_name"')[1].split(">")[0]  # on with the receiver
    response = client.post(f"/backoffice/returns/{d.code}/", RECEIVER)
    assert response.status_code == 302 and response["Location"] == f"/backoffice/returns/?done={d.code}"
    d.refresh_from_db()
    assert d.status == 10 and d.returned_at is not None
    event = DossierEvent.objects.filter(dossier=d).latest("seq")
    assert event.action == "return_result" and event.actor_id == desk["reception"].pk
    assert event.payload["channel"] == "desk"
    assert {k: event.payload[k] for k in RECEIVER} == RECEIVER
    html = client.get(response["Location"]).content.decode()
    assert f"Đã trao kết quả hồ sơ {d.code} cho Trần Thị Bình." in html
    assert f"/backoffice/dossiers/{d.code}/forms/06.pdf" in html
    # Scanned again: already returned, to whom (ID masked).
    html = client.get("/backoffice/returns/", {"q": d.code}).content.decode()
    assert "Chưa thể trả kết quả." in html and "Kết quả của hồ sơ đã được trả lúc" in html
    assert "Trần Thị Bình (Người được ủy quyền)" in html and "••••••••1122" in html
    assert f'action="/backoffice/returns/{d.code}/"' not in html


def test_hand_over_form_is_validated_and_nothing_changes(client: Client, desk) -> None:  # noqa: F811
    d = receive(desk)
    to_resolved(desk, d)
    client.force_login(desk["clerk"])
    response = client.post(f"/backoffice/returns/{d.code}/", {"receiver_name": " "})
    html = response.content.decode()
    assert response.status_code == 422
    assert "Nhập họ và tên người nhận kết quả." in html
    assert "Nhập số định danh cá nhân (CCCD) của người nhận kết quả." in html
    assert "Chọn người nhận là chính người nộp hồ sơ hay người được ủy quyền." in html
    response = client.post(f"/backoffice/returns/{d.code}/", {**RECEIVER, "receiver_id_number": "0361850011"})
    assert response.status_code == 422 and "Số định danh cá nhân gồm 12 chữ số" in response.content.decode()
    response = client.post(f"/backoffice/returns/{d.code}/", {**RECEIVER, "receiver_relationship": "friend"})
    assert response.status_code == 422
    assert Dossier.objects.get(pk=d.pk).status == 9
    assert DossierEvent.objects.filter(dossier=d, action="return_result").count() == 0


def test_not_ready_dossiers_say_why(client: Client, desk) -> None:  # noqa: F811
    d = receive(desk)
    client.force_login(desk["reception"])
    html = client.get("/backoffice/returns/", {"q": d.code}).content.decode()
    assert "Chưa thể trả kết quả." in html and "Hồ sơ đang được giải quyết (hẹn trả" in html
    assert f'action="/backoffice/returns/{d.code}/"' not in html
    response = client.post(f"/backoffice/returns/{d.code}/", RECEIVER)
    assert response.status_code == 403
    perform(actor=desk["reception"], code=d.code, action="hand_over")
    perform(actor=desk["specialist"], code=d.code, action="request_supplement",
            params=ActionParams(reason="Thiếu giấy"))
    html = client.get("/backoffice/returns/", {"q": d.code}).content.decode()
    assert "Hồ sơ đang chờ người nộp bổ sung: chưa có kết quả." in html
    perform(actor=desk["reception"], code=d.code, action="withdraw", params=ActionParams(reason="Rút"))
    html = client.get("/backoffice/returns/", {"q": d.code}).content.decode()
    assert "Hồ sơ đã được rút: không có kết quả để trả." in html
    assert Dossier.objects.get(pk=d.pk).status == 7


def test_dossier_of_another_unit_is_not_found(client: Client, desk) -> None:  # noqa: F811
    d = receive(desk)
    to_resolved(desk, d)
    client.force_login(desk["reception_b"])
    response = client.get("/backoffice/returns/", {"q": d.code})
    assert response.status_code == 404
    html = response.content.decode()
    assert f"Không có hồ sơ {d.code} trong các hồ sơ thuộc đơn vị của bạn." in html
    assert "Nguyễn Văn An" not in html
    assert client.post(f"/backoffice/returns/{d.code}/", RECEIVER).status_code == 404
    assert Dossier.objects.get(pk=d.pk).status == 9


def test_garbage_input_is_explained(client: Client, desk) -> None:  # noqa: F811
    client.force_login(desk["reception"])
    response = client.get("/backoffice/returns/", {"q": "xin chào"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Đây không phải mã hồ sơ." in html and 'aria-invalid="true"' in html


def test_specialist_sees_a_ready_result_but_cannot_return_it(client: Client, desk, make_officer) -> None:  # noqa: F811
    d = receive(desk)
    to_resolved(desk, d)
    client.force_login(desk["specialist"])
    html = client.get("/backoffice/returns/", {"q": d.code}).content.decode()
    assert "bạn không có quyền trả kết quả" in html
    assert f'action="/backoffice/returns/{d.code}/"' not in html
    response = client.post(f"/backoffice/returns/{d.code}/", RECEIVER)
    assert response.status_code == 403
    assert Dossier.objects.get(pk=d.pk).status == 9
    monitor = make_officer("gs2", desk["t"]["province"], Role.MONITOR)
    client.force_login(monitor)
    assert client.post(f"/backoffice/returns/{d.code}/", RECEIVER).status_code == 403
    assert Dossier.objects.get(pk=d.pk).status == 9
