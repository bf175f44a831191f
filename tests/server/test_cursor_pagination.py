"""Keyset pages (``cursor``): the same rows as offset pages, in the same order, at any depth."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from server.api.cursors import encode_cursor
from tests import factories
from tests.server.writing import API

pytestmark = pytest.mark.django_db

SAID = ["2001", "2001-03", "2001-03-04", "2001-03-04", None, "2002-12", None, "2001-03"]


@pytest.fixture
def statements():
    topic = factories.topic("t-cursor")
    return [
        factories.statement(
            said=said, speaker_country="NR", kind=("quote" if i % 3 else "paraphrase"),
            topics=(topic,), text=f"Cursor walk {i} {'anchor' if i % 2 else ''}"
        )
        for i, said in enumerate(SAID * 3)
    ]  # fmt: skip


def walk(api, params: dict) -> tuple[list[int], list[dict]]:
    ids: list[int] = []
    pages: list[dict] = []
    url: str | None = f"{API}/statements/"
    query: dict | None = params
    while url:
        response = api.get(url, query)
        assert response.status_code == 200, response.content
        page = response.json()
        pages.append(page)
        ids += [item["id"] for item in page["results"]]
        url, query = page["next"], None
    return ids, pages


@pytest.mark.parametrize(
    "ordering", [None, "said", "-said", "kind,-said", "-kind,said", "-id", "updated_at"]
)
def test_a_cursor_walk_gives_the_offset_order_with_ties_and_undated_rows(api, statements, ordering):
    params = {"country": "NR", **({"ordering": ordering} if ordering else {})}
    expected, _ = walk(api, {**params, "limit": 200})
    walked, pages = walk(api, {**params, "limit": 5, "cursor": ""})
    assert walked == expected
    assert len(expected) == len(statements)
    assert len(pages) == 5  # 24 rows by 5
    assert all(page["count"] == len(statements) for page in pages)
    assert all(page["previous"] is None for page in pages)
    assert all("cursor=" in page["next"] for page in pages[:-1])


def test_a_search_walks_by_cursor_under_an_ordering(api, statements):
    expected, _ = walk(api, {"q": "anchor", "ordering": "-said", "limit": 200})
    walked, _ = walk(api, {"q": "anchor", "ordering": "-said", "limit": 2, "cursor": ""})
    assert walked == expected
    assert len(walked) == 12


def test_a_deep_cursor_page_has_no_offset_and_the_queries_of_the_first(api, statements):
    def page_queries(params):
        with CaptureQueriesContext(connection) as captured:
            response = api.get(f"{API}/statements/", params)
        assert response.status_code == 200
        return [query["sql"] for query in captured], response.json()

    first_sql, first = page_queries({"country": "NR", "limit": 3, "cursor": ""})
    cursor = first["next"].split("cursor=")[1].split("&")[0]
    # The count is the first page's, from the cache; the rest is the same work, without OFFSET,
    # except that the rows after the cursor are read run by run until the page is full: the
    # rows tied with the cursor's day and end (by id, a range without OR), then the rest of the
    # dated rows, then the undated ones.
    rows = [sql for sql in first_sql if "COUNT(" not in sql.upper()]
    runs_of_said = 3
    read_runs = []
    while cursor:
        deep_sql, page = page_queries({"country": "NR", "limit": 3, "cursor": cursor})
        cursor = page["next"].split("cursor=")[1].split("&")[0] if page["next"] else ""
        assert not any("OFFSET" in sql.upper() for sql in deep_sql)
        page_sql = [sql for sql in deep_sql if sql.startswith(rows[0][:30])]
        assert " OR " not in page_sql[0].upper()
        read_runs.append(len(deep_sql) - len(rows) + 1)
        assert 1 <= read_runs[-1] <= runs_of_said
    # 18 dated statements (ties among them), then 6 undated: some pages are read from one run,
    # some need the next ones; the page that ends the dated rows also reads the undated ones.
    assert len(read_runs) == 7
    assert 1 in read_runs
    assert max(read_runs) > 1
    assert [item["said"] for item in page["results"]] == [None, None, None]


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"cursor": "", "offset": 5}, "offset"),
        ({"cursor": "", "q": "anchor"}, "cursor"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": encode_cursor(["2001-01-01", "2001-12-31", 4], "-said")}, "cursor"),
        ({"cursor": encode_cursor(["someday", "2001-12-31", 4], ""), "ordering": ""}, "ordering"),
        ({"cursor": encode_cursor(["someday", "2001-12-31", 4], "")}, "cursor"),
        ({"cursor": encode_cursor([1, 2], "")}, "cursor"),
        ({"cursor": "A" * 1001}, "cursor"),
    ],
)
def test_a_cursor_that_does_not_fit_is_a_400_naming_it(api, params, name):
    response = api.get(f"{API}/statements/", params)
    assert response.status_code == 400, response.content
    assert name in response.json()["errors"]


def test_exports_take_no_cursor(api):
    response = api.get(f"{API}/statements/", {"format": "csv", "cursor": ""})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["cursor"]
