"""``GET /api/v1/timeline/``: contacts and statements merged in date order, paginated."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from server.api.fields import PartialDateField
from server.api.filters import CountryListField, IdListField, SlugListField
from server.api.pagination import CappedLimitOffsetPagination
from server.diplomacy.timeline import EntryType, TimelineFilters, timeline_entries, timeline_rows
from server.diplomacy.visibility import PUBLIC

from .query import (
    choice_parameter,
    country_parameter,
    date_parameter,
    id_parameter,
    optional_date,
    read_query,
    slug_parameter,
)
from .serializers import ContactSerializer, StatementSerializer

ENTRY_TYPES = [kind.value for kind in EntryType]
LIST_PARAMETERS = frozenset({"limit", "offset", "format"})


class TimelineQuery(forms.Form):
    official = SlugListField(required=False)
    country = CountryListField(required=False)
    topic = SlugListField(required=False)
    source = IdListField(required=False)
    date_after = optional_date()
    date_before = optional_date()
    type = forms.MultipleChoiceField(choices=[(kind, kind) for kind in ENTRY_TYPES], required=False)

    def filters(self) -> TimelineFilters:
        data = self.cleaned_data
        return TimelineFilters(
            officials=data["official"],
            countries=data["country"],
            topics=data["topic"],
            sources=[int(source) for source in data["source"]],
            after=data["date_after"],
            before=data["date_before"],
            types=[EntryType(kind) for kind in data["type"]],
        )


class TimelineEntrySerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=ENTRY_TYPES, help_text="contact or statement.")
    date = PartialDateField(
        allow_null=True, help_text="The contact's date or when the statement was said; or null."
    )
    contact = ContactSerializer(
        read_only=True, allow_null=True, help_text="The contact as /contacts/ shows it, or null."
    )
    statement = StatementSerializer(
        read_only=True,
        allow_null=True,
        help_text="The statement as /statements/ shows it, or null.",
    )


TIMELINE_PARAMETERS = [
    slug_parameter(
        "official",
        "Official slug: contacts they took part in and statements they made; repeat for several.",
        "xi-jinping",
    ),
    country_parameter(
        "Country (ISO 3166-1 alpha-2): contacts held there or with a participant from there, "
        "statements by a speaker from there; repeat for several."
    ),
    slug_parameter("topic", "Topic slug; repeat for several.", "supply-chains"),
    id_parameter(
        "source",
        "Source id: records citing it, and statements first published in it (origin); repeat "
        "for several.",
    ),
    date_parameter("date_after", "Dated on or after this day, month or year (by overlap)."),
    date_parameter("date_before", "Dated on or before this day, month or year (by overlap)."),
    choice_parameter("type", ENTRY_TYPES, "Only contacts or only statements."),
]


class TimelineView(GenericAPIView):
    """Reviewed contacts and statements in one list, in date order.

    Partial dates sort by their earliest day, then the coarser date first ("2024" before
    "2024-01"), then contacts before statements, then by id; undated records come last.
    """

    http_method_names = ["get", "head", "options"]
    permission_classes = [AllowAny]
    serializer_class = TimelineEntrySerializer
    pagination_class = CappedLimitOffsetPagination
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Any]:
        query = read_query(TimelineQuery, self.request, also_known=LIST_PARAMETERS)
        return timeline_rows(query.filters(), PUBLIC)

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "audience": PUBLIC}

    @extend_schema(
        operation_id="timeline_list",
        parameters=TIMELINE_PARAMETERS,
        responses=TimelineEntrySerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        rows = self.paginate_queryset(self.get_queryset())
        entries = timeline_entries(rows or [])
        return self.get_paginated_response(self.get_serializer(entries, many=True).data)
