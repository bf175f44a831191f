"""``detente``: the API from a shell.

::

    detente officials list --country KR
    detente statements list --speaker xi-jinping --format csv > xi.csv
    detente statements get 4
    detente contacts list --date-after 2024-07 --limit 5
    detente statements history 7 --format json
    detente statements list --q '"close communications" OR trust*'
    detente statements list --country KR --facet kind,year
    detente officials list --at 2024-07
    detente contacts export --format ndjson --country LA -o contacts.ndjson
    detente timeline --official xi-jinping
    detente network --graphml -o network.graphml
    detente export-dataset -o detente-export.ndjson

Every filter of a list is an option (``--said-after``, ``--participant-country``…); one that the
API lets you repeat may be given several times, for any of the values. ``--format`` is ``table``
(aligned columns, the default), ``json`` (one JSON array, or one object for ``get``) or ``csv``
(a header row, nested values flattened). ``--facet`` shows how many matching records have each
value of the fields named, instead of the records. ``export`` writes the server's own CSV or
NDJSON of the whole filtered list, streamed, to ``-o FILE`` or standard output. The server is
``--base-url`` or ``$DETENTE_URL`` (default http://127.0.0.1:8000), the token ``--token`` or
``$DETENTE_TOKEN``. Exit status: 0 on success, 1 when the API or the connection fails, 2 for a
command line that does not parse.
"""

from __future__ import annotations

import argparse
import codecs
import csv
import dataclasses
import datetime as dt
import io
import itertools
import json
import os
import shutil
import sys
import types
import typing
from collections import abc
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Literal, TextIO

from ._version import __version__
from .client import Client
from .dates import PartialDate
from .errors import DetenteError, ValidationError
from .facets import Facet
from .models import (
    Change,
    Citation,
    Contact,
    Model,
    Network,
    NetworkNode,
    Official,
    Participant,
    Position,
    PostHeld,
    Record,
    Revision,
    Source,
    Statement,
    TimelineEntry,
    snippet_text,
)
from .params import (
    ContactExportFilters,
    ContactFilters,
    ExportFormat,
    NetworkFilters,
    OfficialExportFilters,
    OfficialFilters,
    ReviewFilter,
    SourceExportFilters,
    SourceFilters,
    StatementExportFilters,
    StatementFilters,
    TimelineFilters,
)
from .resources.base import Resource
from .streams import Export
from .sync import Store
from .transport import DEFAULT_BASE_URL

__all__ = ["main"]

FORMATS = ("table", "json", "csv")
EXPORT_FORMATS = ("csv", "ndjson")
MAX_PAGE_SIZE = 200
CELL_WIDTH = 60
# How a table shows the words a search found in a snippet.
MARK = ("[", "]")


@dataclasses.dataclass(frozen=True)
class ResourceCommand:
    model: type[Record]
    filters: Any  # the TypedDict of the list's filters
    export_filters: Any  # the TypedDict of the export's


RESOURCES: dict[str, ResourceCommand] = {
    "officials": ResourceCommand(Official, OfficialFilters, OfficialExportFilters),
    "sources": ResourceCommand(Source, SourceFilters, SourceExportFilters),
    "contacts": ResourceCommand(Contact, ContactFilters, ContactExportFilters),
    "statements": ResourceCommand(Statement, StatementFilters, StatementExportFilters),
}

