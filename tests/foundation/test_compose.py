"""docker-compose.yml (no Docker engine here, so it is checked as a document): every server it
runs requires credentials taken from the environment, and the app connects with them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
REQUIRED = re.compile(r"\$\{(?P<name>[A-Z_]+):\?[^}]+\}")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _required(value: str) -> set[str]:
    return {match["name"] for match in REQUIRED.finditer(value)}


@pytest.mark.unit
def test_mongodb_redis_and_minio_require_credentials_from_the_environment(compose):
    services = compose["services"]
    mongo = services["mongo"]["environment"]
    assert _required(mongo["MONGO_INITDB_ROOT_USERNAME"]) == {"MONGO_ROOT_USER"}
    assert _required(mongo["MONGO_INITDB_ROOT_PASSWORD"]) == {"MONGO_ROOT_PASSWORD"}
    assert "--keyFile" in " ".join(services["mongo"]["entrypoint"])  # a replica set with auth needs one
    redis_command = services["redis"]["command"]
    assert _required(redis_command[redis_command.index("--requirepass") + 1]) == {"REDIS_PASSWORD"}
    minio = services["minio"]["environment"]
    assert _required(minio["MINIO_ROOT_USER"]) == {"MINIO_ROOT_USER"}
    assert _required(minio["MINIO_ROOT_PASSWORD"]) == {"MINIO_ROOT_PASSWORD"}


@pytest.mark.unit
def test_the_app_connects_with_those_credentials(compose):
    app = compose["x-app"]["environment"]
    assert _required(app["MONGO_URI"]) == {"MONGO_ROOT_USER", "MONGO_ROOT_PASSWORD"}
    assert "authSource=admin" in app["MONGO_URI"]
    assert _required(app["REDIS_URL"]) == {"REDIS_PASSWORD"}
    assert _required(app["AWS_ACCESS_KEY_ID"]) == {"MINIO_ROOT_USER"}
    assert _required(app["AWS_SECRET_ACCESS_KEY"]) == {"MINIO_ROOT_PASSWORD"}


@pytest.mark.unit
def test_no_credential_is_written_into_the_file_and_each_is_documented():
    text = (ROOT / "docker-compose.yml").read_text()
    assert "minioadmin" not in text
    example = (ROOT / ".env.example").read_text()
    for name in _required(text):
        assert re.search(rf"^{name}=", example, re.MULTILINE), f"{name} is not in .env.example"
