"""Dossiers through the REST API: the whole path, idempotency, filters and cursor pages, scoping, files,
the process control sheet, the public lookup, and problem documents."""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from motcua.catalog import selectors as catalog
from motcua.catalog.demo import seed_demo_catalogue
from motcua.core.domain.permissions import Action, Role
from motcua.core.tokens import issue_token
from motcua.dossiers.models import Channel, Dossier, DossierEvent, IdempotencyKey, StoredFile
from motcua.dossiers.services import ApplicantData, create_dossier

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")
PROBLEM = "application/problem+json"
PDF = b"%PDF-1.7\n%%EOF\n"
PROC = "1.001699"


@pytest.fixture
def desk(province_tree, make_officer, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    t = province_tree
    seed_demo_catalogue(province=t["province"], centre=t["centre"], departments=[t["dept"]],
                        communes=[t["a"], t["b"]])
    officers = {
        "reception": make_officer("recep_a", t["a"], Role.RECEPTION_OFFICER),
        "specialist": make_officer("spec_a", t["a"], Role.SPECIALIST),
        "leader": make_officer("lead_a", t["a"], Role.LEADER),
        "clerk": make_officer("clerk_a", t["a"], Role.CLERK),
        "reception_b": make_officer("recep_b", t["b"], Role.RECEPTION_OFFICER),
        "leader_b": make_officer("lead_b", t["b"], Role.LEADER),
    }
    tokens = {name: issue_token(actor=None, user=user, name=name)[1] for name, user in officers.items()}
    return {"t": t, "proc": catalog.procedure_by_code(PROC), **officers, "tokens": tokens}


class Api:
    """Calls as one officer (bearer token)."""

    def __init__(self, client, raw_token):
        self.client, self.headers = client, {"HTTP_AUTHORIZATION": f"Bearer {raw_token}"}

    def get(self, url, **kw):
        return self.client.get(f"/api/v1{url}", **kw, **self.headers)

    def post(self, url, body=None, **kw):
        return self.client.post(f"/api/v1{url}", json.dumps(body if body is not None else {}),
                                content_type="application/json", **kw, **self.headers)

    def act(self, code, action, **params):
        return self.post(f"/dossiers/{code}/actions/{action}", params)


@pytest.fixture
def as_(client, desk):
    return lambda name: Api(client, desk["tokens"][name])


def body(**over):
    data = {
        "receiving_unit": "000.10.01.H12", "procedure": PROC, "channel": "direct",
        "applicant": {"kind": "citizen", "name": "Nguyễn Văn An", "id_number": "001203004567",
                      "phone": "0912345678", "email": "an@example.org", "address": "Thôn 1, xã An Bình"},
        "components": [{"name": "Tờ khai", "form": "original", "quantity": 1}],
        "summary": "Xác định mức độ khuyết tật",
    }
    data.update(over)
    return data


def assert_problem(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    doc = response.json()
    assert doc["code"] == code and doc["status"] == status
    assert doc["detail"]
    return doc


def has_vietnamese(text):
    return any(ch in text for ch in "ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹáàãéèíìóòúùý")


def test_counter_reception_to_returned_result(as_, desk):
    recep, spec, lead, clerk = as_("reception"), as_("specialist"), as_("leader"), as_("clerk")
    response = recep.post("/dossiers", body())
    assert response.status_code == 201, response.content
    d = response.json()
    code = d["code"]
    assert code.startswith("000.10.01.H12-") and response["Location"].endswith(f"/dossiers/{code}")
    assert d["status"] == 4 and d["status_label"] and d["current_step"] == 0
    assert d["applicant"]["id_number"] == "001203004567"
    assert d["received_at"].endswith("+07:00") and d["due_at"].endswith("+07:00")
    assert d["timeliness"] == "in_time"
    assert "hand_over" in d["allowed_actions"] and "approve" not in d["allowed_actions"]

    steps = [
        (recep, "hand_over", {}),
        (spec, "request_supplement", {"reason": "Thiếu giấy khám sức khỏe"}),
        (recep, "supplement", {"as_applicant": True}),
        (spec, "hand_over", {}),
        (lead, "approve", {}),
        (lead, "hand_over", {}),
        (clerk, "hand_over", {}),
        (recep, "record_result", {"electronic": False}),
        (recep, "return_result", {"channel": "desk"}),
    ]
    for api, action, params in steps:
        response = api.act(code, action, **params)
        assert response.status_code == 200, (action, response.content)
    d = response.json()
    assert d["status"] == 10 and d["finished_at"] and d["returned_at"].endswith("+07:00")
    assert d["timeliness"] in ("early", "on_time")
    assert d["allowed_actions"] == []

    events = recep.get(f"/dossiers/{code}/events").json()
    assert [e["action"] for e in events] == ["receive", *(a for _api, a, _p in steps)]
    assert events[2]["payload"]["reason"] == "Thiếu giấy khám sức khỏe"
    assert all(e["at"].endswith("+07:00") for e in events)

    sheet = recep.get(f"/dossiers/{code}/process-control-sheet").json()
    assert sheet["code"] == code and sheet["timeliness"] in ("early", "on_time")
    assert len(sheet["rows"]) == 5
    for row in sheet["rows"]:
        assert row["unit"]["code"] and row["started_at"] and row["due_at"] and row["finished_at"]
        assert row["timeliness"] in ("early", "on_time", "late")
    assert sheet["rows"][0]["step"] and sheet["rows"][1]["role"] == "specialist"


def test_domain_refusals_are_problems_with_stable_codes(as_, desk):
    recep, spec = as_("reception"), as_("specialist")
    code = recep.post("/dossiers", body()).json()["code"]
    doc = assert_problem(spec.act(code, "approve"), 403, "permission_denied")
    assert has_vietnamese(doc["detail"])
    assert_problem(recep.act(code, "return_result", channel="desk"), 409, "action_not_allowed_in_status")
    recep.act(code, "hand_over")
    doc = assert_problem(spec.act(code, "record_result", electronic=True), 409, "not_last_step")
    assert "bước cuối" in doc["detail"]
    assert Dossier.objects.get(code=code).version == 1
    # Unknown action and bad parameters: validation problems listing the fields.
    doc = assert_problem(spec.act(code, "fly"), 422, "validation_error")
    assert doc["errors"][0]["field"] == "action"
    doc = assert_problem(spec.act(code, "hand_over", holder="nobody_here"), 422, "validation_error")
    assert doc["errors"][0]["field"] == "holder"
    doc = assert_problem(spec.act(code, "return_result", channel="pigeon"), 422, "validation_error")
    assert doc["errors"][0]["field"] == "channel"


def test_apology_too_late_is_refused_with_its_code(as_, desk):
    past = datetime(2026, 4, 6, 8, tzinfo=VN)
    d = create_dossier(actor=desk["reception"], procedure=desk["proc"], receiving_unit=desk["t"]["a"],
                       channel=Channel.DIRECT, applicant=ApplicantData(name="Trần Thị B"), now=past)
    new_due = timezone.now() + timedelta(days=30)
    response = as_("leader").act(d.code, "apologise", new_due_at=new_due.isoformat())
    assert_problem(response, 409, "apology_too_late")


def test_idempotent_create_replays_and_refuses_a_reused_key(as_, desk):
    recep = as_("reception")
    key = {"HTTP_IDEMPOTENCY_KEY": "9c1e-4b7a-retry-1"}
    first = recep.post("/dossiers", body(), **key)
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first
    again = recep.post("/dossiers", body(), **key)
    assert again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["code"] == first.json()["code"]
    assert again.json() == first.json()
    assert Dossier.objects.count() == 1 and IdempotencyKey.objects.count() == 1
    # Same key, different body: refused, nothing created.
    other = recep.post("/dossiers", body(summary="Khác"), **key)
    doc = assert_problem(other, 422, "idempotency_key_reused")
    assert has_vietnamese(doc["detail"])
    assert Dossier.objects.count() == 1
    # Another key creates another dossier; no key at all, too.
    assert recep.post("/dossiers", body(), HTTP_IDEMPOTENCY_KEY="other-key").status_code == 201
    assert recep.post("/dossiers", body()).status_code == 201
    assert Dossier.objects.count() == 3


def test_the_same_key_of_another_user_is_another_request(as_, desk, make_officer, client):
    other = make_officer("recep_a2", desk["t"]["a"], Role.RECEPTION_OFFICER)
    key = {"HTTP_IDEMPOTENCY_KEY": "shared-key"}
    assert as_("reception").post("/dossiers", body(), **key).status_code == 201
    api2 = Api(client, issue_token(actor=None, user=other, name="x")[1])
    assert api2.post("/dossiers", body(), **key).status_code == 201
    assert Dossier.objects.count() == 2


@pytest.mark.parametrize(("change", "field"), [
    ({"channel": "fax"}, "channel"),
    ({"procedure": "abc"}, "procedure"),
    ({"procedure": "9.999999"}, "procedure"),
    ({"receiving_unit": "000.10.02.H12"}, "receiving_unit"),
    ({"applicant": {"name": "A", "id_number": "12345"}}, "applicant.id_number"),
    ({"applicant": {"name": "A", "phone": "abc"}}, "applicant.phone"),
    ({"applicant": {"name": ""}}, "applicant.name"),
    ({"applicant": {"name": "   "}}, "applicant.name"),
    ({"applicant": {"name": "A\u0000B"}}, "applicant.name"),
    ({"applicant": {"name": "A", "kind": "alien"}}, "applicant.kind"),
    ({"components": [{"name": "x", "quantity": 0}]}, "components.0.quantity"),
    ({"components": [{"name": "x", "required_document_id": 999999}]}, "components.0.required_document_id"),
    ({"summary": "x" * 501}, "summary"),
])
def test_bad_create_input_is_a_validation_problem(as_, desk, change, field):
    doc = assert_problem(as_("reception").post("/dossiers", body(**change)), 422, "validation_error")
    assert field in [e["field"] for e in doc["errors"]]
    assert has_vietnamese(doc["detail"])
    assert not Dossier.objects.exists()


def test_only_reception_officers_receive(as_, desk):
    assert_problem(as_("specialist").post("/dossiers", body()), 403, "permission_denied")
    assert not Dossier.objects.exists()


def make_dossiers(desk, count, when):
    return [create_dossier(actor=desk["reception"], procedure=desk["proc"], receiving_unit=desk["t"]["a"],
                           channel=Channel.POSTAL if i % 3 == 0 else Channel.DIRECT,
                           applicant=ApplicantData(name=f"Người nộp {i}"), now=when + timedelta(minutes=i))
            for i in range(count)]


def test_cursor_pages_have_no_duplicates_or_misses(as_, desk):
    made = make_dossiers(desk, 7, timezone.now() - timedelta(hours=1))
    recep = as_("reception")
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        response = recep.get("/dossiers", data=params)
        assert response.status_code == 200, response.content
        page = response.json()
        assert len(page["results"]) <= 3
        seen += [r["code"] for r in page["results"]]
        pages += 1
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert pages == 3
    assert sorted(seen) == sorted(d.code for d in made) and len(set(seen)) == 7
    dues = [Dossier.objects.get(code=c).due_at for c in seen]
    assert dues == sorted(dues)
    assert_problem(recep.get("/dossiers", data={"cursor": "bm90LWEtY3Vyc29y"}), 422, "validation_error")
    assert_problem(recep.get("/dossiers", data={"limit": 201}), 422, "validation_error")


def test_list_filters(as_, desk):
    old = make_dossiers(desk, 3, datetime(2026, 1, 5, 8, tzinfo=VN))  # appointments long past: overdue
    new = make_dossiers(desk, 4, timezone.now() - timedelta(minutes=30))
    recep = as_("reception")

    def codes(**params):
        response = recep.get("/dossiers", data=params)
        assert response.status_code == 200, response.content
        return {r["code"] for r in response.json()["results"]}

    assert codes(overdue="true") == {d.code for d in old}
    assert codes(overdue="false") == {d.code for d in new}
    assert codes(due_before=(old[-1].due_at + timedelta(seconds=1)).isoformat()) == {d.code for d in old}
    assert codes(channel="postal") == {d.code for d in old + new if d.channel == Channel.POSTAL}
    assert codes(procedure=PROC, unit="000.10.01.H12") == {d.code for d in old + new}
    assert codes(procedure="1.000001") == set()
    recep.act(new[0].code, "hand_over")
    as_("specialist").act(new[0].code, "request_supplement", reason="Thiếu")
    assert codes(status=5) == {new[0].code}
    assert codes(status=[4, 5]) == {d.code for d in old + new}
    item = recep.get("/dossiers", data={"status": 5}).json()["results"][0]
    assert item["status_label"] and item["due_at"].endswith("+07:00") and item["channel"] in ("direct", "postal")
    assert_problem(recep.get("/dossiers", data={"status": 11}), 422, "validation_error")
    assert_problem(recep.get("/dossiers", data={"channel": "fax"}), 422, "validation_error")


def test_officer_of_b_gets_not_found_for_everything_of_a(as_, desk):
    recep = as_("reception")
    d = recep.post("/dossiers", body()).json()
    code = d["code"]
    component = recep.get(f"/dossiers/{code}/components").json()[0]
    upload = recep.client.post(f"/api/v1/dossiers/{code}/components/{component['id']}/files",
                               {"file": io.BytesIO(PDF)}, **recep.headers)
    sha = upload.json()["sha256"]
    for name in ("reception_b", "leader_b"):
        b = as_(name)
        for url in (f"/dossiers/{code}", f"/dossiers/{code}/events", f"/dossiers/{code}/components",
                    f"/dossiers/{code}/process-control-sheet", f"/dossiers/{code}/files/{sha}"):
            assert_problem(b.get(url), 404, "dossier_not_found")
        for action in ("hand_over", "approve", "withdraw", "fly_away"):
            response = b.act(code, action)
            assert response.status_code in (404, 422)
            if response.status_code == 404:
                assert response.json()["code"] == "dossier_not_found"
        response = b.client.post(f"/api/v1/dossiers/{code}/components/{component['id']}/files",
                                 {"file": io.BytesIO(PDF)}, **b.headers)
        assert_problem(response, 404, "dossier_not_found")
        assert b.get("/dossiers").json()["results"] == []
    # Same answer as for a dossier that does not exist.
    missing = as_("reception_b").get("/dossiers/000.10.01.H12-260406-9999")
    assert missing.json()["detail"] == as_("reception_b").get(f"/dossiers/{code}").json()["detail"]
    assert DossierEvent.objects.filter(dossier__code=code).count() == 1


def test_a_token_scoped_to_actions_cannot_do_others(client, desk):
    _t, read_only = issue_token(actor=None, user=desk["reception"], name="Chỉ xem",
                                actions=[Action.DOSSIER_VIEW.value, Action.UNIT_VIEW.value])
    api = Api(client, read_only)
    assert_problem(api.post("/dossiers", body()), 403, "permission_denied")
    code = as_api(client, desk, "reception").post("/dossiers", body()).json()["code"]
    assert api.get(f"/dossiers/{code}").status_code == 200
    assert "withdraw" not in api.get(f"/dossiers/{code}").json()["allowed_actions"]
    assert_problem(api.act(code, "withdraw", as_applicant=True), 403, "permission_denied")
    # A token limited to one dossier action.
    _t, hand_over_only = issue_token(actor=None, user=desk["reception"], name="Chỉ chuyển",
                                     actions=[Action.DOSSIER_VIEW.value, "dossier:hand_over"])
    api = Api(client, hand_over_only)
    assert_problem(api.act(code, "withdraw", as_applicant=True), 403, "permission_denied")
    assert api.act(code, "hand_over").status_code == 200


def as_api(client, desk, name):
    return Api(client, desk["tokens"][name])


def test_file_upload_and_download(as_, desk):
    recep = as_("reception")
    code = recep.post("/dossiers", body()).json()["code"]
    component = recep.get(f"/dossiers/{code}/components").json()[0]
    assert component["files"] == [] and component["digitized"] is False
    url = f"/api/v1/dossiers/{code}/components/{component['id']}/files"
    response = recep.client.post(url, {"file": io.BytesIO(PDF)}, **recep.headers)
    assert response.status_code == 201, response.content
    stored = response.json()
    assert stored["content_type"] == "application/pdf" and stored["size"] == len(PDF)
    component = recep.get(f"/dossiers/{code}/components").json()[0]
    assert component["digitized"] is True and component["files"][0]["sha256"] == stored["sha256"]
    download = recep.get(f"/dossiers/{code}/files/{stored['sha256']}")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Type"] == "application/pdf" and "attachment" in download["Content-Disposition"]
    # A file of another dossier is not reachable through this one.
    other = recep.post("/dossiers", body()).json()["code"]
    assert_problem(recep.get(f"/dossiers/{other}/files/{stored['sha256']}"), 404, "file_not_found")

    bad = recep.client.post(url, {"file": io.BytesIO(b"MZ\x90\x00 not a document")}, **recep.headers)
    doc = assert_problem(bad, 422, "file_type_not_allowed")
    assert has_vietnamese(doc["detail"])
    assert StoredFile.objects.count() == 1
    assert_problem(recep.client.post(f"/api/v1/dossiers/{code}/components/999999/files",
                                     {"file": io.BytesIO(PDF)}, **recep.headers), 404, "component_not_found")


def test_too_large_file_is_refused(as_, desk, settings):
    settings.MOTCUA_MAX_UPLOAD_BYTES = 1024
    recep = as_("reception")
    code = recep.post("/dossiers", body()).json()["code"]
    component = recep.get(f"/dossiers/{code}/components").json()[0]
    response = recep.client.post(f"/api/v1/dossiers/{code}/components/{component['id']}/files",
                                 {"file": io.BytesIO(PDF + b"0" * 2048)}, **recep.headers)
    assert_problem(response, 422, "file_too_large")
    assert not StoredFile.objects.exists()


def test_public_lookup_masks_the_name_and_is_rate_limited(client, as_, desk):
    code = as_("reception").post("/dossiers", body()).json()["code"]
    response = client.get(f"/api/v1/public/dossiers/{code}")
    assert response.status_code == 200
    data = response.json()
    assert data["applicant_name"] == "Nguyễn V** A*"
    assert data["status"] == 4 and data["status_label"] and data["due_at"].endswith("+07:00")
    text = response.content.decode()
    for secret in ("001203004567", "0912345678", "an@example.org", "Văn An", "Thôn 1"):
        assert secret not in text
    assert_problem(client.get("/api/v1/public/dossiers/000.10.01.H12-260406-9999"), 404, "dossier_not_found")
    for _i in range(58):
        client.get(f"/api/v1/public/dossiers/{code}")
    limited = client.get(f"/api/v1/public/dossiers/{code}")
    doc = assert_problem(limited, 429, "rate_limited")
    assert has_vietnamese(doc["detail"]) and int(limited["Retry-After"]) >= 1
    # Another client address has its own window.
    assert client.get(f"/api/v1/public/dossiers/{code}", REMOTE_ADDR="10.0.0.9").status_code == 200


def test_anonymous_cannot_use_the_officer_endpoints(client, desk):
    assert_problem(client.get("/api/v1/dossiers"), 401, "not_authenticated")
    assert_problem(client.post("/api/v1/dossiers", "{}", content_type="application/json"), 401, "not_authenticated")


def test_session_login_works_too(client, desk):
    client.login(username="recep_a", password="pass-Word-123")
    response = client.post("/api/v1/dossiers", json.dumps(body()), content_type="application/json")
    assert response.status_code == 201
    assert client.get("/api/v1/dossiers").json()["results"][0]["code"] == response.json()["code"]


def test_catalogue_search_and_detail(as_, desk):
    api = as_("specialist")
    page = api.get("/procedures", data={"q": "khuyet tat", "page_size": 5}).json()
    assert PROC in [p["code"] for p in page["results"]]
    assert page["page_size"] == 5 and page["count"] >= 1
    commune = api.get("/procedures", data={"level": "commune", "page_size": 100}).json()
    assert all("commune" in p["levels"] for p in commune["results"])
    detail = api.get(f"/procedures/{PROC}").json()
    assert detail["limit"]["text"] and detail["documents"] and detail["steps"]
    assert {"name", "kind", "amount"} <= set(detail["fees"][0]) if detail["fees"] else True
    assert_problem(api.get("/procedures/9.999999"), 404, "procedure_not_found")
    assert_problem(api.get("/procedures", data={"level": "galaxy"}), 422, "validation_error")


def test_a_concurrent_duplicate_key_is_detected_for_replay(as_, desk):
    from motcua.dossiers.idempotency import IdempotencyRace, remember_idempotent, request_hash

    d = Dossier.objects.get(code=as_("reception").post("/dossiers", body(), HTTP_IDEMPOTENCY_KEY="k1").json()["code"])
    with pytest.raises(IdempotencyRace):
        remember_idempotent(desk["reception"], "k1", request_hash(body()), d)
    assert IdempotencyKey.objects.count() == 1