# The columns a table shows for each list, as (heading, attribute); csv and json show every field.
TABLE_COLUMNS: dict[type[Model], tuple[tuple[str, str], ...]] = {
    Official: (
        ("id", "id"),
        ("slug", "slug"),
        ("name", "name"),
        ("country", "country"),
        ("positions", "positions"),
    ),
    Source: (
        ("id", "id"),
        ("kind", "kind"),
        ("published", "published"),
        ("language", "language"),
        ("title", "title"),
        ("author", "author"),
    ),
    Contact: (
        ("id", "id"),
        ("date", "date"),
        ("kind", "kind"),
        ("status", "status"),
        ("country", "country"),
        ("title", "title"),
        ("participants", "participants"),
    ),
    Statement: (
        ("id", "id"),
        ("said", "said"),
        ("speaker", "speaker_name"),
        ("kind", "kind"),
        ("text", "text"),
    ),
    Revision: (
        ("version", "version"),
        ("time", "time"),
        ("user", "user"),
        ("type", "type"),
        ("changes", "changes"),
    ),
    TimelineEntry: (
        ("date", "date"),
        ("type", "type"),
        ("id", "record.id"),
        ("what", "headline"),
    ),
    NetworkNode: (
        ("id", "id"),
        ("slug", "slug"),
        ("name", "name"),
        ("country", "country"),
        ("contacts", "contacts"),
    ),
}


class UsageError(Exception):
    """A command line that cannot be carried out (exit status 2)."""


# ---------------------------------------------------------------------------------------------
# Flattening records into cells


