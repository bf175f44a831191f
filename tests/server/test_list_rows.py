"""Lists, exports and records are built from ``.values()`` rows (``server.api.rows``), not
through the serializers; they must show exactly what the serializers show, record for record."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

from server.api.conditional import representation_tag
from server.api.rows import plan_for, rows_by_id
from server.api.v1.views import ContactViewSet, OfficialViewSet, SourceViewSet, StatementViewSet
from server.diplomacy import selectors, services, visibility
from server.diplomacy.models import Official, Statement
from server.diplomacy.synthetic import Counts, synthesize
from tests import factories

pytestmark = pytest.mark.django_db

VIEWSETS: dict[str, Any] = {
    "officials": OfficialViewSet,
    "sources": SourceViewSet,
    "contacts": ContactViewSet,
    "statements": StatementViewSet,
}


@pytest.fixture
def curator(django_user_model: Any) -> Any:
    user = django_user_model.objects.create_user("t-rows-curator")
    user.user_permissions.set(Permission.objects.filter(codename__startswith="change_"))
    return user


@pytest.fixture
def varied(curator: Any) -> None:
    """Synthetic records, and the shapes they lack: claims under review, reviewers, posts of
    several states and dates, participants named by label, statements with nothing related."""
    synthesize(Counts(officials=40, sources=15, contacts=40, statements=120), seed=11)
    topics = (factories.topic("t-rows-b"), factories.topic("t-rows-a"))
    cited = factories.source(published="2021-03", author="Test Author")
    posts = [
        {"title": "Draft post", "start": "2019", "citations": factories.citations(cited)},
        {
            "title": "Ended post",
            "start": "2018-02-03",
            "end": "2020-06",
            "citations": factories.citations(cited),
            "review_state": "reviewed",
        },
        {"title": "Undated post", "citations": factories.citations(), "review_state": "reviewed"},
    ]
    held = services.record_create(
        Official,
        {"slug": "t-rows-held", "name": "Test Held", "country": "TV", "positions": posts},
        user=curator,
    )
    bare = factories.official(positions=0, aliases=["Tést", "テスト"])
    factories.contact(officials=(held, bare), topics=topics, date="2020-05", end_date="2020-05-02")
    factories.contact(review_state="disputed", date="2019")
    factories.contact(officials=(held,), review_state="draft")
    services.record_create(
        Statement,
        {
            "text": "Test statement with everything",
            "kind": "quote",
            "speaker": held,
            "said": "2020-05-01",
            "origin": cited,
            "topics": list(topics),
            "citations": factories.citations(cited, "Test statement with everything")
            + factories.citations(),
            "review_state": "reviewed",
        },
        user=curator,
    )
    factories.statement(review_state="draft")


def read_all(client: APIClient, resource: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    url: str | None = f"/api/v1/{resource}/"
    query: dict[str, Any] | None = {"limit": 200, "cursor": "", **params}
    while url:
        response = client.get(url, query)
        assert response.status_code == 200, response.content
        items += response.json()["results"]
        url, query = response.json()["next"], None
    return items


def serialized(resource: str, ids: list[int], review: str | None) -> list[dict[str, Any]]:
    """The records as the resource's serializer shows them, one by one, in ``ids`` order."""
    viewset = VIEWSETS[resource]
    request = Request(APIRequestFactory().get(f"/api/v1/{resource}/"))
    states = None if review == "all" else visibility.PUBLIC
    queryset = selectors.in_review_states(viewset.queryset.all(), states)
    records = queryset.in_bulk(ids)
    context = {"request": request, "format": None, "audience": states}
    data = viewset.serializer_class([records[pk] for pk in ids], many=True, context=context).data
    return orjson.loads(orjson.dumps(data))


# Each resource as the public reads it, and those under review as a curator reads them all.
READERS = pytest.mark.parametrize(
    ("resource", "review"),
    [(resource, None) for resource in VIEWSETS]
    + [(resource, "all") for resource in ("officials", "contacts", "statements")],
)


