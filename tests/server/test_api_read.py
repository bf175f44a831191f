"""Every read endpoint: list and detail shapes, brief nested objects, pagination, ordering."""

from __future__ import annotations

import pytest
from django.urls import set_script_prefix

from server.api.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from server.diplomacy.dates import PartialDate
from server.diplomacy.models import Contact, Official, Source, Statement
from tests import factories

pytestmark = pytest.mark.django_db

RESOURCES = {
    "officials": Official,
    "sources": Source,
    "contacts": Contact,
    "statements": Statement,
}
COMMON = {"id", "url", "version", "created_at", "updated_at"}
REVIEW = ("review_state", "reviewed_by", "reviewed_at")
SHAPES = {
    "officials": {"slug", "name", "aliases", "country", "positions", "notes"},
    "sources": {
        "title",
        "kind",
        "author",
        "author_affiliation",
        "publisher",
        "published",
        "document_url",
        "language",
        "notes",
        "text",
    },
    "contacts": {
        "title",
        "kind",
        "status",
        "date",
        "end_date",
        "location",
        "country",
        "occasion",
        "duration_minutes",
        "participants",
        "summary",
        "topics",
        "citations",
        *REVIEW,
    },
    "statements": {
        "text",
        "kind",
        "language",
        "speaker",
        "speaker_label",
        "speaker_country",
        "said",
        "contact",
        "origin",
        "topics",
        "citations",
        *REVIEW,
    },
}


def test_root_links_every_resource(api):
    response = api.get("/api/v1/")
    assert response.status_code == 200
    for name in RESOURCES:
        assert response.json()[name] == f"http://testserver/api/v1/{name}/"


@pytest.mark.parametrize("name", RESOURCES)
def test_list_is_an_envelope_of_every_record(api, name):
    response = api.get(f"/api/v1/{name}/", {"limit": MAX_PAGE_SIZE})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == RESOURCES[name].objects.count() == len(body["results"])
    assert {item["id"] for item in body["results"]} == set(
        RESOURCES[name].objects.values_list("id", flat=True)
    )
    for item in body["results"]:
        assert set(item) == COMMON | SHAPES[name]


