"""API tokens: bearer authentication, scope to units and actions, revocation, expiry."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from motcua.core.domain.permissions import Action, Role
from motcua.core.models import ApiToken, Counter
from motcua.core.tokens import issue_token, revoke_token

pytestmark = pytest.mark.django_db


def bearer(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.fixture
def province_admin(province_tree, make_officer):
    return make_officer("tinh_admin", province_tree["province"], Role.PROVINCE_ADMIN)


def test_token_authenticates_and_only_its_hash_is_stored(client, province_tree, province_admin):
    token, raw = issue_token(actor=None, user=province_admin, name="Cổng DVC")
    assert raw.startswith("mc_") and token.secret_hash not in raw
    assert raw.split("_", 2)[2] not in json.dumps(list(ApiToken.objects.values()), default=str)
    body = client.get("/api/v1/units", **bearer(raw)).json()
    assert body["count"] == 6


def test_token_scoped_to_a_unit_sees_only_its_subtree(client, province_tree, province_admin):
    _token, raw = issue_token(actor=None, user=province_admin, name="Hệ thống xã A", units=[province_tree["a"]])
    body = client.get("/api/v1/units", **bearer(raw)).json()
    assert [u["code"] for u in body["results"]] == [province_tree["a"].code]
    response = client.get(f"/api/v1/units/{province_tree['b'].code}", **bearer(raw))
    assert response.status_code == 404


def test_token_scoped_to_two_units_sees_both_subtrees_and_reads_them_with_the_token(
        client, province_tree, province_admin, django_assert_max_num_queries):
    units = [province_tree["a"], province_tree["b"]]
    _token, raw = issue_token(actor=None, user=province_admin, name="Hai xã", units=units)
    with django_assert_max_num_queries(5):  # token with its units, last use, roles, count, page
        body = client.get("/api/v1/units", **bearer(raw)).json()
    assert sorted(u["code"] for u in body["results"]) == sorted(u.code for u in units)


def test_token_scoped_to_actions_cannot_do_others(client, province_tree, province_admin):
    _token, raw = issue_token(actor=None, user=province_admin, name="Chỉ đọc", actions=[Action.UNIT_VIEW.value])
    assert client.get("/api/v1/units", **bearer(raw)).json()["count"] == 6
    response = client.post(f"/api/v1/units/{province_tree['a'].code}/counters", json.dumps({"number": 1}),
                           content_type="application/json", **bearer(raw))
    assert response.status_code == 403
    assert not Counter.objects.exists()


def test_a_token_never_widens_the_user_reach(client, province_tree, make_officer):
    officer_a = make_officer("spec_a", province_tree["a"], Role.SPECIALIST)
    _token, raw = issue_token(actor=None, user=officer_a, name="x", units=[province_tree["b"]])
    assert client.get("/api/v1/units", **bearer(raw)).json()["count"] == 0


@pytest.mark.parametrize("mutate", ["revoke", "expire", "garbage", "wrong_secret"])
def test_dead_tokens_are_refused_with_a_problem(client, province_tree, province_admin, mutate):
    token, raw = issue_token(actor=None, user=province_admin, name="x", valid_for=timedelta(days=1))
    if mutate == "revoke":
        revoke_token(actor=None, token=token)
    elif mutate == "expire":
        ApiToken.objects.filter(pk=token.pk).update(expires_at=token.created_at - timedelta(seconds=1))
    elif mutate == "garbage":
        raw = "not-a-token"
    else:
        raw = raw[:-3] + "abc"
    response = client.get("/api/v1/units", **bearer(raw))
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_unknown_action_in_scope_is_refused(province_admin):
    with pytest.raises(ValueError, match="unknown actions"):
        issue_token(actor=None, user=province_admin, name="x", actions=["dossier.fly"])
