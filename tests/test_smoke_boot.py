def test_live(client):
    resp = client.get("/health/live")
    assert resp.status_code == 200
    assert resp.get_json() == {"status": "ok"}


def test_ready_reports_each_component(client):
    resp = client.get("/health/ready")
    body = resp.get_json()
    assert resp.status_code == 200, body
    assert {name: c["state"] for name, c in body["components"].items()} == {"mongodb": "up", "redis": "up", "s3": "up"}
