"""Review: drafts, reviewed and disputed claims; who sees what in the API; what puts a claim back
to draft; the services' review, revert and checking writes."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission, User

from server.diplomacy import services
from server.diplomacy.models import Official, Position, Statement
from tests import factories
from tests.server.writing import (
    PROBLEM,
    cite,
    client_with_token,
    create,
    create_token,
    curator_client,
    detail,
    writable,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def curator():
    return curator_client()


@pytest.fixture
def reviewer(django_user_model):
    return django_user_model.objects.create_user("rita")


def test_the_fixtures_are_reviewed():
    for model in (Statement, Position):
        assert model.objects.exists()
        assert not model.objects.exclude(review_state="reviewed").exists()


def test_a_new_record_is_a_draft_hidden_from_anonymous_reads(curator, api):
    created = create(curator, "statements")
    assert (created["review_state"], created["reviewed_by"], created["reviewed_at"]) == (
        "draft",
        None,
        None,
    )
    url = detail("statements", created["id"])
    assert api.get(url).status_code == 404
    listed = api.get("/api/v1/statements/", {"limit": 200}).json()["results"]
    assert created["id"] not in {item["id"] for item in listed}
    assert api.get(url + "history/").status_code == 404
    # A curator asks for every state; the fixtures stay visible either way.
    assert curator.get(url, {"review": "all"}).status_code == 200
    drafts = curator.get("/api/v1/statements/", {"review": "draft"}).json()
    assert [item["id"] for item in drafts["results"]] == [created["id"]]


@pytest.mark.parametrize("value", ["all", "draft", "disputed"])
def test_asking_for_records_under_review_needs_a_curator(api, value):
    response = api.get("/api/v1/statements/", {"review": value})
    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM
    reader = client_with_token(create_token("bob"))
    assert reader.get("/api/v1/contacts/", {"review": value}).status_code == 403
    assert reader.get(detail("statements", 1), {"review": value}).status_code == 403


def test_review_reviewed_is_allowed_to_anyone_and_other_values_are_a_400(api, curator):
    assert api.get("/api/v1/statements/", {"review": "reviewed"}).status_code == 200
    for client in (api, curator):
        response = client.get("/api/v1/statements/", {"review": "maybe"})
        assert response.status_code == 400
        assert "review" in response.json()["errors"]
    assert api.get("/api/v1/sources/", {"review": "reviewed"}).status_code == 400  # no review


def test_a_curator_is_who_may_change_that_model(django_user_model):
    user = django_user_model.objects.create_user("chris")
    user.user_permissions.add(Permission.objects.get(codename="change_contact"))
    client = client_with_token(create_token("chris"))
    assert client.get("/api/v1/contacts/", {"review": "all"}).status_code == 200
    assert client.get("/api/v1/statements/", {"review": "all"}).status_code == 403


def test_patching_the_review_state_is_a_review_stamped_with_who_and_when(curator, api):
    created = create(curator, "statements")
    url = detail("statements", created["id"])
    response = curator.patch(url, {"review_state": "reviewed"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["version"], body["review_state"], body["reviewed_by"]) == (2, "reviewed", "alice")
    assert body["reviewed_at"] is not None
    assert api.get(url).json()["review_state"] == "reviewed"  # public now
    history = curator.get(url + "history/").json()["results"]
    assert history[-1]["user"] == "alice"
    assert {c["field"] for c in history[-1]["changes"]} == {
        "review_state",
        "reviewed_by",
        "reviewed_at",
    }


def test_reviewer_fields_are_read_only(curator):
    created = create(curator, "statements")
    response = curator.patch(
        detail("statements", created["id"]), {"reviewed_by": "mallory"}, format="json"
    )
    assert response.status_code == 400
    assert "reviewed_by" in response.json()["errors"]


def test_a_content_change_puts_a_reviewed_record_back_to_draft(curator, api):
    statement = factories.statement(text="Reviewed words.")
    url = detail("statements", statement.pk)
    assert api.get(url).status_code == 200
    response = curator.patch(url, {"said": "2024"}, format="json")
    assert response.json()["review_state"] == "draft"
    assert response.json()["reviewed_by"] is None
    assert api.get(url).status_code == 404


def test_resending_the_same_state_with_a_change_still_goes_to_draft(curator):
    statement = factories.statement(text="Words.")
    response = curator.patch(
        detail("statements", statement.pk),
        {"review_state": "reviewed", "language": "en"},
        format="json",
    )
    assert response.json()["review_state"] == "draft"


def test_a_change_with_a_new_state_keeps_that_state(curator):
    statement = factories.statement(text="Words.")
    response = curator.patch(
        detail("statements", statement.pk),
        {"review_state": "disputed", "language": "en"},
        format="json",
    )
    assert (response.json()["review_state"], response.json()["language"]) == ("disputed", "en")


def test_put_without_review_state_keeps_it_when_nothing_else_changes(curator):
    contact = factories.contact(title="Kept talks")
    url = detail("contacts", contact.pk)
    body = {
        key: value
        for key, value in curator.get(url).json().items()
        if key not in {"id", "url", "version", "created_at", "updated_at"}
        and key not in {"review_state", "reviewed_by", "reviewed_at"}
    }
    body["participants"] = [
        {**{k: v for k, v in p.items() if k != "position"}, "official": None}
        for p in body["participants"]
    ]
    body["citations"] = [{**c, "source": c["source"]["id"]} for c in body["citations"]]
    response = curator.put(url, body, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["version"], response.json()["review_state"]) == (1, "reviewed")


def test_anonymous_readers_see_only_reviewed_posts_of_an_official(curator, api):
    official = factories.official(positions=1)
    url = detail("officials", official.pk)
    posts = writable(curator.get(url).json())["positions"]
    draft = {"title": "Draft post", "start": "2024", "citations": [cite()]}
    response = curator.patch(url, {"positions": [*posts, draft]}, format="json")
    assert response.status_code == 200, response.content
    shown = [p["title"] for p in api.get(url).json()["positions"]]
    assert shown == ["Post 0"]  # the unchanged post kept its review; the new one is a draft
    everything = curator.get(url, {"review": "all"}).json()["positions"]
    assert [(p["title"], p["review_state"]) for p in everything] == [
        ("Post 0", "reviewed"),
        ("Draft post", "draft"),
    ]
    history = api.get(url + "history/").json()["results"]
    last = {c["field"]: c for c in history[-1]["changes"]}
    assert "positions" not in last  # the draft post is not public in the history either


def test_list_query_counts_stay_constant_with_review(curator):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(n):
        for _ in range(n):
            factories.statement(speaker_label="X", speaker_country="PW")
        with CaptureQueriesContext(connection) as captured:
            assert curator.get("/api/v1/statements/", {"country": "PW"}).status_code == 200
        return len(captured)

    assert count(1) == count(20)


# -- the services ------------------------------------------------------------------------------


def test_record_review_is_a_new_version_with_its_revision_and_user(reviewer):
    statement = factories.statement(review_state="draft")
    assert services.record_review(statement, "disputed", user=reviewer) is True
    statement.refresh_from_db()
    assert (statement.version, statement.review_state, statement.reviewed_by) == (
        2,
        "disputed",
        reviewer,
    )
    last = statement.history.latest()
    assert (last.history_user, last.snapshot["review_state"]) == (reviewer, "disputed")
    assert services.record_review(statement, "disputed", user=reviewer) is False
    assert Statement.objects.get(pk=statement.pk).version == 2


def test_reviewing_a_post_is_a_new_version_of_its_official(reviewer):
    official = factories.official(positions=1)
    post = official.positions.get()
    services.record_review(post, "draft", user=reviewer)
    official.refresh_from_db()
    assert official.version == 2
    assert official.history.latest().snapshot["positions"][0]["review_state"] == "draft"


def test_an_unknown_review_state_is_refused():
    statement = factories.statement()
    with pytest.raises(services.InvalidRecord) as caught:
        services.record_review(statement, "approved")
    assert "review_state" in caught.value.errors


def test_revert_writes_an_old_version_back_with_its_parts(reviewer):
    official = factories.official(positions=2)
    first = official.history.earliest()
    services.record_update(official, {"name": "Renamed", "positions": []}, user=reviewer)
    reverted = services.record_revert(official, first.history_id, user=reviewer)
    assert (reverted.name, reverted.version, reverted.positions.count()) == (
        first.snapshot["name"],
        3,
        2,
    )
    assert [p.review_state for p in reverted.positions.all()] == ["reviewed", "reviewed"]
    assert official.history.latest().history_user == reviewer


def test_record_check_refuses_without_writing_anything():
    before = Statement.objects.count(), Statement.history.count()
    with pytest.raises(services.InvalidRecord) as caught:
        services.record_check(
            Statement,
            None,
            {"text": "Uncited.", "kind": "quote", "speaker_label": "X", "citations": []},
        )
    assert "citations" in caught.value.errors
    services.record_check(
        Statement,
        None,
        {
            "text": "Fine.",
            "kind": "paraphrase",
            "speaker_label": "X",
            "citations": factories.citations(),
        },
    )
    assert (Statement.objects.count(), Statement.history.count()) == before


def test_deleting_a_reviewer_keeps_the_review_state(reviewer):
    statement = factories.statement(review_state="draft")
    services.record_review(statement, "reviewed", user=reviewer)
    User.objects.filter(pk=reviewer.pk).delete()
    statement.refresh_from_db()
    assert (statement.review_state, statement.reviewed_by) == ("reviewed", None)


def test_a_post_changed_through_the_official_goes_back_to_draft():
    official = factories.official(positions=1)
    post = official.positions.get()
    changed = {**services.snapshot(official)["positions"][0], "title": "Renamed post"}
    changed.pop("reviewed_by")
    changed.pop("reviewed_at")
    changed.pop("review_state")
    services.record_update(official, {"positions": [changed]})
    assert Official.objects.get(pk=official.pk).positions.get().review_state == "draft"
    assert not Position.objects.filter(pk=post.pk).exists()
