"""OWASP API1 and API5 (2023): broken object and function level authorisation.

Every write operation of every resource is tried without a token, with a revoked or expired one,
with another scheme, and with a valid token of a user who may not write; none gets through, and
nothing changes.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import get_resolver
from knox.models import AuthToken
from rest_framework.test import APIClient

from server.diplomacy.models import Contact, Official, Source, Statement

from .conftest import SCHEMA, WRITE_METHODS, concrete, operations, send, token_for

pytestmark = pytest.mark.django_db

WRITES = operations(WRITE_METHODS)


def snapshot_counts() -> dict[str, tuple[int, int]]:
    return {
        model.__name__: (
            model.objects.count(),
            sum(model.objects.values_list("version", flat=True)),
        )
        for model in (Official, Source, Contact, Statement)
    }


def test_the_schema_lists_writes_for_every_resource():
    resources = {path.split("/")[3] for _, path in WRITES}
    assert resources == {"officials", "sources", "contacts", "statements"}
    assert len(WRITES) == 4 * 5  # create, replace, update, delete, restore


@pytest.mark.parametrize(("method", "path"), WRITES)
def test_every_write_without_a_token_is_401(method, path):
    before = snapshot_counts()
    response = send(APIClient(), method, concrete(path))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert snapshot_counts() == before


@pytest.mark.parametrize(("method", "path"), WRITES)
@pytest.mark.parametrize("header", ["Bearer abc", "Basic YWxpY2U6cGFzcw==", "Token", "Token a b"])
def test_every_write_with_another_scheme_or_a_malformed_token_is_401(method, path, header):
    before = snapshot_counts()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert send(client, method, concrete(path)).status_code == 401
    assert snapshot_counts() == before


@pytest.mark.parametrize(("method", "path"), WRITES)
def test_every_write_with_a_revoked_token_is_401(method, path):
    token = token_for("revoked", "--curator")
    AuthToken.objects.filter(user__username="revoked").delete()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + token)
    before = snapshot_counts()
    assert send(client, method, concrete(path)).status_code == 401
    assert snapshot_counts() == before


@pytest.mark.parametrize(("method", "path"), WRITES)
def test_every_write_with_an_expired_token_is_401(method, path):
    user = get_user_model().objects.create(username="expired")
    _, token = AuthToken.objects.create(user=user, expiry=timedelta(seconds=-1))
    user.user_permissions.set(Permission.objects.all())
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + token)
    before = snapshot_counts()
    assert send(client, method, concrete(path)).status_code == 401
    assert snapshot_counts() == before


@pytest.mark.parametrize(("method", "path"), WRITES)
def test_every_write_by_a_reader_without_permission_is_403(method, path):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + token_for("reader"))
    before = snapshot_counts()
    assert send(client, method, concrete(path)).status_code == 403
    assert snapshot_counts() == before


def test_a_user_who_is_not_staff_cannot_reach_the_admin(client):
    user = get_user_model().objects.create_user("visitor", password="a long passphrase 1")
    client.force_login(user)
    response = client.get("/admin/diplomacy/statement/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_no_endpoint_manages_users_or_tokens():
    api_paths = [path for path in SCHEMA["paths"] if path.startswith("/api/")]
    for path in api_paths:
        assert not any(word in path for word in ("user", "token", "auth", "login", "group")), path
    routes = [str(pattern.pattern) for pattern in get_resolver().url_patterns]
    assert not any("token" in route or "user" in route for route in routes)
