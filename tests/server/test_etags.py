"""ETags follow the bytes: changing any record that a representation embeds changes the tag of
every representation that shows it, though the embedding record's own version stays; a change
elsewhere keeps it, so caches revalidate with a 304. Errors carry no tag."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from server.api.conditional import representation_tag
from server.diplomacy import services
from server.diplomacy.models import Position
from tests import factories

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture
def world() -> dict[str, Any]:
    source = factories.source(title="[Original source title]")
    speaker = factories.official(name="Original Name")
    services.record_update(
        speaker,
        {
            "positions": [
                {
                    "title": "Original post title",
                    "start": "2020",
                    "citations": factories.citations(source),
                    "review_state": "reviewed",
                }
            ]
        },
    )
    contact = factories.contact(
        title="Original contact title",
        date="2024-05",
        officials=(speaker,),
        citations=factories.citations(source),
    )
    statement = factories.statement(
        text="Words that stay the same.",
        speaker=speaker,
        contact=contact,
        origin=source,
        said="2024-05",
        cited=source,
    )
    bystander = factories.official(name="Unrelated Official")
    return {
        "source": source,
        "speaker": speaker,
        "contact": contact,
        "statement": statement,
        "bystander": bystander,
    }


def rename_official(world: dict[str, Any]) -> None:
    services.record_update(world["speaker"], {"name": "Changed Name"})


def retitle_source(world: dict[str, Any]) -> None:
    services.record_update(world["source"], {"title": "[Changed source title]"})


def retitle_contact(world: dict[str, Any]) -> None:
    # An edit sends it back to draft: reviewed again, so that it is public again.
    services.record_update(world["contact"], {"title": "Changed contact title"})
    world["contact"].refresh_from_db()
    services.record_review(world["contact"], "reviewed")


def withdraw_contact(world: dict[str, Any]) -> None:
    services.record_review(world["contact"], "draft")


def retitle_post(world: dict[str, Any]) -> None:
    post = Position.objects.get(official=world["speaker"])
    services.record_update(
        world["speaker"],
        {
            "positions": [
                {
                    "title": "Changed post title",
                    "start": "2020",
                    "citations": factories.citations(world["source"]),
                    "review_state": "reviewed",
                }
            ]
        },
    )
    assert not Position.objects.filter(pk=post.pk, title="Original post title").exists()


def statement_urls(world: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    pk = world["statement"].pk
    return [
        (f"{API}/statements/{pk}/", {}),
        (f"{API}/statements/", {"q": "stay the same"}),
        (f"{API}/timeline/", {"type": "statement", "date_after": "2024-05", "limit": 200}),
    ]


def contact_urls(world: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    pk = world["contact"].pk
    return [(f"{API}/contacts/{pk}/", {}), (f"{API}/contacts/", {"country": "TV", "limit": 200})]


def official_urls(world: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(f"{API}/officials/{world['speaker'].pk}/", {})]


Urls = Callable[[dict[str, Any]], list[tuple[str, dict[str, Any]]]]
# Each kind of embedded record changed, the representations that show it, and what they show.
CHANGES: list[tuple[Callable[[dict[str, Any]], None], list[Urls], str]] = [
    (rename_official, [statement_urls, contact_urls], "Changed Name"),
    (retitle_source, [statement_urls, contact_urls, official_urls], "[Changed source title]"),
    (retitle_contact, [statement_urls], "Changed contact title"),
    (retitle_post, [contact_urls], "Changed post title"),
    (withdraw_contact, [statement_urls], '"contact":null'),
]


def tagged(client: APIClient, url: str, query: dict[str, Any]) -> tuple[str, bytes]:
    response = client.get(url, query)
    assert response.status_code == 200, (url, response.content)
    assert response["ETag"] == representation_tag(response.content)
    return response["ETag"], response.content


@pytest.mark.parametrize(
    ("change", "shown_in", "shown"), CHANGES, ids=[change.__name__ for change, _, _ in CHANGES]
)
def test_changing_an_embedded_record_changes_the_tag_of_every_representation_showing_it(
    world, api, change, shown_in, shown
):
    urls = [read for urls in shown_in for read in urls(world)]
    before = {url + str(query): tagged(api, url, query) for url, query in urls}
    versions = {type(r): r.version for r in (world["statement"], world["speaker"])}

    change(world)

    for url, query in urls:
        old_tag, old_body = before[url + str(query)]
        again = api.get(url, query, HTTP_IF_NONE_MATCH=old_tag)
        assert again.status_code == 200, (url, query, "a stale body would have been kept")
        assert again["ETag"] != old_tag
        assert again.content != old_body
        assert shown.encode() in again.content.replace(b", ", b","), (url, query)
        assert api.get(url, query, HTTP_IF_NONE_MATCH=again["ETag"]).status_code == 304
    # The embedding records' own versions did not move: only the digest could tell.
    world["statement"].refresh_from_db()
    assert world["statement"].version == versions[type(world["statement"])]


def test_a_change_elsewhere_keeps_every_tag(world, api):
    urls = [*statement_urls(world), *contact_urls(world), *official_urls(world)]
    before = {url + str(query): tagged(api, url, query)[0] for url, query in urls}
    services.record_update(world["bystander"], {"name": "Renamed Bystander"})
    for url, query in urls:
        again = api.get(url, query, HTTP_IF_NONE_MATCH=before[url + str(query)])
        assert again.status_code == 304, (url, query)
        assert again.content == b""
        assert again["ETag"] == before[url + str(query)]


@pytest.mark.parametrize(
    ("url", "query"),
    [
        (f"{API}/statements/987654/", {}),
        (f"{API}/statements/", {"unknown": "1"}),
        (f"{API}/statements/1/history/", {"limit": "x"}),
    ],
)
def test_errors_carry_no_etag(api, url, query):
    response = api.get(url, query)
    assert response.status_code >= 400
    assert "ETag" not in response


def test_history_and_as_of_are_tagged_by_their_bytes(world, api):
    url = f"{API}/officials/{world['speaker'].pk}/"
    history = api.get(url + "history/")
    assert history["ETag"] == representation_tag(history.content)
    services.record_update(world["speaker"], {"notes": "A new note."})
    again = api.get(url + "history/", HTTP_IF_NONE_MATCH=history["ETag"])
    assert again.status_code == 200
    assert again["ETag"] != history["ETag"]
