"""The whole dataset as one file, written and loaded so that a round trip changes no byte.

Format (NDJSON): UTF-8, one JSON object per line, keys sorted, no spaces between tokens. The
first line is the header, ``{"format": "detente-export", "version": 1, "scope": ...}`` with the
number of lines of each type (``topics``, ``sources``, ``officials``, ``contacts``,
``statements``); no date, so that two exports of the same data are the same bytes. Then the
topics (``type``, ``id``, ``slug``, ``name``), sources, officials, contacts and statements, each
section by id. A record's line is ``exchange.document`` (``type``, ``id`` and the snapshot of
``revisions``: the services' write format, with ``version``) plus ``created_at`` and
``updated_at``; ``reviewed_by`` is a username rather than a user id. Nested parts (posts held,
participants, citations) carry no ids: they are numbered afresh on import, in the same order.

The ``complete`` scope holds every record; the ``public`` scope holds what anonymous readers see:
reviewed contacts and statements, each official with its reviewed posts only, every source and
topic. A reviewed statement's contact still under review is written as null there, so that the
file stays whole (it names no record it does not hold).

History is not carried: an import gives each record one ``created`` revision, dated its
``updated_at``, with the record as the file has it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.color import no_style
from django.db import DatabaseError, connection, models, transaction
from django.db.models import Prefetch, QuerySet
from django.utils.dateparse import parse_datetime

from . import search, selectors, services
from .exchange import type_name
from .models import (
    Citation,
    Contact,
    Official,
    Participant,
    Position,
    Record,
    Source,
    Statement,
    Topic,
)
from .revisions import SPECS, snapshot
from .visibility import EVERY_STATE, PUBLIC, pointers_seen, with_pointers_seen

FORMAT = "detente-export"
FORMAT_VERSION = 1
MEDIA_TYPE = "application/x-ndjson"
FILENAME = "detente-export.ndjson"
CHUNK_SIZE = 500
# Sections in file order: what a record refers to comes before it.
RECORD_SECTIONS: dict[str, type[Record]] = {
    "sources": Source,
    "officials": Official,
    "contacts": Contact,
    "statements": Statement,
}
SECTIONS: tuple[tuple[str, type[models.Model]], ...] = (
    ("topics", Topic),
    *RECORD_SECTIONS.items(),
)
SECTION_OF_TYPE = {model.__name__.lower(): section for section, model in SECTIONS}
ENVELOPE = ("type", "id", "created_at", "updated_at")
TOPIC_FIELDS = ("type", "id", "slug", "name")
PARTS = (Position, Participant, Citation)


def encode(document: dict[str, Any]) -> bytes:
    text = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return (text + "\n").encode("utf-8")


# -- export ------------------------------------------------------------------------------------


def export_lines(*, public: bool) -> Iterator[bytes]:
    """The file, line by line, read in chunks from one consistent view of the database."""
    with consistent_reads():
        yield from lines(public=public)


def lines(*, public: bool) -> Iterator[bytes]:
    """The file, line by line, as the caller's reads see the database (``consistent_reads``)."""
    querysets = _querysets(public)
    counts = {section: queryset.count() for section, queryset in querysets}
    yield encode(header(counts, public=public))
    for _section, queryset in querysets:
        for chunk in _chunks(queryset):
            for item in chunk:
                yield encode(_document(item))


def header(counts: Mapping[str, int], *, public: bool) -> dict[str, Any]:
    """The first line of a file holding this many records of each section."""
    found: dict[str, Any] = {"format": FORMAT, "version": FORMAT_VERSION}
    found["scope"] = "public" if public else "complete"
    found.update({section: counts.get(section, 0) for section, _model in SECTIONS})
    return found


def documents(
    wanted: Mapping[str, Collection[int]], *, public: bool
) -> dict[tuple[str, int], dict[str, Any]]:
    """The lines of these records (ids by section) as a file of the scope holds them now; a
    record the scope does not hold (deleted, or hidden from the public) is left out."""
    found: dict[tuple[str, int], dict[str, Any]] = {}
    for section, queryset in _querysets(public):
        ids = wanted.get(section)
        if ids:
            for item in queryset.filter(pk__in=list(ids)):
                found[section, item.pk] = _document(item)
    return found


