"""One roster row (student name, roll number, email, mobile, course) as read from an uploaded file.

Values arrive as stripped strings; empty cells are left out so `required` reports them.
Load with RosterRowSchema(courses=..., course_required=..., default_region=...).load(row).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Mapping

from email_validator import EmailNotValidError, validate_email
from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load

from workers.roster.phones import InvalidMobile, normalise_mobile

# RFC 5322 dot-atom with ASCII atext, which email-validator accepts as-is.
ASCII_DOT_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
MAX_LOCAL_PART = 64
MAX_EMAIL_LENGTH = 254
ROLL_NUMBER = re.compile(r"[A-Z0-9][A-Z0-9/_-]{2,29}")
_WHITESPACE = re.compile(r"\s+")
# A value starting like this would run as a formula when an export is opened in a spreadsheet.
_FORMULA_LEAD = ("=", "+", "@", "-")
MAX_NAME_LENGTH = 100


def course_key(name: str) -> str:
    return _WHITESPACE.sub(" ", name).strip().casefold()


class StudentName(fields.String):
    def _deserialize(self, value: Any, attr, data, **kwargs) -> str:
        name = _WHITESPACE.sub(" ", super()._deserialize(value, attr, data, **kwargs)).strip()
        if name.startswith(_FORMULA_LEAD):
            raise ValidationError("A name cannot start with =, +, - or @.")
        if len(name) > MAX_NAME_LENGTH:
            raise ValidationError(f"A name can have at most {MAX_NAME_LENGTH} characters.")
        if not any(char.isalpha() for char in name):
            raise ValidationError("A name needs at least one letter.")
        return name


class RollNumber(fields.String):
    def _deserialize(self, value: Any, attr, data, **kwargs) -> str:
        roll_number = super()._deserialize(value, attr, data, **kwargs).strip().upper()
        if not ROLL_NUMBER.fullmatch(roll_number):
            raise ValidationError(
                "A roll number has 3-30 letters, digits, '-', '_' or '/', starting with a letter or digit."
            )
        return roll_number


class StudentEmail(fields.String):
    def _deserialize(self, value: Any, attr, data, **kwargs) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        # Mailbox names are case-insensitive in practice; one spelling keeps duplicate checks honest.
        return (_plain_email(text) or _checked_email(text)).lower()


def _checked_email(text: str) -> str:
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise ValidationError(str(error)) from None


def _plain_email(text: str) -> str | None:
    """Fast path for the usual ASCII address: the domain (shared by many students) is checked once.

    Returns None whenever the full email-validator check is needed.
    """
    local, at, domain = text.rpartition("@")
    if not at or len(local) > MAX_LOCAL_PART or not ASCII_DOT_ATOM.fullmatch(local):
        return None
    normalised_domain = _checked_domain(domain)
    email = f"{local}@{normalised_domain}" if normalised_domain else ""
    return email if 0 < len(email) <= MAX_EMAIL_LENGTH else None


@lru_cache(maxsize=4096)
def _checked_domain(domain: str) -> str | None:
    try:
        return validate_email(f"probe@{domain}", check_deliverability=False).domain
    except EmailNotValidError:
        return None  # let the full check produce the message


class MobileNumber(fields.String):
    def _deserialize(self, value: Any, attr, data, **kwargs) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return normalise_mobile(text, self.parent.default_region)
        except InvalidMobile as error:
            raise ValidationError(str(error)) from None


class CourseName(fields.String):
    def _deserialize(self, value: Any, attr, data, **kwargs) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        course_id = self.parent.course_ids.get(course_key(text))
        if course_id is None:
            known = ", ".join(sorted(self.parent.course_names)) or "none"
            raise ValidationError(f"Unknown course for this batch (known: {known}).")
        return course_id


class RosterRowSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    name = StudentName(required=True, error_messages={"required": "The student name is required."})
    roll_number = RollNumber(required=True, error_messages={"required": "The roll number is required."})
    email = StudentEmail(required=True, error_messages={"required": "The email is required."})
    mobile = MobileNumber(required=True, error_messages={"required": "The mobile number is required."})
    course = CourseName(attribute="course_id", error_messages={"required": "The course is required."})

    def __init__(
        self,
        *,
        courses: Mapping[str, str] | None = None,
        course_required: bool = False,
        default_region: str = "IN",
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.course_names = list(courses or {})
        self.course_ids = {course_key(name): course_id for name, course_id in (courses or {}).items()}
        self.default_region = default_region
        self.fields["course"].required = course_required
        # With one course every student belongs to it, so the column may be left out or blank.
        self.implied_course_id = next(iter(self.course_ids.values())) if len(self.course_ids) == 1 else None

    @post_load
    def fill_implied_course(self, row: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        row.setdefault("course_id", self.implied_course_id)
        return row
