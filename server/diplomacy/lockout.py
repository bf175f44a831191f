"""The admin's page for a sign-in that django-axes has locked out (``AXES_LOCKOUT_CALLABLE``).

A 429 like the API's, with ``Retry-After``: the username and address that failed too often wait
out the cool-off, whatever password they send meanwhile.
"""

from __future__ import annotations

import math
from typing import Any

from axes.helpers import get_cool_off, get_failure_limit
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    cool_off = get_cool_off(request)
    minutes = None if cool_off is None else max(1, math.ceil(cool_off.total_seconds() / 60))
    context = {
        **admin.site.each_context(request),
        "title": "Sign-in locked",
        "failure_limit": get_failure_limit(request, credentials),
        "minutes": minutes,
    }
    response = render(request, "admin/locked_out.html", context, status=429)
    if cool_off is not None:
        response["Retry-After"] = str(math.ceil(cool_off.total_seconds()))
    return response
