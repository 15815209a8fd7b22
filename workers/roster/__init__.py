"""Roster import engine: read an uploaded CSV/XLSX, validate its rows, report errors. No database, no HTTP.

parsed = read_roster(data, "students.xlsx", limits=RosterLimits(max_rows=50_000))
report = validate_roster(parsed, courses={"BTech CSE": "c1"}, default_region="IN", existing=lookup)
report.valid_rows  # [{"row": 2, "name": ..., "roll_number": ..., "email": ..., "mobile": ..., ...}]
"""

from workers.roster.errors import FILE_ERROR_CODES, RosterFileError
from workers.roster.limits import DEFAULT_LIMITS, RosterLimits
from workers.roster.parsed import ParsedFile, SourceRow, UnusableCell
from workers.roster.reader import read_roster
from workers.roster.validation import ExistingLookup, ExistingStudent, RosterReport, validate_roster

__all__ = [
    "DEFAULT_LIMITS",
    "FILE_ERROR_CODES",
    "ExistingLookup",
    "ExistingStudent",
    "ParsedFile",
    "RosterFileError",
    "RosterLimits",
    "RosterReport",
    "SourceRow",
    "UnusableCell",
    "read_roster",
    "validate_roster",
]
