"""Lists built from ``.values()`` rows: a serializer's representation without model instances.

A page of a list is the same JSON a ``ModelSerializer`` gives for its records, but read as plain
rows: one query for the page with its related records' columns (joined on SQLite, a subquery
each on PostgreSQL: ``_looked_up``), then one per nested list (topics, citations, participants,
posts held) for the whole page. Reading attributes field by field
through DRF, and building a model instance per row and a queryset per prefetched row, cost more
than the queries themselves; here a row costs a few dictionary lookups.

The plan of what to read is taken from the serializer (its fields) and the list's queryset (its
prefetches: their filters and order), so that the selectors still own what a list reads and the
serializer what it shows. Tests hold the two representations equal, record for record.

Fields that cannot be read from a row are computed by the serializer for a batch of rows: a
``SerializerMethodField`` named ``position`` is filled by the serializer's
``position_from_rows(rows, parents)``, which gets the item rows (with the columns named in its
``row_columns["position"]``) and their parents' rows (with ``parent_row_columns``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from operator import itemgetter
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, Prefetch, QuerySet
from django.db.models.constants import LOOKUP_SEP
from django.db.models.expressions import RawSQL
from django.db.models.fields.related import ForeignKey, ManyToManyField
from django.db.models.fields.reverse_related import ManyToOneRel
from django.db.models.options import Options
from django.utils import timezone
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings

from server.diplomacy.dates import partial_date_text
from server.diplomacy.visibility import Audience, is_claim

from .compiled import rows_for
from .fields import PartialDateField
from .serializers import BriefRelatedField, DetailURLField

Row = dict[str, Any]
Rows = list[Row]
Getter = Callable[[Row], Any]
# Values a field's ``to_representation`` would give back unchanged (strings, whole numbers).
_AS_IS = (
    serializers.CharField,
    serializers.IntegerField,
    serializers.ChoiceField,
    serializers.BooleanField,
)


@dataclass
class _Column:
    """A field read from one column (a plain value, or a related record's)."""

    name: str
    column: str
    convert: Callable[[Any], Any] | None
    # Written as DRF writes datetimes, in the request's time zone (``_iso_datetimes``).
    iso_datetime: bool = False


@dataclass
class _PartialDate:
    name: str
    earliest: str
    precision: str


@dataclass
class _Url:
    name: str
    column: str
    field: DetailURLField


@dataclass
class _Brief:
    """A related record in its brief shape, from its columns read under ``prefix``; for a claim,
    with its review state, so that a record the audience does not see reads as null."""

    name: str
    id_column: str
    plan: Plan
    state_column: str | None = None


@dataclass
class _Many:
    """A list read in one more query for the page: topic slugs, or nested records."""

    name: str
    relation: str  # the lookup from the item's model back to the parent (e.g. ``statements``)
    lookups_key: str  # where the list's prefetch is found among the parent queryset's
    slug: str | None = None  # a list of values of this column (``SlugRelatedField``)
    plan: Plan | None = None  # a list of records shaped by this plan


@dataclass
class _Method:
    name: str
    compute: Callable[[list[Row], list[Row]], list[Any]]


@dataclass
class Plan:
    """How one serializer's records are built from rows, and which columns those rows need."""

    model: type[Model]
    prefix: str = ""
    row_fields: list[Any] = field(default_factory=list)
    lists: list[_Many] = field(default_factory=list)
    methods: list[_Method] = field(default_factory=list)
    order: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)

    def need(self, *columns: str) -> None:
        for column in columns:
            if self.prefix + column not in self.columns:
                self.columns.append(self.prefix + column)


def plan_for(serializer_class: type[serializers.BaseSerializer[Any]]) -> Plan:
    """The plan of a serializer's list representation (built once per serializer class)."""
    cached: Any = serializer_class
    return _cached_plan(cached)


@cache
def _cached_plan(serializer_class: Any) -> Plan:
    serializer = serializer_class()
    assert isinstance(serializer, serializers.Serializer), "a list shows records"
    return _plan(serializer, prefix="")


def _plan(serializer: serializers.Serializer[Any], prefix: str) -> Plan:
    model: type[Model] = serializer.Meta.model  # type: ignore[attr-defined]
    plan = Plan(model=model, prefix=prefix)
    plan.need(_pk(model))
    for name, serializer_field in serializer.fields.items():
        if serializer_field.write_only:
            continue
        plan.order.append(name)
        _plan_field(plan, serializer, name, serializer_field)
    return plan


