"""Every endpoint declares an access rule, and none answers without a token unless it is public."""

from __future__ import annotations

import re

from bson import ObjectId

from api.access import declared_rule


def _endpoints(app):
    for url_rule in app.url_map.iter_rules():
        yield url_rule, app.view_functions[url_rule.endpoint]


def test_every_endpoint_declares_an_access_rule(app):
    undeclared = [f"{r.rule} ({r.endpoint})" for r, view in _endpoints(app) if declared_rule(view, r.endpoint) is None]
    assert not undeclared, f"endpoints without an access rule: {undeclared}"


def test_a_new_endpoint_without_a_rule_is_caught(app):
    def naked_view():
        return "open"

    assert declared_rule(naked_view, "someone.naked_view") is None


def test_every_openapi_path_is_a_declared_endpoint(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    declared = {
        re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", r.rule)
        for r, view in _endpoints(app)
        if declared_rule(view, r.endpoint) is not None
    }
    assert set(spec["paths"]) <= declared


def test_no_token_gets_401_on_every_non_public_endpoint(app, client):
    any_id = str(ObjectId())
    checked = 0
    for url_rule, view in _endpoints(app):
        rule = declared_rule(view, url_rule.endpoint)
        if rule.kind == "public":
            continue
        path = re.sub(r"<(?:\w+:)?\w+>", any_id, url_rule.rule)
        for method in sorted(url_rule.methods - {"HEAD", "OPTIONS"}):
            resp = client.open(path, method=method, json={})
            if resp.status_code == 415:  # file endpoints refuse non-multipart bodies before anything else
                resp = client.open(path, method=method, data={}, content_type="multipart/form-data")
            assert resp.status_code == 401, (method, path, resp.status_code)
            assert resp.get_json()["error"]["code"] == "unauthorized"
            checked += 1
    assert checked >= 25


def test_audit_filters_by_time_window(client, tokens):
    header = tokens["superadmin"]
    future = client.get("/api/v1/audit", query_string={"since": "2999-01-01T00:00:00"}, headers=header).get_json()
    everything = client.get("/api/v1/audit", query_string={"until": "2999-01-01T00:00:00Z"}, headers=header)
    assert future["total"] == 0
    assert everything.status_code == 200
    bad = client.get("/api/v1/audit", query_string={"since": "yesterday"}, headers=header)
    assert bad.status_code == 422
