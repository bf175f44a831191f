"""The SDK's types against the committed OpenAPI document (fixtures/openapi-v1.json).

Every schema of a resource or nested shape has an SDK dataclass with exactly its properties, each
annotated with a compatible type; every list's query parameters are the keys of the resource's
filter TypedDict; every request body is the keys of its create/changes TypedDict, with the same
required keys. When the API changes and `make schema` regenerates the document, these tests say
what the SDK must follow.

``DETENTE_CONTRACT_SCHEMA`` names another document to check against (the server's current one,
from ``manage.py spectacular --format openapi-json --file …``), before the committed one is
refreshed.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import datetime as dt
import inspect
import json
import os
import re
import types
import typing
from pathlib import Path
from typing import Any, Literal, NotRequired, TypedDict

import pytest
from detente_client import (
    Citation,
    CitationInput,
    Client,
    Contact,
    ContactBrief,
    ContactChanges,
    ContactCreate,
    ContactExportFilters,
    ContactFilters,
    ExportFormat,
    Facet,
    Network,
    NetworkEdge,
    NetworkFilters,
    NetworkNode,
    Official,
    OfficialBrief,
    OfficialChanges,
    OfficialCreate,
    OfficialExportFilters,
    OfficialFilters,
    Page,
    PartialDate,
    Participant,
    ParticipantInput,
    Position,
    PositionInput,
    PostHeld,
    Revision,
    Source,
    SourceBrief,
    SourceChanges,
    SourceCreate,
    SourceExportFilters,
    SourceFilters,
    Statement,
    StatementChanges,
    StatementCreate,
    StatementExportFilters,
    StatementFilters,
    TimelineEntry,
    TimelineFilters,
)
from detente_client.feed import (
    DeltaCounts,
    FeedEntry,
    FeedPage,
    FileFacts,
    Release,
    ReleaseList,
)
from detente_client.models import Model
from detente_client.params import FeedFilters
from detente_client.resources import Contacts, Officials, Sources, Statements
from django.conf import settings

SCHEMA_PATH = Path(
    os.environ.get("DETENTE_CONTRACT_SCHEMA")
    or Path(settings.BASE_DIR) / "fixtures" / "openapi-v1.json"
)
SCHEMA = json.loads(SCHEMA_PATH.read_text())
COMPONENTS: dict[str, Any] = SCHEMA["components"]["schemas"]
PARTIAL_DATES = ("2025", "2024-07", "2024-07-26")
NOT_PARTIAL_DATES = ("2024-07-26T10:00:00Z", "July 2024", "24")

RESPONSE_MODELS: dict[str, type] = {
    "Official": Official,
    "OfficialBrief": OfficialBrief,
    "Source": Source,
    "SourceBrief": SourceBrief,
    "Contact": Contact,
    "ContactBrief": ContactBrief,
    "Statement": Statement,
    "Citation": Citation,
    "Position": Position,
    "Participant": Participant,
    "PostHeld": PostHeld,
    "Revision": Revision,
    "TimelineEntry": TimelineEntry,
    "Network": Network,
    "NetworkNode": NetworkNode,
    "NetworkEdge": NetworkEdge,
    "FeedEntry": FeedEntry,
    "FeedPage": FeedPage,
    "Release": Release,
    "ReleaseList": ReleaseList,
    "FileFacts": FileFacts,
    "DeltaCounts": DeltaCounts,
}
# Fields a list adds to its records beyond their schema: the matched passage of a search, which
# the schema describes in the `q` parameter (see test_the_snippet_is_documented_with_q).
LIST_ONLY_FIELDS = {"snippet"}
# Fields the client keeps beside a record's JSON: the ETag it was read with.
CLIENT_ONLY_FIELDS = {"etag"}
REQUEST_BODIES: dict[str, type] = {
    "OfficialRequest": OfficialCreate,
    "PatchedOfficialRequest": OfficialChanges,
    "SourceRequest": SourceCreate,
    "PatchedSourceRequest": SourceChanges,
    "ContactRequest": ContactCreate,
    "PatchedContactRequest": ContactChanges,
    "StatementRequest": StatementCreate,
    "PatchedStatementRequest": StatementChanges,
    "CitationRequest": CitationInput,
    "PositionRequest": PositionInput,
    "ParticipantRequest": ParticipantInput,
}
FILTERS: dict[str, type] = {
    "/api/v1/officials/": OfficialFilters,
    "/api/v1/sources/": SourceFilters,
    "/api/v1/contacts/": ContactFilters,
    "/api/v1/statements/": StatementFilters,
    "/api/v1/timeline/": TimelineFilters,
    "/api/v1/network/": NetworkFilters,
    "/api/v1/changes/": FeedFilters,
}
EXPORT_FILTERS: dict[str, type] = {
    "/api/v1/officials/": OfficialExportFilters,
    "/api/v1/sources/": SourceExportFilters,
    "/api/v1/contacts/": ContactExportFilters,
    "/api/v1/statements/": StatementExportFilters,
}
# Lists that take no query parameters, and the client method that reads each.
UNFILTERED: dict[str, Any] = {
    "/api/v1/export/": Client.export_dataset,
    "/api/v1/releases/": Client.releases,
}
# `format` chooses a representation, which the SDK reads through a method of its own (export,
# graphml), not a filter, and `bom` is an option of the CSV export (`export("csv", bom=True)`);
# `facet` of a resource list is checked against its pattern.
REPRESENTATION = "format"
BYTE_ORDER_MARK = "bom"
EXPORTS: dict[str, type] = {
    "/api/v1/officials/": Officials,
    "/api/v1/sources/": Sources,
    "/api/v1/contacts/": Contacts,
    "/api/v1/statements/": Statements,
}


# ---------------------------------------------------------------------------------------------
# Reading annotations


def union_members(annotation: Any) -> list[Any]:
    if typing.get_origin(annotation) in (types.UnionType, typing.Union):
        return list(typing.get_args(annotation))
    return [annotation]


def without_none(annotation: Any) -> tuple[list[Any], bool]:
    members = union_members(annotation)
    rest = [member for member in members if member is not type(None)]
    return rest, len(rest) != len(members)


def component(ref: str) -> tuple[str, dict[str, Any]]:
    name = ref.rsplit("/", 1)[-1]
    return name, COMPONENTS[name]


def unwrap(schema: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The schema a property stands for (through a one-item allOf), and whether it is nullable."""
    nullable = bool(schema.get("nullable"))
    if "allOf" in schema and len(schema["allOf"]) == 1:
        inner = {**schema["allOf"][0], **{k: v for k, v in schema.items() if k != "allOf"}}
        return inner, nullable
    return schema, nullable