def _plan_field(
    plan: Plan, serializer: serializers.Serializer[Any], name: str, field_: serializers.Field
) -> None:
    model = plan.model
    source = str(field_.source)
    if isinstance(field_, DetailURLField):
        plan.need("id")
        plan.row_fields.append(_Url(name, plan.prefix + "id", field_))
    elif isinstance(field_, PartialDateField):
        plan.need(f"{source}_earliest", f"{source}_precision")
        plan.row_fields.append(
            _PartialDate(
                name, plan.prefix + f"{source}_earliest", plan.prefix + f"{source}_precision"
            )
        )
    elif isinstance(field_, BriefRelatedField):
        related = _related_prefix(plan, source)
        brief = _plan(field_.brief(), prefix=related)
        state = related + "review_state" if is_claim(brief.model) else None
        plan.columns += [*brief.columns, *([state] if state else [])]
        plan.row_fields.append(_Brief(name, related + "id", brief, state))
    elif isinstance(field_, serializers.SlugRelatedField):
        column = _related_prefix(plan, source) + field_.slug_field
        plan.columns.append(column)
        plan.row_fields.append(_Column(name, column, None))
    elif isinstance(field_, serializers.ManyRelatedField):
        child = field_.child_relation
        if not isinstance(child, serializers.SlugRelatedField):
            raise NotImplementedError(f"{model.__name__}.{name}: only slug lists are supported.")
        relation = model._meta.get_field(source)
        assert isinstance(relation, ManyToManyField)
        reverse = relation.related_query_name()
        plan.lists.append(_Many(name, reverse, source, slug=child.slug_field))
    elif isinstance(field_, serializers.ListSerializer):
        relation = model._meta.get_field(source)
        assert isinstance(relation, ManyToOneRel)
        child_serializer: Any = field_.child
        child_plan = _plan(child_serializer, prefix="")
        child_plan.need(relation.field.attname)
        plan.need(*getattr(child_serializer, "parent_row_columns", ()))
        plan.lists.append(_Many(name, relation.field.attname, source, plan=child_plan))
    elif isinstance(field_, serializers.SerializerMethodField):
        compute = getattr(serializer, f"{name}_from_rows", None)
        if compute is None:
            raise NotImplementedError(f"{type(serializer).__name__} has no {name}_from_rows.")
        plan.need(*getattr(serializer, "row_columns", {}).get(name, ()))
        plan.methods.append(_Method(name, compute))
    elif isinstance(field_, serializers.RelatedField | serializers.Serializer):
        raise NotImplementedError(f"{model.__name__}.{name}: {type(field_).__name__}")
    else:
        plan.need(source)
        convert = None if isinstance(field_, _AS_IS) else field_.to_representation
        iso = _is_iso_datetime(field_)
        plan.row_fields.append(_Column(name, plan.prefix + source, convert, iso_datetime=iso))


def _is_iso_datetime(field_: serializers.Field) -> bool:
    if not isinstance(field_, serializers.DateTimeField):
        return False
    output = getattr(field_, "format", api_settings.DATETIME_FORMAT)
    return output is not None and str(output).lower() == ISO_8601


def _later(row: Row) -> None:
    return None


def _iso_datetimes() -> Callable[[datetime], str]:
    """DRF's DateTimeField output for the aware datetimes the database gives, without its checks
    per value (of which only the time zone applies), in the request's time zone."""
    zone = timezone.get_current_timezone()
    # Values already in UTC, shown in UTC, need no conversion (the common case, and the cost of
    # a page's three timestamps per row is worth a branch).
    in_utc = str(zone) == "UTC"

    def iso(value: datetime) -> str:
        if in_utc and value.tzinfo is UTC:
            return value.isoformat()[:-6] + "Z"
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return iso


def _pk(model: type[Model]) -> str:
    return model._meta.pk.attname if model._meta.pk else "id"


def _related_prefix(plan: Plan, source: str) -> str:
    relation = plan.model._meta.get_field(source)
    assert isinstance(relation, ForeignKey), f"{plan.model.__name__}.{source} is not a key"
    return f"{plan.prefix}{source}__"


