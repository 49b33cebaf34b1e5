"""The ledger (form 07) request: its small form, every wrong parameter explained, units outside reach, parts."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.portal.support import audit
from tests.printing.scenarios import at, receive
from tests.printing.support import pdf_text

pytestmark = pytest.mark.django_db
A, B = "000.10.01.H12", "000.10.02.H12"


@pytest.fixture
def as_reception(client: Client, desk) -> Client:
    client.force_login(desk["reception"])
    return client


def test_without_parameters_the_form_offers_the_desks_in_reach(as_reception: Client) -> None:
    response = as_reception.get("/backoffice/ledger.pdf")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "Sổ theo dõi hồ sơ" in html and f'value="{A}"' in html
    assert f'value="{B}"' not in html  # commune B is not in this officer's reach
    assert audit(html).unlabelled_controls() == []


@pytest.mark.parametrize(("params", "field", "message"), [
    ({"from": "2026-04-01", "to": "2026-04-30"}, "unit", "Hãy chọn bộ phận một cửa"),
    ({"unit": A, "from": "hôm qua", "to": "2026-04-30"}, "from", "ngày/tháng/năm"),
    ({"unit": A, "from": "2026-04-01"}, "to", "ngày/tháng/năm"),
    ({"unit": A, "from": "2026-04-30", "to": "2026-04-01"}, "to", "không được trước ngày bắt đầu"),
    ({"unit": A, "from": "2025-01-01", "to": "2026-04-01"}, "to", "tối đa 366 ngày"),
    ({"unit": A, "from": "2026-04-01", "to": "2026-04-30", "counter": "hai"}, "counter", "Số quầy là một số"),
    ({"unit": A, "from": "2026-04-01", "to": "2026-04-30", "counter": "9"}, "counter", "không có quầy số 9"),
    ({"unit": A, "from": "2026-04-01", "to": "2026-04-30", "page": "0"}, "page", "từ 1 trở lên"),
    ({"unit": A, "from": "2026-04-01", "to": "2026-04-30", "page": "2"}, "page", "chỉ có 1 phần"),
])
def test_every_wrong_parameter_is_explained(as_reception: Client, params, field, message) -> None:
    response = as_reception.get("/backoffice/ledger.pdf", params)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert f'href="#ledger-{field}"' in html  # the summary links to the field to fix
    assert "Chưa thể in sổ theo dõi" in html


def test_a_unit_outside_reach_is_not_found(as_reception: Client, desk) -> None:
    receive(desk, at(6, 8), unit="b")
    response = as_reception.get("/backoffice/ledger.pdf", {"unit": B, "from": "2026-04-01", "to": "2026-04-30"})
    assert response.status_code == 404
    assert "nằm ngoài phạm vi" in response.content.decode()
    assert as_reception.get("/backoffice/ledger.pdf", {"unit": "999.99.99.H12", "from": "2026-04-01",
                                                       "to": "2026-04-30"}).status_code == 404


def test_a_long_ledger_comes_in_parts_with_continuing_numbers(as_reception: Client, desk, monkeypatch) -> None:
    from motcua.dossiers.printing import ledger

    monkeypatch.setattr(ledger, "LEDGER_PAGE_ROWS", 2)
    codes = [receive(desk, at(6, 8 + i)).code for i in range(3)]
    params = {"unit": A, "from": "2026-04-06", "to": "2026-04-06"}
    first = pdf_text(as_reception.get("/backoffice/ledger.pdf", params).content)
    assert f"1 {codes[0]}" in first and f"2 {codes[1]}" in first and codes[2] not in first
    assert "Hồ sơ thứ 1–2 trong tổng số 3 (phần 1/2)" in first
    response = as_reception.get("/backoffice/ledger.pdf", {**params, "page": "2"})
    assert response["Content-Disposition"].endswith('-20260406-20260406-phan-2.pdf"')
    second = pdf_text(response.content)
    assert f"3 {codes[2]}" in second and codes[0] not in second
    assert "Hồ sơ thứ 3–3 trong tổng số 3 (phần 2/2)" in second


def test_an_empty_period_prints_a_ledger_that_says_so(as_reception: Client) -> None:
    response = as_reception.get("/backoffice/ledger.pdf", {"unit": A, "from": "2026-01-01", "to": "2026-01-31"})
    assert response.status_code == 200
    assert "không tiếp nhận hồ sơ nào trong khoảng thời gian này" in pdf_text(response.content)
