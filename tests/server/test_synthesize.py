"""`synthesize`: a deterministic synthetic dataset, bulk-loaded with its history and documents."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
import unicodedata
from contextlib import closing
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from server.diplomacy import changes, revisions
from server.diplomacy.dates import PartialDate
from server.diplomacy.models import (
    Change,
    ChangeSequence,
    Citation,
    Contact,
    Official,
    Participant,
    Position,
    Source,
    Statement,
)
from server.diplomacy.search import schema
from server.diplomacy.search.documents import (
    contact_document,
    official_document,
    source_document,
    statement_document,
)
from server.diplomacy.synthetic import RECORD_MODELS, Counts, next_id, synthesize

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
SMALL = Counts(officials=150, sources=30, contacts=60, statements=200)
RESOURCES = (Official, Source, Contact, Statement)


@pytest.fixture
def first_ids() -> dict[type, int]:
    """The first id of each table's synthetic rows, after loading ``SMALL`` with seed 7."""
    first = {model: next_id(model) for model in RECORD_MODELS}
    synthesize(SMALL, seed=7, batch_size=64)
    return first


def synthetic(model: type, first_ids: dict[type, int]) -> Any:
    return model._default_manager.filter(id__gte=first_ids[model]).order_by("id")


class _Discard(Exception):
    pass


def generated(counts: Counts, seed: int, batch_size: int) -> dict[str, list[Any]]:
    """Every row a run writes (topics by slug, history without its own ids), then rolled back."""
    first = {model: next_id(model) for model in RECORD_MODELS}
    rows: dict[str, list[Any]] = {}
    with contextlib.suppress(_Discard), transaction.atomic():
        synthesize(counts, seed=seed, batch_size=batch_size)
        for model in RECORD_MODELS:
            mine = model._default_manager.filter(id__gte=first[model]).order_by("id")
            rows[model.__name__] = list(mine.values())
            history = model.history.filter(id__gte=first[model]).order_by("id")
            rows[f"{model.__name__} history"] = [
                {k: v for k, v in row.items() if k != "history_id"} for row in history.values()
            ]
        for model in (Contact, Statement):
            mine = model._default_manager.filter(id__gte=first[model]).order_by(
                "id", "topics__slug"
            )
            rows[f"{model.__name__} topics"] = list(mine.values_list("id", "topics__slug"))
        raise _Discard
    return rows


def test_counts_are_written_after_the_existing_ids(first_ids):
    assert first_ids[Statement] > 1  # the article's statements are there already
    counts = {model: synthetic(model, first_ids).count() for model in RESOURCES}
    assert counts == {Official: 150, Source: 30, Contact: 60, Statement: 200}
    assert synthetic(Position, first_ids).count() >= 150
    participants = synthetic(Participant, first_ids)
    assert 120 <= participants.count() <= 240
    assert all(p.official_id or p.label for p in participants)


def test_the_same_seed_gives_the_same_rows_whatever_the_batch_size():
    counts = Counts(officials=20, sources=10, contacts=15, statements=50)
    first = generated(counts, seed=3, batch_size=7)
    assert first == generated(counts, seed=3, batch_size=1000)
    assert len(first["Statement"]) == 50
    other = generated(counts, seed=4, batch_size=7)
    assert [r["text"] for r in other["Statement"]] != [r["text"] for r in first["Statement"]]


def test_every_claim_cites_a_source_with_an_excerpt(first_ids):
    for model, owner in ((Statement, "statement"), (Contact, "contact"), (Position, "position")):
        uncited = synthetic(model, first_ids).filter(citations__isnull=True)
        assert not uncited.exists(), f"uncited {owner}"
    citations = synthetic(Citation, first_ids)
    assert all(c.excerpt and c.source_id >= first_ids[Source] for c in citations)


def test_said_dates_come_in_every_precision_over_a_quarter_century(first_ids):
    statements = list(synthetic(Statement, first_ids))
    assert {s.said_precision for s in statements} == {"year", "month", "day"}
    years = {s.said.earliest.year for s in statements}
    assert min(years) < 2012
    assert max(years) >= 2024
    assert all(2000 <= year <= 2026 for year in years)
    for statement in statements:
        assert PartialDate.parse(statement.said.isoformat()) == statement.said


def test_the_speakers_country_is_the_officials_or_the_labels(first_ids):
    statements = synthetic(Statement, first_ids).select_related("speaker")
    labelled = 0
    for statement in statements:
        if statement.speaker is not None:
            assert statement.speaker_country == statement.speaker.country
            assert statement.speaker_label == ""
        else:
            labelled += 1
            assert statement.speaker_label
            assert len(statement.speaker_country) == 2
    assert 0 < labelled < statements.count() / 2
    assert {s.kind for s in statements} == {"quote", "paraphrase"}
    on_contacts = statements.filter(contact__isnull=False)
    assert on_contacts.exists()
    for statement in on_contacts:
        sides = statement.contact.participants.values_list("official_id", "label")
        assert (statement.speaker_id, statement.speaker_label) in set(sides)


def test_names_are_written_in_several_scripts(first_ids):
    scripts = set()
    for official in synthetic(Official, first_ids):
        for text in (official.name, *official.aliases):
            for char in text:
                if char.isalpha():
                    scripts.add(unicodedata.name(char).split()[0])
    assert {"LATIN", "HANGUL", "CJK", "CYRILLIC", "ARABIC"} <= scripts


