"""Who sees what: no anonymous answer, on any endpoint the API serves and in any format, holds a
word of a claim under review; a curator reads every record at its URL; history and ``as_of`` tell
one story.

The endpoints are taken from the committed OpenAPI document, so that a new one fails here until
it is read too (``READS``)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from server.api.v1.views import ContactViewSet, OfficialViewSet, SourceViewSet, StatementViewSet
from server.diplomacy import releases, services
from server.diplomacy.models import Contact, Official, Position, Source, Statement
from tests import factories
from tests.server.writing import client_with_token, create_token

pytestmark = pytest.mark.django_db

SCHEMA = json.loads(
    Path(__file__).parents[2].joinpath("fixtures/openapi-v1.json").read_text("utf-8")
)
API = "/api/v1"
# Every word a draft holds starts with this; none of the reviewed records' words does.
HIDDEN = "zqhidden"
HIDDEN_WORDS = re.compile(HIDDEN, re.IGNORECASE)
VIEWSETS = {
    "officials": OfficialViewSet,
    "sources": SourceViewSet,
    "contacts": ContactViewSet,
    "statements": StatementViewSet,
}
MODELS = {"officials": Official, "sources": Source, "contacts": Contact, "statements": Statement}
DRAFTS_ONLY_TOPIC = "t-drafts-only"
LIST_FORMATS: tuple[dict[str, str], ...] = (
    {},
    {"format": "csv"},
    {"format": "ndjson"},
    {"cursor": ""},
)


def token_curator() -> APIClient:
    """A curator's client sending only the parameters each read names."""
    return client_with_token(create_token("carla", "--curator"))


def cited(text: str) -> list[dict[str, Any]]:
    return factories.citations(excerpt=text)


@pytest.fixture
def world(django_user_model, settings, tmp_path) -> dict[str, Any]:
    """Drafts of every kind, each beside reviewed records that point at it or share its words."""
    reviewer = django_user_model.objects.create_user("rita-reviewer")
    speaker = factories.official(
        name="Public Speaker",
        positions=0,
    )
    services.record_update(
        speaker,
        {
            "positions": [
                {
                    "title": "Public envoy",
                    "start": "2020",
                    "citations": cited("Public envoy since 2020."),
                    "review_state": "reviewed",
                },
                {
                    "title": f"{HIDDEN}post envoy",
                    "organization": f"{HIDDEN}organisation",
                    "start": "2024-01",
                    "citations": cited(f"{HIDDEN}post excerpt."),
                    "review_state": "draft",
                },
            ]
        },
        user=reviewer,
    )
    # Topics, like officials and sources, have no review state: public once they exist. One only
    # drafts use is counted in no facet.
    draft_topic = factories.topic(DRAFTS_ONLY_TOPIC)
    draft_contact = factories.contact(
        title=f"{HIDDEN}contact summit",
        summary=f"{HIDDEN}summary of the summit",
        occasion=f"{HIDDEN}occasion",
        location=f"{HIDDEN}location",
        date="2024-05",
        officials=(speaker,),
        topics=(draft_topic,),
        citations=cited(f"{HIDDEN}contact excerpt."),
        review_state="draft",
    )
    draft_statement = factories.statement(
        text=f"{HIDDEN}statement words",
        speaker=speaker,
        said="2024-05",
        topics=(draft_topic,),
        review_state="draft",
    )
    pointing = factories.statement(
        text="Public words said at a summit under review.",
        speaker=speaker,
        contact=draft_contact,
        said="2024-05",
        review_state="reviewed",
    )
    # A reviewed contact whose participant holds the draft post at its date.
    public_contact = factories.contact(
        title="Public meeting", date="2024-05", officials=(speaker,), review_state="reviewed"
    )
    # Published after a draft past; and published, then sent back to draft by an edit.
    evolved = factories.statement(text=f"{HIDDEN}draft-era words", review_state="draft")
    services.record_update(
        evolved,
        {
            "text": "Published words.",
            "citations": cited("Published words."),
            "review_state": "reviewed",
        },
        user=reviewer,
    )
    withdrawn = factories.statement(text="Once public words.", review_state="reviewed")
    services.record_update(
        withdrawn, {"text": f"{HIDDEN}redrafted words", "citations": cited(f"{HIDDEN}redrafted")}
    )
    withdrawn.refresh_from_db()
    assert withdrawn.review_state == "draft"
    settings.RELEASES_DIR = str(tmp_path / "releases")
    releases.release()
    return {
        "speaker": speaker,
        "draft_contact": draft_contact,
        "draft_statement": draft_statement,
        "pointing": pointing,
        "public_contact": public_contact,
        "evolved": evolved,
        "withdrawn": withdrawn,
        "draft_post": Position.objects.get(title=f"{HIDDEN}post envoy"),
    }


