"""The change feed: every change numbered in commit order, as each audience sees it; resumable;
records as the dataset export writes them; correct under concurrent writers."""

from __future__ import annotations

import heapq
import threading
from typing import Any

import pytest
from django.db import connection, connections
from django.utils import timezone
from rest_framework.test import APIClient

from server.diplomacy import changes, dataset, services
from server.diplomacy.models import Change, Contact, Statement
from tests import factories
from tests.server.writing import PROBLEM, client_with_token, create_token

pytestmark = pytest.mark.django_db
FEED = "/api/v1/changes/"


def feed(client: APIClient, **query: Any) -> dict[str, Any]:
    response = client.get(FEED, query)
    assert response.status_code == 200, response.content
    return response.json()


def everything(client: APIClient, **query: Any) -> list[dict[str, Any]]:
    """Every entry, following ``next`` from the first page."""
    body = feed(client, **query)
    entries = body["results"]
    while body["next"]:
        response = client.get(body["next"])
        assert response.status_code == 200
        body = response.json()
        entries += body["results"]
    return entries


def curator() -> APIClient:
    return client_with_token(create_token("cora", "--curator"))


def test_the_seed_is_in_the_feed_as_created_records(api):
    entries = everything(api, limit=7)
    assert [entry["seq"] for entry in entries] == sorted(entry["seq"] for entry in entries)
    created = {(e["resource"], e["id"]) for e in entries if e["type"] == "created"}
    for resource, model in changes.RESOURCES.items():
        for pk in model._default_manager.values_list("pk", flat=True):
            assert (resource, pk) in created
    statement = next(e for e in entries if e["resource"] == "statements")
    assert statement["url"] == f"http://testserver/api/v1/statements/{statement['id']}/"
    assert next(e for e in entries if e["resource"] == "topics")["url"] is None


def test_the_feed_resumes_after_a_number(api):
    first = feed(api, limit=5)
    assert len(first["results"]) == 5
    assert first["last_seq"] == first["results"][-1]["seq"]
    assert f"after={first['last_seq']}" in first["next"]
    rest = feed(api, after=first["last_seq"], limit=1000)
    assert rest["results"][0]["seq"] > first["last_seq"]
    assert rest["next"] is None
    caught_up = feed(api, after=rest["last_seq"])
    assert caught_up == {**caught_up, "results": [], "last_seq": rest["last_seq"], "next": None}


def test_a_draft_reviewed_then_withdrawn_is_created_then_deleted_for_the_public(api):
    start = feed(api, after=0, limit=1000)["last_seq"]
    statement = factories.statement(text="A draft at first.", review_state="draft")
    services.record_update(statement, {"language": "en"})  # a draft's edit
    statement.refresh_from_db()
    services.record_review(statement, "reviewed")
    statement.refresh_from_db()
    services.record_update(statement, {"language": "ko"})  # back to draft by the edit
    statement.refresh_from_db()
    services.record_update(statement, {"language": "fr"})  # a draft's edit again

    public = [e for e in everything(api, after=start) if e["id"] == statement.pk]
    assert [(e["type"], e["version"]) for e in public] == [("created", 3), ("deleted", 4)]
    every = [e for e in everything(curator(), after=start) if e["id"] == statement.pk]
    assert [e["type"] for e in every] == ["created", "updated", "updated", "updated", "updated"]
    assert feed(curator())["scope"] == "complete"
    assert feed(api)["scope"] == "public"


def test_a_deleted_record_is_deleted_and_records_come_with_their_export_line(api):
    source = factories.source(title="[A source to delete]")
    pk, start = source.pk, Change.objects.order_by("-seq").first().seq - 1
    services.record_delete(source)
    entries = everything(api, after=start, include="record")
    created, deleted = [e for e in entries if e["id"] == pk and e["resource"] == "sources"]
    assert (created["type"], deleted["type"]) == ("created", "deleted")
    assert created["record"] is None  # it is gone now
    kept = factories.source(title="[A source that stays]")
    (entry,) = everything(api, after=deleted["seq"], include="record")
    (line,) = dataset.documents({"sources": [kept.pk]}, public=True).values()
    assert entry["record"] == line


