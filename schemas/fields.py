"""Field types every schema shares, so the API and a roster file accept and reject the same values.

A student's (or admin's) name, roll number, email and mobile are defined once here; both the
organisation endpoints (schemas/org.py) and a roster file's rows (schemas/roster_row.py) use them.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import email_validator
from email_validator import EmailNotValidError, validate_email
from marshmallow import ValidationError, fields, validate

from config import get_settings
from domain.ids import ID_PATTERN, normalise_id
from domain.phones import InvalidMobileError, normalise_mobile

MAX_NAME_LENGTH = 120
MAX_EMAIL_LENGTH = 254
MAX_LOCAL_PART = 64
# Letters, digits and / _ . -, starting with a letter or digit; stored in upper case.
ROLL_NUMBER = re.compile(r"[A-Z0-9][A-Z0-9/_.-]{2,39}")
ROLL_NUMBER_RULE = "A roll number has 3-40 letters, digits, '/', '_', '.' or '-', starting with a letter or digit."
# RFC 5322 dot-atom with ASCII atext, which email-validator accepts as-is.
_ASCII_DOT_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_WHITESPACE = re.compile(r"\s+")
# email-validator refuses the special-use domains of RFC 6761/6762 (.local, .test, .invalid, ...)
# to keep mail from going to local hosts. We check no deliverability (messages go out through
# Brevo, never a local mail server), the development superadmin is admin@aiversant.local, and the
# spec's `format: email` cannot name such domains: an address the server holds must be one it
# accepts back. The library documents this list as the switch; nothing else here uses it.
email_validator.SPECIAL_USE_DOMAIN_NAMES = []
# A value starting like this would run as a formula when an export is opened in a spreadsheet.
_FORMULA_LEAD = ("=", "+", "@", "-")


def _collapse(text: str) -> str:
    return _WHITESPACE.sub(" ", text).strip()


class IdField(fields.String):
    """An id given by the client: 24 hex characters, kept in lower case."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(metadata={"pattern": ID_PATTERN, **kwargs.pop("metadata", {})}, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = normalise_id(super()._deserialize(value, attr, data, **kwargs))
        if text is None:
            msg = "Not a valid id."
            raise ValidationError(msg)
        return text


class NameField(fields.String):
    """The name of a campus, course or batch: trimmed, inner whitespace collapsed, not blank."""

    def __init__(self, **kwargs: Any) -> None:
        spec = {"pattern": r"[^\s\x1c-\x1f]", "maxLength": MAX_NAME_LENGTH}  # not only whitespace
        super().__init__(
            validate=validate.Length(min=1, max=MAX_NAME_LENGTH),
            metadata={**spec, **kwargs.pop("metadata", {})},
            **kwargs,
        )

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        raw = super()._deserialize(value, attr, data, **kwargs)
        if len(raw) > MAX_NAME_LENGTH:
            msg = f"A name can have at most {MAX_NAME_LENGTH} characters."
            raise ValidationError(msg)
        return _collapse(raw)


# The same rules for the spec (schemathesis checks the server against them): after any leading
# whitespace, not a formula sign, and a letter somewhere (`[^\W\d_]`: a letter).
# `[\s\x1c-\x1f]`: Python's whitespace (what the server collapses) in any regex dialect; Unicode's
# White_Space, which other engines use for `\s`, leaves out the four separators \x1c-\x1f.
PERSON_NAME_PATTERN = r"^[\s\x1c-\x1f]*(?:[^\W\d_]|[^\s\x1c-\x1f=+@\-][\s\S]*?[^\W\d_])[\s\S]*$"
ROLL_NUMBER_PATTERN = r"^\s*[A-Za-z0-9][A-Za-z0-9/_.\-]{2,39}\s*$"
MOBILE_PATTERN = r"^\s*\+?[0-9][0-9 ().\-]{5,30}$"


class PersonName(fields.String):
    """A person's name: whitespace collapsed, at least one letter, never a spreadsheet formula."""

    def __init__(self, **kwargs: Any) -> None:
        spec = {"pattern": PERSON_NAME_PATTERN, "maxLength": MAX_NAME_LENGTH}
        super().__init__(metadata={**spec, **kwargs.pop("metadata", {})}, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        raw = super()._deserialize(value, attr, data, **kwargs)
        if len(raw) > MAX_NAME_LENGTH:
            msg = f"A name can have at most {MAX_NAME_LENGTH} characters."
            raise ValidationError(msg)
        name = _collapse(raw)
        if name.startswith(_FORMULA_LEAD):
            msg = "A name cannot start with =, +, - or @."
            raise ValidationError(msg)
        if not any(char.isalpha() for char in name):
            msg = "A name needs at least one letter."
            raise ValidationError(msg)
        return name


class RollNumber(fields.String):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(metadata={"pattern": ROLL_NUMBER_PATTERN, **kwargs.pop("metadata", {})}, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        roll_number = super()._deserialize(value, attr, data, **kwargs).strip().upper()
        if not ROLL_NUMBER.fullmatch(roll_number):
            raise ValidationError(ROLL_NUMBER_RULE)
        return roll_number


class EmailAddress(fields.String):
    """Checked without DNS (email-validator), kept in lower case: one spelling keeps duplicate checks honest."""

    def __init__(self, **kwargs: Any) -> None:
        spec = {"format": "email", "maxLength": MAX_EMAIL_LENGTH}
        super().__init__(metadata={**spec, **kwargs.pop("metadata", {})}, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        return (_plain_email(text) or _checked_email(text)).lower()


def _checked_email(text: str) -> str:
    try:
        email = validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise ValidationError(str(error)) from None
    if len(email) > MAX_EMAIL_LENGTH:
        msg = f"An email address can have at most {MAX_EMAIL_LENGTH} characters."
        raise ValidationError(msg)
    return email


def _plain_email(text: str) -> str | None:
    """Fast path for the usual ASCII address: the domain (shared by many students) is checked once.
    None whenever the full email-validator check is needed.
    """
    local, at, domain = text.rpartition("@")
    if not at or len(local) > MAX_LOCAL_PART or not _ASCII_DOT_ATOM.fullmatch(local):
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
    """A mobile number, stored in E.164. Without a country code it is read as a number of the
    schema's `default_region` (a roster import's), else ROSTER_DEFAULT_REGION.
    """

    def __init__(self, **kwargs: Any) -> None:
        spec = {"pattern": MOBILE_PATTERN, "maxLength": 32}
        super().__init__(metadata={**spec, **kwargs.pop("metadata", {})}, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if len(text) > 32:  # noqa: PLR2004 - no phone number is this long; refuse before parsing
            msg = "Longer than 32 characters."
            raise ValidationError(msg)
        region = getattr(self.parent, "default_region", None) or get_settings().roster_default_region
        try:
            return normalise_mobile(text, region)
        except InvalidMobileError as error:
            raise ValidationError(str(error)) from None
