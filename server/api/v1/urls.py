from django.urls import path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)
from rest_framework.routers import DefaultRouter

from . import views

app_name = "v1"

router = DefaultRouter()
router.register("officials", views.OfficialViewSet, basename="official")
router.register("sources", views.SourceViewSet, basename="source")
router.register("contacts", views.ContactViewSet, basename="contact")
router.register("statements", views.StatementViewSet, basename="statement")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script for the CSP.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="v1:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="v1:schema"), name="redoc"),
    *router.urls,
]
