"""The access policy (domain/access.py) on its own: every role against every resource kind.

Each kind gets a record in the caller's part of the organisation ("in") and one outside it
("out"); jobs also get one the caller owns outside their scope ("own"). The filters run on the
real MongoDB stand-in, as they do behind the API. A kind added to the policy without its row
here fails `test_every_resource_kind_is_in_the_matrix`.
"""

from __future__ import annotations

import pytest
from bson import ObjectId

from domain import access
from domain.access import RESOURCES
from domain.filters import all_of, alternatives

CAMPUS_A, CAMPUS_B = ObjectId(), ObjectId()
COURSE_A1, COURSE_B1 = ObjectId(), ObjectId()
STUDENT_A, OWNER = ObjectId(), ObjectId()
A, B, A1, B1 = str(CAMPUS_A), str(CAMPUS_B), str(COURSE_A1), str(COURSE_B1)

USERS = {
    "superadmin": {"_id": OWNER, "role": "superadmin"},
    "sub_superadmin": {"_id": OWNER, "role": "sub_superadmin", "permissions": {}},
    "campus_admin": {"_id": OWNER, "role": "campus_admin", "campus_id": A},
    "course_admin": {"_id": OWNER, "role": "course_admin", "campus_id": A, "course_ids": [A1]},
    "student": {"_id": STUDENT_A, "role": "student", "campus_id": A, "batch_id": "b", "course_id": A1},
    "campus_admin_without_campus": {"_id": OWNER, "role": "campus_admin"},
}

# kind -> {label: document}
RECORDS = {
    "campuses": {"in": {"_id": CAMPUS_A}, "out": {"_id": CAMPUS_B}},
    "courses": {"in": {"_id": COURSE_A1, "campus_id": A}, "out": {"_id": COURSE_B1, "campus_id": B}},
    "batches": {"in": {"campus_id": A, "course_ids": [A1, "x"]}, "out": {"campus_id": B, "course_ids": [B1]}},
    "students": {
        "in": {"_id": STUDENT_A, "role": "student", "campus_id": A, "course_id": A1},
        "out": {"role": "student", "campus_id": B, "course_id": B1},
    },
    "admins": {"in": {"role": "course_admin", "campus_id": A}, "out": {"role": "course_admin", "campus_id": B}},
    "items": {"in": {"campus_id": A}, "out": {"campus_id": B}, "shared": {"campus_id": None}},
    "tests": {
        "in": {"campus_id": A, "course_ids": [A1], "audience": access.audience(["b"]), "active": True},
        "out": {"campus_id": B, "course_ids": [B1], "audience": access.audience(["other"]), "active": True},
        "named": {
            "campus_id": B,
            "course_ids": [B1],
            "audience": access.audience([], [str(STUDENT_A)]),
            "active": True,
        },
        "inactive": {"campus_id": A, "course_ids": [A1], "audience": access.audience(["b"]), "active": False},
        "other_student": {"campus_id": A, "course_ids": [A1], "audience": access.audience([], ["x"]), "active": True},
    },
    "attempts": {
        "in": {"campus_id": A, "course_id": A1, "student_id": str(STUDENT_A)},
        "out": {"campus_id": B, "course_id": B1, "student_id": "someone"},
    },
    "notifications": {
        "in": {"scope": {"campus_id": A, "course_id": A1}},
        "out": {"scope": {"campus_id": B, "course_id": B1}},
    },
    "jobs": {
        "in": {"owner_id": "someone", "scope": {"campus_id": A, "course_id": A1}},
        "out": {"owner_id": "someone", "scope": {"campus_id": B}},
        "own": {"owner_id": str(OWNER), "scope": {"campus_id": B}},
    },
}

EVERYTHING = {kind: set(records) for kind, records in RECORDS.items()}
NOTHING: dict[str, set[str]] = {kind: set() for kind in RECORDS}
EXPECTED: dict[str, dict[str, set[str]]] = {
    "superadmin": EVERYTHING,
    "sub_superadmin": EVERYTHING,
    "campus_admin": {
        **{kind: {"in"} for kind in RECORDS},
        "items": {"in", "shared"},
        "tests": {"in", "inactive", "other_student"},
        "jobs": {"in", "own"},
    },
    "course_admin": {
        **{kind: {"in"} for kind in RECORDS},
        "admins": set(),
        "items": {"in", "shared"},
        "tests": {"in", "inactive", "other_student"},
        "jobs": {"in", "own"},
    },
    "student": {**NOTHING, "students": {"in"}, "tests": {"in", "named"}, "attempts": {"in"}},
    "campus_admin_without_campus": {**NOTHING, "jobs": {"own"}},
}
CASES = [(role, kind) for role in EXPECTED for kind in RECORDS]


def test_every_resource_kind_is_in_the_matrix():
    assert set(RESOURCES) == set(RECORDS)
    assert all(set(expected) == set(RECORDS) for expected in EXPECTED.values())


def test_every_scoped_role_is_covered():
    assert set(access.ROLES) <= set(EXPECTED)


@pytest.mark.parametrize(("role", "kind"), CASES, ids=[f"{role}-{kind}" for role, kind in CASES])
def test_what_each_role_sees_of_each_kind(mongo_db, role, kind):
    collection = mongo_db[kind]
    labels = {}
    for label, doc in RECORDS[kind].items():
        labels[collection.insert_one({**doc, "label": label}).inserted_id] = label
    seen = {doc["label"] for doc in collection.find(access.scope_query(USERS[role], kind))}
    assert seen == EXPECTED[role][kind]