def reader(curator: Any, review: str | None) -> tuple[APIClient, dict[str, str]]:
    """A client, and the parameters its reads carry: anonymous, or the curator with ``review``."""
    client = APIClient()
    if review is None:
        return client, {}
    client.force_authenticate(curator)
    return client, {"review": review}


@READERS
def test_a_list_shows_what_the_serializer_shows(
    varied: None, curator: Any, resource: str, review: str | None
) -> None:
    client, params = reader(curator, review)
    listed = read_all(client, resource, **params)
    assert len(listed) > 20
    assert listed == serialized(resource, [item["id"] for item in listed], review)


@READERS
def test_a_record_shows_what_the_serializer_shows(
    varied: None, curator: Any, resource: str, review: str | None
) -> None:
    client, params = reader(curator, review)
    ids = [item["id"] for item in read_all(client, resource, **params)][::3]
    shown = []
    for pk in ids:
        response = client.get(f"/api/v1/{resource}/{pk}/", params)
        assert response.status_code == 200
        assert response["ETag"] == representation_tag(response.content)
        shown.append(response.json())
    assert len(shown) > 5
    assert shown == serialized(resource, ids, review)


@pytest.mark.parametrize("resource", list(VIEWSETS))
def test_an_export_shows_what_the_serializer_shows(varied: None, resource: str) -> None:
    response = APIClient().get(f"/api/v1/{resource}/", {"format": "ndjson"})
    exported = [orjson.loads(line) for line in b"".join(response.streaming_content).splitlines()]
    assert len(exported) > 20
    assert exported == serialized(resource, [item["id"] for item in exported], None)


def test_the_shapes_that_matter_are_in_the_data(varied: None, curator: Any) -> None:
    # The comparisons above only mean something if the data has these cases.
    client = APIClient()
    client.force_authenticate(curator)
    statements = read_all(client, "statements", review="all")
    assert any(item["speaker"] is None for item in statements)
    assert any(item["contact"] is not None for item in statements)
    assert any(item["reviewed_by"] for item in statements)
    assert any(len(item["citations"]) > 1 and item["topics"] for item in statements)
    contacts = read_all(client, "contacts", review="all")
    participants = [part for item in contacts for part in item["participants"]]
    assert any(part["official"] is None for part in participants)
    assert any(part["position"] is not None for part in participants)
    assert any(part["official"] and part["position"] is None for part in participants)
    officials = read_all(client, "officials", review="all")
    states = {post["review_state"] for item in officials for post in item["positions"]}
    assert states >= {"draft", "reviewed"}


def test_a_ranked_page_leaves_out_a_record_deleted_between_its_two_reads(varied: None) -> None:
    # A search page finds its ids, then reads their rows: a record deleted in between is gone.
    kept, deleted = Statement.objects.order_by("id").values_list("id", flat=True)[:2]
    Statement.objects.filter(id=deleted).delete()
    plan = plan_for(StatementViewSet.serializer_class)
    rows = rows_by_id(Statement.objects.all(), plan, [deleted, kept])
    assert [row["id"] for row in rows] == [kept]


@pytest.mark.parametrize("resource", list(VIEWSETS))
def test_on_postgresql_a_page_reads_related_records_by_subquery_not_join(
    varied: None, resource: str
) -> None:
    # Joins made PostgreSQL's planner cost more than the query; the lists above hold the rows
    # equal to the serializer's, this holds the page's own query free of joins.
    if connection.vendor != "postgresql":
        pytest.skip("SQLite reads related records through joins, which it plans cheaply")
    with CaptureQueriesContext(connection) as queries:
        response = APIClient().get(f"/api/v1/{resource}/", {"limit": 20})
    assert response.status_code == 200
    table = VIEWSETS[resource].queryset.model._meta.db_table
    [page] = [q["sql"] for q in queries if q["sql"].startswith(f'SELECT "{table}"."id"')]
    assert " JOIN " not in page