def _chunks(queryset: QuerySet[Any]) -> Iterator[list[Any]]:
    """The rows by id, a chunk (with its prefetched parts) at a time. Each chunk is a query read
    whole, rather than a cursor left open between lines: a client that goes away mid-file leaves
    no statement running."""
    after = 0
    while chunk := list(queryset.filter(pk__gt=after)[:CHUNK_SIZE]):
        yield chunk
        after = chunk[-1].pk


@contextmanager
def consistent_reads() -> Iterator[None]:
    """Every query inside sees the database as it stood at the first one, so the file never
    names a record created (or misses one deleted) while it was being written. Writers are
    not held up."""
    if connection.in_atomic_block:
        yield
    elif connection.vendor == "postgresql":
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
    elif connection.vendor == "sqlite":
        # Django's atomic() begins IMMEDIATE here (it takes the write lock); a deferred
        # transaction reads a snapshot (WAL) and leaves writers alone.
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("ROLLBACK")
    else:
        with transaction.atomic():
            yield


def _querysets(public: bool) -> list[tuple[str, QuerySet[Any]]]:
    states = PUBLIC if public else EVERY_STATE
    citations = Prefetch("citations", queryset=Citation.objects.order_by("id"))
    positions = Position.objects.select_related("reviewed_by").prefetch_related(citations)
    participants = Participant.objects.order_by("id")
    topics = Prefetch("topics", queryset=Topic.objects.only("id", "slug"))
    officials = Official.objects.prefetch_related(
        Prefetch("positions", queryset=selectors.in_review_states(positions, states).order_by("id"))
    )
    contacts = Contact.objects.select_related("reviewed_by").prefetch_related(
        Prefetch("participants", queryset=participants), topics, citations
    )
    statements = Statement.objects.select_related("reviewed_by").prefetch_related(topics, citations)
    records: dict[str, QuerySet[Any]] = {
        "topics": Topic.objects.all(),
        "sources": Source.objects.all(),
        "officials": officials,
        "contacts": selectors.in_review_states(contacts, states),
        "statements": selectors.in_review_states(statements, states),
    }
    records = {name: with_pointers_seen(queryset, states) for name, queryset in records.items()}
    return [
        (section, _without_derived(queryset).order_by("pk"))
        for section, queryset in records.items()
    ]


def _without_derived(queryset: QuerySet[Any]) -> QuerySet[Any]:
    # The search document is derived (rebuilt after an import), never part of the file.
    return queryset.defer("search_document") if issubclass(queryset.model, Record) else queryset


def _document(item: models.Model) -> dict[str, Any]:
    if isinstance(item, Topic):
        return {"type": "topic", "id": item.pk, "slug": item.slug, "name": item.name}
    assert isinstance(item, Record)
    record_document = pointers_seen(item, snapshot(item, prefetched=True, reviewer=_username))
    return {
        "type": type_name(type(item)),
        "id": item.pk,
        "created_at": item.created_at.isoformat(),
        "updated_at": item.updated_at.isoformat(),
        **record_document,
    }


def _username(user: Any) -> str | None:
    return None if user is None else str(user.get_username())


# -- import ------------------------------------------------------------------------------------


class DatasetError(Exception):
    """The file cannot be loaded as it is; the message says which line, and why."""


def load(lines: Iterable[bytes]) -> dict[str, int]:
    """Load a file into an empty database, all or nothing: each record through the services
    (every rule checked), then its version, timestamps and first revision as the file has them.
    Returns the number of lines of each section."""
    with transaction.atomic():
        held = held_records()
        if held:
            listed = ", ".join(f"{count} {name}" for name, count in held.items())
            raise DatasetError(
                f"The database already holds records ({listed}); a dataset is loaded into an "
                "empty database only: migrate a new one, or empty this one (manage.py flush, "
                "which removes users and tokens too)."
            )
        loader = _Loader()
        for number, raw in enumerate(lines, start=1):
            loader.read(number, raw)
        counts = loader.finish()
        _reset_sequences()
        search.rebuild()
    return counts


def held_records() -> dict[str, int]:
    """What the database holds of the dataset, by kind, revisions of deleted records included
    (empty: nothing)."""
    kinds: tuple[type[models.Model], ...] = (*(model for _section, model in SECTIONS), *PARTS)
    held = {str(model._meta.verbose_name_plural): model._default_manager.count() for model in kinds}
    held["revisions"] = sum(model.history.count() for model in kinds)  # type: ignore[attr-defined]
    return {name: count for name, count in held.items() if count}


