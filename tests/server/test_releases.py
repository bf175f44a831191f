"""Releases: numbered, immutable copies of the public dataset, each with a delta that turns the
previous release into it byte for byte, a manifest that checks it, served as files."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from server.diplomacy import changes, dataset, releases, services
from server.diplomacy.visibility import PUBLIC
from tests import factories

pytestmark = pytest.mark.django_db
API = "/api/v1/releases/"


@pytest.fixture
def root(tmp_path, settings) -> Path:
    settings.RELEASES_DIR = str(tmp_path / "releases")
    return Path(settings.RELEASES_DIR)


def release() -> dict:
    out = io.StringIO()
    call_command("release", stdout=out)
    number = int(out.getvalue().split()[1])
    found = releases.manifest(number)
    assert found is not None
    return found


def file_bytes(root: Path, number: int, name: str) -> bytes:
    return (root / str(number) / name).read_bytes()


def test_a_release_is_the_public_export_with_a_manifest_that_checks_it(root):
    first = release()
    assert first["number"] == 1
    assert first["previous"] is None
    content = file_bytes(root, 1, releases.DATASET)
    assert content == b"".join(dataset.export_lines(public=True))
    for name in releases.FILES:
        facts = first["files"][name]
        data = file_bytes(root, 1, name)
        assert facts == {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    assert first["seq"] == changes.last_seq(PUBLIC)
    header = json.loads(content.splitlines()[0])
    assert first["counts"] == {section: header[section] for section, _ in dataset.SECTIONS}
    assert first["delta"] == {"added": sum(first["counts"].values()), "modified": 0, "deleted": 0}


def test_a_delta_applied_to_the_previous_release_gives_the_next(root):
    first = release()
    draft = factories.statement(text="Not yet public.", review_state="draft")
    renamed = factories.official(name="Before The Rename")
    gone = factories.source(title="[Gone by the second release]")
    second = release()
    services.record_review(draft, "reviewed")
    services.record_update(renamed, {"name": "After The Rename"})
    services.record_delete(gone)
    third = release()

    assert third["delta"] == {"added": 1, "modified": 1, "deleted": 1}
    # Only additions since the first, the draft not among them.
    added = sum(second["counts"].values()) - sum(first["counts"].values())
    assert second["delta"] == {"added": added, "modified": 0, "deleted": 0}
    assert added >= 2
    for before, after in ((1, 2), (2, 3)):
        previous = io.BytesIO(file_bytes(root, before, releases.DATASET))
        delta = io.BytesIO(file_bytes(root, after, releases.DELTA))
        rebuilt = b"".join(releases.apply_delta(previous, delta))
        assert rebuilt == file_bytes(root, after, releases.DATASET)
    head = json.loads(file_bytes(root, 3, releases.DELTA).splitlines()[0])
    assert head == {
        "format": "detente-delta",
        "version": 1,
        "from": 2,
        "to": 3,
        "added": 1,
        "modified": 1,
        "deleted": 1,
    }


def test_a_release_is_never_written_again(root, monkeypatch):
    release()
    before = file_bytes(root, 1, releases.DATASET)
    # Another release written meanwhile: the next number is taken when this one is renamed.
    monkeypatch.setattr(releases, "numbers", lambda _root=None: [])
    with pytest.raises(CommandError, match="written meanwhile"):
        call_command("release", stdout=io.StringIO())
    assert file_bytes(root, 1, releases.DATASET) == before
    assert sorted(p.name for p in root.iterdir()) == ["1"]


def test_releases_are_served_with_their_files(root, api):
    assert api.get(API).json() == {"count": 0, "results": []}
    release()
    factories.official(name="Between Releases")
    second = release()

    listed = api.get(API).json()
    assert [item["number"] for item in listed["results"]] == [1, 2]
    shown = api.get(f"{API}2/")
    assert shown.status_code == 200
    assert shown.json()["seq"] == second["seq"]
    assert "immutable" in shown["Cache-Control"]
    for name in releases.FILES:
        url = shown.json()["files"][name]["url"]
        assert url == f"http://testserver{API}2/{name}"
        response = api.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == dataset.MEDIA_TYPE
        body = b"".join(response.streaming_content)
        assert body == file_bytes(root, 2, name)
        assert hashlib.sha256(body).hexdigest() == second["files"][name]["sha256"]
        again = api.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
        assert again.status_code == 304


@pytest.mark.parametrize(
    ("path", "status"),
    [
        (f"{API}9/", 404),
        (f"{API}9/dataset.ndjson", 404),
        (f"{API}1/manifest.json", 404),
        (f"{API}1/../../settings.py", 404),
        (f"{API}?page=2", 400),
    ],
)
def test_missing_releases_and_files_are_problems(root, api, path, status):
    release()
    response = api.get(path)
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
