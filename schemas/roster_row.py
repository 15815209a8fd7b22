"""One roster row (student name, roll number, email, mobile, course) as read from an uploaded file.

Values arrive as stripped strings; empty cells are left out so `required` reports them. The
student fields are the same fields the students API uses (schemas/fields.py).
Load with RosterRowSchema(courses=..., course_required=..., default_region=...).load(row).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load

from schemas.fields import EmailAddress, MobileNumber, PersonName, RollNumber

if TYPE_CHECKING:
    from collections.abc import Mapping

_WHITESPACE = re.compile(r"\s+")


def course_key(name: str) -> str:
    return _WHITESPACE.sub(" ", name).strip().casefold()


class CourseName(fields.String):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text: str = super()._deserialize(value, attr, data, **kwargs)
        schema = self.parent
        if not isinstance(schema, RosterRowSchema):
            msg = "CourseName is a field of RosterRowSchema"
            raise TypeError(msg)
        course_id = schema.course_ids.get(course_key(text))
        if course_id is None:
            known = ", ".join(sorted(schema.course_names)) or "none"
            msg = f"Unknown course for this batch (known: {known})."
            raise ValidationError(msg)
        return course_id


class RosterRowSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    name = PersonName(required=True, error_messages={"required": "The student name is required."})
    roll_number = RollNumber(required=True, error_messages={"required": "The roll number is required."})
    email = EmailAddress(required=True, error_messages={"required": "The email is required."})
    mobile = MobileNumber(required=True, error_messages={"required": "The mobile number is required."})
    course = CourseName(attribute="course_id", error_messages={"required": "The course is required."})

    def __init__(
        self,
        *,
        courses: Mapping[str, str] | None = None,
        course_required: bool = False,
        default_region: str = "IN",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.course_names = list(courses or {})
        self.course_ids = {course_key(name): course_id for name, course_id in (courses or {}).items()}
        self.default_region = default_region
        self.fields["course"].required = course_required
        # With one course every student belongs to it, so the column may be left out or blank.
        self.implied_course_id = next(iter(self.course_ids.values())) if len(self.course_ids) == 1 else None

    @post_load
    def fill_implied_course(self, row: dict[str, Any], **_: Any) -> dict[str, Any]:
        row.setdefault("course_id", self.implied_course_id)
        return row
