"""The worklist pages with the Django test client: tabs with counts, rows of the officer's units only,
filters and their error messages, sorting links, pagination, and bulk approval (leaders only)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from motcua.catalog import selectors as catalog
from motcua.catalog.demo import seed_demo_catalogue
from motcua.core.domain.permissions import Role
from motcua.dossiers.domain import state_from_json
from motcua.dossiers.models import Channel, Dossier
from motcua.dossiers.services import ActionParams, ApplicantData, create_dossier, perform
from tests.portal.support import audit

pytestmark = pytest.mark.django_db
URL = "/backoffice/worklist/"
APPROVE_URL = "/backoffice/worklist/approve/"


@pytest.fixture
def desk(province_tree, make_officer):
    t = province_tree
    seed_demo_catalogue(province=t["province"], centre=t["centre"], departments=[t["dept"]],
                        communes=[t["a"], t["b"]])
    return {
        "t": t,
        "proc": catalog.procedure_by_code("1.004873"),
        "reception": make_officer("recep_a", t["a"], Role.RECEPTION_OFFICER),
        "specialist": make_officer("spec_a", t["a"], Role.SPECIALIST),
        "leader": make_officer("lead_a", t["a"], Role.LEADER),
        "reception_b": make_officer("recep_b", t["b"], Role.RECEPTION_OFFICER),
        "leader_b": make_officer("lead_b", t["b"], Role.LEADER),
        "admin_a": make_officer("admin_a", t["a"], Role.UNIT_ADMIN),
    }


def _receive(desk, when, name, unit="a"):
    who = desk["reception"] if unit == "a" else desk["reception_b"]
    return create_dossier(actor=who, procedure=desk["proc"], receiving_unit=desk["t"][unit], channel=Channel.DIRECT,
                          applicant=ApplicantData(name=name), now=when)


def _to_leader(desk, d, when, unit="a"):
    """Hand the dossier over to the leader's step (step 3 of 5)."""
    if unit == "a":
        perform(actor=desk["reception"], code=d.code, action="hand_over", now=when)
        perform(actor=desk["specialist"], code=d.code, action="hand_over", now=when + timedelta(minutes=5))
    else:
        for _ in range(2):
            perform(actor=desk["leader_b"], code=d.code, action="hand_over", now=when)
    d.refresh_from_db()
    return d


@pytest.fixture
def work(desk):
    """Relative to the real now: an overdue dossier, two awaiting approval, a fresh one, and one in commune B."""
    now = timezone.now()
    made = {
        "old": _receive(desk, now - timedelta(days=30), "Trần Thị Quá Hạn"),
        "lead1": _to_leader(desk, _receive(desk, now - timedelta(hours=2), "Lê Văn Một"), now - timedelta(hours=1)),
        "lead2": _to_leader(desk, _receive(desk, now - timedelta(hours=2), "Phạm Thị Hai"), now - timedelta(hours=1)),
        "fresh": _receive(desk, now - timedelta(minutes=1), "Hoàng Văn Mới"),
        "b": _to_leader(desk, _receive(desk, now - timedelta(days=30), "Khách Xã Bình Minh", unit="b"),
                        now - timedelta(days=29), unit="b"),
    }
    return made


def login(client: Client, user) -> Client:
    client.force_login(user)
    return client


def tab_count(html: str, tab: str) -> int:
    match = re.search(rf'data-count="{tab}">(\d+)', html)
    assert match, f"no count for {tab}"
    return int(match.group(1))


def row_codes(html: str) -> list[str]:
    return re.findall(r'<tr class="worklist-row[^"]*" data-code="([^"]+)"', html)


def test_login_required(client: Client, desk) -> None:
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")
    assert client.post(APPROVE_URL, {"codes": ["x"]}).status_code == 302


def test_a_user_without_a_dossier_role_gets_403(client: Client, desk, make_officer) -> None:
    nobody = make_officer("nobody", desk["t"]["a"])
    assert login(client, nobody).get(URL).status_code == 403


