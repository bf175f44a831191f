"""Following the change feed from the SDK: a local copy that starts, is interrupted, resumes and
ends byte for byte equal to a fresh export, against a live server."""

from __future__ import annotations

import pytest
import requests
from detente_client import CitationInput, Client, Store, SyncScopeError
from detente_client.cli import main
from detente_client.sync import sync
from django.core.management import call_command

from server.diplomacy import dataset

from .conftest import LIVE

pytestmark = LIVE


def fresh_export(server: str) -> bytes:
    response = requests.get(f"{server}/api/v1/export/", timeout=30)
    assert response.status_code == 200
    return response.content


def some_writes(curator: Client) -> None:
    """A draft published, a contact withdrawn (its statements' contact reads as null for the
    public), an official renamed, a source created and another deleted."""
    source = curator.sources.create(title="[A feed test column]", kind="column")
    cite: list[CitationInput] = [{"source": source.id, "excerpt": "The feed test words."}]
    statement = curator.statements.create(
        text="The feed test words.", kind="paraphrase", speaker_label="Test office", citations=cite
    )
    curator.statements.update(statement.id, review_state="reviewed")
    curator.contacts.update(5, review_state="draft")
    official = curator.officials.get(1)
    curator.officials.update(official.id, name=official.name + " (renamed)")
    doomed = curator.sources.create(title="[Deleted before the end]", kind="news")
    curator.sources.delete(doomed.id)


def test_a_sync_interrupted_and_resumed_ends_equal_to_a_fresh_export(
    server, api, curator, tmp_path
):
    path = tmp_path / "copy.sqlite3"
    with Store(path) as store:
        first = sync(api.feed, store, max_pages=2, page_size=10)
        assert not first.complete
        assert first.changes == 20
        assert store.seq == first.seq > 0

    some_writes(curator)

    result = api.sync(path)  # resumed from the file, where the first run stopped
    assert result.complete
    with Store(path) as store:
        assert store.scope == "public"
        assert b"".join(store.export_lines()) == fresh_export(server)
        # Nothing new: a second sync applies nothing and changes no byte.
        again = api.sync(store)
        assert (again.changes, again.seq) == (0, result.seq)
        assert b"".join(store.export_lines()) == fresh_export(server)


def test_a_curators_sync_is_the_complete_dataset(server, curator, api, tmp_path):
    path = tmp_path / "complete.sqlite3"
    some_writes(curator)
    assert curator.sync(path).complete
    with Store(path) as store:
        assert store.scope == "complete"
        assert b"".join(store.export_lines()) == b"".join(dataset.export_lines(public=False))
    with pytest.raises(SyncScopeError):
        api.sync(path)


def test_changes_follow_the_feed_from_a_number(server, api, curator):
    entries = list(api.changes())
    assert [e.seq for e in entries] == sorted({e.seq for e in entries})
    last = entries[-1].seq
    assert list(api.changes(after=last)) == []
    official = curator.officials.get(2)
    curator.officials.update(official.id, notes="Changed for the feed.")
    (entry,) = api.changes(after=last)
    assert (entry.type, entry.resource, entry.id) == ("updated", "officials", official.id)
    assert entry.version == official.version + 1
    (with_record,) = api.changes(after=last, include="record", resource="officials")
    assert with_record.record is not None
    assert with_record.record["notes"] == "Changed for the feed."


def test_releases_are_listed(server, api, settings, tmp_path):
    settings.RELEASES_DIR = str(tmp_path)
    assert api.releases() == ()
    call_command("release", stdout=None)
    (release,) = api.releases()
    assert release.number == 1
    assert release.files["dataset.ndjson"].url.endswith("/releases/1/dataset.ndjson")
    assert release.delta.added == sum(release.counts.values())


def test_the_command_line_syncs_and_writes_the_copy(server, capsys, tmp_path):
    path, exported = tmp_path / "cli.sqlite3", tmp_path / "copy.ndjson"
    status = main(["--base-url", server, "sync", str(path), "--export", str(exported)])
    out = capsys.readouterr().out
    assert status == 0, out
    assert "up to date" in out
    assert exported.read_bytes() == fresh_export(server)
