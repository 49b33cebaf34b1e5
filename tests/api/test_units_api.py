"""Through the REST API, an officer of commune A cannot read or act on anything of commune B."""

from __future__ import annotations

import json

import pytest

from motcua.core.domain.permissions import Role
from motcua.core.models import Counter

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def login(client, make_officer, unit, role, name):
    make_officer(name, unit, role)
    client.login(username=name, password="pass-Word-123")
    return client


def test_anonymous_gets_a_problem_document(client):
    response = client.get("/api/v1/units")
    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["code"] == "not_authenticated"
    assert body["status"] == 401
    assert "đăng nhập" in body["detail"].lower()


def test_list_is_scoped(client, province_tree, make_officer):
    login(client, make_officer, province_tree["a"], Role.SPECIALIST, "spec_a")
    body = client.get("/api/v1/units").json()
    assert [u["code"] for u in body["results"]] == [province_tree["a"].code]
    assert body["count"] == 1


def test_unit_b_is_not_found_for_officer_a(client, province_tree, make_officer):
    login(client, make_officer, province_tree["a"], Role.SPECIALIST, "spec_a")
    for url in (f"/api/v1/units/{province_tree['b'].code}", f"/api/v1/units/{province_tree['b'].code}/counters"):
        response = client.get(url)
        assert response.status_code == 404
        assert response["Content-Type"] == PROBLEM
        assert response.json()["code"] == "unit_not_found"


def test_admin_a_cannot_open_a_counter_at_b(client, province_tree, make_officer):
    login(client, make_officer, province_tree["a"], Role.UNIT_ADMIN, "admin_a")
    response = client.post(f"/api/v1/units/{province_tree['b'].code}/counters", json.dumps({"number": 1}),
                           content_type="application/json")
    assert response.status_code == 404
    assert not Counter.objects.filter(unit=province_tree["b"]).exists()
    response = client.post(f"/api/v1/units/{province_tree['a'].code}/counters", json.dumps({"number": 1}),
                           content_type="application/json")
    assert response.status_code == 201
    assert response.json()["number"] == 1


def test_specialist_may_read_but_not_open_counters(client, province_tree, make_officer):
    login(client, make_officer, province_tree["a"], Role.SPECIALIST, "spec_a")
    response = client.post(f"/api/v1/units/{province_tree['a'].code}/counters", json.dumps({"number": 1}),
                           content_type="application/json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not Counter.objects.exists()


@pytest.mark.parametrize("payload", [{"number": 0}, {"number": "abc"}, {}, {"number": 1, "name": "x" * 200}])
def test_bad_input_is_a_validation_problem(client, province_tree, make_officer, payload):
    login(client, make_officer, province_tree["a"], Role.UNIT_ADMIN, "admin_a")
    response = client.post(f"/api/v1/units/{province_tree['a'].code}/counters", json.dumps(payload),
                           content_type="application/json")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["errors"]
    assert not Counter.objects.exists()


def test_duplicate_counter_is_a_validation_problem(client, province_tree, make_officer):
    login(client, make_officer, province_tree["a"], Role.UNIT_ADMIN, "admin_a")
    url = f"/api/v1/units/{province_tree['a'].code}/counters"
    assert client.post(url, json.dumps({"number": 2}), content_type="application/json").status_code == 201
    response = client.post(url, json.dumps({"number": 2}), content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "number"


def test_openapi_document_and_docs_page_are_served_without_cdn(client, province_tree, make_officer):
    login(client, make_officer, province_tree["a"], Role.SPECIALIST, "spec_a")
    spec = client.get("/api/v1/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/units/{code}/counters" in spec["paths"]
    docs = client.get("/api/v1/docs").content.decode()
    assert "cdn" not in docs.lower()
