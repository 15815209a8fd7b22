def test_live(client):
    resp = client.get("/health/live")
    assert resp.status_code == 200
    assert resp.get_json() == {"status": "ok"}


def test_ready_says_only_ok(client):
    resp = client.get("/health/ready")
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json() == {"status": "ok"}


def test_component_detail_is_for_operators(client, make_user, auth_header):
    assert client.get("/health/components").status_code == 401
    student = auth_header(make_user(role="student"))
    assert client.get("/health/components", headers=student).status_code == 403
    resp = client.get("/health/components", headers=auth_header(make_user(role="superadmin")))
    body = resp.get_json()
    assert resp.status_code == 200, body
    assert {name: c["state"] for name, c in body["components"].items()} == {"mongodb": "up", "redis": "up", "s3": "up"}


def test_a_component_down_is_503_and_only_operators_learn_which(client, make_user, auth_header, monkeypatch):
    from api import health

    def unreachable() -> None:
        raise ConnectionError

    monkeypatch.setattr(health.files, "ping", unreachable)
    public = client.get("/health/ready")
    assert public.status_code == 503
    assert public.get_json()["error"] == {"code": "unavailable", "message": "Not ready.", "details": {}}
    assert "s3" not in public.get_data(as_text=True)
    detail = client.get("/health/components", headers=auth_header(make_user(role="superadmin")))
    assert detail.status_code == 503
    error = detail.get_json()["error"]
    assert error["message"] == "Not ready: s3 not reachable."
    assert error["details"]["s3"] == {"state": "down", "reason": "ConnectionError"}
    assert error["details"]["mongodb"] == {"state": "up"}
