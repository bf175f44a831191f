"""Pages of a search ranked by relevance, at a cost that does not grow with the matches.

Ranking a match means reading it (FTS5's bm25, PostgreSQL's ``ts_rank``), so a word found in
40,000 of a million statements would cost every request a ranking of all 40,000 (90 ms on SQLite,
a second on PostgreSQL) for a page of 50. Relevance therefore ranks a window: the newest
``settings.SEARCH_RANK_WINDOW`` matches (by id, that is, the most recently added), most relevant
first; the older matches follow, newest first. A search matching no more than the window (and
every search, with a window of 0) is ranked whole: exact relevance. With a window of 500 a page
of such a search takes 10 ms on SQLite at a million statements, against 7 ms at ten thousand
(where it matches 407, all ranked) and 94 ms ranking every match (``bench/RESULTS.md``).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from server.diplomacy import search

Row = dict[str, Any]


class RankedMatches:
    """A relevance-ranked list as pagination slices it (the count comes from the list's own)."""

    def __init__(self, ranked: QuerySet[Any], window: int, matches: int) -> None:
        self.ranked = ranked  # the matches' ids (and rank), most relevant first
        self.window = window
        self.matches = matches  # how many there are (the list's count)

    def __getitem__(self, page: slice) -> list[Row]:
        start, stop = page.start or 0, page.stop
        assert stop is not None, "a page has an end"
        if not 0 < self.window < self.matches:
            return list(self.ranked[start:stop])
        # One query for a page within the window or past it, two for a page across its end.
        rows: list[Row] = []
        if start < self.window:
            rows += search.newest(self.ranked, self.window)[start : min(stop, self.window)]
        wanted = stop - start - len(rows)
        if wanted > 0:
            skipped = max(start - self.window, 0)
            older = search.older(self.ranked, self.window).values("id")
            rows += older[skipped : skipped + wanted]
        return rows
