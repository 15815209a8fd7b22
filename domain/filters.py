"""Combining MongoDB filters."""

from __future__ import annotations

from typing import Any

Filter = dict[str, Any]


def all_of(*filters: Filter) -> Filter:
    """The documents matching every filter, as one flat filter where their fields differ.

    `{"a": 1}` and `{"b": 2}` become `{"a": 1, "b": 2}` rather than `{"$and": [...]}`: the same
    documents, but a query planner can serve the flat form from one compound index, and the
    development server (SecantusDB) plans no index at all for a top-level `$and`. Filters that
    share a field (or both hold an `$or`) are kept apart under `$and`, so no condition is lost.
    """
    merged: Filter = {}
    apart: list[Filter] = []
    for part in filters:
        if not part:
            continue
        if merged.keys() & part.keys():
            apart.append(part)
        else:
            merged.update(part)
    if not apart:
        return merged
    return {"$and": [merged, *apart]} if merged else {"$and": apart}