def is_partial_date(schema: dict[str, Any]) -> bool:
    """A string whose pattern takes "2025", "2024-07" and "2024-07-26", and no timestamp."""
    pattern = schema.get("pattern")
    if schema.get("type") != "string" or not pattern:
        return False
    return all(re.search(pattern, text) for text in PARTIAL_DATES) and not any(
        re.search(pattern, text) for text in NOT_PARTIAL_DATES
    )


def is_literal_of(annotation: Any, values: list[str]) -> bool:
    return typing.get_origin(annotation) is Literal and set(typing.get_args(annotation)) == set(
        values
    )


# ---------------------------------------------------------------------------------------------
# Responses: dataclass annotations


def response_problems(schema: dict[str, Any], annotation: Any, where: str) -> list[str]:
    schema, nullable = unwrap(schema)
    members, optional = without_none(annotation)
    if nullable != optional:
        wanted = "nullable" if nullable else "not nullable"
        return [f"{where}: the schema says {wanted}, the SDK says {annotation!r}"]
    if len(members) != 1:
        return [f"{where}: {annotation!r} is a union the schema does not describe"]
    (annotation,) = members
    if "$ref" in schema:
        name, target = component(schema["$ref"])
        if "enum" in target:
            ok = annotation is str or is_literal_of(annotation, target["enum"])
            return [] if ok else [f"{where}: {name} is a string enum, the SDK has {annotation!r}"]
        expected = RESPONSE_MODELS.get(name)
        if annotation is not expected:
            return [f"{where}: expected {name}, the SDK has {annotation!r}"]
        return []
    if "oneOf" in schema:
        return [
            problem
            for option in schema["oneOf"]
            for problem in response_problems(option, annotation, where)
        ]
    kind = schema.get("type")
    if kind == "string":
        if schema.get("format") == "date-time":
            expected_type: Any = dt.datetime
        elif is_partial_date(schema):
            expected_type = PartialDate
        elif "enum" in schema:
            ok = annotation is str or is_literal_of(annotation, schema["enum"])
            return [] if ok else [f"{where}: a string enum, the SDK has {annotation!r}"]
        else:
            expected_type = str
    elif kind == "integer":
        expected_type = int
    elif kind == "boolean":
        expected_type = bool
    elif kind == "number":
        expected_type = float
    elif kind == "array":
        origin = typing.get_origin(annotation)
        arguments = typing.get_args(annotation)
        if origin is tuple and len(arguments) == 2 and arguments[1] is Ellipsis:
            return response_problems(schema["items"], arguments[0], f"{where}[]")
        if origin is list:
            return response_problems(schema["items"], arguments[0], f"{where}[]")
        return [f"{where}: an array, the SDK has {annotation!r}"]
    elif kind == "object":
        if dataclasses.is_dataclass(annotation) and "properties" in schema:
            return shape_problems(schema, typing.cast(type, annotation), where)
        if (
            typing.get_origin(annotation) in (dict, collections.abc.Mapping)
            and isinstance(schema.get("additionalProperties"), dict)
            and schema["additionalProperties"]
        ):
            key, value = typing.get_args(annotation)
            if key is not str:
                return [f"{where}: keys are strings, the SDK has {key!r}"]
            return response_problems(schema["additionalProperties"], value, f"{where}{{}}")
        ok = (
            annotation is Any
            or typing.get_origin(annotation) in (dict, collections.abc.Mapping)
            or (isinstance(annotation, type) and issubclass(annotation, Model))
        )
        return [] if ok else [f"{where}: an object, the SDK has {annotation!r}"]
    else:
        return [f"{where}: no SDK type for schema {schema!r}"]
    if annotation is not expected_type:
        return [f"{where}: expected {expected_type!r}, the SDK has {annotation!r}"]
    return []


