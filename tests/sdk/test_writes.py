"""Writing with the SDK to a live server: create, update, replace, delete, history, as_of,
restore, and every error the server answers a write with."""

from __future__ import annotations

import datetime as dt

import pytest
from detente_client import (
    APIError,
    Change,
    Client,
    Conflict,
    DetenteError,
    Forbidden,
    NotFound,
    PartialDate,
    PreconditionFailed,
    RateLimited,
    Revision,
    Unauthorized,
    ValidationError,
)

from .conftest import LIVE

pytestmark = LIVE

EXCERPT = (
    "On July 26, on the margins of the ASEAN Regional Forum in Laos, the two foreign ministers "
    "held 40-minute talks and agreed to continue to “maintain close communications.”"
)


def add_statement(curator: Client):
    return curator.statements.create(
        text="maintain close communications.",
        kind="quote",
        speaker_label="South Korean and Chinese foreign ministers",
        said="2024-07-26",
        contact=5,
        topics=["bilateral-relations"],
        citations=[{"source": 1, "excerpt": EXCERPT, "locator": "paragraph 8"}],
    )


def test_create_returns_the_new_record(curator, api):
    statement = add_statement(curator)
    assert statement.version == 1
    assert statement.said == PartialDate.parse("2024-07-26")
    assert statement.contact is not None
    assert statement.contact.id == 5
    assert statement.citations[0].source.id == 1
    assert statement.citations[0].locator == "paragraph 8"
    # A new statement is a draft: curators read it (review="all"), anonymous readers do not.
    assert curator.statements.get(statement.id, review="all") == statement
    assert statement.review_state == "draft"
    with pytest.raises(NotFound):
        api.statements.get(statement.id)


def test_update_from_a_record_sends_its_version_and_a_stale_one_fails(curator):
    first = add_statement(curator)
    second = curator.statements.update(first, said="2024-07")
    assert second.version == 2
    assert second.said == PartialDate.parse("2024-07")

    with pytest.raises(PreconditionFailed) as caught:
        curator.statements.update(first, said="2024")  # based on version 1
    error = caught.value
    assert error.status == 412
    assert error.current_version == 2
    assert "version 1" in error.detail
    assert "Expected version 1" in str(error)
    assert curator.statements.get(first.id, review="all").said == PartialDate.parse(
        "2024-07"
    )  # unchanged

    # With a bare id, no If-Match is sent: the write applies to whatever version is current.
    third = curator.statements.update(first.id, said="2024")
    assert third.version == 3
    assert third.said == PartialDate.parse("2024")


def test_handling_a_412_by_reading_again_and_reapplying(curator, token, server):
    mine = add_statement(curator)
    someone_else = Client(server, token, retries=0)
    someone_else.statements.update(mine.id, topics=["bilateral-relations", "regional-situation"])

    def add_topic(record, topic):
        for _ in range(3):
            try:
                return curator.statements.update(record, topics=[*record.topics, topic])
            except PreconditionFailed:
                record = curator.statements.get(record.id, review="all")
        raise AssertionError("still conflicting")

    updated = add_topic(mine, "north-korea")
    assert set(updated.topics) == {"bilateral-relations", "regional-situation", "north-korea"}
    assert updated.version == 3


def test_replace_puts_the_whole_record(curator):
    statement = add_statement(curator)
    body = statement.as_input()
    body["kind"] = "paraphrase"
    body["text"] = "The two ministers agreed to keep in close touch."
    del body["contact"]  # PUT: a field left out goes back to its empty value
    replaced = curator.statements.replace(statement, **body)
    assert replaced.version == 2
    assert replaced.kind == "paraphrase"
    assert replaced.contact is None
    assert replaced.said == statement.said
    assert replaced.citations == statement.citations
    with pytest.raises(PreconditionFailed):
        curator.statements.replace(statement, **body)


def test_delete_restore_and_the_history_of_a_record(curator, api):
    statement = add_statement(curator)
    before_change = dt.datetime.now(dt.UTC)
    changed = curator.statements.update(statement, said="2024-07")

    with pytest.raises(PreconditionFailed):
        curator.statements.delete(statement)  # stale: version 1
    curator.statements.delete(changed)
    with pytest.raises(NotFound):
        api.statements.get(statement.id)

    history = curator.statements.history(statement.id, review="all")
    assert [r.type for r in history] == ["created", "changed", "deleted"]
    assert all(isinstance(r, Revision) for r in history)
    assert [r.version for r in history[:2]] == [1, 2]
    assert history[0].user == "alice"
    assert history[0].time.tzinfo is not None
    assert history[0].time <= history[1].time
    assert history[1].changes == (Change(field="said", old="2024-07-26", new="2024-07"),)

    restored = curator.statements.restore(statement.id)
    assert restored.id == statement.id
    assert restored.said == PartialDate.parse("2024-07")
    assert restored.version > changed.version
    assert curator.statements.history(statement.id, review="all")[-1].type == "restored"
    with pytest.raises(Conflict):
        curator.statements.restore(statement.id)  # it exists

    then = curator.statements.as_of(statement.id, before_change, review="all")
    assert then.version == 1
    assert then.said == PartialDate.parse("2024-07-26")
    naive_utc = before_change.replace(tzinfo=None)
    assert curator.statements.as_of(statement.id, naive_utc, review="all").version == 1
    with pytest.raises(NotFound):
        curator.statements.as_of(statement.id, dt.datetime(2000, 1, 1, tzinfo=dt.UTC), review="all")


