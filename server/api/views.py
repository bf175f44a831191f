"""The behaviour every resource endpoint shares, whatever the API version.

Lists are filtered, searched, ordered and paginated; details carry an ETag and answer
``If-None-Match``; writes go through the services, honour ``If-Match`` atomically, and are kept in
the record's history, which ``history/``, ``?as_of=`` and ``restore/`` read back.
"""

from __future__ import annotations

import copy
import datetime as dt
from functools import lru_cache
from typing import Any, cast

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.permissions import SAFE_METHODS
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from server.api.filters import REVIEW_CHOICES
from server.diplomacy import search, selectors, services
from server.diplomacy.models import Official, Record, Reviewed
from server.diplomacy.revisions import revision_entries
from server.diplomacy.visibility import EVERY_STATE, PUBLIC, Audience

from .conditional import MalformedTag, if_match, representation_tag
from .counts import cached_count
from .exports import (
    BOM_PARAMETER,
    EXPORT_FORMATS,
    EXPORT_RENDERERS,
    byte_order_mark,
    streaming_export,
)
from .facets import facet_counts
from .ranking import RankedMatches
from .renderers import FastJSONRenderer
from .rows import RowBuilder, Rows, page_rows, ranked_ids, rows_by_id

AS_OF = OpenApiParameter(
    "as_of",
    OpenApiTypes.DATETIME,
    description="Read the record as it stood at this moment (ISO 8601; UTC when no offset).",
)
# Documented on the resources whose reads depend on review (see ``reviewed_claims``).
REVIEW = OpenApiParameter(
    "review",
    OpenApiTypes.STR,
    enum=[value for value, _label in REVIEW_CHOICES],
    description=(
        "Review states shown (default reviewed); draft, disputed and all need a curator's token."
    ),
)
DETAIL_PARAMETERS = frozenset({"format", "as_of"})
HISTORY_PARAMETERS = frozenset({"format", "limit", "offset"})
REVIEW_VALUES = frozenset(value for value, _label in REVIEW_CHOICES)
# Reads of one record at its own URL, where a curator sees it whatever its review state.
ONE_RECORD_READS = frozenset({"retrieve", "history"})
NOT_FILTERING = frozenset({"limit", "offset", "cursor", "ordering", "format", "facet"})


class RevisionSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    time = serializers.DateTimeField()
    user = serializers.CharField(allow_null=True)
    type = serializers.ChoiceField(choices=["created", "changed", "deleted", "restored"])
    changes = serializers.ListField(child=serializers.DictField())


def _without_format(request: Request) -> Request:
    """The request as links in an export should see it: without ``format`` (DRF carries it into
    every URL it builds)."""
    plain = copy.copy(request._request)
    query: Any = plain.GET.copy()
    query.pop(api_settings.URL_FORMAT_OVERRIDE or "format", None)
    plain.GET = query
    clone = copy.copy(request)
    clone._request = plain
    return clone


# The first and last moments the databases hold, in UTC.
_EARLIEST, _LATEST = dt.datetime.min.replace(tzinfo=dt.UTC), dt.datetime.max.replace(tzinfo=dt.UTC)


def _parse_as_of(text: str) -> dt.datetime:
    try:
        moment = parse_datetime(text)
    except ValueError:
        moment = None
    if moment is None:
        raise ValidationError(
            {"as_of": ["Give an ISO 8601 date and time, such as 2024-11-18T09:00:00Z."]}
        )
    moment = moment if timezone.is_aware(moment) else timezone.make_aware(moment, dt.UTC)
    try:
        return moment.astimezone(dt.UTC)
    except OverflowError:
        # Past year 9999 or before year 1 in UTC (9999-12-31T23:59:59-14:00): after every
        # revision, or before any; the databases hold no such moment to compare with.
        return _LATEST if moment.year > 1 else _EARLIEST