def test_specialist_sees_the_units_dossiers_with_counts_and_colours_in_vietnamese(client: Client, desk, work) -> None:
    response = login(client, desk["specialist"]).get(URL + "?tab=unit")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="vi">' in html and "Danh sách công việc" in html
    codes = row_codes(html)
    assert set(codes) == {work[k].code for k in ("old", "lead1", "lead2", "fresh")}
    assert work["b"].code not in html and "Khách Xã Bình Minh" not in html
    # Tabs with counts; no approval tab (and no checkbox) for a specialist.
    assert tab_count(html, "unit") == 4 and tab_count(html, "overdue") == 1
    assert 'data-count="approval"' not in html and 'name="codes"' not in html
    # Risk: colour class and text label.
    old_row = html.split(f'data-code="{work["old"].code}"', 1)[1].split("</tr>", 1)[0]
    assert "risk--overdue" in old_row and "Quá hạn" in old_row
    fresh_row = html.split(f'data-code="{work["fresh"].code}"', 1)[1].split("</tr>", 1)[0]
    assert "risk--in_time" in fresh_row and "Trong hạn" in fresh_row
    # Every row links to the dossier page.
    assert f'href="/backoffice/dossiers/{work["old"].code}/"' in html
    page = audit(html)
    assert page.html_lang == "vi" and page.landmarks["main"] == 1 and page.skip_link
    assert page.unlabelled_controls() == [] and page.external == []


def test_tabs_select_their_dossiers(client: Client, desk, work) -> None:
    c = login(client, desk["leader"])
    assert row_codes(c.get(URL + "?tab=overdue").content.decode()) == [work["old"].code]
    approval = c.get(URL + "?tab=approval").content.decode()
    assert set(row_codes(approval)) == {work["lead1"].code, work["lead2"].code}
    assert row_codes(c.get(URL + "?tab=supplement").content.decode()) == []
    assert "Không có hồ sơ nào trong danh sách này." in c.get(URL + "?tab=supplement").content.decode()


def test_default_tab_is_mine_when_i_hold_dossiers_else_the_units(client: Client, desk, work) -> None:
    html = login(client, desk["specialist"]).get(URL).content.decode()
    assert 'worklist-tabs__tab--unit" aria-current="page"' in html
    d = _receive(desk, timezone.now() - timedelta(minutes=1), "Của Tôi")
    perform(actor=desk["reception"], code=d.code, action="hand_over", params=ActionParams(holder=desk["specialist"]))
    html = client.get(URL).content.decode()
    assert 'worklist-tabs__tab--mine" aria-current="page"' in html
    assert row_codes(html) == [d.code] and "của bạn" in html


def test_filters_and_their_messages(client: Client, desk, work) -> None:
    c = login(client, desk["specialist"])
    html = c.get(URL, {"tab": "unit", "q": "quá hạn"}).content.decode()
    assert row_codes(html) == [work["old"].code]
    html = c.get(URL, {"tab": "unit", "q": work["fresh"].code.lower()}).content.decode()
    assert row_codes(html) == [work["fresh"].code]
    html = c.get(URL, {"tab": "unit", "status": "99", "channel": "x", "procedure": "9.999999", "sort": "up",
                       "q": "x" * 101}).content.decode()
    for message in ("Chọn một trạng thái trong danh sách.", "Chọn một hình thức nộp trong danh sách.",
                    "Chọn một thủ tục trong danh sách.", "Chọn một cách sắp xếp trong danh sách.",
                    "Nhập tối đa 100 ký tự"):
        assert message in html, message
    # Invalid values are not applied: the whole unit list is shown.
    assert len(row_codes(html)) == 4
    html = c.get(URL, {"tab": "unit", "channel": str(Channel.ONLINE)}).content.decode()
    assert row_codes(html) == [] and "Không có hồ sơ nào khớp với bộ lọc." in html


def test_sorting_links_and_order(client: Client, desk, work) -> None:
    c = login(client, desk["specialist"])
    html = c.get(URL, {"tab": "unit", "sort": "-received"}).content.decode()
    assert row_codes(html)[0] == work["fresh"].code
    assert 'aria-sort="descending"' in html
    html = c.get(URL, {"tab": "unit", "sort": "code"}).content.decode()
    assert row_codes(html) == sorted(row_codes(html))