def test_refresh_uses_the_etag(curator):
    statement = add_statement(curator)
    assert statement.etag
    assert curator.statements.refresh(statement) is statement  # 304: unchanged
    changed = curator.statements.update(statement.id, language="en")
    fresh = curator.statements.refresh(statement)
    assert fresh.version == changed.version == 2
    assert fresh.etag == changed.etag != statement.etag


def test_refresh_sees_a_renamed_official_the_record_embeds(curator, api):
    """The record's own version stays, but its representation (the speaker's brief) changes."""
    statement = api.statements.get(1)
    assert statement.speaker is not None
    assert api.statements.refresh(statement) is statement
    speaker = curator.officials.get(statement.speaker.id)
    curator.officials.update(speaker, name=speaker.name + " (renamed)")

    fresh = api.statements.refresh(statement)

    assert fresh is not statement
    assert fresh.version == statement.version
    assert fresh.speaker is not None
    assert fresh.speaker.name == speaker.name + " (renamed)"
    assert api.statements.refresh(fresh) is fresh
    # A curator's copy read before the rename is stale too, and refreshed the same way.
    assert curator.statements.refresh(statement).speaker.name == fresh.speaker.name


def test_a_record_read_from_a_list_is_read_again_by_refresh(api):
    listed = next(iter(api.statements.list(speaker="xi-jinping")))
    assert listed.etag is None
    fresh = api.statements.refresh(listed)
    assert fresh == listed
    assert fresh.etag


def test_create_and_change_records_with_nested_parts(curator, api):
    source = curator.sources.create(
        title="[Test column]", kind="column", published="2024-11", language="en"
    )
    assert source.published == PartialDate.parse("2024-11")
    cite = [{"source": source.id, "excerpt": "The envoy met the minister.", "locator": "¶ 2"}]

    envoy = curator.officials.create(
        slug="t-envoy",
        name="Test Envoy",
        aliases=["T. Envoy"],
        country="KR",
        positions=[{"title": "Envoy", "start": dt.date(2024, 3, 1), "citations": cite}],
    )
    assert envoy.positions[0].start == PartialDate.parse("2024-03-01")
    assert envoy.aliases == ("T. Envoy",)

    meeting = curator.contacts.create(
        title="Test meeting",
        kind="meeting",
        status="held",
        date=PartialDate.parse("2024-11"),
        country="CN",
        participants=[
            {"official": envoy.id, "role": "envoy"},
            {"label": "Minister", "country": "CN"},
        ],
        topics=["bilateral-relations"],
        citations=cite,
    )
    assert [p.name for p in meeting.participants] == ["Test Envoy", "Minister"]
    assert meeting.participants[0].official is not None
    assert meeting.participants[0].official.slug == "t-envoy"
    assert [c.id for c in api.contacts.list(official="t-envoy")] == []  # a draft
    assert [c.id for c in curator.contacts.list(official="t-envoy", review="all")] == [meeting.id]

    smaller = curator.contacts.update(meeting, participants=[{"official": envoy.id}])
    assert len(smaller.participants) == 1  # a nested list given replaces the old one whole
    assert smaller.version == 2
    moved = curator.officials.update(envoy, positions=[*(p.as_input() for p in envoy.positions)])
    assert moved.positions == envoy.positions

    with pytest.raises(Conflict) as caught:
        curator.officials.delete(moved)  # still taking part in the meeting
    assert {"type": "contact", "id": meeting.id} in caught.value.referenced_by


def test_a_validation_error_names_each_field(curator):
    with pytest.raises(ValidationError) as caught:
        curator.statements.create(text="", kind="quote", citations=[])
    errors = caught.value.errors
    assert caught.value.status == 400
    assert "text" in errors
    assert "citations" in errors
    assert all(isinstance(message, str) for messages in errors.values() for message in messages)
    with pytest.raises(ValidationError) as caught:
        curator.officials.update(1, **{"version": 9})
    assert "version" in caught.value.errors
    with pytest.raises(ValidationError) as caught:
        curator.statements.update(1, said="2024-13")
    assert "said" in caught.value.errors


