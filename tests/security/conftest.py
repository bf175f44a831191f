"""What the security tests share: the API's operations as the committed schema lists them."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from rest_framework.test import APIClient

SCHEMA = json.loads((Path(settings.BASE_DIR) / "fixtures" / "openapi-v1.json").read_text())
WRITE_METHODS = ("post", "put", "patch", "delete")


def operations(methods: tuple[str, ...]) -> list[tuple[str, str]]:
    """(method, path) for every operation of the schema with one of these methods."""
    return [
        (method, path)
        for path, item in SCHEMA["paths"].items()
        for method in item
        if method in methods
    ]


def concrete(path: str, pk: int = 1) -> str:
    return path.replace("{id}", str(pk))


def token_for(username: str, *options: str) -> str:
    out = io.StringIO()
    call_command("createtoken", username, *options, stdout=out, stderr=io.StringIO())
    return out.getvalue().strip()


@pytest.fixture
def curator() -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + token_for("sec-curator", "--curator"))
    return client


def send(client: APIClient, method: str, path: str, body: Any = None) -> Any:
    return getattr(client, method)(path, body if body is not None else {}, format="json")
