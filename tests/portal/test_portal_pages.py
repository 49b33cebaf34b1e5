"""The public portal and the shared layout: Vietnamese by default, English on request, accessible."""

from __future__ import annotations

import unicodedata

import pytest
from django.test import Client

from tests.portal.support import audit

pytestmark = pytest.mark.django_db


def test_home_is_vietnamese_by_default(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="vi">' in html
    assert "Dịch vụ hành chính công" in html
    assert "Đăng nhập cán bộ" in html
    assert 'href="/accounts/login/"' in html


def test_home_in_english_after_switching_language(client: Client) -> None:
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "Public administrative services" in html
    assert "Officer login" in html


def test_browser_language_is_honoured(client: Client) -> None:
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in html


def test_layout_landmarks_skip_link_labels_and_no_cdn(client: Client) -> None:
    html = client.get("/").content.decode()
    page = audit(html)
    assert page.html_lang == "vi"
    assert page.landmarks["main"] == 1
    assert page.landmarks["header"] >= 1 and page.landmarks["footer"] >= 1
    assert page.skip_link and 'id="main"' in html
    assert page.unlabelled_controls() == []
    assert page.external == []
    assert 'src="/static/vendor/htmx.min.js"' in html
    assert 'href="/static/motcua/base.css"' in html
    assert "X-CSRFToken" in html


def test_language_switcher_offers_both_languages(client: Client) -> None:
    html = unicodedata.normalize("NFC", client.get("/").content.decode())
    assert 'action="/i18n/setlang/"' in html
    assert 'value="vi"' in html and 'value="en"' in html
    assert "Tiếng Việt" in html and "English" in html


def test_login_page_vietnamese_and_labelled(client: Client) -> None:
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Tên đăng nhập" in html and "Mật khẩu" in html
    page = audit(html)
    assert page.unlabelled_controls() == []
    assert page.landmarks["main"] == 1


def test_bad_credentials_show_a_clear_vietnamese_error(client: Client, province_tree, make_officer) -> None:
    make_officer("an.tiepnhan", province_tree["a"])
    response = client.post("/accounts/login/", {"username": "an.tiepnhan", "password": "wrong"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "Đăng nhập không thành công" in html
    assert "mật khẩu" in html.lower()
    assert 'aria-invalid="true"' in html
    assert 'value="an.tiepnhan"' in html  # the username is kept


def test_good_credentials_go_to_the_back_office(client: Client, province_tree, make_officer) -> None:
    make_officer("an.tiepnhan", province_tree["a"])
    response = client.post("/accounts/login/", {"username": "an.tiepnhan", "password": "pass-Word-123"})
    assert response.status_code == 302
    assert response["Location"] == "/backoffice/"


def test_unknown_page_is_a_friendly_404(client: Client) -> None:
    response = client.get("/khong-ton-tai/")
    assert response.status_code == 404
    assert "Không tìm thấy trang" in response.content.decode()


def test_server_error_page_renders_without_a_request_context() -> None:
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "Lỗi máy chủ" in html and '<html lang="vi">' in html