def _reset_sequences() -> None:
    """Records keep the file's ids; the next record created gets the id after the highest."""
    models_with_ids = [model for _section, model in SECTIONS]
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models_with_ids):
            cursor.execute(sql)


class _Loader:
    """Reads a file line by line, keeping counts only: memory does not grow with the file."""

    def __init__(self) -> None:
        self.header: dict[str, Any] | None = None
        self.counts: Counter[str] = Counter()
        self.section = 0
        self.last_id = 0
        self.users: dict[str, Any] = {}

    def read(self, number: int, raw: bytes) -> None:
        where = f"line {number}"
        item = _parse_line(raw, where)
        if self.header is None:
            self.header = _checked_header(item, where)
            return
        kind = item.get("type")
        section = SECTION_OF_TYPE.get(kind) if isinstance(kind, str) else None
        if section is None:
            raise DatasetError(f"{where}: type must be one of {', '.join(SECTION_OF_TYPE)}.")
        where = f"{where} ({kind} {item.get('id')})"
        self._check_order(section, item.get("id"), where)
        try:
            if section == "topics":
                _load_topic(item, where)
            else:
                self._load_record(RECORD_SECTIONS[section], item, where)
        except services.InvalidRecord as error:
            raise DatasetError(f"{where}: {'; '.join(_messages(error.errors))}") from None
        except ValidationError as error:
            raise DatasetError(f"{where}: {'; '.join(_messages(error))}") from None
        except (ValueError, TypeError, DatabaseError) as error:
            raise DatasetError(f"{where}: {error}") from None
        self.counts[section] += 1

    def finish(self) -> dict[str, int]:
        if self.header is None:
            raise DatasetError("The file is empty: an export begins with its header line.")
        for section, _model in SECTIONS:
            announced, found = self.header[section], self.counts[section]
            if announced != found:
                raise DatasetError(
                    f"The header announces {announced} {section} but the file holds {found}: "
                    "is it cut short?"
                )
        return {section: self.counts[section] for section, _model in SECTIONS}

    def _check_order(self, section: str, pk: Any, where: str) -> None:
        if isinstance(pk, bool) or not isinstance(pk, int) or pk < 1:
            raise DatasetError(f"{where}: id must be a positive whole number.")
        index = [name for name, _model in SECTIONS].index(section)
        if index < self.section:
            order = ", ".join(name for name, _model in SECTIONS)
            raise DatasetError(f"{where}: out of place; the sections come in order: {order}.")
        if index > self.section:
            self.section, self.last_id = index, 0
        if pk <= self.last_id:
            raise DatasetError(f"{where}: ids come in increasing order, each once.")
        self.last_id = pk

    def _load_record(self, model: type[Record], item: dict[str, Any], where: str) -> None:
        _check_fields(item, set(_record_fields(model)), where)
        version = item["version"]
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise DatasetError(f"{where}: version must be a positive whole number.")
        created_at = _moment(item["created_at"], "created_at", where)
        updated_at = _moment(item["updated_at"], "updated_at", where)
        pk = item["id"]
        data = {name: value for name, value in item.items() if name not in (*ENVELOPE, "version")}
        services.record_create(model, _with_reviewers(data, self._user), pk=pk, version=version)
        stamps = {"created_at": created_at, "updated_at": updated_at}
        model._default_manager.filter(pk=pk).update(**stamps)
        model.history.filter(id=pk).update(history_date=updated_at, **stamps)  # type: ignore[attr-defined]
        stored = snapshot(model._default_manager.get(pk=pk))
        written = _with_reviewers(
            {name: value for name, value in item.items() if name not in ENVELOPE},
            lambda username: self._user(username).pk,
        )
        differing = sorted(n for n in {*stored, *written} if stored.get(n) != written.get(n))
        if differing:
            raise DatasetError(
                f"{where}: would be stored otherwise than written ({', '.join(differing)}), "
                "so a new export would differ; write these fields as an export does."
            )

    def _user(self, username: str) -> Any:
        """The reviewer of that name; one created, inactive and without a usable password,
        where this database has none."""
        if username not in self.users:
            user_model = get_user_model()
            found = user_model._default_manager.filter(
                **{user_model.USERNAME_FIELD: username}
            ).first()
            if found is None:
                found = user_model(**{user_model.USERNAME_FIELD: username}, is_active=False)
                found.set_unusable_password()
                found.full_clean(exclude=["password"])
                found.save()
            self.users[username] = found
        return self.users[username]