def test_each_record_has_its_created_revision_with_the_snapshot_it_would_have(first_ids):
    for model in RESOURCES:
        records = list(synthetic(model, first_ids))
        rows = {row.id: row for row in model.history.filter(id__gte=first_ids[model])}
        assert len(rows) == len(records)
        for record in records:
            row = rows[record.id]
            assert (row.history_type, row.version, row.history_date) == ("+", 1, record.created_at)
            assert row.snapshot == revisions.snapshot(record), f"{model.__name__} {record.id}"
            assert record.version == 1
            assert getattr(record, "review_state", "reviewed") == "reviewed"
    for part in (Position, Participant, Citation):
        created = part.history.filter(id__gte=first_ids[part], history_type="+")
        assert created.count() == synthetic(part, first_ids).count()


def test_each_synthetic_record_is_created_in_the_change_feed(first_ids):
    seqs = list(Change.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))  # numbered on, without gaps
    assert ChangeSequence.objects.get().last == seqs[-1]
    for model in RESOURCES:
        resource = changes.RESOURCE_OF_MODEL[model]
        ids = list(synthetic(model, first_ids).values_list("id", flat=True))
        found = Change.objects.filter(resource=resource, record_id__gte=first_ids[model])
        assert sorted(found.values_list("record_id", flat=True)) == ids
        assert set(found.values_list("type", "public_type", "version")) == {
            ("created", "created", 1)
        }


def test_search_documents_are_built_from_the_stored_records(first_ids):
    for statement in synthetic(Statement, first_ids).select_related("speaker"):
        speaker = statement.speaker.name if statement.speaker else None
        expected = statement_document(statement.text, speaker, statement.speaker_label)
        assert statement.search_document == expected
    for contact in synthetic(Contact, first_ids):
        sides = contact.participants.order_by("id").values_list("label", "official__name")
        expected = contact_document(
            contact.title, contact.summary, contact.occasion, contact.location, sides
        )
        assert contact.search_document == expected
    for official in synthetic(Official, first_ids):
        posts = official.positions.order_by("start_earliest", "id")
        expected = official_document(
            official.name, official.aliases, posts.values_list("title", "organization")
        )
        assert official.search_document == expected
    for source in synthetic(Source, first_ids):
        assert source.search_document == source_document(
            source.title, source.author, source.publisher
        )


def test_the_api_serves_synthetic_records(first_ids, api):
    response = api.get("/api/v1/statements/?limit=5&ordering=-id")
    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == 5
    assert all(item["id"] >= first_ids[Statement] for item in results)
    assert all(item["citations"] for item in results)
    history = api.get(f"/api/v1/statements/{results[0]['id']}/history/")
    assert history.status_code == 200
    official = synthetic(Official, first_ids).first()
    detail = api.get(f"/api/v1/officials/{official.id}/")
    assert detail.status_code == 200
    assert detail.json()["positions"]


def test_without_officials_every_speaker_is_a_label():
    first = next_id(Statement)
    synthesize(Counts(sources=3, contacts=4, statements=20), seed=1)
    statements = Statement.objects.filter(id__gte=first)
    assert statements.count() == 20
    assert not statements.filter(speaker__isnull=False).exists()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--statements", "-1", "--sources", "1"], "cannot be negative"),
        (["--statements", "10"], "--sources"),
        (["--officials", "5", "--sources", "1", "--batch-size", "0"], "--batch-size"),
    ],
)
def test_bad_arguments_are_refused(arguments, message):
    before = Statement.objects.count()
    with pytest.raises(CommandError, match=message):
        call_command("synthesize", *arguments, stdout=StringIO())
    assert Statement.objects.count() == before


def test_the_command_reports_what_it_added():
    out = StringIO()
    call_command(
        "synthesize", "--sources", "2", "--officials", "3", "--statements", "4", stdout=out
    )
    assert "Added 2 Source, 3 Official" in out.getvalue()
    assert "4 Statement" in out.getvalue()


def test_a_bulk_load_on_sqlite_is_indexed_in_one_pass_and_keeps_its_triggers(tmp_path):
    """Outside a transaction (the command run on its own), SQLite's insert triggers are set aside
    during the load and the new rows indexed at the end: the index must hold every row, before
    and after a second load, and the triggers must be back for the writes that follow."""
    database = tmp_path / "load.sqlite3"
    environment = {**os.environ, "DATABASE_URL": f"sqlite:///{database}"}

    def manage(*arguments: str) -> None:
        subprocess.run(
            [sys.executable, "manage.py", *arguments], cwd=ROOT, env=environment, check=True,
            capture_output=True,
        )  # fmt: skip

    manage("migrate", "-v0")
    load = ("--statements", "300", "--officials", "20", "--contacts", "30", "--sources", "10")
    manage("synthesize", *load, "--seed", "2")
    manage("synthesize", *load, "--seed", "3")
    with closing(sqlite3.connect(database)) as db:
        triggers = {
            name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        }
        for table in schema.TABLES:
            fts = schema.fts_table(table)
            assert {f"{fts}_insert", f"{fts}_update", f"{fts}_delete"} <= triggers
            # Compares the index with the rows it is built from; raises if any is missing.
            db.execute(f"INSERT INTO {fts}({fts}, rank) VALUES ('integrity-check', 1)")
        (count,) = db.execute("SELECT count(*) FROM diplomacy_statement").fetchone()
        assert count == 600
        last_id, document = db.execute(
            "SELECT id, search_document FROM diplomacy_statement ORDER BY id DESC LIMIT 1"
        ).fetchone()
        word = max(document.split(), key=len).strip(".,;:“”\"'()")
        found = db.execute(
            "SELECT rowid FROM diplomacy_statement_fts WHERE diplomacy_statement_fts MATCH ?",
            [f'"{word}"'],
        ).fetchall()
        assert (last_id,) in found