def dataclass_problems(name: str, cls: type) -> list[str]:
    return shape_problems(COMPONENTS[name], cls, name)


def shape_problems(schema: dict[str, Any], cls: type, name: str) -> list[str]:
    """An object schema's properties against a dataclass's fields: the same names, compatible
    types, a default for every property the schema does not require."""
    properties: dict[str, Any] = schema["properties"]
    required = set(schema.get("required", []))
    fields = {field.name: field for field in dataclasses.fields(cls)}
    hints = typing.get_type_hints(cls)
    problems = [f"{name}.{key}: missing from {cls.__name__}" for key in properties.keys() - fields]
    extra = fields.keys() - properties.keys()
    if issubclass(cls, Model):
        extra -= LIST_ONLY_FIELDS | CLIENT_ONLY_FIELDS
    problems += [f"{cls.__name__}.{key}: not in the schema of {name}" for key in extra]
    for key in sorted(properties.keys() & fields.keys()):
        problems += response_problems(properties[key], hints[key], f"{cls.__name__}.{key}")
        field = fields[key]
        has_default = (
            field.default is not dataclasses.MISSING
            or field.default_factory is not dataclasses.MISSING
        )
        if key not in required and not has_default:
            problems.append(
                f"{cls.__name__}.{key}: the schema does not require it, so it needs a default"
            )
    return problems


@pytest.mark.parametrize("name", sorted(RESPONSE_MODELS))
def test_every_response_shape_matches_its_dataclass(name):
    assert dataclass_problems(name, RESPONSE_MODELS[name]) == []