def _list_reads(path: str, resource: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for shape in LIST_FORMATS:
        yield path, {"limit": 200, **shape} if "format" not in shape else shape
    yield path, {"q": HIDDEN}
    for word in ("summit", "envoy", "words", "organisation", "Public"):
        yield path, {"q": word}
    for facet in VIEWSETS[resource].facet_fields:
        yield path, {"facet": facet, "limit": 1}


def _detail_reads(path: str, resource: str) -> Iterator[tuple[str, dict[str, Any]]]:
    now = timezone.now().isoformat()
    for pk in MODELS[resource].objects.values_list("pk", flat=True):
        detail = path.replace("{id}", str(pk))
        yield detail, {}
        if not path.endswith("history/"):
            yield detail, {"as_of": now}


# How each GET path of the schema is read: the queries (and ids) that cover what it can show.
READS: dict[str, Any] = {
    **{f"{API}/{resource}/": _list_reads for resource in VIEWSETS},
    **{f"{API}/{resource}/{{id}}/": _detail_reads for resource in VIEWSETS},
    **{f"{API}/{resource}/{{id}}/history/": _detail_reads for resource in VIEWSETS},
    f"{API}/timeline/": lambda path, _: iter(
        [(path, {"limit": 200}), (path, {"type": "statement", "limit": 200})]
    ),
    f"{API}/network/": lambda path, _: iter([(path, {}), (path, {"format": "graphml"})]),
    f"{API}/export/": lambda path, _: iter([(path, {})]),
    f"{API}/changes/": lambda path, _: iter(
        [(path, {"limit": 1000}), (path, {"limit": 1000, "include": "record"})]
    ),
    f"{API}/releases/": lambda path, _: iter([(path, {})]),
    f"{API}/releases/{{number}}/": lambda path, _: iter([(path.replace("{number}", "1"), {})]),
    f"{API}/releases/{{number}}/{{name}}": lambda path, _: iter(
        (path.replace("{number}", "1").replace("{name}", name), {})
        for name in ("dataset.ndjson", "delta.ndjson")
    ),
}


def every_read() -> Iterator[tuple[str, dict[str, Any]]]:
    for path, operations in SCHEMA["paths"].items():
        if "get" not in operations or path.endswith("/schema/"):
            continue
        assert path in READS, f"{path} is served but not read by this test: add it to READS"
        resource = path.removeprefix(f"{API}/").split("/")[0]
        yield from READS[path](path, resource)


def test_every_endpoint_of_the_schema_is_read_here():
    served = {path for path, ops in SCHEMA["paths"].items() if "get" in ops}
    assert served - {f"{API}/schema/"} <= set(READS)
    assert set(READS) <= served


def test_no_anonymous_answer_holds_a_word_of_a_draft(world):
    anonymous = APIClient()
    read = 0
    for path, query in every_read():
        response = anonymous.get(path, query)
        assert response.status_code in (200, 404), (path, query, response.content[:300])
        body = b"".join(response.streaming_content) if response.streaming else response.content
        text = body.decode("utf-8")
        found = HIDDEN_WORDS.search(text)
        assert found is None, (path, query, text[max(found.start() - 300, 0) : found.end() + 80])
        read += 1
    assert read > 100


def test_a_reviewed_record_pointing_at_a_draft_reads_it_as_null(world, api):
    pointing = world["pointing"]
    url = f"{API}/statements/{pointing.pk}/"
    assert api.get(url).json()["contact"] is None
    listed = api.get(f"{API}/statements/", {"q": "summit under review"}).json()["results"]
    assert [item["contact"] for item in listed] == [None]
    as_of = api.get(url, {"as_of": timezone.now().isoformat()}).json()
    assert as_of["contact"] is None
    (revision,) = api.get(url + "history/").json()["results"]
    assert revision["type"] == "created"
    # The contact filter matches no contact the reader may not see.
    draft = world["draft_contact"].pk
    assert api.get(f"{API}/statements/", {"contact": draft}).json()["count"] == 0
    # A curator reads the same statement with its contact, at its URL and in lists.
    curator = token_curator()
    assert curator.get(url).json()["contact"]["id"] == draft
    listed = {"contact": draft, "review": "all"}
    assert curator.get(f"{API}/statements/", listed).json()["count"] == 1
    assert curator.get(f"{API}/statements/", {"contact": draft}).json()["count"] == 0


def test_a_participant_shows_no_post_under_review(world, api):
    contact = api.get(f"{API}/contacts/{world['public_contact'].pk}/").json()
    (participant,) = contact["participants"]
    assert participant["position"]["title"] == "Public envoy"
    official = api.get(f"{API}/officials/{world['speaker'].pk}/").json()
    assert [post["title"] for post in official["positions"]] == ["Public envoy"]
    assert api.get(f"{API}/officials/", {"q": "organisation"}).json()["count"] == 0


def test_counts_and_facets_count_what_the_reader_sees(world, api):
    for resource in ("contacts", "statements"):
        model = MODELS[resource]
        public = model.objects.filter(review_state="reviewed").count()
        assert api.get(f"{API}/{resource}/", {"limit": 1}).json()["count"] == public
        topics = api.get(f"{API}/{resource}/", {"facet": "topic", "limit": 1}).json()["facets"]
        assert DRAFTS_ONLY_TOPIC not in json.dumps(topics)


def test_a_curator_reads_a_draft_at_its_url_and_others_get_404(world, api):
    curator = token_curator()
    for resource, record in (
        ("statements", world["draft_statement"]),
        ("contacts", world["draft_contact"]),
    ):
        url = f"{API}/{resource}/{record.pk}/"
        shown = curator.get(url)
        assert shown.status_code == 200, shown.content
        assert shown.json()["review_state"] == "draft"
        assert curator.get(url + "history/").status_code == 200
        assert curator.get(url, {"review": "reviewed"}).status_code == 404
        assert api.get(url).status_code == 404
        assert api.get(url + "history/").status_code == 404
        assert api.get(url, {"as_of": timezone.now().isoformat()}).status_code == 404
    # The answer to a curator's create is readable at its url with the same token.
    created = curator.post(
        f"{API}/statements/",
        {
            "text": "A curator's new words.",
            "kind": "paraphrase",
            "speaker_label": "Test office",
            "citations": [
                {
                    "source": world["pointing"].citations.get().source_id,
                    "excerpt": "A curator's new words.",
                }
            ],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    again = curator.get(created.json()["url"])
    assert again.status_code == 200
    assert again.json() == created.json()
    # Narrowed lists stay reviewed by default.
    listed = curator.get(f"{API}/statements/", {"limit": 200}).json()["results"]
    assert all(item["review_state"] == "reviewed" for item in listed)


def _moment(entry: dict[str, Any]) -> str:
    return entry["time"]


def test_history_and_as_of_tell_one_story(world, api):
    curator = token_curator()
    for name, public_types in (
        ("evolved", ["created"]),
        ("withdrawn", ["created", "deleted"]),
    ):
        record = world[name]
        url = f"{API}/statements/{record.pk}/"
        every = curator.get(url + "history/").json()["results"]
        public = api.get(url + "history/").json()["results"]
        assert [entry["type"] for entry in public] == public_types, name
        assert len(every) == 2
        shown_versions = {entry["version"] for entry in public if entry["type"] != "deleted"}
        # ``as_of`` at each revision of the full history is readable exactly when the public
        # history lists that revision as content.
        for entry in every:
            answer = api.get(url, {"as_of": _moment(entry)})
            expected = 200 if entry["version"] in shown_versions else 404
            assert answer.status_code == expected, (name, entry)
            if expected == 200:
                assert answer.json()["version"] == entry["version"]
        assert (
            api.get(url, {"as_of": datetime(1990, 1, 1, tzinfo=UTC).isoformat()}).status_code == 404
        )


def test_the_public_history_names_reviewers_by_username(world, api):
    url = f"{API}/statements/{world['evolved'].pk}/history/"
    curator = token_curator()
    changes = curator.get(url).json()["results"][1]["changes"]
    reviewer = {change["field"]: change["new"] for change in changes}["reviewed_by"]
    assert reviewer == "rita-reviewer"
    official = api.get(f"{API}/officials/{world['speaker'].pk}/history/").json()["results"]
    for entry in official:
        for change in entry["changes"]:
            for post in change["new"] if change["field"] == "positions" else []:
                assert not isinstance(post["reviewed_by"], int)
