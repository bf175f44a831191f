"""The admin's curation tools: review actions, validation of a whole submission, history with
revert, view-in-API links, export and import."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from server.diplomacy import exchange, services
from server.diplomacy.models import Official, Position, Source, Statement
from tests import factories
from tests.server.test_admin import form_data

pytestmark = pytest.mark.django_db

ADMIN = "/admin/diplomacy"
ARTICLE = 1
# Verbatim from the article (source 1, which stores its text).
IN_ARTICLE = "Beijing and Seoul should pursue the course of good-neighborliness and friendship"


@pytest.fixture
def curator(client: Client, admin_user: Any) -> Client:
    client.force_login(admin_user)
    return client


def statement_add_data(curator: Client, **fields: str) -> dict[str, Any]:
    data = form_data(curator.get(f"{ADMIN}/statement/add/"))
    data.update(
        {
            "text": "pursue the course of good-neighborliness",
            "kind": "quote",
            "speaker_label": "Xi Jinping's office",
            "said": "2024-07",
            "citations-0-source": str(ARTICLE),
            "citations-0-excerpt": IN_ARTICLE,
        }
    )
    data.update(fields)
    return data


def inline_errors(response: Any, prefix: str) -> list[dict[str, Any]]:
    [formset] = [
        inline.formset
        for inline in response.context["inline_admin_formsets"]
        if inline.formset.prefix == prefix
    ]
    return formset.errors


# -- validation: the API's rules, on the right field, nothing saved ---------------------------


def test_an_excerpt_missing_from_its_source_text_is_an_error_on_that_excerpt(curator):
    before = Statement.objects.count()
    data = statement_add_data(curator, **{"citations-0-excerpt": "Words the article lacks."})
    response = curator.post(f"{ADMIN}/statement/add/", data)
    assert response.status_code == 200
    errors = inline_errors(response, "citations")
    assert "not in the text of source 1" in " ".join(errors[0]["excerpt"])
    assert Statement.objects.count() == before


def test_a_quote_not_in_its_excerpts_is_an_error_on_the_text(curator):
    data = statement_add_data(curator, text="words nobody said")
    response = curator.post(f"{ADMIN}/statement/add/", data)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "word for word" in " ".join(form.errors["text"])
    assert not Statement.objects.filter(text="words nobody said").exists()


def test_a_valid_submission_is_saved_as_a_draft(curator, admin_user):
    response = curator.post(f"{ADMIN}/statement/add/", statement_add_data(curator))
    assert response.status_code == 302
    statement = Statement.objects.get(text="pursue the course of good-neighborliness")
    assert (statement.version, statement.review_state) == (1, "draft")
    assert statement.history.latest().history_user == admin_user


def test_changing_a_source_text_that_drops_a_cited_excerpt_is_an_error_on_text(curator):
    url = f"{ADMIN}/source/{ARTICLE}/change/"
    data = form_data(curator.get(url))
    data["text"] = "A much shorter text."
    response = curator.post(url, data)
    assert response.status_code == 200
    assert "excerpts citing this source are not in this text" in " ".join(
        response.context["adminform"].form.errors["text"]
    )
    assert Source.objects.get(pk=ARTICLE).version == 1


def test_a_post_without_a_citation_is_refused_on_its_row(curator):
    data = form_data(curator.get(f"{ADMIN}/official/add/"))
    data.update(
        {
            "name": "Uncited Person",
            "slug": "t-uncited",
            "country": "KR",
            "positions-TOTAL_FORMS": "1",
            "positions-0-title": "Envoy",
            "positions-0-start": "2024",
        }
    )
    response = curator.post(f"{ADMIN}/official/add/", data)
    assert response.status_code == 200
    errors = inline_errors(response, "positions")
    assert "Cite at least one source." in errors[0]["citation_excerpt"]
    assert not Official.objects.filter(slug="t-uncited").exists()


def test_an_official_with_a_cited_post_is_added_with_one_version(curator):
    data = form_data(curator.get(f"{ADMIN}/official/add/"))
    data.update(
        {
            "name": "Cited Person",
            "slug": "t-cited",
            "country": "KR",
            "positions-TOTAL_FORMS": "1",
            "positions-0-title": "Envoy",
            "positions-0-start": "2024",
            "positions-0-end": "2023",
            "positions-0-citation_source": str(ARTICLE),
            "positions-0-citation_excerpt": IN_ARTICLE,
        }
    )
    response = curator.post(f"{ADMIN}/official/add/", data)
    assert response.status_code == 200  # end before start: on the end field
    assert inline_errors(response, "positions")[0]["end"]
    data["positions-0-end"] = ""
    response = curator.post(f"{ADMIN}/official/add/", data)
    assert response.status_code == 302
    official = Official.objects.get(slug="t-cited")
    assert official.version == 1
    assert official.positions.get().citations.get().excerpt == IN_ARTICLE


def test_editing_a_post_inline_puts_it_back_to_draft(curator):
    official = factories.official(positions=1)
    url = f"{ADMIN}/official/{official.pk}/change/"
    data = form_data(curator.get(url))
    assert data["positions-0-citation_excerpt"] == "Test excerpt."
    data["positions-0-title"] = "Renamed post"
    response = curator.post(url, data)
    assert response.status_code == 302, response.context and response.context.get("errors")
    post = official.positions.get()
    assert (post.title, post.review_state) == ("Renamed post", "draft")
    assert Official.objects.get(pk=official.pk).version == 2


def test_a_citation_page_refuses_an_excerpt_missing_from_its_source(curator):
    statement = services.record_create(
        Statement,
        {
            "text": "good-neighborliness",
            "kind": "quote",
            "speaker_label": "X",
            "citations": [{"source": ARTICLE, "excerpt": IN_ARTICLE}],
        },
    )
    citation = statement.citations.get()
    url = f"{ADMIN}/citation/{citation.pk}/change/"
    data = form_data(curator.get(url))
    data["excerpt"] = "Not the article's words about good-neighborliness."
    response = curator.post(url, data)
    assert response.status_code == 200
    assert "not in the text of source 1" in " ".join(
        response.context["adminform"].form.errors["excerpt"]
    )
    assert statement.citations.get().excerpt == IN_ARTICLE


def test_a_content_change_in_the_admin_puts_a_reviewed_statement_back_to_draft(curator):
    statement = factories.statement(text="Reviewed words.")
    url = f"{ADMIN}/statement/{statement.pk}/change/"
    data = form_data(curator.get(url))
    data["said"] = "2024"
    assert curator.post(url, data).status_code == 302
    statement.refresh_from_db()
    assert (statement.review_state, statement.reviewed_by, statement.version) == ("draft", None, 2)


# -- review actions ---------------------------------------------------------------------------


@pytest.mark.parametrize(("model", "build"), [("statement", "statement"), ("contact", "contact")])
def test_review_actions_mark_each_record_as_a_new_version(curator, admin_user, model, build):
    records = [getattr(factories, build)(review_state="draft") for _ in range(2)]
    response = curator.post(
        f"{ADMIN}/{model}/",
        {"action": "mark_reviewed", "_selected_action": [str(r.pk) for r in records]},
        follow=True,
    )
    assert "Marked 2 as reviewed" in response.content.decode()
    for record in records:
        record.refresh_from_db()
        assert (record.review_state, record.reviewed_by, record.version) == (
            "reviewed",
            admin_user,
            2,
        )
        assert record.history.latest().history_user == admin_user
    curator.post(
        f"{ADMIN}/{model}/",
        {"action": "mark_disputed", "_selected_action": [str(records[0].pk)]},
    )
    records[0].refresh_from_db()
    assert (records[0].review_state, records[0].version) == ("disputed", 3)


def test_posts_are_reviewed_from_their_list(curator):
    official = factories.official(positions=1)
    post = official.positions.get()
    curator.post(
        f"{ADMIN}/position/", {"action": "mark_disputed", "_selected_action": [str(post.pk)]}
    )
    assert Position.objects.get(pk=post.pk).review_state == "disputed"
    assert Official.objects.get(pk=official.pk).version == 2


@pytest.mark.parametrize(
    ("model", "query"),
    [
        ("statement", {"review_state": "draft"}),
        ("statement", {"said_earliest_year": "2024"}),
        ("statement", {"said_earliest__year": "2024"}),
        ("contact", {"review_state": "reviewed", "kind": "talks"}),
        ("contact", {"date_earliest_year": "2024"}),
        ("position", {"review_state": "reviewed"}),
        ("source", {"published_earliest_year": "2024"}),
        ("official", {"country": "KR"}),
    ],
)
def test_changelist_filters_answer(curator, model, query):
    response = curator.get(f"{ADMIN}/{model}/", query)
    assert response.status_code == 200
    assert response.context["cl"].result_count >= (0 if "draft" in query.values() else 1)


def test_review_filter_keeps_only_that_state(curator):
    draft = factories.statement(review_state="draft")
    response = curator.get(f"{ADMIN}/statement/", {"review_state": "draft"})
    assert list(response.context["cl"].result_list) == [draft]


# -- view in API, history and revert ------------------------------------------------------------


def test_each_record_links_to_its_api_address(curator):
    page = curator.get(f"{ADMIN}/statement/1/change/").content.decode()
    assert 'href="/api/v1/statements/1/?review=all"' in page
    page = curator.get(f"{ADMIN}/source/1/change/").content.decode()
    assert 'href="/api/v1/sources/1/"' in page


def test_history_shows_each_change_with_nested_parts(curator):
    statement = factories.statement(text="History words.")
    services.record_update(statement, {"citations": factories.citations(excerpt="History words.")})
    response = curator.get(f"{ADMIN}/statement/{statement.pk}/history/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>citations:</strong>" in html
    assert "<strong>review_state:</strong>" in html  # the change put it back to draft


def test_a_version_page_shows_it_whole_and_reverts_through_the_services(curator, admin_user):
    statement = factories.statement(text="First words.", language="en")
    first = statement.history.earliest()
    services.record_update(statement, {"language": "ko", "topics": ["north-korea"]})
    url = f"{ADMIN}/statement/{statement.pk}/history/{first.history_id}/"
    page = curator.get(url)
    assert page.status_code == 200
    assert "Revert to version 1" in page.content.decode()
    response = curator.post(url)
    assert response.status_code == 302
    statement.refresh_from_db()
    assert (statement.language, list(statement.topics.all()), statement.version) == ("en", [], 3)
    assert statement.review_state == "reviewed"  # version 1's review, as it was
    assert statement.history.latest().history_user == admin_user


def test_parts_show_history_but_revert_their_record(curator):
    official = factories.official(positions=1)
    post = official.positions.get()
    response = curator.get(f"{ADMIN}/position/{post.pk}/history/")
    assert response.status_code == 200
    assert "Choose a date from the list below to revert" not in response.content.decode()


def test_a_deleted_record_history_page_still_answers(curator):
    statement = factories.statement()
    pk = statement.pk
    services.record_delete(statement)
    assert curator.get(f"{ADMIN}/statement/{pk}/history/").status_code == 200


# -- export and import --------------------------------------------------------------------------


def test_export_json_is_the_snapshot_format(curator):
    response = curator.post(
        f"{ADMIN}/statement/", {"action": "export_json", "_selected_action": ["1", "2"]}
    )
    assert response["Content-Type"] == "application/json"
    documents = json.loads(response.content)
    assert [(d["type"], d["id"]) for d in documents] == [("statement", 1), ("statement", 2)]
    assert documents[0] == exchange.document(Statement.objects.get(pk=1))
    assert documents[0]["citations"][0]["source"] == 1


def test_export_csv_has_a_row_per_record(curator):
    response = curator.post(
        f"{ADMIN}/contact/", {"action": "export_csv", "_selected_action": ["1", "2", "3"]}
    )
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("type,id,version,title,kind,status")
    assert len([line for line in lines[1:] if line.startswith("contact,")]) == 3


def upload(curator: Client, documents: Any) -> Any:
    payload = json.dumps(documents).encode()
    return curator.post(
        f"{ADMIN}/statement/import/",
        {"file": SimpleUploadedFile("export.json", payload, content_type="application/json")},
    )


def test_import_previews_then_applies_in_one_transaction(curator, admin_user):
    changed = exchange.document(Statement.objects.get(pk=1))
    changed["language"] = "ko"
    unchanged = exchange.document(Statement.objects.get(pk=2))
    new = {**exchange.document(Statement.objects.get(pk=3)), "id": None, "text": "New words."}
    new["kind"] = "paraphrase"
    preview = upload(curator, [changed, unchanged, new])
    assert preview.status_code == 200
    plan = preview.context["plan"]
    assert [r.status for r in plan.records] == ["changed", "unchanged", "new"]
    assert plan.records[0].differences == [{"field": "language", "old": "en", "new": "ko"}]
    assert Statement.objects.get(pk=1).language == "en"  # nothing written by a preview

    response = curator.post(
        f"{ADMIN}/statement/import/",
        {"apply": "1", "text": preview.context["text"], "versions": preview.context["versions"]},
    )
    assert response.status_code == 302
    statement = Statement.objects.get(pk=1)
    assert (statement.language, statement.version, statement.review_state) == ("ko", 2, "draft")
    assert statement.history.latest().history_user == admin_user
    assert Statement.objects.filter(text="New words.").exists()


def test_an_import_refused_by_the_rules_writes_nothing(curator):
    good = {**exchange.document(Statement.objects.get(pk=1)), "language": "ko"}
    bad = {**exchange.document(Statement.objects.get(pk=2)), "citations": []}
    preview = upload(curator, [good, bad])
    response = curator.post(
        f"{ADMIN}/statement/import/",
        {"apply": "1", "text": preview.context["text"], "versions": preview.context["versions"]},
    )
    assert response.status_code == 200
    problems = " ".join(response.context["problems"])
    assert "record 2 (statement 2)" in problems
    assert "Nothing was imported." in problems
    assert Statement.objects.get(pk=1).language == "en"


def test_an_import_made_stale_by_a_change_since_the_preview_is_refused(curator):
    document = {**exchange.document(Statement.objects.get(pk=1)), "language": "ko"}
    preview = upload(curator, [document])
    services.record_update(Statement.objects.get(pk=1), {"said": "2024"})
    response = curator.post(
        f"{ADMIN}/statement/import/",
        {"apply": "1", "text": preview.context["text"], "versions": preview.context["versions"]},
    )
    assert "changed since the preview" in " ".join(response.context["problems"])
    assert Statement.objects.get(pk=1).language == "en"


@pytest.mark.parametrize(
    ("documents", "problem"),
    [
        ("not json", "Not JSON"),
        ({"type": "statement"}, "Give a list"),
        ([{"type": "planet", "id": 1}], "type must be one of"),
        ([{"type": "statement", "id": "one"}], "id must be"),
        ([{"type": "statement", "id": 1, "colour": "red"}], "unknown fields colour"),
    ],
)
def test_a_file_not_in_the_export_format_is_explained(curator, documents, problem):
    payload = documents.encode() if isinstance(documents, str) else json.dumps(documents).encode()
    response = curator.post(
        f"{ADMIN}/statement/import/", {"file": SimpleUploadedFile("x.json", payload)}
    )
    assert response.status_code == 200
    assert problem in " ".join(response.context["problems"])
