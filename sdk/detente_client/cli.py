"""``detente``: the API from a shell.

::

    detente officials list --country KR
    detente statements list --speaker xi-jinping --format csv > xi.csv
    detente statements get 4
    detente contacts list --date-after 2024-07 --limit 5
    detente statements history 7 --format json

Every filter of a list is an option (``--said-after``, ``--participant-country``…); one that the
API lets you repeat may be given several times, for any of the values. ``--format`` is ``table``
(aligned columns, the default), ``json`` (one JSON array, or one object for ``get``) or ``csv``
(a header row, nested values flattened). The server is ``--base-url`` or ``$DETENTE_URL``
(default http://127.0.0.1:8000), the token ``--token`` or ``$DETENTE_TOKEN``. Exit status: 0 on
success, 1 when the API or the connection fails, 2 for a command line that does not parse.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import datetime as dt
import itertools
import json
import os
import shutil
import sys
import types
import typing
from collections import abc
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TextIO

from ._version import __version__
from .client import Client
from .dates import PartialDate
from .errors import DetenteError, ValidationError
from .models import (
    Change,
    Citation,
    Contact,
    Model,
    Official,
    Participant,
    Position,
    Record,
    Revision,
    Source,
    Statement,
)
from .params import (
    ContactFilters,
    OfficialFilters,
    ReviewFilter,
    SourceFilters,
    StatementFilters,
)
from .resources.base import Resource
from .transport import DEFAULT_BASE_URL

__all__ = ["main"]

FORMATS = ("table", "json", "csv")
MAX_PAGE_SIZE = 200
CELL_WIDTH = 60

RESOURCES: dict[str, tuple[type[Record], Any]] = {
    "officials": (Official, OfficialFilters),
    "sources": (Source, SourceFilters),
    "contacts": (Contact, ContactFilters),
    "statements": (Statement, StatementFilters),
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
        text += f" [{value.country}]" if value.country else ""
        return text + (f" ({value.role})" if value.role else "")
    if isinstance(value, Position):
        text = ", ".join(part for part in (value.title, value.organization) if part)
        if value.start or value.end:
            text += f" ({summary(value.start)} to {summary(value.end)})"
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


def flat_columns(model: type[Model]) -> list[str]:
    """CSV columns: a nested record becomes ``field.subfield`` columns, a list one column."""
    hints = typing.get_type_hints(model)
    columns: list[str] = []
    for field in dataclasses.fields(typing.cast(Any, model)):
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


def print_table(model: type[Model], records: Iterable[Model], out: TextIO) -> int:
    columns = [heading for heading, _ in TABLE_COLUMNS[model]]
    attributes = [attribute for _, attribute in TABLE_COLUMNS[model]]
    width = max(20, min(CELL_WIDTH, shutil.get_terminal_size((120, 24)).columns // 2))
    rows = [
        [_cell(summary(getattr(record, name)), width) for name in attributes] for record in records
    ]
    widths = [max([len(name), *(len(row[i]) for row in rows)]) for i, name in enumerate(columns)]
    lines = [columns, ["-" * w for w in widths], *rows]
    for line in lines:
        out.write("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())
        out.write("\n")
    return len(rows)


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


def print_csv(model: type[Model], records: Iterable[Model], out: TextIO) -> None:
    writer = csv.DictWriter(out, fieldnames=flat_columns(model), lineterminator="\n")
    writer.writeheader()
    for record in records:
        writer.writerow(flat_row(record))


def output(
    model: type[Model], records: Iterable[Model], fmt: str, out: TextIO, *, single: bool = False
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
        print_csv(model, records, out)
    else:
        print_table(model, records, out)


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


FILTER_HELP: dict[str | tuple[str, str], str] = {
    "q": "words that must all appear (full-text search)",
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
    ("statements", "source"): "id of a source cited, or of the document first printing it",
    ("statements", "country"): "the speaker's country (ISO 3166-1 alpha-2)",
    ("contacts", "country"): "where the contact took place (ISO 3166-1 alpha-2)",
}


def _common_options(parser: argparse.ArgumentParser) -> None:
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
        choices=FORMATS,
        default=argparse.SUPPRESS,
        help="table (default), json or csv",
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


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> typing.NoReturn:
        raise UsageError(f"{self.format_usage()}{self.prog}: error: {message}")


# The review states a read may ask for, as the API names them.
REVIEW_CHOICES: tuple[str, ...] = typing.get_args(ReviewFilter)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="detente",
        description="Read the Détente API: officials, sources, contacts and statements.",
        epilog="Example: detente statements list --speaker xi-jinping --said-after 2024",
    )
    parser.add_argument("--version", action="version", version=f"detente {__version__}")
    _common_options(parser)
    resources = parser.add_subparsers(dest="resource", metavar="RESOURCE", required=True)
    for name, (model, filters) in RESOURCES.items():
        resource = resources.add_parser(name, help=f"{name}: list, get, history")
        actions = resource.add_subparsers(dest="action", metavar="ACTION", required=True)

        listing = actions.add_parser(
            "list",
            help=f"list {name}, filtered",
            description=f"List {name}. Filters combine with AND; a repeated filter is an OR.",
        )
        group = listing.add_argument_group("filters")
        for key, annotation in typing.get_type_hints(filters).items():
            if key in {"limit", "offset"}:
                continue
            options, note = _filter_option(key, annotation)
            flags = [f"--{key.replace('_', '-')}"]
            if "_" in key:
                flags.append(f"--{key}")
            if key == "q":
                flags.append("--search")
            described = FILTER_HELP.get((name, key)) or FILTER_HELP.get(key, "")
            text = "; ".join(part for part in (described, note) if part)
            group.add_argument(*flags, dest=key, help=text or None, **options)
        group.add_argument(
            "--limit", type=_positive, help="show at most this many records (default: all)"
        )
        group.add_argument(
            "--offset", type=_not_negative, help="skip this many records first", default=None
        )
        _common_options(listing)

        get = actions.add_parser("get", help=f"one of the {name} by id")
        get.add_argument("id", type=int)
        get.add_argument(
            "--as-of", type=_datetime, metavar="DATETIME", help="the record as it stood then"
        )
        _common_options(get)

        history = actions.add_parser("history", help="every revision of a record, oldest first")
        history.add_argument("id", type=int)
        _common_options(history)
        if "review" in typing.get_type_hints(filters):
            for single in (get, history):
                single.add_argument(
                    "--review",
                    action="append",
                    choices=REVIEW_CHOICES,
                    help="also read records under review (a curator's token); repeat for several",
                )
        resource.set_defaults(model=model)
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


def _listing(resource: Resource[Any], args: argparse.Namespace) -> Iterator[Record]:
    filters: dict[str, Any] = {}
    for key in typing.get_type_hints(RESOURCES[args.resource][1]):
        value = getattr(args, key, None)
        if value is not None and key not in {"limit", "offset"}:
            filters[key] = value
    if args.limit is not None:
        filters["limit"] = min(args.limit, MAX_PAGE_SIZE)
    if args.offset is not None:
        filters["offset"] = args.offset
    records: Iterator[Record] = resource._list(filters)
    return itertools.islice(records, args.limit) if args.limit is not None else records


def run(args: argparse.Namespace, environ: typing.Mapping[str, str], out: TextIO) -> None:
    fmt = getattr(args, "format", None) or "table"
    with _client(args, environ) as api:
        resource: Resource[Any] = getattr(api, args.resource)
        if args.action == "list":
            output(args.model, _listing(resource, args), fmt, out)
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
