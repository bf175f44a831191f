"""WSGI entry point (gunicorn server.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")

django_application = get_wsgi_application()

from server.api.bodies import ChunkedBodies  # noqa: E402  (after Django is set up)

application = ChunkedBodies(django_application)