def test_a_contact_withdrawn_updates_the_statements_pointing_at_it_for_the_public(api):
    contact = factories.contact(title="A contact")
    statement = factories.statement(text="Said there.", contact=contact)
    start = Change.objects.order_by("-seq").first().seq
    services.record_review(contact, "draft")

    entries = everything(api, after=start, include="record")
    by_record = {(e["resource"], e["id"]): e for e in entries}
    assert by_record["contacts", contact.pk]["type"] == "deleted"
    update = by_record["statements", statement.pk]
    assert update["type"] == "updated"
    assert update["version"] == Statement.objects.get(pk=statement.pk).version
    assert update["record"]["contact"] is None
    # Curators saw the contact change; the statement itself did not change for them.
    curated = {(e["resource"], e["id"]) for e in everything(curator(), after=start)}
    assert curated == {("contacts", contact.pk)}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"after": "-1"}, "after"),
        ({"after": "x"}, "after"),
        ({"limit": "0"}, "limit"),
        ({"limit": "1001"}, "limit"),
        ({"resource": "people"}, "resource"),
        ({"include": "all"}, "include"),
        ({"since": "yesterday"}, "since"),
        ({"cursor": ""}, "cursor"),
        ({"until": ""}, "until"),
        ({"since": ""}, "since"),
        ({"after": ""}, "after"),
        ({"resource": ""}, "resource"),
        ({"include": ""}, "include"),
    ],
)
def test_bad_parameters_are_a_400(api, query, field):
    response = api.get(FEED, query)
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert field in response.json()["errors"]


def test_the_feed_filters_by_resource_and_time(api):
    before = timezone.now()
    official = factories.official(name="Fed Official")
    after = timezone.now()
    found = everything(api, resource="officials", since=before.isoformat())
    assert {(e["resource"], e["id"]) for e in found} == {("officials", official.pk)}
    assert everything(api, resource="officials", since=after.isoformat()) == []
    older = everything(api, resource="officials", until=before.isoformat())
    assert official.pk not in {e["id"] for e in older}


def test_history_written_before_the_feed_is_recorded_as_the_feed_would(api):
    """The migration's backfill gives the same changes as the revision signal (derived updates
    of pointing records aside)."""
    draft = factories.statement(text="Drafted, then reviewed.", review_state="draft")
    services.record_review(draft, "reviewed")
    live = [
        (c.resource, c.record_id, c.version, c.type, c.public_type)
        for c in Change.objects.exclude(type="").order_by("seq")
    ]
    Change.objects.all().delete()
    streams = [
        changes.changes_of(resource, changes.revisions_of(model.history.all()))
        for resource, model in changes.RESOURCES.items()
    ]
    changes.record_in_bulk(heapq.merge(*streams, key=lambda change: change["at"]))
    backfilled = [
        (c.resource, c.record_id, c.version, c.type, c.public_type)
        for c in Change.objects.order_by("seq")
    ]
    assert sorted(backfilled) == sorted(live)
    seqs = list(Change.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers on PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_reader_following_the_feed_during_concurrent_writes_misses_nothing():
    """Concurrent transactions commit in another order than they begin; a reader polling with
    ``after`` still sees every change, in order, once."""
    contacts = [factories.contact(title=f"Raced contact {n}") for n in range(4)]
    done = threading.Event()
    errors: list[BaseException] = []

    def write(contact: Contact) -> None:
        try:
            for number in range(15):
                services.record_update(contact, {"summary": f"Summary {number}"})
                contact.refresh_from_db()
        except BaseException as error:  # reported by the test below
            errors.append(error)
        finally:
            connections.close_all()

    seen: list[int] = []

    def read() -> None:
        after = Change.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
        try:
            while True:
                finished = done.is_set()
                page = list(changes.change_list(None, after=after)[:50])
                seen.extend(change.seq for change in page)
                after = page[-1].seq if page else after
                if finished and not page:
                    return
        finally:
            connections.close_all()

    start = Change.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    reader = threading.Thread(target=read)
    writers = [threading.Thread(target=write, args=(contact,)) for contact in contacts]
    reader.start()
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    done.set()
    reader.join(timeout=60)
    assert not errors, errors
    written = list(Change.objects.filter(seq__gt=start).values_list("seq", flat=True))
    assert len(written) >= 60
    assert seen == sorted(seen) == written