class RecordViewSet(viewsets.ModelViewSet):
    """A versioned resource. Subclasses name the queryset, serializer, filters and orderings."""

    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]
    # What ``facet`` can count on the list: a public name and the column or expression counted.
    facet_fields: dict[str, Any] = {}
    # Set by the filter backends on a list: the parsed ``q`` and the facets asked for.
    search_query: search.Query | None = None
    requested_facets: list[str] = []
    # What a list counts (its records, when its page is read as rows), and its cache key.
    counted_queryset: QuerySet[Any] | None = None
    count_question: tuple[Any, ...] | None = None
    # Ids are positive whole numbers the databases can hold; anything else is simply not found.
    lookup_value_regex = "[0-9]{1,12}"

    @property
    def model(self) -> type[Record]:
        declared: Any = getattr(self, "queryset", None)
        model = getattr(declared, "model", None)
        assert isinstance(model, type)
        assert issubclass(model, Record)
        return model

    @property
    def reviewed_claims(self) -> bool:
        """Whether reads of this resource depend on review: its records, or an official's posts."""
        return issubclass(self.model, Reviewed) or self.model is Official

    def get_queryset(self) -> QuerySet[Any]:
        return _shown(type(self), self.review_states()).all()

    def review_states(self) -> Audience:
        """The audience of this read: the review states it shows (None: all). Anonymous readers
        and readers without the change permission see reviewed claims only; curators see every
        state of a record at its own URL (its detail, history and ``as_of``) and, in lists,
        reviewed claims unless they ask for others (``review``). Writes see every record."""
        if self.request.method not in SAFE_METHODS or not self.reviewed_claims:
            return EVERY_STATE
        asked = self.request.query_params.getlist("review")
        unknown = sorted(set(asked) - REVIEW_VALUES)
        if unknown:
            choices = ", ".join(sorted(REVIEW_VALUES))
            raise ValidationError(
                {"review": [f'"{value}" is not one of: {choices}.' for value in unknown]}
            )
        curator = self._is_curator()
        if not asked:
            return EVERY_STATE if curator and self.action in ONE_RECORD_READS else PUBLIC
        states = None if "all" in asked else frozenset(asked)
        if states != PUBLIC and not curator:
            raise PermissionDenied(
                "Only curators (who may change these records) can read records under review; "
                "leave out `review`, or use review=reviewed."
            )
        return states

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "audience": self.review_states()}

    def _is_curator(self) -> bool:
        opts = self.model._meta
        return bool(self.request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}"))

    def _known_parameters(self, known: frozenset[str]) -> frozenset[str]:
        return known | {"review"} if self.reviewed_claims else known

    def get_renderers(self) -> list[Any]:
        renderers = super().get_renderers()
        if self.action == "list":
            renderers += [renderer() for renderer in EXPORT_RENDERERS]
        return renderers

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        try:
            return super().perform_content_negotiation(request, force)
        except Http404:
            if self.kwargs.get("format"):  # a path with a suffix no format has: no such page
                raise
            # DRF's answer to an unknown ?format= is a 404: a malformed parameter, here.
            formats = ", ".join(sorted({renderer.format for renderer in self.get_renderers()}))
            raise ValidationError({"format": [f"Choose one of: {formats}."]}) from None

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method in SAFE_METHODS and response.status_code in (200, 304):
            patch_vary_headers(response, ("Accept", "Authorization", "Cookie"))
            if request.user.is_authenticated:
                # A curator may read records under review, and must see their own writes.
                patch_cache_control(response, private=True, no_cache=True)
            elif settings.PUBLIC_MAX_AGE > 0:
                patch_cache_control(response, public=True, max_age=settings.PUBLIC_MAX_AGE)
            else:
                patch_cache_control(response, public=True, no_cache=True)
        return response

    def handle_exception(self, exc: Exception) -> Response:
        # Errors are problem+json whatever format the list was asked in.
        if getattr(self.request, "accepted_renderer", None).__class__ in EXPORT_RENDERERS:
            self.request.accepted_renderer = JSONRenderer()
            self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)

    @extend_schema(parameters=[BOM_PARAMETER])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        queryset = self.filter_queryset(self.get_queryset())
        export_format = request.accepted_renderer.format
        if export_format in EXPORT_FORMATS:
            return self._export(request, queryset, export_format)
        self.counted_queryset = queryset
        self.count_question = self._count_question(request)
        facets = None
        if self.requested_facets:
            facets = facet_counts(
                queryset, self.requested_facets, self.facet_fields, self.count_question
            )
        builder = self._row_builder(queryset)
        page = self._page_rows(queryset, builder)
        data = builder.represent(page)
        if self.search_query is not None:
            found = search.snippets(self.model, [row["id"] for row in page], self.search_query)
            for item in data:
                item["snippet"] = found.get(item["id"], "")
        response = self.get_paginated_response(data)
        if facets is not None:
            response.data["facets"] = facets
        return response

    def _page_rows(self, queryset: QuerySet[Any], builder: RowBuilder) -> Rows:
        ordering_columns = getattr(self, "ordering_columns", None)
        if ordering_columns is None:
            # Ranked by relevance (within a window of the newest matches), the page's ids are
            # found first, then only those rows are read with their related records.
            matches = cached_count(queryset, self.count_question)
            window = settings.SEARCH_RANK_WINDOW
            ranked = RankedMatches(ranked_ids(queryset), window, matches)
            # Sliced like a queryset; counted as the list's records (``counted_queryset``).
            found: Rows | None = self.paginate_queryset(cast(Any, ranked))
            assert found is not None, "every list is paginated"
            return rows_by_id(queryset, builder.plan, [row["id"] for row in found])
        cursor_columns = [name for name, _ in ordering_columns]
        page = self.paginate_queryset(page_rows(queryset, builder.plan, cursor_columns))
        assert page is not None, "every list is paginated"
        return page

    def _count_question(self, request: Request) -> tuple[Any, ...]:
        """What decides which records a list holds: its path, its filters and the review states
        shown (not the page asked for, its order or its format)."""
        filters = sorted(
            (name, tuple(values))
            for name, values in request.query_params.lists()
            if name not in NOT_FILTERING
        )
        states = self.review_states()
        return (request.path, tuple(filters), None if states is None else tuple(sorted(states)))

    def _row_builder(self, queryset: QuerySet[Any], **context: Any) -> RowBuilder:
        lookups = queryset._prefetch_related_lookups  # type: ignore[attr-defined]
        context = {**self.get_serializer_context(), **context}
        return RowBuilder(self.get_serializer_class(), context, lookups, context["audience"])

    def _export(self, request: Request, queryset: QuerySet[Any], export_format: str) -> Any:
        paging = sorted({"limit", "offset", "cursor", "facet"} & set(request.query_params))
        if paging:
            raise ValidationError(
                {name: ["Exports hold the whole filtered list: leave this out."] for name in paging}
            )
        builder = self._row_builder(queryset, request=_without_format(request))
        filename = str(self.model._meta.verbose_name_plural).replace(" ", "-")
        header = self.get_serializer_class()(context=builder.context)
        rows = page_rows(queryset, builder.plan)
        return streaming_export(
            export_format, rows, builder.represent, header, filename, bom=byte_order_mark(request)
        )

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        # Filters, search and ordering shape lists; a detail is found by its id alone.
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def _reject_unknown_parameters(
        self, request: Request, known_parameters: frozenset[str] = DETAIL_PARAMETERS
    ) -> None:
        unknown = sorted(set(request.query_params) - known_parameters)
        if unknown:
            known = ", ".join(sorted(known_parameters))
            raise ValidationError(
                {name: [f"Unknown query parameter. Known: {known}."] for name in unknown}
            )

    @extend_schema(parameters=[AS_OF])
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self._reject_unknown_parameters(request, self._known_parameters(DETAIL_PARAMETERS))
        if "as_of" in request.query_params:
            when = _parse_as_of(request.query_params["as_of"])
            record = selectors.record_as_of(self.model, self._pk(), when, self.review_states())
            if record is None:
                raise NotFound("The record did not exist at that time, or was not public then.")
            return Response(self.get_serializer(record).data)
        found = self._detail(self._pk())
        if found is None:
            raise Http404
        return Response(found)

    def _detail(self, pk: int) -> dict[str, Any] | None:
        """The record as it is now, as this reader sees it: read as a row, like a list's (no
        object-level permissions apply to reads, so there is no instance to check)."""
        queryset = self.get_queryset()
        builder = self._row_builder(queryset)
        found = list(page_rows(queryset.filter(pk=pk), builder.plan))
        return builder.represent(found)[0] if found else None

    def _expected_versions(self, record: Record) -> services.Expected:
        """The versions a write may start from, by its ``If-Match`` (None: any)."""
        try:
            precondition = if_match(self.request)
        except MalformedTag as error:
            raise ValidationError({error.header: [str(error)]}) from None
        if precondition is None:
            return None

        def current_tag() -> str:
            # The representation a JSON read of the record gives the writer now.
            shown = self._detail(record.pk)
            return representation_tag(FastJSONRenderer().render(shown)) if shown else ""

        return precondition.expected_versions(record.version, current_tag)

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        serializer.save(user=self._user())

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        partial = kwargs.pop("partial", False)
        record = self.get_object()
        serializer = self.get_serializer(record, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        serializer.save(user=self._user(), expected_version=self._expected_versions(record))
        fresh = self.get_queryset().get(pk=record.pk)
        return Response(self.get_serializer(fresh).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        record = self.get_object()
        services.record_delete(
            record, expected_version=self._expected_versions(record), user=self._user()
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses=RevisionSerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], filter_backends=[])
    def history(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Every revision of the record, oldest first, with the fields each one changed."""
        self._reject_unknown_parameters(request, self._known_parameters(HISTORY_PARAMETERS))
        audience = self.review_states()
        rows = selectors.history_seen(self.model, self._pk(), audience)
        if not rows:
            raise NotFound("No record with this id has ever existed (that you may read).")
        entries = revision_entries(rows, only_visible_changes=audience is not None)
        page = self.paginate_queryset(entries)
        data = RevisionSerializer(page if page is not None else entries, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    @extend_schema(request=None, filters=False)
    @action(detail=True, methods=["post"], filter_backends=[])
    def restore(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Bring a deleted record back as it was before its deletion, as a new version."""
        self._reject_unknown_parameters(request, frozenset({"format"}))
        pk = self._pk()
        if not selectors.record_history(self.model, pk).exists():
            raise NotFound("No record with this id has ever existed.")
        record = services.record_restore(self.model, pk, user=self._user())
        fresh = self.get_queryset().get(pk=record.pk)
        return Response(self.get_serializer(fresh).data, status=status.HTTP_201_CREATED)

    def _pk(self) -> int:
        try:
            return int(self.kwargs["pk"])
        except ValueError:
            raise NotFound() from None

    def _user(self) -> Any:
        user = self.request.user
        return user if user.is_authenticated else None


@lru_cache(maxsize=64)
def _shown(view_class: type[RecordViewSet], review_states: Audience) -> QuerySet[Any]:
    """A resource's records in these review states, built once (like the view's class-level
    queryset) and cloned for each request."""
    declared: Any = view_class.queryset
    return selectors.in_review_states(declared.all(), review_states)