@pytest.mark.parametrize("name", RESOURCES)
def test_detail_matches_its_list_entry_and_links_to_itself(api, name):
    record = RESOURCES[name].objects.order_by("id").last()
    response = api.get(f"/api/v1/{name}/{record.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == record.pk
    assert body["url"] == f"http://testserver/api/v1/{name}/{record.pk}/"
    assert body["version"] == record.version
    listed = api.get(f"/api/v1/{name}/", {"limit": MAX_PAGE_SIZE}).json()["results"]
    assert body in listed


@pytest.mark.parametrize("name", RESOURCES)
def test_missing_detail_is_a_404_problem(api, name):
    response = api.get(f"/api/v1/{name}/999999/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 404


def test_statement_shows_brief_related_objects(api):
    statement = Statement.objects.filter(speaker__isnull=False, origin__isnull=False).first()
    assert statement is not None
    body = api.get(f"/api/v1/statements/{statement.pk}/").json()
    assert body["speaker"] == {
        "id": statement.speaker.pk,
        "url": f"http://testserver/api/v1/officials/{statement.speaker.pk}/",
        "slug": statement.speaker.slug,
        "name": statement.speaker.name,
    }
    assert set(body["origin"]) == {"id", "url", "title"}
    citation = body["citations"][0]
    assert set(citation) == {"source", "excerpt", "locator"}
    assert set(citation["source"]) == {"id", "url", "title"}


def test_contact_shows_participants_dates_and_topics(api):
    laos = Contact.objects.get(country="LA")
    body = api.get(f"/api/v1/contacts/{laos.pk}/").json()
    assert body["date"] == "2024-07-26"
    assert body["duration_minutes"] == 40
    assert body["status"] == "held"
    assert {participant["label"] for participant in body["participants"]} >= {
        "South Korean foreign minister",
        "Chinese foreign minister",
    }
    assert all(participant["official"] is None for participant in body["participants"])
    assert body["topics"] == sorted(body["topics"])


def test_partial_dates_are_served_at_their_precision(api):
    visit = Contact.objects.get(status="planned")
    assert api.get(f"/api/v1/contacts/{visit.pk}/").json()["date"] == "2025"
    xing = Official.objects.get(slug="xing-haiming")
    positions = api.get(f"/api/v1/officials/{xing.pk}/").json()["positions"]
    assert [position["end"] for position in positions] == ["2024-07"]


def test_official_positions_carry_their_citations(api):
    dai = Official.objects.get(slug="dai-bin")
    body = api.get(f"/api/v1/officials/{dai.pk}/").json()
    ambassador = next(p for p in body["positions"] if "mbassador" in p["title"])
    assert ambassador["start"] == "2024-11"
    assert ambassador["citations"]
    assert all(c["excerpt"] for c in ambassador["citations"])


def test_page_size_defaults_and_is_capped(api):
    for _ in range(MAX_PAGE_SIZE + 5 - Source.objects.count()):
        factories.source()
    body = api.get("/api/v1/sources/").json()
    assert len(body["results"]) == DEFAULT_PAGE_SIZE
    assert body["next"] is not None
    assert body["previous"] is None
    capped = api.get("/api/v1/sources/", {"limit": 10_000}).json()
    assert len(capped["results"]) == MAX_PAGE_SIZE
    assert capped["count"] == MAX_PAGE_SIZE + 5


def test_pages_follow_next_without_overlap_or_gap(api):
    seen: list[int] = []
    url = "/api/v1/statements/?limit=4"
    while url:
        body = api.get(url).json()
        seen.extend(item["id"] for item in body["results"])
        url = body["next"]
    assert len(seen) == len(set(seen)) == Statement.objects.count()


@pytest.mark.parametrize(
    "query", [{"limit": "ten"}, {"limit": "0"}, {"offset": "-1"}, {"offset": "x"}]
)
def test_malformed_pagination_is_a_400(api, query):
    response = api.get("/api/v1/statements/", query)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == list(query)


def test_default_order_is_chronological_with_undated_last(api):
    body = api.get("/api/v1/statements/", {"limit": MAX_PAGE_SIZE}).json()
    said = [item["said"] for item in body["results"]]
    dated = [value for value in said if value is not None]
    assert said[: len(dated)] == dated, "undated statements come last"
    assert dated == sorted(dated, key=lambda text: PartialDate.parse(text).sort_key())


def test_coarser_dates_sort_before_finer_ones_on_the_same_first_day(api):
    for said in ("1990-01-01", "1990", "1990-01"):
        factories.statement(said=said)
    body = api.get("/api/v1/statements/", {"country": "TV", "ordering": "said"}).json()
    assert [item["said"] for item in body["results"]] == ["1990", "1990-01", "1990-01-01"]
    body = api.get("/api/v1/statements/", {"country": "TV", "ordering": "-said"}).json()
    assert [item["said"] for item in body["results"]] == ["1990-01-01", "1990-01", "1990"]


@pytest.mark.parametrize(
    ("name", "ordering", "key"),
    [
        ("officials", "name", "name"),
        ("officials", "-name", "name"),
        ("sources", "title", "title"),
        ("contacts", "title", "title"),
        ("statements", "kind", "kind"),
    ],
)
def test_ordering_by_a_field(api, name, ordering, key):
    results = api.get(f"/api/v1/{name}/", {"ordering": ordering, "limit": 200}).json()["results"]
    values = [item[key] for item in results]
    assert values == sorted(values, reverse=ordering.startswith("-"))
    assert len(set(values)) > 1


@pytest.mark.parametrize("ordering", ["text", "said,bogus", "", "-"])
def test_unknown_ordering_is_a_400(api, ordering):
    response = api.get("/api/v1/statements/", {"ordering": ordering})
    assert response.status_code == 400
    assert "ordering" in response.json()["errors"]


def test_writes_are_refused_to_anonymous_clients_and_change_nothing(api):
    before = Statement.objects.count()
    response = api.post("/api/v1/statements/", {"text": "x", "kind": "quote"}, format="json")
    assert response.status_code in {401, 403}
    assert response["Content-Type"] == "application/problem+json"
    assert Statement.objects.count() == before


def test_browsers_get_the_browsable_api(api):
    response = api.get("/api/v1/officials/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")


def test_links_follow_the_requests_host_script_prefix_and_format(api, settings):
    settings.ALLOWED_HOSTS = ["testserver", "api.example.org"]
    statement = Statement.objects.filter(speaker__isnull=False).order_by("id").first()
    plain = api.get(f"/api/v1/statements/{statement.pk}/").json()
    assert plain["speaker"]["url"] == f"http://testserver/api/v1/officials/{statement.speaker_id}/"
    # The same resource asked through another host, under a prefix (which a WSGI server sets per
    # request, and the test client does not), in an explicit format.
    set_script_prefix("/detente/")
    try:
        moved = api.get(
            f"/api/v1/statements/{statement.pk}/", {"format": "json"}, HTTP_HOST="api.example.org"
        ).json()
    finally:
        set_script_prefix("/")
    assert moved["url"] == (
        f"http://api.example.org/detente/api/v1/statements/{statement.pk}/?format=json"
    )
    assert moved["speaker"]["url"] == (
        f"http://api.example.org/detente/api/v1/officials/{statement.speaker_id}/?format=json"
    )
    # And back: nothing of the other request's links is kept.
    assert api.get(f"/api/v1/statements/{statement.pk}/").json() == plain