def test_the_snippet_is_documented_with_q():
    """A record's `snippet` is not in its schema: the list adds it to the records of a search.
    Each resource list says so where it describes `q`; the SDK's field is optional."""
    for path in EXPORT_FILTERS:
        (q,) = [p for p in SCHEMA["paths"][path]["get"]["parameters"] if p["name"] == "q"]
        assert "snippet" in q["description"], path
    for model in (Official, Source, Contact, Statement):
        (field,) = [f for f in dataclasses.fields(model) if f.name == "snippet"]
        assert field.default is None
        assert typing.get_type_hints(model)["snippet"] == str | None


def test_every_shape_of_the_schema_has_an_sdk_type():
    covered = set(RESPONSE_MODELS) | set(REQUEST_BODIES) | {"Problem"}
    for name, schema in COMPONENTS.items():
        if "enum" in schema or name.startswith("Paginated"):
            continue
        assert name in covered, f"{name} has no SDK type: add a dataclass or TypedDict for it"


@pytest.mark.parametrize("name", sorted(n for n in COMPONENTS if n.startswith("Paginated")))
def test_pages_match_the_paginated_lists(name):
    schema = COMPONENTS[name]
    assert {field.name for field in dataclasses.fields(Page)} == set(schema["properties"])
    item = schema["properties"]["results"]["items"]["$ref"].rsplit("/", 1)[-1]
    assert item in RESPONSE_MODELS
    hints = typing.get_type_hints(Page)
    assert response_problems(schema["properties"]["count"], hints["count"], "count") == []
    assert response_problems(schema["properties"]["next"], hints["next"], "next") == []
    assert response_problems(schema["properties"]["previous"], hints["previous"], "previous") == []
    assert response_problems(schema["properties"]["facets"], hints["facets"], "facets") == []


def test_facets_are_checked_to_the_counts():
    """The check of `facets` reaches each value's count (not only "an object")."""
    schema = COMPONENTS["PaginatedStatementList"]["properties"]["facets"]
    assert response_problems(schema, Facet, "facets")  # an object of facets is not one facet
    drifted = json.loads(json.dumps(schema))
    drifted["additionalProperties"]["properties"]["values"]["items"]["properties"]["count"] = {
        "type": "string"
    }
    problems = response_problems(drifted, typing.get_type_hints(Page)["facets"], "facets")
    assert problems == ["FacetValue.count: expected <class 'str'>, the SDK has <class 'int'>"]


# ---------------------------------------------------------------------------------------------
# Requests: TypedDict annotations


def accepts_scalar(schema: dict[str, Any], members: list[Any], where: str) -> list[str]:
    """A value of this schema must be accepted by one of ``members``."""
    if "$ref" in schema:
        name, target = component(schema["$ref"])
        if "enum" in target:
            ok = any(is_literal_of(m, target["enum"]) or m is str for m in members)
            return [] if ok else [f"{where}: expected Literal{target['enum']}, got {members!r}"]
        expected = REQUEST_BODIES.get(name)
        return [] if expected in members else [f"{where}: expected {name}, got {members!r}"]
    if "oneOf" in schema:
        return [
            problem
            for option in schema["oneOf"]
            for problem in accepts_scalar(option, members, where)
        ]
    kind = schema.get("type")
    if kind == "string" and "enum" in schema:
        ok = any(is_literal_of(m, schema["enum"]) or m is str for m in members)
        return [] if ok else [f"{where}: expected Literal{schema['enum']}, got {members!r}"]
    if kind == "string" and schema.get("format") == "date-time":
        return [] if dt.datetime in members else [f"{where}: expected datetime, got {members!r}"]
    if is_partial_date(schema):
        return (
            [] if str in members else [f"{where}: a partial date must accept str, got {members!r}"]
        )
    expected_type = {"string": str, "integer": int, "boolean": bool, "number": float}.get(
        kind or ""
    )
    if expected_type is None:
        return [f"{where}: no SDK type for schema {schema!r}"]
    return (
        []
        if expected_type in members
        else [f"{where}: expected {expected_type!r}, got {members!r}"]
    )


