"""OWASP API3 (2023): broken object property level authorisation.

A client cannot set the properties the server owns (mass assignment), and no response shows what
belongs to accounts: password hashes, tokens, e-mail addresses, staff flags.
"""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from knox.models import AuthToken

from server.diplomacy.models import Statement

from .conftest import SCHEMA, send, token_for

pytestmark = pytest.mark.django_db

STATEMENT = "/api/v1/statements/15/"


@pytest.mark.parametrize(
    "field",
    [
        {"id": 999},
        {"version": 99},
        {"created_at": "2000-01-01T00:00:00Z"},
        {"updated_at": "2000-01-01T00:00:00Z"},
        {"url": "https://elsewhere.example/"},
        {"is_staff": True},
        {"history_user": 1},
    ],
)
@pytest.mark.parametrize("method", ["patch", "put"])
def test_mass_assignment_of_server_owned_or_unknown_properties_is_refused(curator, field, method):
    before = Statement.objects.values().get(pk=15)
    response = send(curator, method, STATEMENT, field)
    assert response.status_code == 400
    assert next(iter(field)) in response.json()["errors"]
    assert Statement.objects.values().get(pk=15) == before


def test_mass_assignment_inside_a_nested_part_is_refused(curator):
    citation = {"source": 1, "excerpt": "x", "locator": "", "statement": 3}
    response = send(curator, "patch", STATEMENT, {"citations": [citation]})
    assert response.status_code == 400
    assert "statement" in json.dumps(response.json()["errors"])


def _text(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode()


def test_no_response_leaks_account_secrets(curator, client):
    user = get_user_model().objects.create_user(
        "leaky", email="leaky@example.org", password="a long passphrase 2", is_staff=True
    )
    token = token_for("leaky", "--curator")
    digest = AuthToken.objects.filter(user=user).values_list("digest", flat=True).get()
    send(curator, "patch", STATEMENT, {"language": "en"})  # a revision with a user on it
    secrets = [user.password, token, digest, user.email, "is_staff", "is_superuser", "password"]
    bodies = []
    for path, item in SCHEMA["paths"].items():
        if "get" in item and path.startswith("/api/"):
            bodies.append(_text(curator.get(path.replace("{id}", "15"))))
            bodies.append(_text(curator.get(path.replace("{id}", "1"))))
    bodies.append(client.get("/api/v1/schema/").content.decode())
    for body in bodies:
        for secret in secrets:
            assert secret not in body