def columns_for(plan: Plan, extra: Iterable[str] = ()) -> list[str]:
    """The ``.values()`` columns a page of this plan's rows needs (with ``extra``, say the
    ordering columns a cursor is made of)."""
    return list(dict.fromkeys([*plan.columns, *extra]))


class RowBuilder:
    """Builds the representations of rows for one request (URLs need its host and format) and
    its audience (``server.diplomacy.visibility``)."""

    def __init__(
        self,
        serializer_class: type[serializers.BaseSerializer[Any]],
        context: dict[str, Any],
        lookups: Sequence[Any],
        audience: Audience,
    ) -> None:
        self.plan = plan_for(serializer_class)
        self.context = context
        self.lookups = lookups
        self.audience = audience
        self._templates: dict[str, tuple[str, str]] = {}
        self._iso = _iso_datetimes()
        # Per plan (plans live as long as the process, so their ids are theirs).
        self._made: dict[int, list[tuple[str, Getter]]] = {}

    def represent(self, rows: list[Row]) -> list[Row]:
        return self._represent(self.plan, rows, self.lookups)

    def _represent(self, plan: Plan, rows: list[Row], lookups: Sequence[Any]) -> list[Row]:
        getters = self._getters(plan)
        items = [{name: get(row) for name, get in getters} for row in rows]
        if not rows:
            return items
        pk = plan.prefix + _pk(plan.model)
        by_id = {row[pk]: row for row in rows}
        for many in plan.lists:
            grouped = self._read_list(plan, many, by_id, lookups)
            for row, item in zip(rows, items, strict=True):
                item[many.name] = grouped.get(row[pk], [])
        return items

    def _getters(self, plan: Plan) -> list[tuple[str, Getter]]:
        """What gives each field of the plan's shape from a row, in the serializer's order;
        lists and computed fields are filled in afterwards, for the whole batch."""
        if id(plan) not in self._made:
            from_row = {part.name: self._getter(part) for part in plan.row_fields}
            self._made[id(plan)] = [(name, from_row.get(name, _later)) for name in plan.order]
        return self._made[id(plan)]

    def _getter(self, part: Any) -> Getter:
        if isinstance(part, _Column):
            column, convert = part.column, part.convert
            if part.iso_datetime:
                convert = self._iso
            if convert is None:
                return itemgetter(column)

            def converted(row: Row) -> Any:
                value = row[column]
                return None if value is None else convert(value)

            return converted
        if isinstance(part, _PartialDate):
            earliest, precision = part.earliest, part.precision

            def partial_date(row: Row) -> str | None:
                day = row[earliest]
                return None if day is None else partial_date_text(day, row[precision])

            return partial_date
        if isinstance(part, _Url):
            start, end = self._template(part.field)
            column = part.column

            def url(row: Row) -> str:
                return f"{start}{row[column]}{end}"

            return url
        assert isinstance(part, _Brief)
        id_column, inner = part.id_column, self._getters(part.plan)
        state_column, audience = part.state_column, self.audience

        def brief(row: Row) -> Row | None:
            if row[id_column] is None:
                return None
            if (
                state_column is not None
                and audience is not None
                and row[state_column] not in audience
            ):
                return None
            return {name: get(row) for name, get in inner}

        return brief

    def _template(self, url_field: DetailURLField) -> tuple[str, str]:
        key = str(url_field.view_name)
        if key not in self._templates:
            request = self.context["request"]
            self._templates[key] = url_field.url_parts(request, self.context.get("format"))
        return self._templates[key]

    def _read_list(
        self, plan: Plan, many: _Many, parents: dict[Any, Row], lookups: Sequence[Any]
    ) -> dict[Any, list[Any]]:
        source, inner_lookups = _prefetched(plan.model, many.lookups_key, lookups)
        ids = list(parents)
        grouped: dict[Any, list[Any]] = defaultdict(list)
        if many.slug is not None:
            columns = (many.relation, many.slug)
            for row in rows_for(source, _as_rows, many.relation, ids, columns):
                grouped[row[many.relation]].append(row[many.slug])
            return grouped
        assert many.plan is not None
        child_rows = rows_for(source, _as_rows, many.relation, ids, many.plan.columns)
        items = self._represent(many.plan, child_rows, inner_lookups)
        if many.plan.methods:
            aligned = [parents[row[many.relation]] for row in child_rows]
            for method in many.plan.methods:
                for item, value in zip(items, method.compute(child_rows, aligned), strict=True):
                    item[method.name] = value
        for row, item in zip(child_rows, items, strict=True):
            grouped[row[many.relation]].append(item)
        return grouped