def test_writes_without_a_valid_token_are_unauthorized(api, server):
    with pytest.raises(Unauthorized) as caught:
        api.statements.update(7, said="2024")
    assert caught.value.status == 401
    assert caught.value.response is not None
    assert caught.value.response.headers["WWW-Authenticate"] == "Token"
    with pytest.raises(Unauthorized):
        Client(server, "not-a-token", retries=0).statements.delete(7)


def test_writes_without_the_permission_are_forbidden(server, reader_token):
    reader = Client(server, reader_token, retries=0)
    assert reader.statements.get(7).id == 7  # reads are fine
    with pytest.raises(Forbidden) as caught:
        reader.statements.update(7, said="2024")
    assert caught.value.status == 403


def test_writes_to_a_missing_record_are_not_found(curator):
    with pytest.raises(NotFound):
        curator.statements.update(99999, said="2024")
    with pytest.raises(NotFound):
        curator.statements.delete(99999)
    with pytest.raises(NotFound):
        curator.statements.history(99999)
    with pytest.raises(NotFound):
        curator.statements.restore(99999)


def test_deleting_a_source_still_cited_is_a_conflict(curator, api):
    with pytest.raises(Conflict) as caught:
        curator.sources.delete(1)
    error = caught.value
    assert error.status == 409
    assert error.referenced_by
    assert {"type", "id"} <= set(error.referenced_by[0])
    assert isinstance(error, APIError)
    assert isinstance(error, DetenteError)
    assert api.sources.get(1).version == 1  # nothing changed


def test_too_many_requests_is_rate_limited(server, settings):
    settings.REQUEST_RATES = {"anonymous": "2/minute", "user": "2/minute"}
    api = Client(server, retries=0)
    api.statements.get(7)
    api.statements.get(7)
    with pytest.raises(RateLimited) as caught:
        api.statements.get(7)
    assert caught.value.status == 429
    assert caught.value.retry_after is not None
    # Two allowed a minute: the wait is at most the minute and a half-minute share of the next
    # (server/api/rates.py).
    assert 0 < caught.value.retry_after <= 60 + 60 / 2


def minimal_bodies(curator: Client) -> dict[str, tuple[dict, dict]]:
    """For each resource: a body to create a record, and a change to make to it."""
    cited = curator.sources.create(title="[Test source]", kind="news")
    citations = [{"source": cited.id, "excerpt": "Test excerpt.", "locator": "¶ 1"}]
    return {
        "sources": ({"title": "[Test document]", "kind": "other"}, {"publisher": "Test Press"}),
        "officials": ({"slug": "t-person", "name": "Test Person"}, {"country": "KR"}),
        "contacts": (
            {"title": "Test call", "kind": "call", "citations": citations},
            {"date": "2024-07"},
        ),
        "statements": (
            {
                "text": "Test excerpt.",
                "kind": "quote",
                "speaker_label": "A",
                "citations": citations,
            },
            {"said": "2024"},
        ),
    }


def every_review_state(name):
    """What a curator asks for to read drafts too: sources have no review state."""
    return {} if name == "sources" else {"review": "all"}


@pytest.mark.parametrize("name", ["officials", "sources", "contacts", "statements"])
def test_every_method_of_every_resource(curator, api, name):
    body, change = minimal_bodies(curator)[name]
    resource = getattr(curator, name)
    created = resource.create(**body)
    assert created.version == 1
    everything = every_review_state(name)
    assert resource.get(created.id, **everything) == created
    listed = resource.list(ordering="-id", limit=5, **everything)
    assert created.id in {record.id for record in listed}
    assert getattr(api, name).page(limit=1).count >= 1

    updated = resource.update(created, **change)
    assert updated.version == 2
    ((key, value),) = change.items()
    assert str(getattr(updated, key)) == value
    with pytest.raises(PreconditionFailed):
        resource.update(created, **change)

    replaced = resource.replace(updated, **body)  # PUT: the change is undone, being left out
    assert replaced.version == 3
    assert replaced.as_input() == created.as_input()

    moment = dt.datetime.now(dt.UTC)
    resource.delete(replaced)
    with pytest.raises(NotFound):
        resource.get(created.id, **everything)
    then = resource.as_of(created.id, moment, **everything)
    # (updated_at is left out: the API's as_of gives the revision's time, a moment later.)
    assert (then.version, then.as_input()) == (replaced.version, replaced.as_input())
    assert [r.type for r in resource.history(created.id, **everything)] == [
        "created",
        "changed",
        "changed",
        "deleted",
    ]
    restored = resource.restore(created.id)
    assert restored.id == created.id
    assert restored.as_input() == replaced.as_input()
