from collections.abc import Callable
from typing import Any

from django.urls import path, re_path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)
from rest_framework.routers import DefaultRouter

from . import changes, network, releases, timeline, views
from .export import DatasetExportView

app_name = "v1"


class ResourceRouter(DefaultRouter):
    """A router whose API root also links the views beside the resources (by URL name)."""

    views_beside = {
        "timeline": "timeline",
        "network": "network",
        "changes": "changes",
        "releases": "release-list",
    }

    def get_api_root_view(self, api_urls: object = None) -> Callable[..., Any]:
        resources = {prefix: f"{basename}-list" for prefix, _viewset, basename in self.registry}
        return self.APIRootView.as_view(api_root_dict={**resources, **self.views_beside})


router = ResourceRouter()
router.register("officials", views.OfficialViewSet, basename="official")
router.register("sources", views.SourceViewSet, basename="source")
router.register("contacts", views.ContactViewSet, basename="contact")
router.register("statements", views.StatementViewSet, basename="statement")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script for the CSP.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="v1:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="v1:schema"), name="redoc"),
    path("timeline/", timeline.TimelineView.as_view(), name="timeline"),
    path("network/", network.NetworkView.as_view(), name="network"),
    path("export/", DatasetExportView.as_view(), name="export"),
    path("changes/", changes.ChangesView.as_view(), name="changes"),
    path("releases/", releases.ReleaseListView.as_view(), name="release-list"),
    path("releases/<int:number>/", releases.ReleaseDetailView.as_view(), name="release-detail"),
    re_path(
        r"^releases/(?P<number>[0-9]{1,9})/(?P<name>dataset\.ndjson|delta\.ndjson)$",
        releases.ReleaseFileView.as_view(),
        name="release-file",
    ),
    *router.urls,
]
