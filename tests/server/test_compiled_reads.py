"""Nested lists run queries compiled once (``server.api.compiled``): they must read what the ORM
reads, for whichever ids they are given, in one query."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models import QuerySet
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from server.api import compiled
from server.api.compiled import rows_for
from server.api.filtering import limited_to
from server.api.v1.filtersets import StatementFilterSet
from server.diplomacy.models import Citation, Statement, Topic

pytestmark = pytest.mark.django_db

COLUMNS = ("id", "source__id", "source__title", "excerpt", "locator", "statement_id")


def _read_rows(queryset: QuerySet[Any], columns: Any) -> QuerySet[Any]:
    return queryset.select_related(None).values(*columns)


def _orm_rows(source: QuerySet[Any], lookup: str, ids: list[int], columns: Any) -> list[Any]:
    return list(source.filter(**{f"{lookup}__in": ids}).values(*columns))


def _cited_statement_ids() -> list[int]:
    ids = Citation.objects.filter(statement__isnull=False).values_list("statement_id", flat=True)
    return sorted(set(ids))


def test_rows_equal_the_orms_for_other_ids_of_the_same_number() -> None:
    source = Citation.objects.select_related("source").order_by("id")
    cited = _cited_statement_ids()
    assert len(cited) >= 4, "the article's statements cite their passages"
    first, second = cited[:2], cited[2:4]
    read_first = rows_for(source, _read_rows, "statement", first, COLUMNS)
    # Same shape and number of ids: the compiled query is reused, with the new ids in place.
    read_second = rows_for(source, _read_rows, "statement", second, COLUMNS)
    assert read_first == _orm_rows(source, "statement", first, COLUMNS)
    assert read_second == _orm_rows(source, "statement", second, COLUMNS)
    assert read_first
    assert read_second
    assert {row["statement_id"] for row in read_second} <= set(second)
    assert len(compiled._cache[source]) == 1


def test_each_number_of_ids_is_compiled_once_and_read_in_one_query() -> None:
    source = Topic.objects.order_by("slug")
    statements = list(Statement.objects.filter(topics__isnull=False).values_list("id", flat=True))
    columns = ("statements", "slug")
    for count in (1, 2, len(set(statements))):
        ids = sorted(set(statements))[:count]
        with CaptureQueriesContext(connection) as queries:
            found = rows_for(source, _read_rows, "statements", ids, columns)
        assert len(queries) == 1
        assert found == _orm_rows(source, "statements", ids, columns)
    assert len(compiled._cache[source]) == 3


def test_values_come_back_converted_as_the_orm_gives_them() -> None:
    source = Statement.objects.order_by("id")
    ids = list(Statement.objects.values_list("id", flat=True)[:5])
    columns = ("id", "said_earliest", "created_at", "version")
    found = rows_for(source, lambda queryset, names: queryset.values(*names), "id", ids, columns)
    assert found == _orm_rows(source, "id", ids, columns)
    assert all(row["created_at"].tzinfo is not None for row in found)


def test_filter_sets_keep_only_the_filters_given_and_make_their_form_once() -> None:
    limited = limited_to(StatementFilterSet, frozenset({"country", "said_after"}))
    assert limited is limited_to(StatementFilterSet, frozenset({"said_after", "country"}))
    assert set(limited.base_filters) == {"country", "said_after"}
    data = QueryDict("country=cn&said_after=2020")
    first, second = (limited(data, queryset=Statement.objects.all()) for _ in range(2))
    assert first.is_valid()
    assert second.is_valid()
    assert first.form.__class__ is second.form.__class__
    assert first.form.cleaned_data["country"] == ["CN"]
    wrong = limited(QueryDict("country=China&said_after=2020"), queryset=Statement.objects.all())
    assert not wrong.is_valid()
    assert "country" in wrong.errors
