"""``GET /api/v1/changes/``: every change the caller may see, oldest first, resumable by number."""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from server.diplomacy import changes, dataset
from server.diplomacy.models import Change, ChangeType
from server.diplomacy.visibility import EVERY_STATE, PUBLIC, Audience

from .query import choice_parameter, read_query

DEFAULT_LIMIT, MAX_LIMIT = 100, 1000
# A curator of every kind of claim sees every change; anyone else what the public saw change.
CURATOR_PERMISSIONS = (
    "diplomacy.change_statement",
    "diplomacy.change_contact",
    "diplomacy.change_official",
)
DETAIL_VIEWS = {
    "sources": "v1:source-detail",
    "officials": "v1:official-detail",
    "contacts": "v1:contact-detail",
    "statements": "v1:statement-detail",
}


class ChangesQuery(forms.Form):
    after = forms.IntegerField(min_value=0, max_value=10**15, required=False)
    resource = forms.MultipleChoiceField(
        choices=[(name, name) for name in changes.RESOURCES], required=False
    )
    since = forms.DateTimeField(required=False)
    until = forms.DateTimeField(required=False)
    include = forms.ChoiceField(choices=[("record", "record")], required=False)
    limit = forms.IntegerField(min_value=1, max_value=MAX_LIMIT, required=False)

    def clean(self) -> dict[str, Any]:
        # A parameter given empty (`?until=`) is a mistake, not a filter left out.
        given: Any = self.data
        for name in self.fields:
            if name in given and any(value == "" for value in given.getlist(name)):
                self.add_error(name, "Give a value, or leave the parameter out.")
        return super().clean() or {}


class FeedEntrySerializer(serializers.Serializer):
    seq = serializers.IntegerField(help_text="The change's number: resume with ?after=seq.")
    at = serializers.DateTimeField()
    type = serializers.ChoiceField(choices=ChangeType.choices)
    resource = serializers.ChoiceField(choices=list(changes.RESOURCES))
    id = serializers.IntegerField()
    version = serializers.IntegerField(
        allow_null=True, help_text="The record's version after the change (null for topics)."
    )
    url = serializers.URLField(allow_null=True, help_text="The record's address (not topics').")
    record = serializers.DictField(
        required=False,
        allow_null=True,
        help_text=(
            "With include=record: the record's line of the dataset export (/export/) as it is "
            "now; null if the caller can no longer read it."
        ),
    )


class FeedPageSerializer(serializers.Serializer):
    scope = serializers.ChoiceField(
        choices=["public", "complete"],
        help_text="public: what anonymous readers see change; complete: every revision.",
    )
    last_seq = serializers.IntegerField(
        help_text="The number of this page's last change (or the `after` asked): resume after it."
    )
    next = serializers.URLField(
        allow_null=True, help_text="The next page, while this one is full; else null."
    )
    results = FeedEntrySerializer(many=True)


def feed_audience(request: Request) -> Audience:
    user = request.user
    return EVERY_STATE if user.has_perms(CURATOR_PERMISSIONS) else PUBLIC


class ChangesView(APIView):
    """Every change the caller may see, oldest first: records created, updated and deleted.

    For the public, publication is a change: a record reviewed appears as `created`; one sent
    back to draft, or deleted, as `deleted`; a draft's edits do not appear. Curators (who may
    change statements, contacts and officials) see every revision. Numbers are given in commit
    order: after reading up to `last_seq`, nothing below it can appear later.
    """

    permission_classes = [AllowAny]
    http_method_names = ["get", "head", "options"]

    @extend_schema(
        operation_id="changes_list",
        parameters=[
            OpenApiParameter("after", OpenApiTypes.INT, description="Changes after this number."),
            choice_parameter("resource", list(changes.RESOURCES), "Only these resources."),
            OpenApiParameter(
                "since", OpenApiTypes.DATETIME, description="Changes made at or after this time."
            ),
            OpenApiParameter(
                "until", OpenApiTypes.DATETIME, description="Changes made at or before this time."
            ),
            OpenApiParameter(
                "include",
                OpenApiTypes.STR,
                enum=["record"],
                description="record: each change with the record's export line as it is now.",
            ),
            OpenApiParameter(
                "limit",
                OpenApiTypes.INT,
                description=f"Changes per page (default {DEFAULT_LIMIT}, at most {MAX_LIMIT}).",
            ),
        ],
        responses=FeedPageSerializer,
    )
    def get(self, request: Request) -> Response:
        query = read_query(ChangesQuery, request, also_known={"format"}).cleaned_data
        audience = feed_audience(request)
        after, limit = query["after"] or 0, query["limit"] or DEFAULT_LIMIT
        found = list(
            changes.change_list(
                audience,
                after=after,
                resources=query["resource"],
                since=query["since"],
                until=query["until"],
            )[: limit + 1]
        )
        page, more = found[:limit], len(found) > limit
        last = page[-1].seq if page else after
        records = _records(page, audience) if query["include"] else None
        body = {
            "scope": "complete" if audience is None else "public",
            "last_seq": last,
            "next": _next(request, last) if more else None,
            "results": [self._entry(request, change, audience, records) for change in page],
        }
        response = Response(body)
        patch_vary_headers(response, ("Authorization", "Cookie"))
        patch_cache_control(response, no_cache=True, **_privacy(request))
        return response

    def _entry(
        self,
        request: Request,
        change: Change,
        audience: Audience,
        records: dict[tuple[str, int], Any] | None,
    ) -> dict[str, Any]:
        view = DETAIL_VIEWS.get(change.resource)
        url = view and request.build_absolute_uri(reverse(view, args=[change.record_id]))
        entry: dict[str, Any] = {
            "seq": change.seq,
            "at": serializers.DateTimeField().to_representation(change.at),
            "type": changes.shown_type(change, audience),
            "resource": change.resource,
            "id": change.record_id,
            "version": change.version,
            "url": url,
        }
        if records is not None:
            entry["record"] = records.get((change.resource, change.record_id))
        return entry


def _records(page: list[Change], audience: Audience) -> dict[tuple[str, int], Any]:
    wanted: dict[str, set[int]] = {}
    for change in page:
        wanted.setdefault(change.resource, set()).add(change.record_id)
    return dataset.documents(wanted, public=audience is not None)


def _next(request: Request, last: int) -> str:
    query: Any = request.query_params.copy()
    query["after"] = str(last)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


def _privacy(request: Request) -> dict[str, bool]:
    return {"private": True} if request.user.is_authenticated else {"public": True}
