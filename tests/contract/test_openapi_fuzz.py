"""The OpenAPI spec, fuzzed with schemathesis against the app (in process, real servers behind
it), as a superadmin and as a student, with every check on: no server error, every answer as
documented, every constraint the server enforces declared, every public endpoint declared so."""

from __future__ import annotations

import os
import re
import uuid

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.core.failures import Failure
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

# Deterministic by default, so a failure here is a failure on every machine; FUZZ_RANDOM=1 and a
# larger FUZZ_MAX_EXAMPLES explore further (how the failures below were found).
FUZZ_SETTINGS = settings(
    max_examples=int(os.environ.get("FUZZ_MAX_EXAMPLES", "25")),
    derandomize=os.environ.get("FUZZ_RANDOM") != "1",
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
ACCOUNTS: dict[str, dict] = {}  # role -> the account the cases of that role are sent as

# A schema-valid request may still be refused (422) for a reason no OpenAPI 3.0 schema can state.
# Each such reason is listed here with why; any other 422 to valid data is a constraint the spec
# fails to declare, and fails the test. (field path, message) are matched as regular expressions.
BEYOND_THE_SCHEMA = [
    # The record a field names must exist (and be in the caller's scope).
    (r"(campus|batch|course|test|item|student)_ids?(\.\d+)?", r"^(No such|Unknown) .*|.* not (found|in) .*"),
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
    # email-validator refuses special-use and reserved domains (RFC 6761), beyond `format: email`.
    (r"email", r"^The part after the @-sign .*"),
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


def _sniffed_type_refused(response) -> bool:
    """415 for a file whose bytes are of a type not accepted (the spec cannot see into a file)."""
    error = (response.json() or {}).get("error") or {}
    return error.get("code") == "unsupported_media_type" and "content_type" in (error.get("details") or {})


def valid_data_is_accepted(ctx, response, case):
    """schemathesis' positive_data_acceptance, except for the 422 reasons in BEYOND_THE_SCHEMA and
    a file refused for what its bytes are."""
    try:
        return positive_data_acceptance(ctx, response, case)
    except Failure:
        if response.status_code == 415 and _sniffed_type_refused(response):
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


def _schema_as(role: str):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", APP)

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


as_superadmin = _schema_as("superadmin")
as_student = _schema_as("student")


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