def request_problems(schema: dict[str, Any], annotation: Any, where: str) -> list[str]:
    schema, nullable = unwrap(schema)
    members, optional = without_none(annotation)
    if nullable and not optional:
        return [f"{where}: the schema takes null, the SDK does not ({annotation!r})"]
    if optional and not nullable:
        return [f"{where}: the SDK takes None, the schema does not"]
    if schema.get("type") == "array":
        sequences = [m for m in members if typing.get_origin(m) in (collections.abc.Sequence, list)]
        if not sequences:
            return [f"{where}: an array, the SDK has {annotation!r}"]
        (item,) = typing.get_args(sequences[0])
        return request_problems(schema["items"], item, f"{where}[]")
    return accepts_scalar(schema, members, where)


def typeddict_problems(name: str, typed: type) -> list[str]:
    schema = COMPONENTS[name]
    properties: dict[str, Any] = schema["properties"]
    keys = typing.get_type_hints(typed)
    label = typed.__name__
    problems = [f"{name}.{key}: missing from {label}" for key in properties.keys() - keys.keys()]
    problems += [
        f"{label}.{key}: not in the schema of {name}" for key in keys.keys() - properties.keys()
    ]
    required = set(schema.get("required", []))
    if set(typed.__required_keys__) != required:
        problems.append(
            f"{label}: requires {sorted(typed.__required_keys__)}, the schema {sorted(required)}"
        )
    for key in sorted(properties.keys() & keys.keys()):
        problems += request_problems(properties[key], keys[key], f"{label}.{key}")
    return problems


@pytest.mark.parametrize("name", sorted(REQUEST_BODIES))
def test_every_request_body_matches_its_typeddict(name):
    assert typeddict_problems(name, REQUEST_BODIES[name]) == []


# ---------------------------------------------------------------------------------------------
# Filters: the list endpoints' query parameters


def filter_problems(path: str, typed: type) -> list[str]:
    parameters = {
        parameter["name"]: parameter
        for parameter in SCHEMA["paths"][path]["get"]["parameters"]
        if parameter["in"] == "query"
    }
    parameters.pop(REPRESENTATION, None)
    parameters.pop(BYTE_ORDER_MARK, None)
    keys = typing.get_type_hints(typed)
    label = typed.__name__
    problems = [f"{path}?{key}: missing from {label}" for key in parameters.keys() - keys.keys()]
    problems += [
        f"{label}.{key}: not a parameter of {path}" for key in keys.keys() - parameters.keys()
    ]
    if typed.__required_keys__:
        problems.append(f"{label}: every filter is optional")
    for key in sorted(parameters.keys() & keys.keys()):
        schema = parameters[key]["schema"]
        members, optional = without_none(keys[key])
        where = f"{label}.{key}"
        if optional:
            problems.append(f"{where}: a query parameter cannot be None")
        names = listed_names(schema)
        if names is not None:
            problems += listed_names_problems(names, members, where)
            continue
        if schema.get("type") == "array":
            # Repeatable (OR): one value, or a sequence of values.
            sequences = [m for m in members if typing.get_origin(m) is collections.abc.Sequence]
            if not sequences:
                problems.append(f"{where}: repeatable, so it must take a sequence")
                continue
            (item,) = typing.get_args(sequences[0])
            problems += accepts_scalar(schema["items"], [item], f"{where}[]")
            problems += accepts_scalar(
                schema["items"], [m for m in members if m not in sequences], where
            )
        else:
            problems += accepts_scalar(schema, members, where)
    return problems


LISTED = re.compile(r"\^\((?P<names>[\w|]+)\)\(,\((?P=names)\)\)\*\$")


def listed_names(schema: dict[str, Any]) -> list[str] | None:
    """The names of a parameter written ``a,b`` whose pattern is ``^(a|b)(,(a|b))*$``."""
    found = LISTED.fullmatch(schema.get("pattern", "")) if schema.get("type") == "string" else None
    return found["names"].split("|") if found else None


def listed_names_problems(names: list[str], members: list[Any], where: str) -> list[str]:
    """One name (a Literal of exactly those names) or a sequence of them."""
    sequences = [m for m in members if typing.get_origin(m) is collections.abc.Sequence]
    singles = [m for m in members if m not in sequences]
    problems = []
    for annotation in [*singles, *(typing.get_args(m)[0] for m in sequences)]:
        if not is_literal_of(annotation, names):
            problems.append(f"{where}: expected Literal{names}, got {annotation!r}")
    if not sequences:
        problems.append(f"{where}: several names may be given, so it must take a sequence")
    return problems


