"""The OpenAPI spec, fuzzed with schemathesis against the app (in process, real servers behind
it), as a superadmin and as a student, with every check on: no server error, every answer as
documented, every constraint the server enforces declared, every public endpoint declared so.

Twice: a derandomised run (every phase, the same cases on every machine), and a short fuzzing run
under a fresh seed each time, so new operations and values are explored by every run; a failure of
the latter names its seed, and FUZZ_SEED=<seed> replays it."""

from __future__ import annotations

import os
import re
import secrets
import uuid

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.core.failures import Failure
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

# Deterministic by default, so a failure here is a failure on every machine; FUZZ_RANDOM=1 and a
# larger FUZZ_MAX_EXAMPLES explore further (how the failures below were found), under FUZZ_SEED.
EXPLORING = os.environ.get("FUZZ_RANDOM") == "1"
SEED = int(os.environ.get("FUZZ_SEED") or secrets.randbits(64))
FUZZ_SETTINGS = settings(
    max_examples=int(os.environ.get("FUZZ_MAX_EXAMPLES", "25")),
    derandomize=not EXPLORING,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
# The fresh-seed run: the fuzzing phase only (examples and coverage cases do not depend on the
# seed), a few cases per operation to bound its time.
FRESH_SETTINGS = settings(
    FUZZ_SETTINGS, max_examples=int(os.environ.get("FUZZ_FRESH_EXAMPLES", "6")), derandomize=False
)
REPLAY = f"Fuzzed under seed {SEED}: set FUZZ_SEED={SEED} (and the same FUZZ_* settings) to replay."
ACCOUNTS: dict[str, dict] = {}  # role -> the account the cases of that role are sent as

# A schema-valid request may still be refused (422) for a reason no OpenAPI 3.0 schema can state.
# Each such reason is listed here with why; any other 422 to valid data is a constraint the spec
# fails to declare, and fails the test. (field path, message) are matched as regular expressions.
BEYOND_THE_SCHEMA = [
    # The record a field names must exist (and be in the caller's scope, and of the campus or batch
    # the request names).
    (
        r"(attempt|campus|batch|course|test|item|student)_ids?(\.\d+)?",
        r"^(No such|Unknown) .*|.* not (found|in) .*|^Not (a course|courses) of this (campus|batch)\b.*",
    ),
    # Whether a number is a mobile number depends on its country's numbering plan (phonenumbers).
    (r"mobile", r".*(phone|number|mobile).*"),
    # The password is checked against the account and a list of breached passwords.
    (r"(current_|new_)?password", r".*"),
    # An item's content has one shape per item type (README: the item bank); on update the type is
    # the stored item's.
    (r"content(\..*)?", r".*"),
    # On update, what a role needs (a campus, courses, permissions) depends on the stored account.
    (r"campus_id|course_ids|permission_template", r"^(A \w+ needs .*|Give a permission template or permissions\.)$"),
    # A comparison between two fields: OpenAPI compares a field only with constants.
    (r"window_end", r"^The window must end after it starts\.$"),
    # OpenAPI 3.0 cannot constrain a free-form object's key names or its depth (MongoDB refuses NUL
    # and "$" in keys, integers beyond 64 bits, and very deep nesting).
    (r"item", r"^This cannot be stored: .*"),
]


def _refusals(details: dict, path: str = "") -> list[tuple[str, str]]:
    """Every (field path, message) of a 422's details."""
    found: list[tuple[str, str]] = []
    for key, value in details.items():
        where = f"{path}.{key}" if path else str(key)
        if isinstance(value, dict):
            found += _refusals(value, where)
        else:
            found += [(where, str(message)) for message in (value if isinstance(value, list) else [value])]
    return found


def _beyond_the_schema(field: str, message: str) -> bool:
    return any(
        re.fullmatch(path, field, re.DOTALL) and re.match(text, message, re.DOTALL) for path, text in BEYOND_THE_SCHEMA
    )


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("attempt_id", "No such attempt."),
        ("course_ids", "Not courses of this campus: 000000000000000000000000."),
        ("course_id", "Not a course of this batch."),
    ],
)
def test_a_refusal_for_a_record_that_is_not_there_is_beyond_the_schema(field, message):
    assert _beyond_the_schema(field, message)


def test_an_email_address_refused_is_a_constraint_the_spec_must_declare():
    message = "The part after the @-sign is a special-use or reserved name that cannot be used with email."
    assert not _beyond_the_schema("email", message)


def _sniffed_type_refused(response) -> bool:
    """415 for a file whose bytes are of a type not accepted (the spec cannot see into a file)."""
    error = (response.json() or {}).get("error") or {}
    return error.get("code") == "unsupported_media_type" and "content_type" in (error.get("details") or {})


def _unissued_token(response) -> bool:
    """400 for a single-use link's token that the server did not issue, or that was used or expired:
    which tokens are live is the server's record, not something a schema can state."""
    return ((response.json() or {}).get("error") or {}).get("code") == "invalid_token"


