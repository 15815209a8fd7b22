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


def alternatives(query: Filter) -> list[Filter]:
    """Filters any one of which a document matching `query` matches: a top-level `$or` spread
    over the rest of the query (`{a, $or: [b, c]}` -> `[{a, b}, {a, c}]`), each flat where
    `all_of` can make it so. A query without a top-level `$or` is its own one alternative.
    """
    if "$or" not in query:
        return [query]
    rest = {key: value for key, value in query.items() if key != "$or"}
    return [all_of(rest, branch) for branch in query["$or"]]
