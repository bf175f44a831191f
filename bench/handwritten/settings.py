"""The project's settings (same database, same models) serving only the hand-written views."""

from server.settings import *  # noqa: F403

ROOT_URLCONF = "bench.handwritten.urls"
# Only what a read-only JSON endpoint needs: none of the sessions, CSRF, auth or CSP layers.
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
