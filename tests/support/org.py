"""Organisations for tests, built one way: campuses, courses, batches and accounts made through the
store, named under a suffix unique to the builder (test modules share one database), every account
with the same password hash (argon2 costs time on purpose), and bearer headers minted directly (no
sign-in, so no sign-in rate limit).

`org.ids[key]` is each record's id as text, `org.users[key]` each account, `org.headers[key]` its
Authorization header once `issue_headers(app)` ran.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from tests.conftest import TEST_PASSWORD

_PASSWORD_HASH: list[str] = []  # made once per test process


def _password_hash() -> str:
    if not _PASSWORD_HASH:
        from security.passwords import hash_password

        _PASSWORD_HASH.append(hash_password(TEST_PASSWORD))
    return _PASSWORD_HASH[0]


@dataclass
class Org:
    db: Any = None
    suffix: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    ids: dict[str, str] = field(default_factory=dict)
    users: dict[str, dict] = field(default_factory=dict)
    headers: dict[str, dict] = field(default_factory=dict)

    def campus(self, key: str, name: str | None = None) -> str:
        from store import campuses

        self.ids[key] = str(campuses.create(self.db, {"name": f"{name or key} {self.suffix}"})["_id"])
        return self.ids[key]

    def course(self, key: str, campus: str, name: str | None = None) -> str:
        from store import courses

        self.ids[key] = str(courses.create(self.db, {"name": name or key, "campus_id": self.ids[campus]})["_id"])
        return self.ids[key]

    def batch(self, key: str, campus: str, courses: list[str], name: str | None = None) -> str:
        from store import batches

        doc = {"name": name or key, "campus_id": self.ids[campus], "course_ids": [self.ids[c] for c in courses]}
        self.ids[key] = str(batches.create(self.db, doc)["_id"])
        return self.ids[key]

    def account(self, key: str, role: str, **fields: Any) -> dict:
        """An account with the test password; `name` and `email` default from the key."""
        from store import users

        doc = {
            "name": f"{key.replace('_', ' ').title()}",
            "email": f"{key.lower()}.{self.suffix}@example.edu",
            "role": role,
            "password_hash": _password_hash(),
            **fields,
        }
        self.users[key] = users.create(self.db, doc)
        self.ids[key] = str(self.users[key]["_id"])
        return self.users[key]

    def student(self, key: str, campus: str, batch: str, course: str, **fields: Any) -> dict:
        """A student of a batch and course, with a roll number unique to the builder by default."""
        return self.account(
            key,
            "student",
            roll_number=fields.pop("roll_number", f"{key[:3].upper()}{self.suffix}"),
            campus_id=self.ids[campus],
            batch_id=self.ids[batch],
            course_id=self.ids[course],
            **fields,
        )

    def issue_headers(self, app: Any) -> dict[str, dict]:
        """key -> bearer header for every account made so far."""
        from api.identity.tokens import issue_tokens

        with app.app_context():
            self.headers = {
                key: {"Authorization": f"Bearer {issue_tokens(user)['access_token']}"}
                for key, user in self.users.items()
            }
        return self.headers
