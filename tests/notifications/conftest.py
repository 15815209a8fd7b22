"""Fixtures for the notification tests: the outbox on the suite's real MongoDB server
(`mongo_db` from tests/conftest.py, a fresh database per test) and the fake Brevo server."""
from __future__ import annotations


import pytest

from devstack.fake_brevo import FakeBrevo
from store import notifications as outbox
from store import preferences
from workers.notifications.senders import BrevoSender

@pytest.fixture()
def outbox_db(mongo_db):
    outbox.ensure_indexes(mongo_db)
    preferences.ensure_indexes(mongo_db)
    return mongo_db


@pytest.fixture()
def fake_brevo():
    server = FakeBrevo(api_key="test-key").start()
    yield server
    server.stop()


@pytest.fixture()
def brevo_sender(fake_brevo):
    return BrevoSender("test-key", "noreply@versant.test", "AI-VERSANT", "VERSANT",
                       host=fake_brevo.base_url, timeout=(1.0, 0.5))
