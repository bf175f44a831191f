"""The public dataset as one download: what anonymous readers see, in the export format."""

from __future__ import annotations

from typing import Any

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from server.diplomacy import dataset

CONTENT_DISPOSITION = f'attachment; filename="{dataset.FILENAME}"'


class FileDownloadView(APIView):
    """A view that answers with a file as it is, whatever Accept asks; its errors are
    problem+json like everywhere."""

    permission_classes = [AllowAny]
    http_method_names = ["get", "head", "options"]

    def perform_content_negotiation(
        self, request: Request, force: bool = False
    ) -> tuple[BaseRenderer, str]:
        renderer = JSONRenderer()
        return renderer, renderer.media_type


class DatasetExportView(FileDownloadView):
    """Every public record, one JSON object per line: reviewed contacts and statements, each
    official with the posts reviewed, every source and topic. A curator's complete copy, drafts
    included, is `manage.py export`; either loads into an empty database with `manage.py import`.
    """

    @extend_schema(
        operation_id="export_retrieve",
        summary="The public dataset, as NDJSON",
        filters=False,
        responses={
            (200, dataset.MEDIA_TYPE): OpenApiResponse(
                OpenApiTypes.STR,
                description=(
                    "UTF-8, one JSON object per line, keys sorted: a header "
                    '(`{"format": "detente-export", "version": 1, "scope": "public", ...}` with '
                    "the number of lines of each type), then topics, sources, officials, "
                    "contacts and statements, each by id. The same data gives the same bytes."
                ),
            )
        },
        parameters=[
            OpenApiParameter(
                "Content-Disposition",
                OpenApiTypes.STR,
                location=OpenApiParameter.HEADER,
                response=[200],
                description=CONTENT_DISPOSITION,
            )
        ],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> StreamingHttpResponse:
        if request.query_params:
            raise ValidationError(
                {name: ["The export takes no query parameters."] for name in request.query_params}
            )
        response = StreamingHttpResponse(
            dataset.export_lines(public=True), content_type=dataset.MEDIA_TYPE
        )
        response["Content-Disposition"] = CONTENT_DISPOSITION
        return response