def test_within_scope_narrows_a_query_and_keeps_it_for_the_unscoped():
    query = {"active": True}
    assert access.within_scope(USERS["superadmin"], "courses", query) == query
    narrowed = access.within_scope(USERS["campus_admin"], "courses", query)
    assert narrowed == {"active": True, "campus_id": A}
    assert access.within_scope(USERS["campus_admin"], "courses", {}) == {"campus_id": A}
    # A query on the scope's own field keeps both conditions: the caller cannot widen their scope.
    widened = access.within_scope(USERS["campus_admin"], "courses", {"campus_id": B})
    assert widened == {"$and": [{"campus_id": B}, {"campus_id": A}]}


@pytest.mark.parametrize(
    ("parts", "combined"),
    [
        (({"a": 1}, {"b": 2}), {"a": 1, "b": 2}),
        (({"a": 1}, {}), {"a": 1}),
        (({}, {}), {}),
        (({"a": 1}, {"a": 2}), {"$and": [{"a": 1}, {"a": 2}]}),
        (({"$or": [{"a": 1}]}, {"$or": [{"b": 1}]}), {"$and": [{"$or": [{"a": 1}]}, {"$or": [{"b": 1}]}]}),
        (({"a": 1}, {"b": 2}, {"a": 3}), {"$and": [{"a": 1, "b": 2}, {"a": 3}]}),
    ],
)
def test_all_of_flattens_filters_on_different_fields_and_keeps_the_rest_apart(parts, combined):
    assert all_of(*parts) == combined


@pytest.mark.parametrize(
    ("query", "spread"),
    [
        ({"a": 1}, [{"a": 1}]),
        ({"a": 1, "$or": [{"b": 1}, {"c": 1}]}, [{"a": 1, "b": 1}, {"a": 1, "c": 1}]),
        ({"a": 1, "$or": [{"a": 2}]}, [{"$and": [{"a": 1}, {"a": 2}]}]),
    ],
)
def test_alternatives_spread_a_top_level_or_over_the_rest(query, spread):
    assert alternatives(query) == spread


def test_a_scope_with_an_or_finds_by_id_what_the_scope_allows(mongo_db):
    """Lookups by id within a scope (store.common.one_by_id), for an owner or a campus scope."""
    from store.common import one_by_id

    jobs = mongo_db["jobs"]
    mine, campus, other = (ObjectId() for _ in range(3))
    jobs.insert_many(
        [
            {"_id": mine, "owner_id": str(OWNER), "scope": {"campus_id": B}},
            {"_id": campus, "owner_id": "someone", "scope": {"campus_id": A}},
            {"_id": other, "owner_id": "someone", "scope": {"campus_id": B}},
        ]
    )
    scope = access.scope_query(USERS["campus_admin"], "jobs")
    assert "$or" in scope
    assert [bool(one_by_id(jobs, oid, scope)) for oid in (mine, campus, other)] == [True, True, False]
    assert one_by_id(jobs, other)["_id"] == other


@pytest.mark.parametrize(
    ("role", "module", "action", "allowed"),
    [
        ("superadmin", "settings", "write", True),
        ("campus_admin", "campuses", "write", False),
        ("campus_admin", "courses", "write", True),
        ("course_admin", "batches", "write", False),
        ("student", "students", "read", True),
        ("student", "students", "write", False),
    ],
)
def test_role_grants(role, module, action, allowed):
    assert access.allows(USERS[role], module, action) is allowed


def test_a_sub_superadmin_has_only_its_stored_permissions():
    reader = {"role": "sub_superadmin", "permissions": access.TEMPLATES["read_only"]}
    assert access.allows(reader, "students", "read")
    assert not access.allows(reader, "students", "write")
    assert not access.allows(reader, "settings", "read")
    assert not access.allows({"role": "sub_superadmin"}, "campuses", "read")


def test_who_manages_whom():
    assert access.may_manage_role(USERS["superadmin"], "sub_superadmin")
    assert not access.may_manage_role(USERS["sub_superadmin"], "sub_superadmin")
    assert access.may_manage_role(USERS["campus_admin"], "course_admin")
    assert not access.may_manage_role(USERS["course_admin"], "course_admin")


# What each role may change, where that is narrower than what it sees.
EXPECTED_WRITES = {
    ("campus_admin", "tests"): {"in", "inactive", "other_student"},
    ("course_admin", "tests"): set(),
    ("campus_admin", "items"): {"in"},
    ("course_admin", "items"): set(),
    ("superadmin", "items"): {"in", "out", "shared"},
}


@pytest.mark.parametrize(("role", "kind"), sorted(EXPECTED_WRITES), ids=str)
def test_what_each_role_may_change(mongo_db, role, kind):
    collection = mongo_db[kind]
    for label, doc in RECORDS[kind].items():
        collection.insert_one({**doc, "label": label})
    changeable = {doc["label"] for doc in collection.find(access.scope_query(USERS[role], kind, "write"))}
    assert changeable == EXPECTED_WRITES[(role, kind)]


def test_without_a_narrower_write_scope_writes_follow_reads():
    for kind, resource in RESOURCES.items():
        if resource.write_scopes is None:
            for user in USERS.values():
                assert access.scope_query(user, kind, "write") == access.scope_query(user, kind)
