from django.contrib import admin
from django.urls import include, path

from server.api import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("server.api.v1.urls")),
]

handler400 = "server.api.errors.bad_request"
handler404 = "server.api.errors.not_found"
handler500 = "server.api.errors.server_error"
