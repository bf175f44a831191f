"""Statements newest first, as the API's list shapes them, in three queries per page.

A page is one query with the speaker and contact joined, then one for the topics and one for the
citations (with their sources joined) of the whole page. Pages go by keyset (``after``), or by
``offset`` to compare with it; ``next`` is always a keyset link.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import orjson
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import ExtractYear
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    StreamingHttpResponse,
)

from server.diplomacy.dates import PartialDate
from server.diplomacy.models import Citation, ReviewState, Statement

MAX_PAGE = 200
COLUMNS = (
    "id",
    "said_latest",
    "text",
    "kind",
    "language",
    "speaker_id",
    "speaker__slug",
    "speaker__name",
    "speaker_label",
    "said_earliest",
    "said_precision",
    "contact_id",
    "contact__title",
    "version",
    "created_at",
    "updated_at",
)
# Newest first, dated rows only: undated rows come after them all, in id order. Without NULLS
# LAST, which neither database's index on said_earliest can serve, a page reads a few index
# entries instead of sorting the table.
NEWEST_DATED = (F("said_earliest").desc(), F("said_latest").asc(), F("id").asc())

REVIEWED = ReviewState.REVIEWED.value
# Statements as ``.values()`` dictionaries.
Row = dict[str, Any]
Rows = QuerySet[Statement, Row]


class BadRequest(Exception):
    pass


def json_response(document: Any, status: int = 200) -> HttpResponse:
    body = orjson.dumps(document, option=orjson.OPT_UTC_Z)
    return HttpResponse(body, status=status, content_type="application/json")


def said_text(earliest: dt.date | None, precision: str) -> str | None:
    if earliest is None:
        return None
    if precision == "year":
        return f"{earliest.year:04d}"
    if precision == "month":
        return f"{earliest.year:04d}-{earliest.month:02d}"
    return earliest.isoformat()


def public_statements() -> QuerySet[Statement]:
    # The ordering indexes (migration 0008) begin with the review state, as the API's do.
    return Statement.objects.filter(review_state=REVIEWED)


def filtered(request: HttpRequest) -> QuerySet[Statement]:
    rows = public_statements()
    try:
        if countries := request.GET.getlist("country"):
            rows = rows.filter(speaker_country__in=[code.upper() for code in countries])
        if after := request.GET.get("said_after"):
            rows = rows.filter(said_latest__gte=PartialDate.parse(after).earliest)
        if before := request.GET.get("said_before"):
            rows = rows.filter(said_earliest__lte=PartialDate.parse(before).latest)
    except ValueError as error:
        raise BadRequest(str(error)) from None
    if words := request.GET.get("q"):
        rows = rows.filter(text__icontains=words)
    return rows


def dated(rows: QuerySet[Statement], *columns: str) -> Rows:
    return rows.filter(said_earliest__isnull=False).order_by(*NEWEST_DATED).values(*columns)


def undated(rows: QuerySet[Statement], *columns: str) -> Rows:
    return rows.filter(said_earliest__isnull=True).order_by("id").values(*columns)


def at_offset(rows: QuerySet[Statement], offset: int, limit: int, *columns: str) -> list[Row]:
    page = list(dated(rows, *columns)[offset : offset + limit])
    if len(page) < limit:
        skipped = max(offset - dated(rows, "id").count(), 0)
        page += list(undated(rows, *columns)[skipped : skipped + limit - len(page)])
    return page


def after_boundary(rows: QuerySet[Statement], cursor: str, limit: int) -> list[Row]:
    """The page after the row ``earliest,latest,id`` of the newest-first order."""
    try:
        earliest_text, latest_text, id_text = cursor.split(",")
        earliest = dt.date.fromisoformat(earliest_text) if earliest_text else None
        latest = dt.date.fromisoformat(latest_text) if latest_text else None
        last_id = int(id_text)
    except ValueError:
        raise BadRequest("after is earliest,latest,id") from None
    if earliest is None:
        return list(undated(rows.filter(id__gt=last_id), *COLUMNS)[:limit])
    # The range on said_earliest is what the index serves; the rest settles ties.
    later = rows.filter(said_earliest__lte=earliest).filter(
        Q(said_earliest__lt=earliest)
        | Q(said_latest__gt=latest)
        | Q(said_latest=latest, id__gt=last_id)
    )
    page = list(dated(later, *COLUMNS)[:limit])
    if len(page) < limit:
        page += list(undated(rows, *COLUMNS)[: limit - len(page)])
    return page


def page_rows(request: HttpRequest, rows: QuerySet[Statement], limit: int) -> list[Row]:
    cursor = request.GET.get("after")
    if cursor is not None:
        return after_boundary(rows, cursor, limit)
    return at_offset(rows, int(request.GET.get("offset", "0")), limit, *COLUMNS)


def shaped(rows: list[dict[str, Any]], base: str) -> list[dict[str, Any]]:
    ids = [row["id"] for row in rows]
    topics: dict[int, list[str]] = defaultdict(list)
    for statement_id, slug in (
        Statement.topics.through.objects.filter(statement_id__in=ids)
        .order_by("topic__slug")
        .values_list("statement_id", "topic__slug")
    ):
        topics[statement_id].append(slug)
    citations: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for cited in (
        Citation.objects.filter(statement_id__in=ids)
        .order_by("id")
        .values("statement_id", "source_id", "source__title", "excerpt", "locator")
    ):
        source = cited["source_id"]
        citations[cited["statement_id"]].append(
            {
                "source": {
                    "id": source,
                    "url": f"{base}sources/{source}/",
                    "title": cited["source__title"],
                },
                "excerpt": cited["excerpt"],
                "locator": cited["locator"],
            }
        )
    return [shape(row, base, topics[row["id"]], citations[row["id"]]) for row in rows]


def shape(
    row: dict[str, Any], base: str, topics: list[str], citations: list[dict[str, Any]]
) -> dict[str, Any]:
    speaker = row["speaker_id"]
    contact = row["contact_id"]
    return {
        "id": row["id"],
        "url": f"{base}statements/{row['id']}/",
        "text": row["text"],
        "kind": row["kind"],
        "language": row["language"],
        "speaker": None
        if speaker is None
        else {
            "id": speaker,
            "url": f"{base}officials/{speaker}/",
            "slug": row["speaker__slug"],
            "name": row["speaker__name"],
        },
        "speaker_label": row["speaker_label"],
        "said": said_text(row["said_earliest"], row["said_precision"]),
        "contact": None
        if contact is None
        else {"id": contact, "url": f"{base}contacts/{contact}/", "title": row["contact__title"]},
        "topics": topics,
        "citations": citations,
        "version": row["version"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }


def cursor_of(row: dict[str, Any]) -> str:
    earliest, latest = row["said_earliest"], row["said_latest"]
    return f"{earliest or ''},{latest or ''},{row['id']}"


def facets(rows: QuerySet[Statement], names: list[str]) -> dict[str, list[dict[str, Any]]]:
    columns = {
        "country": F("speaker_country"),
        "kind": F("kind"),
        "year": ExtractYear("said_earliest"),
    }
    counted: dict[str, list[dict[str, Any]]] = {}
    for name in names:
        if name not in columns:
            raise BadRequest(f"no facet {name}")
        counts = (
            rows.order_by()
            .annotate(value=columns[name])
            .values("value")
            .annotate(count=Count("id"))
            .order_by("-count", "value")
        )
        counted[name] = [dict(item) for item in counts[:30]]
    return counted


def statement_list(request: HttpRequest) -> HttpResponse:
    try:
        limit = min(int(request.GET.get("limit", "50")), MAX_PAGE)
        rows = filtered(request)
        page = page_rows(request, rows, limit)
        facet_names = [n for n in request.GET.get("facet", "").split(",") if n]
        counted = facets(rows, facet_names) if facet_names else None
    except (BadRequest, ValueError) as error:
        return HttpResponseBadRequest(str(error))
    base = request.build_absolute_uri("/api/v1/")
    following = None
    if len(page) == limit:
        query = request.GET.copy()
        query.pop("offset", None)
        query["after"] = cursor_of(page[-1])
        following = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
    document: dict[str, Any] = {"next": following, "results": shaped(page, base)}
    if counted is not None:
        document["facets"] = counted
    return json_response(document)


def statement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    rows = list(public_statements().filter(pk=pk).values(*COLUMNS))
    if not rows:
        raise Http404
    return json_response(shaped(rows, request.build_absolute_uri("/api/v1/"))[0])


def boundary(request: HttpRequest) -> HttpResponse:
    """The sort key of the row at ``position`` (0-based) of the public newest-first order."""
    position = int(request.GET.get("position", "0"))
    rows = public_statements()
    keys = at_offset(rows, position, 1, "said_earliest", "said_latest", "id")
    document: dict[str, Any] = {"count": rows.count(), "position": position, "values": None}
    if keys:
        earliest, latest, identifier = keys[0].values()
        document["values"] = [
            earliest.isoformat() if earliest else None,
            latest.isoformat() if latest else None,
            identifier,
        ]
    return json_response(document)


class _Line:
    def write(self, text: str) -> str:
        return text


CSV_COLUMNS = (
    *("id", "url", "version", "created_at", "updated_at", "text", "kind", "language"),
    *("speaker_id", "speaker_slug", "speaker_name", "speaker_label", "said"),
    *("contact_id", "contact_title", "topics"),
    *("citations_source", "citations_excerpt", "citations_locator"),
)
CHUNK = 500
JOINER = " | "


def csv_row(item: dict[str, Any]) -> list[Any]:
    speaker = item["speaker"] or {}
    contact = item["contact"] or {}
    citations = item["citations"]
    return [
        *(item[name] for name in ("id", "url", "version")),
        item["created_at"].isoformat(),
        item["updated_at"].isoformat(),
        *(item[name] for name in ("text", "kind", "language")),
        *(speaker.get(name) for name in ("id", "slug", "name")),
        item["speaker_label"],
        item["said"],
        contact.get("id"),
        contact.get("title"),
        JOINER.join(item["topics"]),
        JOINER.join(str(cited["source"]["id"]) for cited in citations),
        JOINER.join(cited["excerpt"] for cited in citations),
        JOINER.join(cited["locator"] for cited in citations),
    ]


def statement_csv(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """The whole filtered list, newest first, a chunk of rows (and their topics and citations)
    at a time, in the columns of the API's CSV."""
    try:
        rows = filtered(request)
    except BadRequest as error:
        return HttpResponseBadRequest(str(error))
    base = request.build_absolute_uri("/api/v1/")

    def chunks() -> Iterator[list[Row]]:
        chunk: list[Row] = []
        for part in (dated(rows, *COLUMNS), undated(rows, *COLUMNS)):
            for row in part.iterator(chunk_size=CHUNK):
                chunk.append(row)
                if len(chunk) == CHUNK:
                    yield chunk
                    chunk = []
        if chunk:
            yield chunk

    def lines() -> Iterator[str]:
        writer = csv.writer(_Line())
        yield writer.writerow(CSV_COLUMNS)
        for chunk in chunks():
            yield "".join(writer.writerow(csv_row(item)) for item in shaped(chunk, base))

    return StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
