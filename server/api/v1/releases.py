"""``/api/v1/releases/``: the numbered releases of the public dataset, their manifests and files."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils.cache import patch_cache_control
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from server.diplomacy import dataset, releases

from .export import FileDownloadView

# A release never changes once written.
IMMUTABLE = {"public": True, "max_age": 365 * 24 * 3600, "immutable": True}


class FileFactsSerializer(serializers.Serializer):
    bytes = serializers.IntegerField()
    sha256 = serializers.CharField()
    url = serializers.URLField()


class DeltaCountsSerializer(serializers.Serializer):
    added = serializers.IntegerField()
    modified = serializers.IntegerField()
    deleted = serializers.IntegerField()


class ReleaseSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    url = serializers.URLField()
    released_at = serializers.DateTimeField()
    seq = serializers.IntegerField(help_text="The change feed's last change the dataset holds.")
    previous = serializers.IntegerField(allow_null=True, help_text="What the delta is against.")
    counts = serializers.DictField(child=serializers.IntegerField())
    delta = DeltaCountsSerializer()
    files = serializers.DictField(child=FileFactsSerializer())


class ReleaseListSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    results = ReleaseSerializer(many=True)


def _shown(request: Request, found: dict[str, Any]) -> dict[str, Any]:
    number = found["number"]
    files = {
        name: {
            **facts,
            "url": request.build_absolute_uri(reverse("v1:release-file", args=[number, name])),
        }
        for name, facts in found["files"].items()
    }
    url = request.build_absolute_uri(reverse("v1:release-detail", args=[number]))
    return {**found, "url": url, "files": files}


def _no_parameters(request: Request) -> None:
    if request.query_params.keys() - {"format"}:
        raise ValidationError(
            {name: ["Releases take no query parameters."] for name in request.query_params}
        )


class ReleaseListView(APIView):
    """Every release of the public dataset, oldest first (`manage.py release` writes them)."""

    permission_classes = [AllowAny]
    http_method_names = ["get", "head", "options"]

    @extend_schema(operation_id="releases_list", responses=ReleaseListSerializer)
    def get(self, request: Request) -> Response:
        _no_parameters(request)
        found = [releases.manifest(number) for number in releases.numbers()]
        shown = [_shown(request, item) for item in found if item is not None]
        return Response({"count": len(shown), "results": shown})


class ReleaseDetailView(APIView):
    """One release's manifest: its time, the feed's seq, counts, and its files' digests."""

    permission_classes = [AllowAny]
    http_method_names = ["get", "head", "options"]

    @extend_schema(operation_id="releases_retrieve", responses=ReleaseSerializer)
    def get(self, request: Request, number: int) -> Response:
        _no_parameters(request)
        found = releases.manifest(number)
        if found is None:
            raise Http404
        response = Response(_shown(request, found))
        patch_cache_control(response, **IMMUTABLE)
        return response


class ReleaseFileView(FileDownloadView):
    """A release's dataset (as /export/ wrote it then) or its delta against the one before."""

    @extend_schema(
        operation_id="releases_file",
        responses={
            (200, dataset.MEDIA_TYPE): OpenApiResponse(
                OpenApiTypes.STR, description="The file, NDJSON (see docs/api.md)."
            )
        },
    )
    def get(self, request: Request, number: int, name: str) -> FileResponse:
        _no_parameters(request)
        path = releases.file_path(number, name)
        found = releases.manifest(number)
        if path is None or found is None:
            raise Http404
        response = FileResponse(path.open("rb"), content_type=dataset.MEDIA_TYPE)
        response["ETag"] = f'"{found["files"][name]["sha256"][:32]}"'
        response["Content-Disposition"] = f'attachment; filename="detente-{number}-{name}"'
        patch_cache_control(response, **IMMUTABLE)
        return response