def test_pagination_by_keyset(client: Client, desk, work, monkeypatch) -> None:
    import motcua.dossiers.worklists as wl

    original = wl.worklist_page

    def small(*args, **kwargs):
        kwargs["limit"] = 2
        return original(*args, **kwargs)

    monkeypatch.setattr(wl, "worklist_page", small)
    c = login(client, desk["specialist"])
    first = c.get(URL, {"tab": "unit"}).content.decode()
    assert len(row_codes(first)) == 2
    next_url = re.search(r'href="\?([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    second = c.get(URL + "?" + next_url).content.decode()
    assert len(row_codes(second)) == 2 and not set(row_codes(first)) & set(row_codes(second))
    assert 'rel="prev"' in second and "Trang đầu" in second
    prev_url = re.search(r'href="\?([^"]+)" rel="prev"', second).group(1).replace("&amp;", "&")
    assert row_codes(c.get(URL + "?" + prev_url).content.decode()) == row_codes(first)
    broken = c.get(URL, {"tab": "unit", "after": "garbage"}).content.decode()
    assert "Liên kết trang này không còn hợp lệ" in broken and row_codes(broken) == row_codes(first)


def test_htmx_request_gets_only_the_results(client: Client, desk, work) -> None:
    c = login(client, desk["specialist"])
    response = c.get(URL, {"tab": "unit", "q": "Mới"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.startswith('<div id="worklist-results"') and "<html" not in html
    assert row_codes(html) == [work["fresh"].code]
    assert "HX-Request" in response["Vary"]


def test_leader_sees_checkboxes_only_on_dossiers_awaiting_approval(client: Client, desk, work) -> None:
    html = login(client, desk["leader"]).get(URL, {"tab": "unit"}).content.decode()
    boxes = re.findall(r'name="codes" value="([^"]+)"', html)
    assert set(boxes) == {work["lead1"].code, work["lead2"].code}
    assert "Phê duyệt các hồ sơ đã chọn" in html and tab_count(html, "approval") == 2


def test_leader_bulk_approves_and_sees_what_failed(client: Client, desk, work) -> None:
    c = login(client, desk["leader"])
    perform(actor=desk["leader"], code=work["lead2"].code, action="approve")  # already approved: will fail
    response = c.post(APPROVE_URL, {"codes": [work["lead1"].code, work["lead2"].code, work["b"].code],
                                    "next": URL + "?tab=approval"}, follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == URL + "?tab=approval"
    assert f"Đã phê duyệt 1 hồ sơ: {work['lead1'].code}." in html
    assert f"Hồ sơ {work['lead2'].code} chưa được phê duyệt: Hồ sơ đã được phê duyệt." in html
    assert f"Hồ sơ {work['b'].code} chưa được phê duyệt:" in html
    assert state_from_json(Dossier.objects.get(code=work["lead1"].code).state).approved
    assert not state_from_json(Dossier.objects.get(code=work["b"].code).state).approved
    assert row_codes(html) == []  # nothing left awaiting approval


@pytest.mark.parametrize("who", ["specialist", "reception", "admin_a"])
def test_a_direct_post_by_a_non_leader_is_refused_and_approves_nothing(client: Client, desk, work, who) -> None:
    response = login(client, desk[who]).post(APPROVE_URL, {"codes": [work["lead1"].code]})
    assert response.status_code == 403
    assert not state_from_json(Dossier.objects.get(code=work["lead1"].code).state).approved


def test_another_communes_leader_approves_nothing_here(client: Client, desk, work) -> None:
    response = login(client, desk["leader_b"]).post(APPROVE_URL, {"codes": [work["lead1"].code]}, follow=True)
    assert "chưa được phê duyệt" in response.content.decode()
    assert not state_from_json(Dossier.objects.get(code=work["lead1"].code).state).approved


def test_bulk_approval_validates_its_input(client: Client, desk, work) -> None:
    c = login(client, desk["leader"])
    html = c.post(APPROVE_URL, {"codes": []}, follow=True).content.decode()
    assert "Hãy chọn ít nhất một hồ sơ để phê duyệt" in html
    html = c.post(APPROVE_URL, {"codes": [f"X-{i}" for i in range(51)]}, follow=True).content.decode()
    assert "Mỗi lần chỉ phê duyệt tối đa 50 hồ sơ" in html
    # An off-site "next" is ignored.
    response = c.post(APPROVE_URL, {"codes": [work["lead1"].code], "next": "https://evil.example/"})
    assert response["Location"] == URL + "?tab=approval"
    assert c.get(APPROVE_URL).status_code == 405


def test_csrf_is_required(desk, work) -> None:
    c = Client(enforce_csrf_checks=True)
    c.force_login(desk["leader"])
    assert c.post(APPROVE_URL, {"codes": [work["lead1"].code]}).status_code == 403
    assert not state_from_json(Dossier.objects.get(code=work["lead1"].code).state).approved


def test_page_works_in_english(client: Client, desk, work) -> None:
    c = login(client, desk["specialist"])
    c.post("/i18n/setlang/", {"language": "en", "next": URL})
    html = c.get(URL, {"tab": "overdue"}).content.decode()
    assert "Overdue" in html and "Worklist" in html


def test_home_shows_the_tab_counts(client: Client, desk, work) -> None:
    html = login(client, desk["leader"]).get("/backoffice/").content.decode()
    assert tab_count(html, "overdue") == 1 and tab_count(html, "approval") == 2
    assert 'href="/backoffice/worklist/?tab=approval"' in html
