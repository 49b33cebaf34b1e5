"""The public lookup page (target of the forms' QR codes): found, not found, masked name, no personal data,
rate limited together with the REST API's public lookup."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from motcua.dossiers.selectors import mask_name
from tests.portal.support import audit
from tests.printing import scenarios

pytestmark = pytest.mark.django_db

PERSONAL = ("001203004567", "0912345678", "nhung@example.org", "Số 12 ngõ 5", scenarios.APPLICANT, "Hồng Nhung")


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def desk(province_tree, make_officer):
    return scenarios.make_desk(province_tree, make_officer)


def test_the_empty_page_is_a_labelled_form_in_vietnamese(client: Client) -> None:
    response = client.get("/lookup/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="vi">' in html and "Tra cứu hồ sơ" in html
    page = audit(html)
    assert page.unlabelled_controls() == [] and page.landmarks["main"] == 1 and page.external == []
    assert "field__error" not in html


def test_found_shows_status_dates_timeliness_and_a_masked_name(client: Client, desk) -> None:
    d = scenarios.make_returned(desk)
    response = client.get("/lookup/", {"code": d.code})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    assert f"Hồ sơ {d.code}" in html
    assert "Đã trả kết quả" in html and "Trước hạn" in html
    assert "Xác định, xác định lại mức độ khuyết tật" in html
    assert mask_name(scenarios.APPLICANT) == "Nguyễn T** H*** N****"
    assert "Nguyễn T** H*** N****" in html
    assert "08:00 06/04/2026" in html and "08:00 10/04/2026" in html  # received, returned (local time)
    for secret in PERSONAL:
        assert secret not in html, secret


def test_in_progress_and_overdue(client: Client, desk) -> None:
    d = scenarios.make_apologised(desk)  # due in May 2026; "now" is after it on this machine or not
    html = client.get("/lookup/", {"code": d.code}).content.decode()
    assert "Đang xử lý" in html
    from django.utils import timezone

    assert ("Quá hạn" in html) == (timezone.now() > d.original_due_at)
    assert ("Trong hạn" in html) == (timezone.now() <= d.original_due_at)


def test_not_found_and_malformed_codes(client: Client, desk) -> None:
    response = client.get("/lookup/", {"code": "000.10.01.H12-260406-9999"})
    assert response.status_code == 404
    html = response.content.decode()
    assert "Không có hồ sơ nào có mã này" in html and 'aria-invalid="true"' in html
    assert 'value="000.10.01.H12-260406-9999"' in html  # kept to correct it
    bad = client.get("/lookup/", {"code": "<script>alert(1)</script>"})
    assert bad.status_code == 400
    assert "<script>alert(1)</script>" not in bad.content.decode()
    assert "chỉ gồm chữ cái, chữ số" in bad.content.decode()
    empty = client.get("/lookup/", {"code": "  "})
    assert empty.status_code == 400 and "Hãy nhập mã hồ sơ" in empty.content.decode()


def test_lookups_are_rate_limited_per_address_together_with_the_api(client: Client, desk) -> None:
    d = scenarios.make_stopped(desk)
    for _ in range(30):
        assert client.get("/lookup/", {"code": d.code}).status_code == 200
    for _ in range(30):
        client.get(f"/api/v1/public/dossiers/{d.code}")
    limited = client.get("/lookup/", {"code": d.code})
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) >= 1
    html = limited.content.decode()
    assert "quá nhiều lần" in html and "lookup-result-heading" not in html  # no result shown
    assert client.get(f"/api/v1/public/dossiers/{d.code}").status_code == 429
    # Another address has its own budget; malformed codes are refused without counting.
    assert client.get("/lookup/", {"code": d.code}, REMOTE_ADDR="10.0.0.7").status_code == 200
    assert client.get("/lookup/", {"code": "bad code!"}).status_code == 400


def test_only_get(client: Client) -> None:
    assert client.post("/lookup/", {"code": "x"}).status_code == 405
