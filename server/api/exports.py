"""Lists as files: ``?format=csv`` and ``?format=ndjson`` stream the whole filtered, ordered set,
unpaginated, in constant memory (records are read, serialized and written a chunk at a time).

NDJSON lines are the list's JSON objects as they are. CSV is flat: a field is a column; a related
record gives a column per field of its brief shape (``speaker_id``, ``speaker_slug``,
``speaker_name``); a list of values (topics, aliases) is one column, values joined with " | "; a
nested list (citations, participants, posts held) gives a column per field of its items, joined
the same way, a related record in it by its id. Lists nested deeper (a post's citations) are left
out of CSV; NDJSON has them.

A CSV cell a spreadsheet would read as a formula (text starting with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return) is written behind a single quote (``server.diplomacy.csv_cells``).
``bom=true`` starts the file with a UTF-8 byte order mark, by which Excel knows the encoding.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any

import orjson
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request

from server.diplomacy.csv_cells import spreadsheet_safe

from .serializers import BriefRelatedField

CHUNK_SIZE = 500
JOINER = " | "
BOM_PARAM = "bom"
BYTE_ORDER_MARK = "\ufeff"


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: Any = None, renderer_context: Any = None
    ) -> Any:
        # Never reached by a list, which streams (``streaming_export``), nor by an error, which
        # the view answers in JSON; JSON rather than a 500 should anything else get here.
        return orjson.dumps(data)


class NDJSONRenderer(CSVRenderer):
    media_type = "application/x-ndjson"
    format = "ndjson"


EXPORT_RENDERERS = (CSVRenderer, NDJSONRenderer)
EXPORT_FORMATS = frozenset(renderer.format for renderer in EXPORT_RENDERERS)
BOM_PARAMETER = OpenApiParameter(
    BOM_PARAM,
    OpenApiTypes.BOOL,
    default=False,
    description=(
        "For format=csv: true starts the file with a UTF-8 byte order mark, so that Excel reads "
        "its accents and scripts right; false (the default) leaves it out. Other formats have "
        "none."
    ),
)


def byte_order_mark(request: Request) -> bool:
    """Whether the request's export starts with a byte order mark: ``bom=true`` on a CSV export
    (NDJSON and JSON have none); a 400 for a malformed value, on any list."""
    values = request.query_params.getlist(BOM_PARAM)
    if not values:
        return False
    if len(values) > 1 or values[0] not in ("true", "false"):
        raise ValidationError({BOM_PARAM: ["Give bom=true or bom=false, once."]})
    return (
        values[0] == "true"
        and getattr(request.accepted_renderer, "format", None) == CSVRenderer.format
    )


def _brief_fields(field: BriefRelatedField) -> list[str]:
    names: list[str] = list(field.brief().fields)
    return [name for name in names if name != "url"]


def csv_columns(serializer: serializers.Serializer[Any]) -> list[tuple[str, str, str | None]]:
    """(column, field, part) for every column of the serializer's records, in field order."""
    columns: list[tuple[str, str, str | None]] = []
    for name, field in serializer.fields.items():
        if isinstance(field, serializers.ListSerializer):
            child: Any = field.child
            for part, inner in child.fields.items():
                if not isinstance(inner, serializers.ListSerializer | serializers.ManyRelatedField):
                    columns.append((f"{name}_{part}", name, part))
        elif isinstance(field, BriefRelatedField):
            columns += [(f"{name}_{part}", name, part) for part in _brief_fields(field)]
        else:
            columns.append((name, name, None))
    return columns


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dict):
        return value.get("id", "")
    if isinstance(value, list):
        return JOINER.join(str(_cell(item)) for item in value)
    return value


def csv_row(item: dict[str, Any], columns: list[tuple[str, str, str | None]]) -> list[Any]:
    row = []
    for _column, name, part in columns:
        value = item.get(name)
        if part is None:
            cell = _cell(value)
        elif isinstance(value, list):
            cell = JOINER.join(str(_cell(entry.get(part))) for entry in value)
        else:
            cell = _cell(value.get(part)) if isinstance(value, dict) else ""
        row.append(spreadsheet_safe(cell))
    return row


def _chunks(queryset: QuerySet[Any]) -> Iterator[list[Any]]:
    records = queryset.iterator(chunk_size=CHUNK_SIZE)
    while chunk := list(islice(records, CHUNK_SIZE)):
        yield chunk


def _csv_lines(
    queryset: QuerySet[Any],
    serialize: Callable[[list[Any]], list[dict[str, Any]]],
    header: Any,
    bom: bool = False,
) -> Iterable[str]:
    columns = csv_columns(header)
    buffer = io.StringIO()
    if bom:
        buffer.write(BYTE_ORDER_MARK)
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([column for column, _name, _part in columns])
    for chunk in _chunks(queryset):
        for item in serialize(chunk):
            writer.writerow(csv_row(item, columns))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def _ndjson_lines(
    queryset: QuerySet[Any], serialize: Callable[[list[Any]], list[dict[str, Any]]]
) -> Iterable[bytes]:
    for chunk in _chunks(queryset):
        yield b"".join(orjson.dumps(item) + b"\n" for item in serialize(chunk))


def streaming_export(
    export_format: str,
    rows: QuerySet[Any],
    serialize: Callable[[list[Any]], list[dict[str, Any]]],
    header: serializers.BaseSerializer[Any],
    filename: str,
    *,
    bom: bool = False,
) -> StreamingHttpResponse:
    """The whole queryset as a CSV or NDJSON download, written as it is read: ``rows`` read a
    chunk at a time, each chunk shaped by ``serialize``; ``header`` gives the CSV columns, and
    ``bom`` a byte order mark before them."""
    body: Iterable[Any]
    if export_format == CSVRenderer.format:
        body = _csv_lines(rows, serialize, header, bom)
        media_type = f"{CSVRenderer.media_type}; charset=utf-8"
    else:
        body = _ndjson_lines(rows, serialize)
        media_type = NDJSONRenderer.media_type
    response = StreamingHttpResponse(body, content_type=media_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}.{export_format}"'
    return response
