"""The data layer: one module per collection (access functions + `ensure_indexes`)."""
from store import jobs, users

# Every module whose indexes `python -m store migrate` applies.
INDEXED_MODULES = [jobs, users]