def summary(value: Any) -> str:
    """One line for a nested value: a brief record by its name, a list joined."""
    if value is None:
        return ""
    if isinstance(value, PartialDate):
        return value.text
    if isinstance(value, dt.datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, Citation):
        where = f" ({value.locator})" if value.locator else ""
        return f"{value.source.title}{where}: {value.excerpt}"
    if isinstance(value, Participant):
        text = value.name
        text += f", {value.position.title}" if value.position is not None else ""
        text += f" [{value.country}]" if value.country else ""
        return text + (f" ({value.role})" if value.role else "")
    if isinstance(value, PostHeld):
        return ", ".join(part for part in (value.title, value.organization) if part)
    if isinstance(value, Position):
        text = ", ".join(part for part in (value.title, value.organization) if part)
        if value.start and value.end:
            text += f" ({value.start} to {value.end})"
        elif value.start or value.end:
            text += f" (from {value.start})" if value.start else f" (until {value.end})"
        return text
    if isinstance(value, Change):
        old = json.dumps(value.old, ensure_ascii=False)
        new = json.dumps(value.new, ensure_ascii=False)
        return f"{value.field}: {old} → {new}"
    if isinstance(value, Model):
        for name in ("name", "title", "label"):
            if hasattr(value, name):
                return str(getattr(value, name))
        return json.dumps(value.to_dict(), ensure_ascii=False)
    if isinstance(value, tuple | list):
        separator = " | " if any(isinstance(item, Model) for item in value) else "; "
        return separator.join(summary(item) for item in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _nested_model(annotation: Any) -> type[Model] | None:
    """The model of a field holding one nested record (``OfficialBrief | None``), else None."""
    if typing.get_origin(annotation) in (types.UnionType, typing.Union):
        found = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        annotation = found[0] if len(found) == 1 else None
    if isinstance(annotation, type) and issubclass(annotation, Model):
        return annotation
    return None


def flat_columns(model: type[Model], *, snippet: bool = False) -> list[str]:
    """CSV columns: a nested record becomes ``field.subfield`` columns, a list one column. A
    search's ``snippet`` is a column only when asked for."""
    hints = typing.get_type_hints(model)
    columns: list[str] = []
    for field in dataclasses.fields(typing.cast(Any, model)):
        if field.name == "snippet" and not snippet:
            continue
        nested = _nested_model(hints[field.name])
        if nested is None:
            columns.append(field.name)
        else:
            columns.extend(f"{field.name}.{sub}" for sub in flat_columns(nested))
    return columns


def flat_row(record: Model) -> dict[str, str]:
    row: dict[str, str] = {}
    for field in dataclasses.fields(typing.cast(Any, record)):
        value = getattr(record, field.name)
        nested = _nested_model(typing.get_type_hints(type(record))[field.name])
        if nested is None:
            row[field.name] = summary(value)
            continue
        inner = flat_row(value) if value is not None else {}
        for sub in flat_columns(nested):
            row[f"{field.name}.{sub}"] = inner.get(sub, "")
    return row


# ---------------------------------------------------------------------------------------------
# Output


def _cell(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _attribute(value: Any, dotted: str) -> Any:
    for name in dotted.split("."):
        value = getattr(value, name)
    return value


def _marked(snippet: str | None) -> str:
    return "" if snippet is None else snippet_text(snippet, *MARK)


def _width() -> int:
    return max(20, min(CELL_WIDTH, shutil.get_terminal_size((120, 24)).columns // 2))


def print_rows(columns: Sequence[str], rows: Iterable[Sequence[str]], out: TextIO) -> int:
    """Aligned columns under a header and a rule; cells cut to the terminal's width."""
    width = _width()
    cells = [[_cell(text, width) for text in row] for row in rows]
    widths = [max([len(name), *(len(row[i]) for row in cells)]) for i, name in enumerate(columns)]
    for line in [list(columns), ["-" * w for w in widths], *cells]:
        out.write("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())
        out.write("\n")
    return len(cells)


def print_table(
    model: type[Model], records: Iterable[Model], out: TextIO, *, snippet: bool = False
) -> int:
    columns = [heading for heading, _ in TABLE_COLUMNS[model]]
    attributes = [attribute for _, attribute in TABLE_COLUMNS[model]]
    rows = (
        [summary(_attribute(record, name)) for name in attributes]
        + ([_marked(getattr(record, "snippet", None))] if snippet else [])
        for record in records
    )
    return print_rows(columns + (["match"] if snippet else []), rows, out)


def print_record_table(record: Model, out: TextIO) -> None:
    row = flat_row(record)
    width = max(len(name) for name in row)
    for name, value in row.items():
        out.write(f"{name.ljust(width)}  {value}".rstrip() + "\n")


def print_json(records: Iterable[Model], out: TextIO) -> None:
    """One JSON array, written record by record (a long list is never held in memory)."""
    out.write("[")
    for index, record in enumerate(records):
        out.write(",\n " if index else "\n ")
        out.write(json.dumps(record.to_dict(), ensure_ascii=False))
    out.write("\n]\n")


# A spreadsheet evaluates a cell starting with one of these as a formula (CSV injection); such a
# cell is written behind a single quote, as the server's exports do, and so is one starting with
# a quote, so that dropping the first quote of a cell always gives the text back.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")


def spreadsheet_safe(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def print_csv(
    model: type[Model], records: Iterable[Model], out: TextIO, *, snippet: bool = False
) -> None:
    columns = flat_columns(model, snippet=snippet)
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for record in records:
        writer.writerow({name: spreadsheet_safe(cell) for name, cell in flat_row(record).items()})


def output(
    model: type[Model],
    records: Iterable[Model],
    fmt: str,
    out: TextIO,
    *,
    single: bool = False,
    snippet: bool = False,
) -> None:
    if single:
        (record,) = records
        if fmt == "json":
            out.write(json.dumps(record.to_dict(), ensure_ascii=False, indent=2) + "\n")
        elif fmt == "csv":
            print_csv(model, [record], out)
        else:
            print_record_table(record, out)
    elif fmt == "json":
        print_json(records, out)
    elif fmt == "csv":
        print_csv(model, records, out, snippet=snippet)
    else:
        print_table(model, records, out, snippet=snippet)


def _facet_value(value: str | None) -> str:
    return "(none)" if value is None or value == "" else value


def output_facets(count: int, facets: typing.Mapping[str, Facet], fmt: str, out: TextIO) -> None:
    """Facet counts: a table of facet, value and count; csv the same; json as the API has it."""
    if fmt == "json":
        data = {"count": count, "facets": {name: f.to_dict() for name, f in facets.items()}}
        out.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return
    rows = [
        (name, item.value, item.count) for name, facet in facets.items() for item in facet.values
    ]
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["facet", "value", "count"])
        writer.writerows(
            (name, spreadsheet_safe(value or ""), count) for name, value, count in rows
        )
        return
    print_rows(
        ["facet", "value", "count"],
        ([name, _facet_value(value), str(count)] for name, value, count in rows),
        out,
    )
    out.write(f"{count} records in all\n")
    for name, facet in facets.items():
        if facet.truncated:
            out.write(f"{name}: the {len(facet)} most frequent values only\n")


def output_network(network: Network, fmt: str, out: TextIO) -> None:
    """Nodes and edges: json as the API has it; csv the edge list with names; a table of each."""
    if fmt == "json":
        out.write(json.dumps(network.to_dict(), ensure_ascii=False, indent=2) + "\n")
        return
    names = {node.id: node.name for node in network.nodes}
    edges = [
        [
            str(edge.source),
            names.get(edge.source, ""),
            str(edge.target),
            names.get(edge.target, ""),
            str(edge.weight),
            "; ".join(str(contact) for contact in edge.contacts),
        ]
        for edge in network.edges
    ]
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["source", "source_name", "target", "target_name", "weight", "contacts"])
        writer.writerows([spreadsheet_safe(cell) for cell in edge] for edge in edges)
        return
    out.write(f"{len(network.nodes)} officials\n")
    print_table(NetworkNode, network.nodes, out)
    out.write(f"\n{len(network.edges)} links (contacts shared)\n")
    print_rows(
        ["source", "target", "weight", "contacts"],
        ([row[1], row[3], row[4], row[5]] for row in edges),
        out,
    )


def write_stream(export: Export[Any], out: TextIO) -> None:
    """A download as it arrives: bytes to a real standard output, else decoded text."""
    buffer = getattr(out, "buffer", None)
    if buffer is not None:
        out.flush()
        export.save(buffer)
        buffer.flush()
        return
    decoder = codecs.getincrementaldecoder("utf-8")()
    for chunk in export.chunks():
        out.write(decoder.decode(chunk))
    out.write(decoder.decode(b"", final=True))


# ---------------------------------------------------------------------------------------------
# The command line


def _partial_date(text: str) -> str:
    try:
        return PartialDate.parse(text).text
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _datetime(text: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO 8601 date and time (such as 2024-11-18T09:00:00Z)"
        ) from None


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("give 1 or more")
    return value


def _not_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError("give 0 or more")
    return value


def _filter_option(name: str, annotation: Any) -> tuple[dict[str, Any], str]:
    """argparse options for one filter, from its annotation in the resource's TypedDict."""
    arguments = typing.get_args(annotation) if typing.get_origin(annotation) else ()
    if PartialDate in arguments:
        return {"type": _partial_date, "metavar": "DATE"}, "YYYY, YYYY-MM or YYYY-MM-DD, by overlap"
    sequences = [arg for arg in arguments if typing.get_origin(arg) is abc.Sequence]
    if sequences:  # one value or a sequence of values: repeatable
        (item,) = typing.get_args(sequences[0])
        options: dict[str, Any] = {"action": "append"}
        if typing.get_origin(item) is typing.Literal:
            options["choices"] = typing.get_args(item)
            options["metavar"] = "{" + ",".join(typing.get_args(item)) + "}"
        elif item is int:
            options.update(type=int, metavar="ID")
        else:
            options["metavar"] = name.upper()
        return options, "repeat for any of several"
    if annotation is int:
        return {"type": int}, ""
    return {"metavar": "TEXT"}, ""


def _facet_names(choices: Sequence[str]) -> Any:
    """``--facet country,kind``: names separated by commas, each one the list can count by."""

    def parse(text: str) -> list[str]:
        names = [name.strip() for name in text.split(",") if name.strip()]
        unknown = [name for name in names if name not in choices]
        if unknown or not names:
            raise argparse.ArgumentTypeError(
                f"cannot count by {', '.join(unknown) or 'nothing'} "
                f"(choose from {', '.join(choices)})"
            )
        return names

    return parse


FILTER_HELP: dict[str | tuple[str, str], str] = {
    "q": 'full-text search: words (all must match), "a phrase", prefix*, OR, -word to exclude',
    "ordering": "field names separated by commas, - to descend (e.g. -said)",
    "country": "country (ISO 3166-1 alpha-2, such as KR)",
    "language": "language tag (such as en)",
    "topic": "topic slug (such as north-korea)",
    "official": "slug of an official taking part",
    "participant_country": "country of a participant",
    "slug": "the official's slug",
    "speaker": "slug of the official speaking",
    "contact": "id of the contact it was said at",
    "source": "id of a source cited",
    "at": "officials holding a post then",
    ("statements", "source"): "id of a source cited, or of the document first printing it",
    ("statements", "country"): "the speaker's country (ISO 3166-1 alpha-2)",
    ("contacts", "country"): "where the contact took place (ISO 3166-1 alpha-2)",
    ("timeline", "official"): "slug of an official: contacts they took part in, what they said",
    ("timeline", "country"): "where a contact took place, or a participant's or speaker's country",
    ("timeline", "type"): "contacts or statements only",
    ("network", "country"): "the officials' country: only links between officials of these",
    ("network", "kind"): "kind of the contacts counted",
    ("network", "status"): "status of the contacts counted",
}
# Filters that are not options of their own: the page is --limit/--offset, facets --facet.
NOT_OPTIONS = frozenset({"limit", "offset", "facet"})


def _add_filters(parser: argparse.ArgumentParser, command: str, filters: Any) -> None:
    """An option for each filter of a TypedDict (``--said-after``; repeatable when the API takes
    several values)."""
    group = parser.add_argument_group("filters")
    for key, annotation in typing.get_type_hints(filters).items():
        if key in NOT_OPTIONS:
            continue
        options, note = _filter_option(key, annotation)
        flags = [f"--{key.replace('_', '-')}"]
        if "_" in key:
            flags.append(f"--{key}")
        if key == "q":
            flags.append("--search")
        described = FILTER_HELP.get((command, key)) or FILTER_HELP.get(key, "")
        text = "; ".join(part for part in (described, note) if part)
        group.add_argument(*flags, dest=key, help=text or None, **options)
    hints = typing.get_type_hints(filters)
    if "limit" in hints:
        group.add_argument(
            "--limit", type=_positive, help="show at most this many records (default: all)"
        )
        group.add_argument(
            "--offset", type=_not_negative, help="skip this many records first", default=None
        )
    if "facet" in hints:
        choices = _facet_choices(filters)
        group.add_argument(
            "--facet",
            action="extend",
            type=_facet_names(choices),
            metavar="NAME[,NAME…]",
            help="instead of the records, how many have each value of these fields: "
            + ", ".join(choices),
        )


def _facet_choices(filters: Any) -> tuple[str, ...]:
    annotation = typing.get_type_hints(filters)["facet"]
    literal = next(arg for arg in typing.get_args(annotation) if typing.get_origin(arg) is Literal)
    return tuple(typing.get_args(literal))


def _common_options(parser: argparse.ArgumentParser, formats: Sequence[str] = FORMATS) -> None:
    # SUPPRESS: an option given before the subcommand is not overwritten by the default after it.
    group = parser.add_argument_group("connection and output")
    group.add_argument(
        "--base-url",
        default=argparse.SUPPRESS,
        metavar="URL",
        help=f"the server (default: $DETENTE_URL or {DEFAULT_BASE_URL})",
    )
    group.add_argument(
        "--token", default=argparse.SUPPRESS, help="API token (default: $DETENTE_TOKEN)"
    )
    group.add_argument(
        "--format",
        choices=formats,
        default=argparse.SUPPRESS,
        help=_choices_help(formats),
    )
    group.add_argument(
        "--timeout",
        type=float,
        default=argparse.SUPPRESS,
        metavar="SECONDS",
        help="seconds to wait for each answer (default 10)",
    )
    group.add_argument(
        "--retries",
        type=int,
        default=argparse.SUPPRESS,
        metavar="N",
        help="retries of a failed read (default 3)",
    )


def _choices_help(formats: Sequence[str]) -> str:
    first, *rest = formats
    if not rest:
        return first
    listed = "".join(f", {name}" for name in rest[:-1])
    return f"{first} (default){listed} or {rest[-1]}"


def _output_file(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help=f"write {what} to FILE (written whole or not at all) instead of standard output",
    )


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> typing.NoReturn:
        raise UsageError(f"{self.format_usage()}{self.prog}: error: {message}")


# The review states a read may ask for, as the API names them.
REVIEW_CHOICES: tuple[str, ...] = typing.get_args(ReviewFilter)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="detente",
        description="Read the Détente API: officials, sources, contacts and statements; the "
        "timeline, the network of officials and the whole dataset.",
        epilog="Example: detente statements list --speaker xi-jinping --said-after 2024",
    )
    parser.add_argument("--version", action="version", version=f"detente {__version__}")
    _common_options(parser, (*FORMATS, "ndjson"))
    commands = parser.add_subparsers(dest="resource", metavar="COMMAND", required=True)
    for name, command in RESOURCES.items():
        resource = commands.add_parser(name, help=f"{name}: list, export, get, history")
        actions = resource.add_subparsers(dest="action", metavar="ACTION", required=True)

        listing = actions.add_parser(
            "list",
            help=f"list {name}, filtered",
            description=f"List {name}. Filters combine with AND; a repeated filter is an OR.",
        )
        _add_filters(listing, name, command.filters)
        _common_options(listing)

        export = actions.add_parser(
            "export",
            help=f"every matching {name} as the server's CSV or NDJSON, streamed",
            description=f"Download every matching {name[:-1]} in one file, as the server writes "
            "it: CSV (flat columns) or NDJSON (one JSON record a line).",
        )
        _add_filters(export, name, command.export_filters)
        export.add_argument(
            "--bom",
            action="store_true",
            help="with --format csv: start the file with a UTF-8 byte order mark, for Excel",
        )
        _output_file(export, "the export")
        _common_options(export, EXPORT_FORMATS)

        get = actions.add_parser("get", help=f"one of the {name} by id")
        get.add_argument("id", type=int)
        get.add_argument(
            "--as-of", type=_datetime, metavar="DATETIME", help="the record as it stood then"
        )
        _common_options(get)

        history = actions.add_parser("history", help="every revision of a record, oldest first")
        history.add_argument("id", type=int)
        _common_options(history)
        if "review" in typing.get_type_hints(command.filters):
            for single in (get, history):
                single.add_argument(
                    "--review",
                    action="append",
                    choices=REVIEW_CHOICES,
                    help="also read records under review (a curator's token); repeat for several",
                )
        resource.set_defaults(model=command.model)

    timeline = commands.add_parser(
        "timeline",
        help="contacts and statements in date order",
        description="Reviewed contacts and statements in one list, in date order (undated last).",
    )
    _add_filters(timeline, "timeline", TimelineFilters)
    _common_options(timeline)

    network = commands.add_parser(
        "network",
        help="officials linked by the contacts they shared",
        description="Officials who took part in the same contacts, linked, weighted by how many. "
        "A table of officials and one of links; csv is the list of links; json as the API has it.",
    )
    _add_filters(network, "network", NetworkFilters)
    network.add_argument(
        "--graphml", action="store_true", help="the network as GraphML (for Gephi, networkx, yEd)"
    )
    _output_file(network, "the network")
    _common_options(network)

    dataset = commands.add_parser(
        "export-dataset",
        help="the whole public dataset as NDJSON",
        description="Download every public record (what manage.py import loads), streamed.",
    )
    _output_file(dataset, "the dataset")
    _common_options(dataset, ("ndjson",))

    mirror = commands.add_parser(
        "sync",
        help="keep a local copy of the dataset in step with the server",
        description="Follow the change feed into a SQLite file (created when missing), from "
        "where the last sync stopped; with --export, then write the copy as the server's export.",
    )
    mirror.add_argument("path", metavar="PATH", help="the SQLite file of the copy")
    mirror.add_argument(
        "--max-pages", type=_positive, help="stop after this many pages (resume with another sync)"
    )
    mirror.add_argument("--export", metavar="FILE", help="then write the copy as NDJSON to FILE")
    _common_options(mirror, ("text",))
    return parser


def _client(args: argparse.Namespace, environ: typing.Mapping[str, str]) -> Client:
    base_url = getattr(args, "base_url", None) or environ.get("DETENTE_URL") or DEFAULT_BASE_URL
    token = getattr(args, "token", None) or environ.get("DETENTE_TOKEN") or None
    options: dict[str, Any] = {}
    if hasattr(args, "timeout"):
        options["timeout"] = args.timeout
    if hasattr(args, "retries"):
        options["retries"] = args.retries
    return Client(base_url, token, user_agent=f"detente-cli/{__version__}", **options)


def _filters(args: argparse.Namespace, filters: Any) -> dict[str, Any]:
    """The filters given on the command line, by their names in the API."""
    return {
        key: getattr(args, key)
        for key in typing.get_type_hints(filters)
        if key not in NOT_OPTIONS and getattr(args, key, None) is not None
    }


def _paged(args: argparse.Namespace, filters: dict[str, Any]) -> dict[str, Any]:
    if args.limit is not None:
        filters["limit"] = min(args.limit, MAX_PAGE_SIZE)
    if args.offset is not None:
        filters["offset"] = args.offset
    return filters


def _listing(resource: Resource[Any], args: argparse.Namespace) -> Iterator[Record]:
    filters = _paged(args, _filters(args, RESOURCES[args.resource].filters))
    records: Iterator[Record] = resource._list(filters)
    return itertools.islice(records, args.limit) if args.limit is not None else records


def _save_or_write(export: Export[Any], args: argparse.Namespace, out: TextIO) -> None:
    if args.output:
        export.save(args.output)
    else:
        write_stream(export, out)


def _formats(args: argparse.Namespace) -> Sequence[str]:
    """The formats a command writes, its default first."""
    if args.resource == "network":
        return ("json",) if args.graphml else FORMATS
    if args.resource == "export-dataset":
        return ("ndjson",)
    if args.resource == "sync":
        return ("text",)
    if getattr(args, "action", None) == "export":
        return EXPORT_FORMATS
    return FORMATS


def _check_format(args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    """``--format`` given before the command is checked against what the command writes."""
    choices = _formats(args)
    fmt = getattr(args, "format", None)
    if getattr(args, "bom", False) and (fmt or choices[0]) != "csv":
        command = f"detente {args.resource} export"
        raise UsageError(f"{parser.format_usage()}{command}: error: --bom needs --format csv")
    if fmt is not None and fmt not in choices:
        command = " ".join(filter(None, (args.resource, getattr(args, "action", None))))
        what = "with --graphml" if getattr(args, "graphml", False) else "here"
        raise UsageError(
            f"{parser.format_usage()}detente {command}: error: --format {fmt}: "
            f"{what}, choose from {', '.join(choices)}"
        )


def run(args: argparse.Namespace, environ: typing.Mapping[str, str], out: TextIO) -> None:
    fmt = getattr(args, "format", None) or _formats(args)[0]
    with _client(args, environ) as api:
        if args.resource == "timeline":
            filters = _paged(args, _filters(args, TimelineFilters))
            entries: Iterator[TimelineEntry] = api.timeline.list(**filters)
            if args.limit is not None:
                entries = itertools.islice(entries, args.limit)
            output(TimelineEntry, entries, fmt, out)
            return
        if args.resource == "network":
            filters = _filters(args, NetworkFilters)
            if args.graphml:
                text = api.network.graphml(**filters)
                if args.output:
                    _write_text_file(args.output, text)
                else:
                    out.write(text if text.endswith("\n") else text + "\n")
                return
            network = api.network.get(**filters)
            if args.output:
                buffer = io.StringIO()
                output_network(network, fmt, buffer)
                _write_text_file(args.output, buffer.getvalue())
            else:
                output_network(network, fmt, out)
            return
        if args.resource == "export-dataset":
            _save_or_write(api.dataset(), args, out)
            return
        if args.resource == "sync":
            with Store(args.path) as store:
                result = api.sync(store, max_pages=args.max_pages)
                if args.export:
                    with open(args.export, "wb") as file:
                        file.writelines(store.export_lines())
            state = "up to date" if result.complete else "stopped early; run again to go on"
            out.write(
                f"{args.path}: {result.changes} changes applied, at seq {result.seq}, {state}\n"
            )
            return
        resource: Resource[Any] = getattr(api, args.resource)
        command = RESOURCES[args.resource]
        if args.action == "list" and args.facet:
            filters = _filters(args, command.filters)
            page = resource._page({**filters, "facet": args.facet, "limit": 1})
            output_facets(page.count, page.facets, fmt, out)
        elif args.action == "list":
            searched = getattr(args, "q", None) is not None
            output(args.model, _listing(resource, args), fmt, out, snippet=searched)
        elif args.action == "export":
            export_format = typing.cast(ExportFormat, fmt)
            filters = _filters(args, command.export_filters)
            export = resource._export(export_format, filters, bom=args.bom)
            _save_or_write(export, args, out)
        elif args.action == "get":
            review = getattr(args, "review", None)
            if args.as_of is not None:
                record = resource.as_of(args.id, args.as_of, review=review)
            else:
                record = resource.get(args.id, review=review)
            output(args.model, [record], fmt, out, single=True)
        else:
            output(
                Revision,
                resource.revisions(args.id, review=getattr(args, "review", None)),
                fmt,
                out,
            )


def _write_text_file(path: str, text: str) -> None:
    """Write ``text`` to ``path`` whole or not at all (a temporary file, then renamed)."""
    partial = f"{path}.part"
    with open(partial, "w", encoding="utf-8", newline="") as file:
        file.write(text)
    os.replace(partial, path)


def _report(error: DetenteError, err: TextIO) -> None:
    err.write(f"detente: error: {error}\n")
    if isinstance(error, ValidationError):
        for name, messages in error.errors.items():
            for message in messages:
                err.write(f"  {name}: {message}\n")


def _join_ordering(argv: list[str]) -> list[str]:
    """``--ordering -said`` as ``--ordering=-said``: argparse takes ``-said`` for an option."""
    joined: list[str] = []
    words = iter(argv)
    for word in words:
        if word == "--ordering":
            value = next(words, None)
            joined.append(word if value is None else f"{word}={value}")
        else:
            joined.append(word)
    return joined


def main(
    argv: Sequence[str] | None = None,
    *,
    environ: typing.Mapping[str, str] | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run the command line; return the exit status (0 ok, 1 API or connection error, 2 usage)."""
    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr
    parser = build_parser()
    try:
        args = parser.parse_args(_join_ordering(sys.argv[1:] if argv is None else list(argv)))
        _check_format(args, parser)
    except UsageError as error:
        err.write(f"{error}\n")
        return 2
    except SystemExit as exit_:  # --help, --version
        return exit_.code if isinstance(exit_.code, int) else 0
    try:
        run(args, os.environ if environ is None else environ, out)
    except DetenteError as error:
        out.flush()
        _report(error, err)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`detente … | head`): stop quietly, as other tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
