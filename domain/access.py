"""Who may do what, and which records they see: the one access policy.

Two questions, answered here and nowhere else:

- May this user take this action on this module? `allows(user, module, action)`: a role's
  grants (ROLE_GRANTS), or a sub-superadmin's stored per-module permissions.
- Which records of a kind may they see? `scope_query(user, kind)`: a MongoDB filter built
  from the kind's entry in RESOURCES. Superadmins and sub-superadmins see every record
  (their permissions decide what they may do with it); other roles see what their entry
  gives them, and a role with no entry sees nothing.

Adding a resource kind is one entry in RESOURCES plus its rows in the policy tests.
Ids that point from one record to another (campus_id, course_ids ...) are strings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bson import ObjectId

from domain.filters import all_of
from domain.jobkinds import JOB_KINDS

ROLES = ("superadmin", "sub_superadmin", "campus_admin", "course_admin", "student")
ADMIN_ROLES = ROLES[:4]
UNSCOPED_ROLES = frozenset({"superadmin", "sub_superadmin"})
MODULES = (
    "campuses",
    "courses",
    "batches",
    "students",
    "admins",
    "items",
    "tests",
    "results",
    "notifications",
    "settings",
)
LEVELS = {"none": 0, "read": 1, "write": 2}
ACTIONS = ("read", "write")

User = Mapping[str, Any]
Filter = dict[str, Any]
Scope = Callable[[User], Filter]


def _grants(default: str = "none", **levels: str) -> dict[str, str]:
    return {module: levels.get(module, default) for module in MODULES}


# Named starting points for a sub-superadmin's permissions (a superadmin may then adjust each module).
TEMPLATES: dict[str, dict[str, str]] = {
    "content_manager": _grants(
        items="write",
        tests="write",
        results="read",
        notifications="read",
        campuses="read",
        courses="read",
        batches="read",
    ),
    "student_manager": _grants(
        campuses="read",
        courses="read",
        batches="write",
        students="write",
        tests="read",
        results="read",
        notifications="write",
    ),
    "read_only": _grants(default="read", settings="none"),
}

# What each role may do inside its scope (a sub-superadmin's come from its stored permissions).
ROLE_GRANTS: dict[str, dict[str, str]] = {
    "superadmin": _grants(default="write"),
    "campus_admin": _grants(
        campuses="read",
        courses="write",
        batches="write",
        students="write",
        admins="write",
        items="write",  # their campus's items (the write scope); the shared bank read-only
        tests="write",
        results="read",
        notifications="write",
    ),
    "course_admin": _grants(
        campuses="read",
        courses="read",
        batches="read",
        students="write",
        items="read",
        tests="read",  # course admins see their batches' tests; campus admins and above make them
        results="read",
        notifications="read",
    ),
    "student": _grants(students="read", tests="read", results="read"),
}

# Which admin roles each role may create, change or remove.
MANAGEABLE_ROLES: dict[str, tuple[str, ...]] = {
    "superadmin": ("superadmin", "sub_superadmin", "campus_admin", "course_admin"),
    "sub_superadmin": ("campus_admin", "course_admin"),
    "campus_admin": ("course_admin",),
}


def permissions_of(user: User) -> dict[str, str]:
    """The caller's level on every module."""
    if user["role"] == "sub_superadmin":
        stored = user.get("permissions") or {}
        return {module: stored.get(module, "none") for module in MODULES}
    return ROLE_GRANTS.get(user["role"], _grants())


def allows(user: User, module: str, action: str) -> bool:
    """True when the caller's level on `module` is at least `action` ("read" or "write")."""
    return LEVELS[permissions_of(user)[module]] >= LEVELS[action]


def may_manage_role(actor: User, role: str) -> bool:
    return role in MANAGEABLE_ROLES.get(actor["role"], ())


def grants_beyond(actor: User, account: User) -> dict[str, str]:
    """The modules on which `account` would hold more than `actor` does (module -> its level):
    nobody grants a permission they do not hold.
    """
    mine, theirs = permissions_of(actor), permissions_of(account)
    return {module: level for module, level in theirs.items() if LEVELS[level] > LEVELS[mine[module]]}


# --- scopes: what a role sees of a resource kind ----------------------------------------------


def match_nothing() -> Filter:
    return {"_id": {"$in": []}}


def _campus_id(user: User) -> str | None:
    return str(user["campus_id"]) if user.get("campus_id") else None


def _course_ids(user: User) -> list[str]:
    return [str(course_id) for course_id in user.get("course_ids") or []]


def _by_campus(path: str = "campus_id") -> Scope:
    """Records whose `path` is the caller's campus."""

    def scope(user: User) -> Filter:
        campus = _campus_id(user)
        return {path: campus} if campus else match_nothing()

    return scope


def _by_courses(path: str) -> Scope:
    """Records whose `path` (a course id, or a list of them) is one of the caller's courses."""

    def scope(user: User) -> Filter:
        courses = _course_ids(user)
        return {path: {"$in": courses}} if courses else match_nothing()

    return scope


def _own_campus(user: User) -> Filter:
    campus = _campus_id(user)
    return {"_id": ObjectId(campus)} if campus and ObjectId.is_valid(campus) else match_nothing()


