"""Versions, history, reading the past (``as_of``), restoring, and conditional requests."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import Permission

from server.api.conditional import representation_tag
from server.diplomacy.models import Official, Statement
from tests import factories
from tests.server.writing import (
    ARTICLE_QUOTE,
    PROBLEM,
    RESOURCES,
    cite,
    client_with_token,
    counts,
    create,
    create_token,
    curator_client,
    detail,
    tag_of,
    writable,
)

pytestmark = pytest.mark.django_db

# A snapshot's posts held carry their review whole: who and when included.
UNREVIEWED = {"review_state": "draft", "reviewed_by": None, "reviewed_at": None}


@pytest.fixture
def curator():
    return curator_client()


def history(api: Any, resource: str, pk: int) -> list[dict[str, Any]]:
    response = api.get(detail(resource, pk) + "history/", {"limit": 1000})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == len(body["results"])
    return body["results"]


def moment(entry: dict[str, Any], **shift: float) -> str:
    when = dt.datetime.fromisoformat(entry["time"].replace("Z", "+00:00"))
    return (when + dt.timedelta(**shift)).isoformat()


def without_timestamps(body: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in body.items() if name != "updated_at"}


# -- versions ----------------------------------------------------------------------------------


def test_version_goes_up_by_one_per_write_and_never_on_a_failed_one(curator):
    created = create(curator, "officials")
    url = detail("officials", created["id"])

    def version() -> int:
        stored = Official.objects.get(pk=created["id"]).version
        assert curator.get(url).json()["version"] == stored
        return stored

    assert version() == 1
    assert curator.patch(url, {"name": "Renamed"}, format="json").json()["version"] == 2
    new_positions = [{"title": "Envoy", "start": "2024", "citations": [cite()]}]
    response = curator.patch(url, {"positions": new_positions}, format="json")
    assert response.json()["version"] == 3
    assert version() == 3
    body = writable(curator.get(url).json())
    assert curator.put(url, {**body, "notes": "PUT"}, format="json").json()["version"] == 4

    # Refused writes: invalid data, a stale If-Match, a nested error found by the services.
    assert curator.patch(url, {"slug": "xi-jinping"}, format="json").status_code == 400
    assert curator.patch(url, {"name": "X"}, format="json", HTTP_IF_MATCH='"2"').status_code == 412
    refused = [{"title": "Envoy", "start": "2024", "citations": [cite(excerpt="Invented.")]}]
    assert curator.patch(url, {"positions": refused}, format="json").status_code == 400
    assert curator.delete(url, HTTP_IF_MATCH='"1"').status_code == 412
    assert version() == 4
    assert [entry["version"] for entry in history(curator, "officials", created["id"])] == [
        1,
        2,
        3,
        4,
    ]


NOTE_FIELD = {
    "officials": "notes",
    "sources": "notes",
    "contacts": "summary",
    "statements": "language",
}


@pytest.mark.parametrize("resource", RESOURCES)
def test_each_write_of_each_resource_is_one_version(curator, resource):
    created = create(curator, resource)
    url = detail(resource, created["id"])
    for expected, value in ((2, "ko"), (3, "en")):
        body = {**writable(curator.get(url).json()), NOTE_FIELD[resource]: value}
        response = curator.put(url, body, format="json")
        assert response.status_code == 200, response.content
        assert response.json()["version"] == expected
        assert response["ETag"] == tag_of(curator, url)
    assert len(history(curator, resource, created["id"])) == 3


@pytest.mark.parametrize("method", ["put", "patch"])
@pytest.mark.parametrize("resource", RESOURCES)
def test_a_write_that_changes_nothing_is_no_new_version(curator, resource, method):
    created = create(curator, resource)
    url = detail(resource, created["id"])
    body = writable(curator.get(url).json()) if method == "put" else {}
    created_tag = tag_of(curator, url)
    response = getattr(curator, method)(url, body, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 200, response.content
    assert response.json()["version"] == 1
    assert response["ETag"] == tag_of(curator, url) == created_tag
    assert len(history(curator, resource, created["id"])) == 1


# -- history -----------------------------------------------------------------------------------


def test_history_lists_every_revision_oldest_first_with_changes(curator):
    created = create(curator, "statements")
    pk = created["id"]
    url = detail("statements", pk)
    old_citations = writable(created)["citations"]
    new_citations = [cite(locator="p. 4"), cite(excerpt=ARTICLE_QUOTE, locator="again")]
    curator.patch(url, {"said": "2024-07"}, format="json")
    curator.patch(url, {"citations": new_citations, "topics": []}, format="json")
    curator.delete(url)

    entries = history(curator, "statements", pk)

    assert [(e["version"], e["type"], e["user"]) for e in entries] == [
        (1, "created", "alice"),
        (2, "changed", "alice"),
        (3, "changed", "alice"),
        (4, "deleted", "alice"),
    ]
    assert entries[0]["changes"] == []
    assert entries[1]["changes"] == [{"field": "said", "old": "2024-07-26", "new": "2024-07"}]
    assert entries[2]["changes"] == [
        {"field": "topics", "old": ["bilateral-relations"], "new": []},
        {"field": "citations", "old": old_citations, "new": new_citations},
    ]
    times = [entry["time"] for entry in entries]
    assert times == sorted(times)
    assert all(time.endswith("Z") for time in times)


def test_history_of_nested_posts_shows_old_and_new_lists(curator):
    created = create(curator, "officials")
    url = detail("officials", created["id"])
    new = [
        {
            "title": "Envoy",
            "organization": "",
            "country": "",
            "start": "2024",
            "end": None,
            "citations": [cite()],
        }
    ]
    curator.patch(url, {"positions": new, "aliases": []}, format="json")
    change = history(curator, "officials", created["id"])[1]
    assert change["type"] == "changed"
    assert {item["field"]: (item["old"], item["new"]) for item in change["changes"]} == {
        "aliases": (created["aliases"], []),
        "positions": (
            [{**post, **UNREVIEWED} for post in writable(created)["positions"]],
            [{**post, **UNREVIEWED} for post in new],
        ),
    }


def test_history_of_a_related_record_change_is_the_id(curator):
    created = create(curator, "statements")
    curator.patch(
        detail("statements", created["id"]), {"speaker": None, "speaker_label": "X"}, format="json"
    )
    changes = history(curator, "statements", created["id"])[1]["changes"]
    assert {"field": "speaker", "old": 1, "new": None} in changes


@pytest.mark.parametrize("resource", RESOURCES)
def test_fixture_records_start_with_one_created_revision(api, resource):
    model = RESOURCES[resource]
    for record in model.objects.all():
        rows = list(model.history.filter(id=record.pk))
        assert [(row.history_type, row.history_user_id, row.version) for row in rows] == [
            ("+", None, 1)
        ], record.pk
    entries = history(api, resource, 1)
    assert len(entries) == 1
    assert {key: entries[0][key] for key in ("version", "user", "type", "changes")} == {
        "version": 1,
        "user": None,
        "type": "created",
        "changes": [],
    }


def test_history_of_an_id_that_never_existed_is_a_404(api):
    response = api.get(detail("contacts", 987654) + "history/")
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM


def test_history_and_restore_reject_unknown_query_parameters(curator):
    response = curator.get(detail("officials", 1) + "history/", {"bogus": "1"})
    assert response.status_code == 400
    assert "bogus" in response.json()["errors"]
    assert curator.get(detail("officials", 1) + "history/", {"limit": 1}).status_code == 200
    created = create(curator, "sources")
    curator.delete(detail("sources", created["id"]))
    before = counts()
    response = curator.post(detail("sources", created["id"]) + "restore/?bogus=1")
    assert response.status_code == 400
    assert counts() == before


def test_history_is_paginated(curator):
    created = create(curator, "sources")
    url = detail("sources", created["id"])
    for title in ("[Two]", "[Three]"):
        curator.patch(url, {"title": title}, format="json")
    page = curator.get(url + "history/", {"limit": 2}).json()
    assert page["count"] == 3
    assert [entry["version"] for entry in page["results"]] == [1, 2]
    following = curator.get(page["next"]).json()
    assert [entry["version"] for entry in following["results"]] == [3]


# -- as_of -------------------------------------------------------------------------------------


def test_as_of_reads_each_version_back(curator):
    first = create(curator, "contacts")
    pk = first["id"]
    url = detail("contacts", pk)
    second = curator.patch(
        url,
        {
            "title": "Renamed",
            "participants": [{"label": "Others", "country": "PW"}],
            "topics": ["north-korea"],
            "citations": [cite(excerpt=ARTICLE_QUOTE)],
        },
        format="json",
    ).json()
    entries = history(curator, "contacts", pk)

    for entry, shown in zip(entries, (first, second), strict=True):
        response = curator.get(url, {"as_of": moment(entry)})
        assert response.status_code == 200, response.content
        assert without_timestamps(response.json()) == without_timestamps(shown)
        assert response["ETag"] == representation_tag(response.content)
        later = curator.get(url, {"as_of": moment(entry, microseconds=1)}).json()
        assert later["version"] == shown["version"]

    before = curator.get(url, {"as_of": moment(entries[0], microseconds=-1)})
    assert before.status_code == 404
    assert before["Content-Type"] == PROBLEM
    assert curator.get(url, {"as_of": "2999-01-01T00:00:00Z"}).json()["version"] == 2


def test_as_of_without_offset_is_utc(curator):
    created = create(curator, "sources")
    entry = history(curator, "sources", created["id"])[0]
    naive = moment(entry, seconds=1).replace("+00:00", "")
    response = curator.get(detail("sources", created["id"]), {"as_of": naive})
    assert response.status_code == 200
    shifted = dt.datetime.fromisoformat(moment(entry, seconds=1)).astimezone(
        dt.timezone(dt.timedelta(hours=9))
    )
    response = curator.get(detail("sources", created["id"]), {"as_of": shifted.isoformat()})
    assert response.status_code == 200


@pytest.mark.parametrize("value", ["yesterday", "2024-13-01T00:00:00Z", "2024-07-26T25:00", ""])
def test_malformed_as_of_is_a_400(api, value):
    response = api.get(detail("statements", 1), {"as_of": value})
    assert response.status_code == 400
    assert "as_of" in response.json()["errors"]


def test_as_of_around_a_deletion(curator):
    created = create(curator, "statements")
    url = detail("statements", created["id"])
    curator.delete(url)
    _, deleted_entry = history(curator, "statements", created["id"])

    assert curator.get(url, {"as_of": moment(deleted_entry)}).status_code == 404
    assert curator.get(url, {"as_of": moment(deleted_entry, seconds=5)}).status_code == 404
    old = curator.get(url, {"as_of": moment(deleted_entry, microseconds=-1)})
    assert old.status_code == 200
    assert without_timestamps(old.json()) == without_timestamps(created)


def test_as_of_a_fixture_record_after_seeding(api):
    entry = history(api, "statements", 1)[0]
    response = api.get(detail("statements", 1), {"as_of": moment(entry)})
    assert without_timestamps(response.json()) == without_timestamps(
        api.get(detail("statements", 1)).json()
    )


def test_a_date_alone_as_of_is_its_midnight_utc(api):
    assert api.get(detail("statements", 1), {"as_of": "2024-07-26"}).status_code == 404
    assert api.get(detail("statements", 1), {"as_of": "2999-07-26"}).status_code == 200


@pytest.mark.parametrize("source", ["fixture", "api"])
def test_as_of_an_official_with_posts(curator, source):
    if source == "fixture":
        pk, shown = 1, curator.get(detail("officials", 1)).json()
    else:
        shown = create(curator, "officials")
        pk = shown["id"]
    url = detail("officials", pk)
    entry = history(curator, "officials", pk)[-1]
    curator.patch(url, {"positions": []}, format="json")
    response = curator.get(url, {"as_of": moment(entry)})
    assert response.status_code == 200
    assert without_timestamps(response.json()) == without_timestamps(shown)
    assert response.json()["positions"]


def test_as_of_a_fixture_records_created_at_finds_it(api):
    created_at = api.get(detail("officials", 1)).json()["created_at"]
    assert api.get(detail("officials", 1), {"as_of": created_at}).status_code == 200


# -- delete and restore ------------------------------------------------------------------------


@pytest.mark.parametrize("resource", RESOURCES)
def test_a_deleted_record_keeps_its_history_and_is_restored_whole(curator, resource):
    created = create(curator, resource)
    pk = created["id"]
    url = detail(resource, pk)
    body = {**writable(created), NOTE_FIELD[resource]: "ko"}
    changed = curator.put(url, body, format="json").json()
    assert changed["version"] == 2
    assert curator.delete(url).status_code == 204
    assert curator.get(url).status_code == 404
    entries = history(curator, resource, pk)
    assert [entry["type"] for entry in entries] == ["created", "changed", "deleted"]
    assert entries[-1]["changes"] == []

    response = curator.post(url + "restore/")

    assert response.status_code == 201, response.content
    restored = response.json()
    assert restored["id"] == pk
    assert restored["version"] == entries[-1]["version"] + 1 == 4
    assert response["ETag"] == tag_of(curator, url)
    assert writable(restored) == writable(changed)
    assert curator.get(url).json() == restored
    entries = history(curator, resource, pk)
    assert [entry["type"] for entry in entries] == ["created", "changed", "deleted", "restored"]
    assert [entry["version"] for entry in entries] == [1, 2, 3, 4]
    assert entries[-1]["user"] == "alice"


def test_as_of_after_a_restore_is_the_restored_record(curator):
    created = create(curator, "statements")
    url = detail("statements", created["id"])
    curator.delete(url)
    restored = curator.post(url + "restore/").json()
    entries = history(curator, "statements", created["id"])
    response = curator.get(url, {"as_of": moment(entries[-1])})
    assert without_timestamps(response.json()) == without_timestamps(restored)
    between = curator.get(url, {"as_of": moment(entries[-1], microseconds=-1)})
    assert between.status_code == 404


def test_restoring_an_existing_record_is_a_409(curator):
    before = counts()
    response = curator.post(detail("statements", 1) + "restore/")
    assert response.status_code == 409
    assert response["Content-Type"] == PROBLEM
    assert counts() == before
    assert Statement.objects.get(pk=1).version == 1


def test_restoring_an_id_that_never_existed_is_a_404(curator):
    assert curator.post(detail("officials", 987654) + "restore/").status_code == 404


def test_restoring_when_the_slug_was_taken_since_is_a_409(curator):
    created = create(curator, "officials")
    curator.delete(detail("officials", created["id"]))
    create(curator, "officials")  # the same slug, a new record
    before = counts()
    response = curator.post(detail("officials", created["id"]) + "restore/")
    assert response.status_code == 409
    assert "slug" in response.json()["detail"]
    assert counts() == before


def test_restore_needs_a_token_with_permission(api, django_user_model):
    created = factories.statement()
    curator_client().delete(detail("statements", created.pk))
    url = detail("statements", created.pk) + "restore/"

    assert api.post(url).status_code == 401
    reader = client_with_token(create_token("reader"))
    assert reader.post(url).status_code == 403
    user = django_user_model.objects.get(username="reader")
    user.user_permissions.add(Permission.objects.get(codename="add_statement"))
    assert reader.post(url).status_code == 201


# -- ETag and conditional requests --------------------------------------------------------------


@pytest.mark.parametrize("resource", RESOURCES)
def test_a_detail_is_tagged_with_the_digest_of_its_body(api, resource):
    response = api.get(detail(resource, 1))
    assert response["ETag"] == representation_tag(response.content)


def test_if_none_match(curator):
    created = create(curator, "statements")
    url = detail("statements", created["id"])
    first = tag_of(curator, url)
    curator.patch(url, {"said": "2024"}, format="json")
    tag = tag_of(curator, url)
    assert tag != first

    current = curator.get(url, HTTP_IF_NONE_MATCH=tag)
    assert current.status_code == 304
    assert current.content == b""
    assert current["ETag"] == tag
    for header in (f"{first}, {tag}", f"W/{tag}", "*"):
        assert curator.get(url, HTTP_IF_NONE_MATCH=header).status_code == 304, header

    for header in (first, '"2"', "garbage"):
        stale = curator.get(url, HTTP_IF_NONE_MATCH=header)
        assert stale.status_code == 200, header
        assert stale.json()["version"] == 2


def test_stale_if_match_is_a_412_and_changes_nothing(curator):
    created = create(curator, "contacts")
    url = detail("contacts", created["id"])
    current = curator.patch(url, {"title": "Version two"}, format="json").json()
    before = counts()
    body = writable(current)

    for method, data in (("put", {**body, "title": "Lost"}), ("patch", {"title": "Lost"})):
        response = getattr(curator, method)(url, data, format="json", HTTP_IF_MATCH='"1"')
        assert response.status_code == 412, method
        assert response["Content-Type"] == PROBLEM
        assert response.json()["current_version"] == 2
    response = curator.delete(url, HTTP_IF_MATCH='"1"')
    assert response.status_code == 412
    assert response.json()["current_version"] == 2

    assert counts() == before
    assert curator.get(url).json() == current


def test_if_match_with_several_tags_passes_when_one_is_current(curator):
    created = create(curator, "sources")
    url = detail("sources", created["id"])
    curator.patch(url, {"title": "[Two]"}, format="json")
    response = curator.patch(url, {"title": "[Three]"}, format="json", HTTP_IF_MATCH='"1", "2"')
    assert response.status_code == 200
    assert response.json()["version"] == 3


@pytest.mark.parametrize("header", ['"two"', '"1", "3"', '"-1"', '""', 'W/"2"', '"0123abcd"'])
def test_an_if_match_naming_no_current_version_or_representation_is_a_412(curator, header):
    created = create(curator, "sources")
    url = detail("sources", created["id"])
    curator.patch(url, {"title": "[Two]"}, format="json")
    response = curator.patch(url, {"title": "[Lost]"}, format="json", HTTP_IF_MATCH=header)
    assert response.status_code == 412
    assert response.json()["current_version"] == 2
    assert curator.get(url).json()["title"] == "[Two]"


@pytest.mark.parametrize("header", ["garbage", "2", '"17"x', '"2" "3"', '"2",,x', "W/2"])
def test_a_malformed_if_match_is_a_400_and_changes_nothing(curator, header):
    created = create(curator, "sources")
    url = detail("sources", created["id"])
    response = curator.patch(url, {"title": "[Lost]"}, format="json", HTTP_IF_MATCH=header)
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert "If-Match" in response.json()["errors"]
    assert "ETag" not in response
    assert curator.get(url).json()["version"] == 1


def test_an_if_match_with_the_etag_of_a_read_writes_while_the_representation_holds(curator):
    created = create(curator, "statements")
    url = detail("statements", created["id"])
    tag = tag_of(curator, url)
    response = curator.patch(url, {"said": "2024"}, format="json", HTTP_IF_MATCH=tag)
    assert response.status_code == 200, response.content
    assert response.json()["version"] == 2
    # The old representation's tag is stale now; the new one's is not.
    response = curator.patch(url, {"said": "2023"}, format="json", HTTP_IF_MATCH=tag)
    assert response.status_code == 412
    assert response.json()["current_version"] == 2
    fresh = tag_of(curator, url)
    response = curator.patch(url, {"said": "2023"}, format="json", HTTP_IF_MATCH=fresh)
    assert response.status_code == 200, response.content


def test_matching_if_match_writes(curator):
    created = create(curator, "officials")
    url = detail("officials", created["id"])
    response = curator.patch(url, {"name": "Two"}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 200
    assert response["ETag"] == tag_of(curator, url)
    body = writable(response.json())
    response = curator.put(url, {**body, "name": "Three"}, format="json", HTTP_IF_MATCH='"2"')
    assert response.status_code == 200
    response = curator.patch(url, {"name": "Four"}, format="json", HTTP_IF_MATCH="*")
    assert response.status_code == 200
    assert response.json()["version"] == 4
    assert curator.delete(url, HTTP_IF_MATCH='"4"').status_code == 204


def test_if_match_star_deletes(curator):
    created = create(curator, "sources")
    assert curator.delete(detail("sources", created["id"]), HTTP_IF_MATCH="*").status_code == 204


def test_if_match_on_a_missing_record_is_a_404(curator):
    response = curator.patch(detail("sources", 987654), {}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 404


def test_weak_if_match_never_matches(curator):
    created = create(curator, "sources")
    url = detail("sources", created["id"])
    response = curator.patch(url, {"title": "[Weak]"}, format="json", HTTP_IF_MATCH='W/"1"')
    assert response.status_code == 412