def _prefetched(
    model: type[Model], name: str, lookups: Sequence[Any]
) -> tuple[QuerySet[Any], list[Any]]:
    """The queryset a list's prefetch reads ``name`` with (its filters and order), and the
    prefetches nested in it; the related model's default queryset when there is none."""
    for lookup in lookups:
        found = isinstance(lookup, Prefetch) and lookup.prefetch_to == name
        if found and lookup.queryset is not None:
            return lookup.queryset, list(lookup.queryset._prefetch_related_lookups)
    related: Any = model._meta.get_field(name).related_model
    return _every(related), []


@cache
def _every(model: type[Model]) -> QuerySet[Any]:
    # One queryset per model, so that its compiled reads are kept (``compiled.rows_for``).
    return model._default_manager.all()


def _unjoined(queryset: QuerySet[Any]) -> QuerySet[Any]:
    return queryset.prefetch_related(None).select_related(None)


def page_rows(queryset: QuerySet[Any], plan: Plan, extra: Iterable[str] = ()) -> QuerySet[Any]:
    """The list's queryset read as rows with the columns the plan (and ``extra``) need, and the
    values it computes (a search's rank), which its order may use."""
    return _as_rows(queryset, columns_for(plan, extra))


def ranked_ids(queryset: QuerySet[Any]) -> QuerySet[Any]:
    """The ids of the list's records in its order, with the values it computes (a search's
    rank), and nothing joined."""
    return _as_rows(queryset, ["id"])


def _as_rows(queryset: QuerySet[Any], columns: Sequence[str]) -> QuerySet[Any]:
    """The queryset's ``.values()`` with these columns, nothing joined or prefetched that they
    do not need."""
    # What the queryset computes goes along: its order may use it, and values() must name it.
    computed = [*queryset.query.extra_select, *queryset.query.annotation_select]
    named = dict.fromkeys([*columns, *computed])
    # SQLite plans joins cheaply, and runs one lookup per joined record faster than one per column.
    planned_alone = connections[queryset.db].vendor == "postgresql"
    looked_up = {
        name: _looked_up(queryset.model._meta, name) if planned_alone else None for name in named
    }
    plain = [name for name, subquery in looked_up.items() if subquery is None]
    return _unjoined(queryset).values(
        *plain, **{name: subquery for name, subquery in looked_up.items() if subquery}
    )


@cache
def _looked_up(meta: Options[Any], column: str) -> RawSQL | None:
    """A related record's column (``speaker__name``) as a subquery on the record's key, or None
    for the model's own columns, a key's target (the key itself) and deeper lookups.

    A join per related record makes PostgreSQL's planner weigh every order of the page's tables,
    which cost more than running the query (1.2 of 1.6 ms for a page of statements); a subquery
    per column is planned alone and runs once per row of the page, through the primary key. It
    is written out once, so that a request does not resolve a queryset per column, and names the
    outer table as itself: it is for top-level reads."""
    relation_name, _, rest = column.partition(LOOKUP_SEP)
    if not rest or LOOKUP_SEP in rest:
        return None
    try:
        relation = meta.get_field(relation_name)
    except FieldDoesNotExist:
        return None
    if not isinstance(relation, ForeignKey) or rest == relation.target_field.name:
        return None
    related: Any = relation.related_model
    target = related._meta.get_field(rest)
    if target.is_relation or target.column is None:
        return None
    name = connections[DEFAULT_DB_ALIAS].ops.quote_name
    # Aliased, so that a key to the record's own table still names the outer row.
    alias, key = name("related"), name(str(relation.target_field.column))
    sql = (
        f"SELECT {alias}.{name(target.column)} FROM {name(related._meta.db_table)} {alias} "
        f"WHERE {alias}.{key} = {name(meta.db_table)}.{name(relation.column)}"
    )
    return RawSQL(sql, (), output_field=target)


def rows_by_id(queryset: QuerySet[Any], plan: Plan, ids: list[Any]) -> list[Row]:
    """The rows of these records, in the order of ``ids`` (one deleted since is left out)."""
    if not ids:
        return []
    records = queryset.model._default_manager.filter(pk__in=ids)
    found = {row["id"]: row for row in page_rows(records, plan)}
    return [found[pk] for pk in ids if pk in found]