def _own_courses(user: User) -> Filter:
    return {"_id": {"$in": [ObjectId(c) for c in _course_ids(user) if ObjectId.is_valid(c)]}}


def _own_account(user: User) -> Filter:
    return {"_id": user["_id"]}


def _own_campus_or_shared(user: User) -> Filter:
    """Records of the caller's campus and shared ones (campus_id None); nothing without a campus."""
    campus = _campus_id(user)
    # $in with None rather than an $or: the same on MongoDB, and the nx-27017 stand-in gets it right.
    return {"campus_id": {"$in": [campus, None]}} if campus else match_nothing()


def audience(batch_ids: Iterable[str] = (), student_ids: Iterable[str] = ()) -> list[str]:
    """A test's `audience`: one token per batch and per student it is assigned to.

    One multikey field that a student's scope matches with one `$in` (their own token and their
    batch's), where two arrays would need an `$or` that no compound index serves.
    """
    return [f"batch:{batch_id}" for batch_id in batch_ids] + [f"student:{student_id}" for student_id in student_ids]


def _assigned_to_student(user: User) -> Filter:
    """Active tests assigned to the student, through their batch or by name."""
    tokens = audience([str(user["batch_id"])] if user.get("batch_id") else [], [str(user["_id"])])
    return {"active": True, "audience": {"$in": tokens}}


def _own_records(user: User) -> Filter:
    return {"student_id": str(user["_id"])}


def _course_admins_of_own_campus(user: User) -> Filter:
    campus = _campus_id(user)
    return {"role": "course_admin", "campus_id": campus} if campus else match_nothing()


@dataclass(frozen=True)
class Resource:
    """How each scoped role's view of one kind of record is narrowed.

    `scopes` maps a role to the filter of what it may see; `write_scopes` to what it may change,
    where that is narrower (a campus admin reads the shared item bank but changes only its
    campus's items); `owner_field` names the field holding the id of the account that created a
    record (jobs): its owner always sees it, whatever the role.
    """

    scopes: Mapping[str, Scope] = field(default_factory=dict)
    owner_field: str | None = None
    write_scopes: Mapping[str, Scope] | None = None

    def scope_for(self, role: str, action: str) -> Scope | None:
        if action == "write" and self.write_scopes is not None:
            return self.write_scopes.get(role)
        return self.scopes.get(role)


RESOURCES: dict[str, Resource] = {
    "campuses": Resource({"campus_admin": _own_campus, "course_admin": _own_campus}),
    "courses": Resource({"campus_admin": _by_campus(), "course_admin": _own_courses}),
    "batches": Resource({"campus_admin": _by_campus(), "course_admin": _by_courses("course_ids")}),
    "students": Resource(
        {"campus_admin": _by_campus(), "course_admin": _by_courses("course_id"), "student": _own_account}
    ),
    "admins": Resource({"campus_admin": _course_admins_of_own_campus}),
    "items": Resource(
        {"campus_admin": _own_campus_or_shared, "course_admin": _own_campus_or_shared},
        write_scopes={"campus_admin": _by_campus()},
    ),
    "tests": Resource(
        {"campus_admin": _by_campus(), "course_admin": _by_courses("course_ids"), "student": _assigned_to_student},
        write_scopes={"campus_admin": _by_campus()},
    ),
    "attempts": Resource(
        {"campus_admin": _by_campus(), "course_admin": _by_courses("course_id"), "student": _own_records}
    ),
    "notifications": Resource(
        {"campus_admin": _by_campus("scope.campus_id"), "course_admin": _by_courses("scope.course_id")}
    ),
    "jobs": Resource(
        {"campus_admin": _by_campus("scope.campus_id"), "course_admin": _by_courses("scope.course_id")},
        owner_field="owner_id",
    ),
}


def scope_query(user: User, kind: str, action: str = "read") -> Filter:
    """The records of `kind` the user may see (or, with action "write", change), as a MongoDB
    filter ({} for all of them).
    """
    resource = RESOURCES[kind]
    if user["role"] in UNSCOPED_ROLES:
        return {}
    scope = resource.scope_for(user["role"], action)
    scoped = scope(user) if scope else match_nothing()
    if resource.owner_field is None:
        return scoped
    owned = {resource.owner_field: str(user["_id"])}
    return owned if scoped == match_nothing() else {"$or": [owned, scoped]}


def within_scope(user: User, kind: str, query: Filter, action: str = "read") -> Filter:
    """`query` narrowed to the records of `kind` the user may see (or change)."""
    return all_of(query, scope_query(user, kind, action))


def may_act_on_job(user: User, job: Mapping[str, Any], action: str) -> bool:
    """A job in the caller's scope: its owner and superadmins may read and cancel it; another admin
    needs `action` on the permission module of the job's kind (none for uploads: owner only). A
    student never cancels a job their attempt's result depends on (the kind's owner_may_cancel).
    """
    kind = JOB_KINDS.get(str(job.get("kind")))
    if action == "write" and user["role"] == "student" and (kind is None or not kind.owner_may_cancel):
        return False
    if str(job.get("owner_id")) == str(user["_id"]) or user["role"] == "superadmin":
        return True
    return kind is not None and kind.module is not None and allows(user, kind.module, action)
