"""Every status >= 400 answers with the one error body."""


def _assert_error(resp, status, code):
    assert resp.status_code == status, resp.get_data(as_text=True)
    body = resp.get_json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str)
    assert body["error"]["message"]
    assert isinstance(body["error"]["details"], dict)


def test_unknown_path_is_404(client):
    _assert_error(client.get("/api/v1/nothing-here"), 404, "not_found")


def test_wrong_method_is_405_with_allow(client):
    resp = client.delete("/health/live")
    _assert_error(resp, 405, "method_not_allowed")
    assert "GET" in resp.headers["Allow"]


def test_bad_json_is_400(client):
    resp = client.post("/api/v1/auth/login", data="{not json", content_type="application/json")
    _assert_error(resp, 400, "bad_request")


def test_missing_fields_are_422_with_field_details(client):
    resp = client.post("/api/v1/auth/login", json={"login": "someone@example.edu"})
    _assert_error(resp, 422, "validation_error")
    assert "password" in resp.get_json()["error"]["details"]


def test_unknown_fields_are_rejected(client):
    resp = client.post("/api/v1/auth/login", json={"login": "a@b.edu", "password": "x", "admin": True})
    _assert_error(resp, 422, "validation_error")
    assert "admin" in resp.get_json()["error"]["details"]


def test_wrong_password_is_401(client, make_user):
    user = make_user("student")
    resp = client.post("/api/v1/auth/login", json={"login": user["email"], "password": "wrong-password-1"})
    _assert_error(resp, 401, "invalid_credentials")


def test_a_crash_in_a_view_is_500_without_internals(db):
    from api.app import create_app

    fresh = create_app()

    @fresh.route("/boom-for-test")
    def boom():
        raise RuntimeError("secret internals")

    resp = fresh.test_client().get("/boom-for-test")
    _assert_error(resp, 500, "internal_error")
    assert "secret" not in resp.get_data(as_text=True)


def test_request_id_is_echoed(client):
    resp = client.get("/health/live", headers={"X-Request-ID": "abc-123"})
    assert resp.headers["X-Request-ID"] == "abc-123"


def test_a_json_body_over_the_limit_is_413_before_it_is_parsed(client):
    padding = "x" * (1024 * 1024 + 10)
    resp = client.post(
        "/api/v1/auth/login", data='{"login": "a@b.c", "password": "' + padding + '"}', content_type="application/json"
    )
    assert resp.status_code == 413
    assert resp.get_json()["error"]["code"] == "payload_too_large"


def test_a_json_body_under_the_limit_is_parsed(client):
    resp = client.post("/api/v1/auth/login", json={"login": "nobody@example.edu", "password": "x" * 200})
    assert resp.status_code == 401


def test_swagger_ui_loads_nothing_from_the_network(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "/api/v1/docs/assets/swagger-ui-bundle.js" in html
    assert "http://" not in html
    assert "https://" not in html
    for name in ("swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css"):
        asset = client.get(f"/api/v1/docs/assets/{name}")
        assert asset.status_code == 200, name
        assert len(asset.get_data()) > 1000
        asset.close()
    assert client.get("/api/v1/docs/assets/../../app.py").status_code == 404


def test_a_multipart_part_without_a_readable_name_is_a_422_not_a_500(client, make_user, auth_header):
    unreadable = b'--b\r\nContent-Disposition: form-data; name="\n"\r\n\r\nx\r\n'
    nameless = b"--b\r\nContent-Disposition: form-data\r\n\r\ny\r\n--b--\r\n"
    resp = client.post(
        "/api/v1/uploads",
        headers=auth_header(make_user("superadmin")),
        data=unreadable + nameless,
        content_type="multipart/form-data; boundary=b",
    )
    _assert_error(resp, 422, "validation_error")
    assert resp.get_json()["error"]["details"][""] == ["Unknown field."]