def valid_data_is_accepted(ctx, response, case):
    """schemathesis' positive_data_acceptance, except for the 422 reasons in BEYOND_THE_SCHEMA, a
    file refused for what its bytes are, and a single-use token that is not live."""
    try:
        return positive_data_acceptance(ctx, response, case)
    except Failure:
        if response.status_code == 415 and _sniffed_type_refused(response):
            return None
        if response.status_code == 400 and _unissued_token(response):
            return None
        if response.status_code != 422:
            raise
        refusals = _refusals(((response.json() or {}).get("error") or {}).get("details") or {})
        if refusals and all(_beyond_the_schema(field, message) for field, message in refusals):
            return None
        raise


def _app():
    # schemathesis' lazy fixture loader does not run on pytest 9, so the app under test is made at
    # collection (settings are in the environment by then; nothing connects until a request).
    from api.app import create_app

    return create_app()


APP = _app()


def _schema_as(role: str, *, seed: int | None = None, fuzzing_only: bool = False):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", APP)
    if seed is not None:  # each schema has its own configuration: the derandomised ones get none
        schema.config.seed = seed
    if fuzzing_only:
        schema.config.phases.examples.enabled = False
        schema.config.phases.coverage.enabled = False

    @schema.auth(refresh_interval=None)
    class Bearer:
        """A fresh access token for every case (a fuzzed logout revokes only its own)."""

        def get(self, _case, _context):
            from api.identity.tokens import issue_tokens

            if role not in ACCOUNTS:  # schemathesis asks once at collection, before any server runs
                return "not-yet"
            with APP.app_context():
                return issue_tokens(ACCOUNTS[role])["access_token"]

        def set(self, case, data, _context):
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    return schema


as_superadmin = _schema_as("superadmin", seed=SEED if EXPLORING else None)
as_student = _schema_as("student", seed=SEED if EXPLORING else None)
fresh_as_superadmin = _schema_as("superadmin", seed=SEED, fuzzing_only=True)
fresh_as_student = _schema_as("student", seed=SEED, fuzzing_only=True)


@pytest.fixture(scope="module")
def accounts(db):
    from security.passwords import hash_password
    from store import users

    suffix = uuid.uuid4().hex[:8]
    password_hash = hash_password("Correct-Horse-Battery-9")
    for role in ("superadmin", "student"):
        ACCOUNTS[role] = users.create(
            db,
            {
                "name": f"Fuzz {role}",
                "email": f"fuzz.{role}.{suffix}@example.edu",
                "role": role,
                "password_hash": password_hash,
                **({"roll_number": f"FZ{suffix}".upper()} if role == "student" else {}),
            },
        )
    return ACCOUNTS


@as_superadmin.parametrize()
@FUZZ_SETTINGS
def test_the_api_keeps_its_contract_for_a_superadmin(case, accounts):
    _check(case)


@as_student.parametrize()
@FUZZ_SETTINGS
def test_the_api_keeps_its_contract_for_a_student(case, accounts):
    _check(case)


@fresh_as_superadmin.parametrize()
@FRESH_SETTINGS
def test_the_api_keeps_its_contract_for_a_superadmin_under_a_fresh_seed(case, accounts):
    _check(case)


@fresh_as_student.parametrize()
@FRESH_SETTINGS
def test_the_api_keeps_its_contract_for_a_student_under_a_fresh_seed(case, accounts):
    _check(case)


def invalid_data_is_refused(ctx, response, case):
    """schemathesis' negative_data_rejection, except a multipart body whose parts are all declared:
    a text part has no JSON type, so `null`, a number or a list sent as text is still text.
    """
    try:
        return negative_data_rejection(ctx, response, case)
    except Failure:
        if case.media_type == "multipart/form-data" and _sent_parts(response) <= _multipart_parts(
            case.operation.method, case.operation.path
        ):
            return None
        raise


def _sent_parts(response) -> set[str]:
    """The names of the parts a multipart request really carried."""
    body = response.request.body or b""
    raw = body if isinstance(body, bytes) else body.encode("utf-8", "replace")
    return {name.decode("utf-8", "replace") for name in re.findall(rb'form-data; name="([^"]*)"', raw)}


def _multipart_parts(method: str, path: str) -> set[str]:
    """The part names the spec declares for an operation's multipart body."""
    spec = APP.test_client().get("/api/v1/openapi.json").get_json()
    body = spec["paths"][path][method.lower()].get("requestBody") or {}
    schema = ((body.get("content") or {}).get("multipart/form-data") or {}).get("schema") or {}
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return set(schema.get("properties") or {})


def _check(case) -> None:
    case.call_and_validate(
        excluded_checks=[positive_data_acceptance, negative_data_rejection],
        additional_checks=[valid_data_is_accepted, invalid_data_is_refused],
    )


def replay_note(test_name: str) -> str | None:
    """What a failure of `test_name` adds to its report (tests/contract/conftest.py): the seed, for
    a test that ran under one."""
    return REPLAY if EXPLORING or test_name.endswith("_under_a_fresh_seed") else None
