"""Full-text search (``q``): through the index, ranked, highlighted, current after every write."""

from __future__ import annotations

import pytest
from django.db import connection

from server.api.ranking import RankedMatches
from server.api.rows import ranked_ids
from server.diplomacy import search
from server.diplomacy.models import Contact, Official, Source, Statement
from server.diplomacy.search.schema import fts_table
from tests import factories
from tests.server.writing import API, curator_client, detail

pytestmark = pytest.mark.django_db


def found(api, resource: str, query: str, **params) -> list[dict]:
    response = api.get(f"{API}/{resource}/", {"q": query, "limit": 200, **params})
    assert response.status_code == 200, response.content
    return response.json()["results"]


def texts(results: list[dict]) -> list[str]:
    return [item["text"] for item in results]


def test_a_word_finds_the_article_statement_with_a_highlighted_snippet(api):
    [hit] = found(api, "statements", "peninsula")
    assert "Korean Peninsula" in hit["text"]
    assert "<mark>Peninsula</mark>" in hit["snippet"]


def test_phrases_prefixes_alternatives_and_exclusions(api):
    factories.statement(text="The maritime border talks resumed in Sokcho.")
    factories.statement(text="Border guards and maritime police met in Mokpo.")
    factories.statement(text="Talks on the border between the two navies stalled.")

    assert len(found(api, "statements", '"maritime border"')) == 1
    assert len(found(api, "statements", "maritime border")) == 2
    assert len(found(api, "statements", "marit*")) == 2
    assert len(found(api, "statements", "Sokcho OR Mokpo")) == 2
    assert texts(found(api, "statements", "border -maritime")) == [
        "Talks on the border between the two navies stalled."
    ]
    assert found(api, "statements", '"border maritime"') == []


def test_results_are_ranked_by_relevance_unless_an_ordering_is_asked(api):
    factories.statement(text="Sanctions were mentioned once, among many other matters of state.")
    factories.statement(text="Sanctions, sanctions and more sanctions: sanctions everywhere.")
    ranked = texts(found(api, "statements", "sanctions"))
    assert ranked[0].startswith("Sanctions, sanctions")
    by_id = texts(found(api, "statements", "sanctions", ordering="id"))
    assert by_id[0].startswith("Sanctions were mentioned")


def test_every_resource_is_searched_in_the_fields_people_look_for(api):
    speaker = factories.official(name="Zorigt Batbayar", positions=1)
    factories.statement(text="We will keep the corridor open.", speaker=speaker)
    factories.statement(text="No comment.", speaker_label="Office of the Ulaanbaatar mayor")
    factories.contact(title="Quiet talks", officials=(speaker,), location="Ulaanbaatar")
    factories.source(title="[Steppe diplomacy notes]", publisher="Khovd Review")

    assert texts(found(api, "statements", "Batbayar")) == ["We will keep the corridor open."]
    assert texts(found(api, "statements", "mayor")) == ["No comment."]
    assert [c["title"] for c in found(api, "contacts", "Batbayar")] == ["Quiet talks"]
    assert [c["title"] for c in found(api, "contacts", "Ulaanbaatar")] == ["Quiet talks"]
    assert [o["name"] for o in found(api, "officials", '"Post 0" Zorigt')] == ["Zorigt Batbayar"]
    assert [s["title"] for s in found(api, "sources", "Khovd")] == ["[Steppe diplomacy notes]"]


