"""Whole-dataset export and import: a round trip through an empty database changes no byte of the
file and no byte of what the API serves; a bad file, or a database already in use, loads nothing.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.core.management.color import no_style
from django.db import connection
from django.test.utils import CaptureQueriesContext

from server.diplomacy import dataset, exchange, services
from server.diplomacy.models import Contact, Official, Source, Statement, Topic
from tests import factories
from tests.server.writing import API, RESOURCES, curator_client

pytestmark = pytest.mark.django_db
REVIEWER = "reviewer-export"


def export_file(path: Path, *options: str) -> bytes:
    call_command("export", str(path), *options)
    return path.read_bytes()


def import_file(path: Path) -> str:
    out = io.StringIO()
    call_command("import", str(path), stdout=out)
    return out.getvalue()


def lines(content: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in content.split(b"\n") if line]


def empty_the_database() -> None:
    """As a freshly migrated database: no record, no revision, every id sequence restarted."""
    tables = [
        model._meta.db_table
        for model in apps.get_app_config("diplomacy").get_models(include_auto_created=True)
    ]
    statements = connection.ops.sql_flush(no_style(), tables, reset_sequences=True)
    if connection.vendor == "postgresql":
        # PostgreSQL truncates no table with foreign key checks pending in the transaction.
        statements = ["SET CONSTRAINTS ALL IMMEDIATE", *statements, "SET CONSTRAINTS ALL DEFERRED"]
    connection.ops.execute_sql_flush(statements)
    assert dataset.held_records() == {}


def api_view(client: Any) -> dict[str, Any]:
    """Every list, detail (with its ETag) and history the API serves, by path."""
    seen: dict[str, Any] = {}
    for resource in RESOURCES:
        listing = client.get(f"{API}/{resource}/", {"limit": 200})
        assert listing.status_code == 200, listing.content
        body = listing.json()
        assert body["count"] == len(body["results"])
        seen[resource] = body
        for item in body["results"]:
            path = f"{API}/{resource}/{item['id']}/"
            detail = client.get(path)
            seen[path] = (detail.status_code, detail["ETag"], detail.json())
            seen[path + "history/"] = client.get(path + "history/").json()["results"]
    return seen


def changed_history(view: dict[str, Any]) -> dict[str, Any]:
    return {path: body for path, body in view.items() if path.endswith("/history/")}


def varied_dataset() -> dict[str, Any]:
    """Changes beyond the article: a reviewer, a draft, later versions, a line separator."""
    user_model = get_user_model()
    reviewer = user_model.objects.create_user(REVIEWER)
    draft = factories.statement(text="A draft\u2028with a line separator.", review_state="draft")
    contact = Contact.objects.get(pk=1)
    services.record_update(contact, {"review_state": "draft"})
    services.record_review(Contact.objects.get(pk=1), "reviewed", user=reviewer)
    official = Official.objects.get(pk=1)
    services.record_update(official, {"notes": official.notes + " Edited."})
    return {"draft": draft, "reviewer": reviewer}


def test_round_trip_through_an_empty_database_changes_no_byte(tmp_path):
    varied_dataset()
    curator = curator_client("curator-export")
    before = api_view(curator)
    first = export_file(tmp_path / "first.ndjson")

    empty_the_database()
    get_user_model().objects.filter(username=REVIEWER).delete()
    assert "Loaded 12 topics" in import_file(tmp_path / "first.ndjson")
    second = export_file(tmp_path / "second.ndjson")

    assert second == first
    after = api_view(curator)
    history_before, history_after = changed_history(before), changed_history(after)
    assert {k: v for k, v in after.items() if k not in history_after} == {
        k: v for k, v in before.items() if k not in history_before
    }
    # History before the export is not carried: one revision per record, the record as it is.
    for path, revisions in history_after.items():
        detail = after[path.removesuffix("history/")][2]
        assert [(r["version"], r["type"], r["time"]) for r in revisions] == [
            (detail["version"], "created", detail["updated_at"])
        ]
    # The article's records had one revision each, dated as the record: theirs read the same.
    unchanged = [
        path
        for path, revisions in history_before.items()
        if [r["time"] for r in revisions]
        == [before[path.removesuffix("history/")][2]["updated_at"]]
    ]
    assert len(unchanged) > 40
    assert {p: history_after[p] for p in unchanged} == {p: history_before[p] for p in unchanged}


def test_a_reviewer_missing_here_is_created_inactive_without_a_password(tmp_path):
    varied_dataset()
    content = export_file(tmp_path / "export.ndjson")
    assert {"type": "contact", "id": 1} | {"reviewed_by": REVIEWER} in [
        {k: item.get(k) for k in ("type", "id", "reviewed_by")} for item in lines(content)
    ]
    empty_the_database()
    get_user_model().objects.filter(username=REVIEWER).delete()
    import_file(tmp_path / "export.ndjson")

    reviewer = get_user_model().objects.get(username=REVIEWER)
    assert not reviewer.is_active
    assert not reviewer.has_usable_password()
    assert Contact.objects.get(pk=1).reviewed_by == reviewer


def test_records_created_after_an_import_get_fresh_ids(tmp_path):
    varied_dataset()
    export_file(tmp_path / "export.ndjson")
    highest = {model: model.objects.order_by("-pk").first().pk for model in RESOURCES.values()}
    empty_the_database()
    import_file(tmp_path / "export.ndjson")

    curator = curator_client("curator-export")
    created = curator.post(
        f"{API}/sources/", {"title": "[After the import]", "kind": "news"}, format="json"
    )
    assert created.status_code == 201, created.content
    assert created.json()["id"] == highest[Source] + 1
    assert factories.statement().pk == highest[Statement] + 1
    assert Topic.objects.create(slug="t-after-import", name="After").pk == 13


def test_each_line_is_the_records_exchange_document_with_its_timestamps(tmp_path):
    varied_dataset()
    content = export_file(tmp_path / "export.ndjson")
    header, *records = lines(content)
    assert header == {
        "format": "detente-export",
        "version": 1,
        "scope": "complete",
        "topics": 12,
        "sources": 5,
        "officials": 10,
        "contacts": 10,
        "statements": 26,
    }
    assert content.startswith(
        b'{"contacts":10,"format":"detente-export","officials":10,"scope":"complete",'
        b'"sources":5,"statements":26,"topics":12,"version":1}\n'
    )
    assert [item["type"] for item in records] == sorted(
        (item["type"] for item in records),
        key=["topic", "source", "official", "contact", "statement"].index,
    )
    user_ids = {user.username: user.pk for user in get_user_model().objects.all()}
    for item in records:
        if item["type"] == "topic":
            continue
        record = exchange.TYPES[item["type"]].objects.get(pk=item["id"])
        as_ids = _reviewers_as_ids(item, user_ids)
        assert as_ids.pop("created_at") == record.created_at.isoformat()
        assert as_ids.pop("updated_at") == record.updated_at.isoformat()
        assert as_ids == exchange.document(record)


def _reviewers_as_ids(item: dict[str, Any], user_ids: dict[str, int]) -> dict[str, Any]:
    def mapped(part: dict[str, Any]) -> dict[str, Any]:
        if part.get("reviewed_by") is None:
            return part
        return {**part, "reviewed_by": user_ids[part["reviewed_by"]]}

    result = mapped(item)
    if "positions" in result:
        result["positions"] = [mapped(position) for position in result["positions"]]
    return result


def test_the_endpoint_serves_the_public_dataset_the_command_writes(api, tmp_path):
    draft = varied_dataset()["draft"]
    hidden_contact = factories.contact(review_state="draft")
    shown = factories.statement(contact=hidden_contact)
    official = factories.official()
    services.record_update(
        official,
        {
            "positions": [
                {"title": "Draft post", "citations": factories.citations()},
                {"title": "Reviewed post", "citations": factories.citations()},
            ]
        },
    )
    services.record_review(official.positions.get(title="Reviewed post"), "reviewed")

    response = api.get(f"{API}/export/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-ndjson"
    assert response["Content-Disposition"] == 'attachment; filename="detente-export.ndjson"'
    served = b"".join(response.streaming_content)
    assert served == export_file(tmp_path / "public.ndjson", "--public")

    header, *records = lines(served)
    assert header["scope"] == "public"
    by_key = {(item["type"], item["id"]): item for item in records}
    assert ("statement", draft.pk) not in by_key
    assert ("contact", hidden_contact.pk) not in by_key
    # A claim under review is not named by the public file either: it holds what it names.
    assert by_key[("statement", shown.pk)]["contact"] is None
    assert [p["title"] for p in by_key[("official", official.pk)]["positions"]] == ["Reviewed post"]
    assert {item.get("review_state") for item in records} <= {"reviewed", None}
    public_statements = api.get(f"{API}/statements/", {"limit": 200}).json()
    assert header["statements"] == public_statements["count"]

    empty_the_database()
    (tmp_path / "served.ndjson").write_bytes(served)
    import_file(tmp_path / "served.ndjson")
    assert export_file(tmp_path / "again.ndjson", "--public") == served


def test_the_endpoint_takes_no_parameters(api):
    response = api.get(f"{API}/export/", {"review": "all"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert "review" in response.json()["errors"]


def test_the_export_reads_in_a_constant_number_of_queries(tmp_path):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            b"".join(dataset.export_lines(public=False))
        return len(captured.captured_queries)

    first = queries()
    factories.statement()
    factories.contact(officials=(factories.official(positions=2),))
    assert queries() == first


def test_the_command_writes_to_standard_output():
    out = io.StringIO()
    call_command("export", "-", stdout=out)
    header = json.loads(out.getvalue().split("\n")[0])
    assert header["format"] == "detente-export"
    assert out.getvalue().count("\n") == 1 + sum(
        header[name] for name in ("topics", "sources", "officials", "contacts", "statements")
    )


def test_an_import_into_a_database_in_use_is_refused(tmp_path):
    content = export_file(tmp_path / "export.ndjson")
    counts = {model: model.objects.count() for model in RESOURCES.values()}
    with pytest.raises(CommandError, match=r"already holds records \(12 topics, 4 sources"):
        import_file(tmp_path / "export.ndjson")
    assert {model: model.objects.count() for model in RESOURCES.values()} == counts
    assert content == export_file(tmp_path / "again.ndjson")


def _rewritten(content: bytes, line_number: int, change: Any) -> bytes:
    rows = content.split(b"\n")
    rows[line_number - 1] = change(rows[line_number - 1])
    return b"\n".join(rows)


def _edit(item_change: Any) -> Any:
    def change(line: bytes) -> bytes:
        item = json.loads(line)
        item_change(item)
        return json.dumps(item, ensure_ascii=False).encode("utf-8")

    return change


def _statement_line(content: bytes) -> int:
    """The line of the first statement by an official on record."""
    return next(
        number
        for number, line in enumerate(content.split(b"\n"), start=1)
        if line.startswith(b'{"citations"') and json.loads(line).get("speaker") is not None
    )


def _source_first(content: bytes) -> bytes:
    rows = content.split(b"\n")
    return b"\n".join([rows[0], rows[13], *rows[1:13], *rows[14:]])


BAD_FILES = {
    "not JSON": (lambda c: _rewritten(c, 3, lambda line: line[:-1]), r"line 3: not JSON"),
    "not UTF-8": (lambda c: _rewritten(c, 2, lambda line: line + b"\xff"), r"line 2: not UTF-8"),
    "cut short": (lambda c: c.rsplit(b"\n", 2)[0] + b"\n", r"announces 25 statements .* 24"),
    "no header": (lambda c: c.split(b"\n", 1)[1], r"line 1: not a Détente export"),
    "unknown field": (
        lambda c: _rewritten(c, 14, _edit(lambda item: item.update(colour="red"))),
        r"line 14 \(source 1\): unknown fields colour",
    ),
    "a quote its excerpt does not hold": (
        lambda c: _rewritten(
            c,
            _statement_line(c),
            _edit(lambda item: item.update(kind="quote", text="Words nobody said.")),
        ),
        r"line \d+ \(statement \d+\): text: A quote must appear word for word",
    ),
    "a citation of an unknown source": (
        lambda c: _rewritten(
            c, _statement_line(c), _edit(lambda item: item["citations"][0].update(source=99))
        ),
        r"line \d+ \(statement \d+\): citations\.0\.source: .*99",
    ),
    "out of order": (_source_first, r"line 3 \(topic 1\): out of place"),
    "stored otherwise than written": (
        lambda c: _rewritten(
            c, _statement_line(c), _edit(lambda item: item.update(speaker_country=""))
        ),
        r"would be stored otherwise than written \(speaker_country\)",
    ),
}


@pytest.mark.parametrize("damage", BAD_FILES.values(), ids=list(BAD_FILES))
def test_a_bad_file_names_its_line_and_loads_nothing(tmp_path, damage):
    change, message = damage
    content = export_file(tmp_path / "export.ndjson")
    damaged = change(content)
    assert damaged != content
    (tmp_path / "damaged.ndjson").write_bytes(damaged)
    empty_the_database()
    users = get_user_model().objects.count()

    with pytest.raises(CommandError, match=message) as refused:
        import_file(tmp_path / "damaged.ndjson")
    assert "Nothing was loaded." in str(refused.value)
    assert dataset.held_records() == {}
    assert get_user_model().objects.count() == users