def _parse_line(raw: bytes, where: str) -> dict[str, Any]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise DatasetError(f"{where}: not UTF-8 ({error.reason} at byte {error.start}).") from None
    if not text.strip():
        raise DatasetError(f"{where}: empty; each line holds one JSON object.")
    try:
        item = json.loads(text)
    except ValueError as error:
        raise DatasetError(f"{where}: not JSON ({error}).") from None
    if not isinstance(item, dict):
        raise DatasetError(f"{where}: not a JSON object.")
    return item


def _checked_header(item: dict[str, Any], where: str) -> dict[str, Any]:
    if item.get("format") != FORMAT:
        raise DatasetError(f'{where}: not a Détente export (its header says "format": "{FORMAT}").')
    if item.get("version") != FORMAT_VERSION:
        raise DatasetError(
            f"{where}: version {item.get('version')} of the format; this server reads version "
            f"{FORMAT_VERSION}."
        )
    sections = [section for section, _model in SECTIONS]
    _check_fields(item, {"format", "version", "scope", *sections}, f"{where} (header)")
    if item["scope"] not in ("public", "complete"):
        raise DatasetError(f"{where}: scope must be public or complete.")
    for section in sections:
        count = item[section]
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise DatasetError(f"{where}: {section} must be the number of {section} lines.")
    return item


def _check_fields(item: dict[str, Any], expected: set[str], where: str) -> None:
    missing, unknown = sorted(expected - set(item)), sorted(set(item) - expected)
    if missing:
        raise DatasetError(f"{where}: missing {', '.join(missing)}.")
    if unknown:
        raise DatasetError(f"{where}: unknown fields {', '.join(unknown)}.")


def _record_fields(model: type[Record]) -> list[str]:
    spec = SPECS[model]
    names = [*ENVELOPE, "version", *spec.fields, *(part.name for part in spec.parts)]
    names += ["topics"] if spec.topics else []
    names += ["citations"] if spec.cited else []
    return names


def _load_topic(item: dict[str, Any], where: str) -> None:
    _check_fields(item, set(TOPIC_FIELDS), where)
    topic = Topic(pk=item["id"], slug=item["slug"], name=item["name"])
    topic.full_clean()
    topic.save()


def _moment(value: Any, name: str, where: str) -> dt.datetime:
    moment = parse_datetime(value) if isinstance(value, str) else None
    if moment is None or moment.tzinfo is None:
        raise DatasetError(
            f"{where}: {name} must be an ISO 8601 date and time with its offset, "
            "such as 2024-11-18T09:00:00+00:00."
        )
    return moment


def _with_reviewers(document: dict[str, Any], reviewer: Any) -> dict[str, Any]:
    """The document with each ``reviewed_by`` (the record's, each post's) passed through
    ``reviewer``; null stays null."""

    def mapped(part: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(part, dict) or part.get("reviewed_by") is None:
            return part
        if not isinstance(part["reviewed_by"], str):
            raise ValueError("reviewed_by must be a username or null.")
        return {**part, "reviewed_by": reviewer(part["reviewed_by"])}

    result = mapped(document)
    if isinstance(result.get("positions"), list):
        result = {**result, "positions": [mapped(part) for part in result["positions"]]}
    return result


def _messages(errors: Any, path: tuple[str, ...] = ()) -> list[str]:
    """Nested per-field (and per-item) errors as ``field.0.subfield: message`` lines."""
    if isinstance(errors, ValidationError):
        errors = errors.message_dict if hasattr(errors, "error_dict") else errors.messages
    if isinstance(errors, dict):
        return [
            message
            for name, value in errors.items()
            for message in _messages(value, path if name == "__all__" else (*path, str(name)))
        ]
    if isinstance(errors, list) and not all(isinstance(item, str) for item in errors):
        return [
            message
            for index, item in enumerate(errors)
            if item
            for message in _messages(item, (*path, str(index)))
        ]
    text = " ".join(errors) if isinstance(errors, list) else str(errors)
    return [f"{'.'.join(path)}: {text}" if path else text]