def test_search_is_current_in_the_writing_transaction():
    curator = curator_client()
    speaker = factories.official(name="Odval Ganbold")
    statement = factories.statement(text="The railway will be finished.", speaker=speaker)
    assert texts(found(curator, "statements", "Ganbold")) == ["The railway will be finished."]

    response = curator.patch(
        detail("officials", speaker.pk), {"name": "Odval Tsend"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert found(curator, "statements", "Ganbold") == []
    assert texts(found(curator, "statements", "Tsend")) == ["The railway will be finished."]

    response = curator.patch(
        detail("statements", statement.pk), {"text": "The highway will be finished."}, format="json"
    )
    assert response.status_code == 200, response.content
    assert found(curator, "statements", "railway") == []
    assert len(found(curator, "statements", "highway")) == 1

    assert curator.delete(detail("statements", statement.pk)).status_code == 204
    assert found(curator, "statements", "highway") == []


def test_drafts_are_not_found_by_anonymous_readers(api):
    factories.statement(text="A draft about the glacier.", review_state="draft")
    assert found(api, "statements", "glacier") == []
    assert len(found(curator_client(), "statements", "glacier")) == 1


def test_snippets_are_escaped_html_with_only_the_marks_as_markup(api):
    factories.statement(text="Fjord talks: 1 < 2 & 3 > 2, <em>said</em> nobody.")
    [hit] = found(api, "statements", "fjord")
    assert "<em>" not in hit["snippet"]
    assert "1 &lt; 2 &amp; 3 &gt; 2" in hit["snippet"]
    assert "<mark>Fjord</mark>" in hit["snippet"]


def test_snippets_only_with_a_search(api):
    results = api.get(f"{API}/statements/", {"limit": 5}).json()["results"]
    assert all("snippet" not in item for item in results)


def test_search_combines_with_filters_and_counts(api):
    factories.statement(text="Tundra policy, by NR.", speaker_country="NR")
    factories.statement(text="Tundra policy, by TV.", speaker_country="TV")
    response = api.get(f"{API}/statements/", {"q": "tundra", "country": "NR"}).json()
    assert response["count"] == 1
    assert texts(response["results"]) == ["Tundra policy, by NR."]


@pytest.mark.parametrize(
    "query",
    [
        '"unclosed phrase',
        "OR peninsula",
        "peninsula OR",
        "peninsula OR OR talks",
        "-peninsula",
        "peninsula -",
        "*",
        "pen*insula",
        '""',
        "— …",
        " ".join(["word"] * 17),
    ],
)
@pytest.mark.parametrize("resource", ["statements", "contacts", "officials", "sources"])
def test_a_query_that_reads_two_ways_is_a_400_naming_q(api, resource, query):
    response = api.get(f"{API}/{resource}/", {"q": query})
    assert response.status_code == 400, response.content
    assert list(response.json()["errors"]) == ["q"]


def test_operators_inside_words_are_searched_as_text(api):
    factories.statement(text="The NEAR-term AND long-term plans (column: NOT final).")
    assert len(found(api, "statements", "NEAR-term")) == 1
    assert len(found(api, "statements", "column:")) == 1
    assert len(found(api, "statements", "NOT final")) == 1


def test_a_phrase_is_one_mark_on_every_engine(api):
    factories.statement(text="They agreed on a tundra corridor accord.")
    [hit] = found(api, "statements", '"tundra corridor"')
    assert "<mark>tundra corridor</mark>" in hit["snippet"]


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            return "\n".join(str(row) for row in cursor.fetchall())
        # On a small table the planner rightly prefers a scan (of the table, or of another index
        # with a filter); forbid both, leaving bitmap scans, the GIN index's only way in.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize("model", [Official, Source, Contact, Statement])
def test_the_query_plan_goes_through_the_full_text_index(model):
    plan = _plan(search.matching(model.objects.all(), search.parse('peninsula "talks" Xi*')))
    table = model._meta.db_table
    if connection.vendor == "sqlite":
        assert f"SCAN {fts_table(table)} VIRTUAL TABLE INDEX" in plan, plan
    else:
        assert f"{table}_search_vector" in plan, plan


def test_the_index_follows_bulk_rebuilds():
    statement = factories.statement(text="Permafrost.")
    Statement.objects.filter(pk=statement.pk).update(search_document="")
    assert not search.matching(Statement.objects.all(), search.parse("permafrost")).exists()
    assert search.rebuild()["statements"] >= 1
    assert search.matching(Statement.objects.all(), search.parse("permafrost")).exists()


WINDOW_TEXTS = [
    # Oldest first; the oldest is the most relevant, so a window of the newest changes the order.
    "Zorbanite zorbanite zorbanite zorbanite.",
    "Zorbanite zorbanite zorbanite, the minister said.",
    "Zorbanite was named once, among many other matters of state and of trade between them.",
    "Zorbanite zorbanite, the envoy said.",
    "One word on zorbanite among the many other words of a long statement made that day.",
    "Zorbanite zorbanite zorbanite, again.",
]


def _ids(results: list[dict]) -> list[int]:
    return [item["id"] for item in results]


def test_relevance_ranks_a_window_of_the_newest_matches_then_the_older_newest_first(api, settings):
    made = [factories.statement(text=text).pk for text in WINDOW_TEXTS]
    # Newest of all, but a draft: anonymous readers neither see it nor count it in the window.
    factories.statement(
        text="Zorbanite zorbanite zorbanite zorbanite zorbanite.", review_state="draft"
    )
    settings.SEARCH_RANK_WINDOW = 0
    exact = _ids(found(api, "statements", "zorbanite"))
    assert sorted(exact) == made
    assert exact[0] == made[0], "the oldest is the most relevant"

    settings.SEARCH_RANK_WINDOW = 3
    newest, older = made[3:], made[:3]
    windowed = found(api, "statements", "zorbanite")
    assert _ids(windowed) == [pk for pk in exact if pk in newest] + sorted(older, reverse=True)
    assert all("<mark>" in item["snippet"] for item in windowed)
    response = api.get(f"{API}/statements/", {"q": "zorbanite", "limit": 2})
    assert response.json()["count"] == len(made)
    # Pages cut the list anywhere, across the window's end too.
    for limit in (1, 2, 4):
        paged = []
        for offset in range(0, len(made), limit):
            page = api.get(
                f"{API}/statements/", {"q": "zorbanite", "limit": limit, "offset": offset}
            )
            paged += _ids(page.json()["results"])
        assert paged == _ids(windowed)

    # A window as large as the matches ranks them all.
    settings.SEARCH_RANK_WINDOW = len(made)
    assert _ids(found(api, "statements", "zorbanite")) == exact


def test_a_window_applies_after_the_filters(api, settings):
    made = [
        factories.statement(text=text, kind="quote" if index % 2 else "paraphrase").pk
        for index, text in enumerate(WINDOW_TEXTS)
    ]
    quotes = made[1::2]
    settings.SEARCH_RANK_WINDOW = 0
    exact = _ids(found(api, "statements", "zorbanite", kind="quote"))
    settings.SEARCH_RANK_WINDOW = 2
    windowed = _ids(found(api, "statements", "zorbanite", kind="quote"))
    newest = quotes[-2:]
    assert windowed == [pk for pk in exact if pk in newest] + [quotes[0]]


def test_a_windowed_page_reads_its_ids_in_one_query_or_two_across_the_window_end(
    django_assert_num_queries,
):
    made = [factories.statement(text=text).pk for text in WINDOW_TEXTS]
    matches = search.matching(Statement.objects.all(), search.parse("zorbanite"))
    ranked = ranked_ids(matches.order_by("search_rank", "id"))
    pages = RankedMatches(ranked, window=3, matches=len(made))
    with django_assert_num_queries(1):
        within = [row["id"] for row in pages[0:3]]
    with django_assert_num_queries(1):
        past = [row["id"] for row in pages[3:6]]
    with django_assert_num_queries(2):
        across = [row["id"] for row in pages[2:4]]
    assert sorted(within) == made[3:]
    assert past == made[2::-1]
    assert across == [within[2], past[0]]
