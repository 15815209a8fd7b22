"""The data layer: one module per collection (access functions + `ensure_indexes`)."""
from store import audit, batches, campuses, courses, jobs, notifications, preferences, roster_imports, scores, users

# Every module whose indexes `python -m store migrate` applies.
INDEXED_MODULES = [jobs, users, campuses, courses, batches, audit, notifications, preferences, scores, roster_imports]
