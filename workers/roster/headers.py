"""Map the labels people put in a roster header onto the canonical columns."""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

from workers.roster.errors import RosterFileError

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from .parsed import Cell

ALWAYS_REQUIRED = ("name", "roll_number", "email", "mobile")
HUMAN_NAMES = {
    "name": "student name",
    "roll_number": "roll number",
    "email": "email",
    "mobile": "mobile number",
    "course": "course",
}

# Keys are labels after normalise_label(): lower case, letters and digits only.
_ALIASES: dict[str, tuple[str, ...]] = {
    "name": (
        "name",
        "studentname",
        "fullname",
        "nameofstudent",
        "nameofthestudent",
        "candidatename",
        "studentfullname",
        "names",
    ),
    "roll_number": (
        "rollnumber",
        "rollno",
        "rollnum",
        "roll",
        "registrationnumber",
        "registrationno",
        "regno",
        "regdno",
        "regnumber",
        "registerno",
        "registernumber",
        "admissionnumber",
        "admissionno",
        "htno",
        "hallticketno",
        "hallticketnumber",
        "enrollmentnumber",
        "enrolmentnumber",
        "enrollmentno",
        "enrolmentno",
        "usn",
        "studentid",
    ),
    "email": ("email", "emailid", "emailaddress", "mail", "mailid", "emailaddr"),
    "mobile": (
        "mobile",
        "mobilenumber",
        "mobileno",
        "mobilenum",
        "phone",
        "phonenumber",
        "phoneno",
        "contact",
        "contactnumber",
        "contactno",
        "cell",
        "cellnumber",
        "cellno",
        "whatsapp",
        "whatsappnumber",
        "whatsappno",
    ),
    "course": ("course", "coursename", "group", "groupname", "branch", "program", "programme", "stream"),
}
_CANONICAL_BY_LABEL = {alias: canonical for canonical, aliases in _ALIASES.items() for alias in aliases}

_BRACKETED = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_NOT_ALPHANUMERIC = re.compile(r"[^0-9a-z]+")
# Header rows may sit below a title row or two; look this far down for them.
HEADER_SEARCH_ROWS = 10


def normalise_label(label: str) -> str:
    text = unicodedata.normalize("NFKC", label).replace("\ufeff", "").lower()
    text = _BRACKETED.sub("", text)  # "Mobile No (10 digits)" -> "mobile no"
    return _NOT_ALPHANUMERIC.sub("", text)


def canonical_column(label: str) -> str | None:
    key = normalise_label(label)
    if key in _CANONICAL_BY_LABEL:
        return _CANONICAL_BY_LABEL[key]
    if key.startswith("student"):  # "Student Email", "Student Roll No"
        return _CANONICAL_BY_LABEL.get(key[len("student") :])
    return None


def header_labels(cells: Sequence[Cell]) -> list[str]:
    labels = [cell if isinstance(cell, str) else cell.shown for cell in cells]
    while labels and not labels[-1]:
        labels.pop()
    return labels


def map_columns(labels: Sequence[str]) -> dict[str, int]:
    """Canonical column -> index; refuses two labels meaning the same column."""
    columns: dict[str, int] = {}
    for index, label in enumerate(labels):
        canonical = canonical_column(label)
        if canonical is None:
            continue
        if canonical in columns:
            raise RosterFileError(
                "duplicate_columns",
                f"Both '{labels[columns[canonical]]}' and '{label}' look like the {HUMAN_NAMES[canonical]} column.",
                {"column": canonical, "labels": [labels[columns[canonical]], label]},
            )
        columns[canonical] = index
    return columns


def looks_like_header(cells: Sequence[Cell]) -> bool:
    return any(isinstance(cell, str) and canonical_column(cell) for cell in cells)


def require_columns(columns: dict[str, int], required: Iterable[str]) -> None:
    missing = [name for name in required if name not in columns]
    if missing:
        readable = ", ".join(HUMAN_NAMES[name] for name in missing)
        raise RosterFileError(
            "missing_columns",
            f"The header has no {readable} column.",
            {"missing": missing, "found": sorted(columns)},
        )
