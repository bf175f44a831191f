"""HTTP caching of reads: lists and records carry an ETag and a Cache-Control; a client or a shared
cache holding a page asks again with If-None-Match and gets a 304 while it is unchanged."""

from __future__ import annotations

import pytest

from tests import factories
from tests.server.writing import API, curator_client

pytestmark = pytest.mark.django_db

LIST = f"{API}/statements/"


def test_an_unchanged_list_is_a_304_and_a_changed_one_a_200(api):
    factories.statement(speaker_country="NR")
    factories.statement(speaker_country="NR")
    first = api.get(LIST, {"country": "NR"})
    tag = first["ETag"]
    assert first.status_code == 200
    assert tag
    again = api.get(LIST, {"country": "NR"}, HTTP_IF_NONE_MATCH=tag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == tag
    # Another page of the same list is another representation.
    assert api.get(LIST, {"country": "NR", "limit": 1})["ETag"] != tag
    factories.statement(speaker_country="NR")
    changed = api.get(LIST, {"country": "NR"}, HTTP_IF_NONE_MATCH=tag)
    assert changed.status_code == 200
    assert changed.json()["count"] == 3
    assert changed["ETag"] != tag


@pytest.mark.parametrize("path", [LIST, f"{API}/officials/1/", f"{API}/sources/"])
def test_anonymous_reads_may_be_kept_by_shared_caches_for_a_minute(api, path):
    response = api.get(path)
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=60"
    vary = {value.strip() for value in response["Vary"].split(",")}
    assert {"Accept", "Authorization", "Cookie"} <= vary


def test_a_curators_reads_are_private_and_checked_every_time():
    response = curator_client().get(LIST, {"review": "all"})
    assert response.status_code == 200
    assert set(response["Cache-Control"].split(", ")) == {"private", "no-cache"}


def test_the_public_lifetime_is_a_setting(api, settings):
    settings.PUBLIC_MAX_AGE = 0
    response = api.get(LIST)
    assert set(response["Cache-Control"].split(", ")) == {"public", "no-cache"}


def test_errors_and_writes_are_not_marked_cacheable(api):
    assert "Cache-Control" not in api.get(LIST, {"unknown": "1"})
    response = curator_client().post(LIST, {}, format="json")
    assert response.status_code == 400
    assert "public" not in response.get("Cache-Control", "")
