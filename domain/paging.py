"""How far lists page: the API declares these bounds and the store enforces them."""

from __future__ import annotations

# skip() of a huge page would overflow the server's 64-bit integer, and no one reads page
# 10,001 of anything.
MAX_PAGE = 10_000
MAX_PER_PAGE = 200
