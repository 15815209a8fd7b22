"""The data layer: one module per collection, named after it (access functions + `ensure_indexes`);
the `tests` collection's module is `papers` (a test paper), so that no module of ours is named
like a test suite.

Beside them: `common` (time, ids, bounded pages, `Records`), `mongo` and `redis` (one client
per process), `files` (S3), `migrations` (indexes and data migrations, `python -m store migrate`).
Nothing outside this package opens a collection.
"""

from store import (
    attempts,
    audit,
    batches,
    campuses,
    courses,
    item_imports,
    items,
    jobs,
    notification_receipts,
    notification_requests,
    notifications,
    papers,
    preferences,
    roster_imports,
    scores,
    users,
)

# Every module whose indexes `python -m store migrate` applies.
INDEXED_MODULES = [
    jobs,
    users,
    campuses,
    courses,
    batches,
    audit,
    notifications,
    notification_receipts,
    notification_requests,
    preferences,
    scores,
    roster_imports,
    items,
    item_imports,
    papers,
    attempts,
]