@pytest.mark.parametrize("path", sorted(FILTERS))
def test_every_list_parameter_is_a_typed_filter(path):
    assert filter_problems(path, FILTERS[path]) == []


@pytest.mark.parametrize("path", sorted(EXPORT_FILTERS))
def test_exports_take_the_lists_filters_without_paging(path):
    listed = typing.get_type_hints(FILTERS[path])
    exported = typing.get_type_hints(EXPORT_FILTERS[path])
    assert set(listed) - set(exported) == {"limit", "offset", "cursor", "facet"}
    assert all(exported[key] == listed[key] for key in exported)
    assert not EXPORT_FILTERS[path].__required_keys__
    (parameter,) = [
        p for p in SCHEMA["paths"][path]["get"]["parameters"] if p["name"] == REPRESENTATION
    ]
    assert set(typing.get_args(ExportFormat)) <= set(parameter["schema"]["enum"])


@pytest.mark.parametrize("path", sorted(EXPORT_FILTERS))
def test_the_csv_exports_byte_order_mark_is_an_option_of_export(path):
    (parameter,) = [
        p for p in SCHEMA["paths"][path]["get"]["parameters"] if p["name"] == BYTE_ORDER_MARK
    ]
    assert parameter["schema"]["type"] == "boolean"
    resource = EXPORTS[path]
    option = inspect.signature(resource.export).parameters[BYTE_ORDER_MARK]
    assert option.kind is inspect.Parameter.KEYWORD_ONLY
    assert option.default is False
    assert typing.get_type_hints(resource.export)[BYTE_ORDER_MARK] is bool


def test_every_list_endpoint_has_a_filter_type():
    lists = {path for path, item in SCHEMA["paths"].items() if "get" in item and "{" not in path}
    assert lists == set(FILTERS) | set(UNFILTERED)
    for path, method in UNFILTERED.items():
        assert not SCHEMA["paths"][path]["get"].get("parameters"), path
        assert callable(method)


# ---------------------------------------------------------------------------------------------
# The checks themselves catch drift


@dataclasses.dataclass(frozen=True, kw_only=True)
class DriftedBrief(Model):
    id: str  # the schema says integer
    url: str
    name: str | None  # the schema says not nullable
    nickname: str = ""  # not in the schema
    # slug: missing


class DriftedFilters(TypedDict, total=False):
    country: str  # repeatable in the schema
    slug: str | list[str]  # list is not the Sequence the check wants
    q: int  # the schema says string
    ordering: str
    limit: int
    offset: int
    colour: str  # not a parameter
    facet: Literal["country", "shoe_size"]  # not those names, and only one of them


class DriftedCitation(TypedDict):
    source: str  # the schema says integer
    excerpt: str
    locator: str  # required here, optional in the schema
    page: NotRequired[int]  # not in the schema


def test_the_checks_report_drift():
    problems = "\n".join(dataclass_problems("OfficialBrief", DriftedBrief))
    assert "OfficialBrief.slug: missing" in problems
    assert "DriftedBrief.nickname: not in the schema" in problems
    assert "DriftedBrief.id: expected <class 'int'>" in problems
    assert "DriftedBrief.name: the schema says not nullable" in problems

    problems = "\n".join(filter_problems("/api/v1/officials/", DriftedFilters))
    assert "DriftedFilters.country: repeatable" in problems
    assert "DriftedFilters.slug: repeatable" in problems
    assert "DriftedFilters.q: expected <class 'str'>" in problems
    assert "DriftedFilters.colour: not a parameter" in problems
    assert "DriftedFilters.facet: expected Literal['country']" in problems
    assert "DriftedFilters.facet: several names may be given" in problems

    problems = "\n".join(typeddict_problems("CitationRequest", DriftedCitation))
    assert "DriftedCitation.source: expected <class 'int'>" in problems
    assert "DriftedCitation.page: not in the schema" in problems
    assert "DriftedCitation: requires" in problems
