"""Who may write: public reads, token authentication (hashed, expiring, revocable), model
permissions, the `createtoken` command and the curators group, CSRF on session writes, and rate
limits per client."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.core.management import CommandError, call_command
from django.db import connection
from django.middleware.csrf import _get_new_csrf_string
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from knox.crypto import hash_token
from knox.models import AuthToken
from rest_framework.test import APIClient

from server.api.proxies import trusted_networks
from server.diplomacy.models import Source
from tests.server.writing import (
    API,
    PROBLEM,
    RESOURCES,
    client_with_token,
    counts,
    create_token,
    detail,
)

pytestmark = pytest.mark.django_db

NEW_SOURCE = {"title": "[Auth test]", "kind": "news"}


def post_source(client: APIClient) -> Any:
    return client.post(f"{API}/sources/", NEW_SOURCE, format="json")


def assert_unauthenticated(response: Any) -> None:
    assert response.status_code == 401, response.content
    assert response["WWW-Authenticate"] == "Token"
    assert response["Content-Type"] == PROBLEM
    assert response.json()["status"] == 401


# -- reads are public --------------------------------------------------------------------------


@pytest.mark.parametrize("resource", RESOURCES)
def test_reads_need_no_credentials(api, resource):
    for url in (f"{API}/{resource}/", detail(resource, 1), detail(resource, 1) + "history/"):
        assert api.get(url).status_code == 200, url
    assert api.head(detail(resource, 1)).status_code == 200


def test_reads_with_a_token_without_permissions_are_allowed(api):
    reader = client_with_token(create_token("reader"))
    assert reader.get(f"{API}/statements/").status_code == 200


# -- writes need a token of a user with the model permission -----------------------------------


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("post", f"{API}/sources/", NEW_SOURCE),
        ("put", detail("sources", 1), NEW_SOURCE),
        ("patch", detail("sources", 1), {"title": "[Changed]"}),
        ("delete", detail("officials", 10), None),
        ("post", detail("sources", 1) + "restore/", None),
    ],
)
def test_writes_without_credentials_are_401_with_the_token_challenge(api, method, url, body):
    before = counts()
    assert_unauthenticated(getattr(api, method)(url, body, format="json"))
    assert counts() == before


@pytest.mark.parametrize(
    "header",
    [
        "Token " + "0" * 64,
        "Token not-a-token",
        "Token",
        "Token two words",
        "Bearer abc",
        "Basic YWxpY2U6c2VjcmV0",
        "token",
    ],
)
def test_bad_or_foreign_credentials_are_401(api, header):
    create_token("alice", "--curator")
    api.credentials(HTTP_AUTHORIZATION=header)
    before = counts()
    assert_unauthenticated(post_source(api))
    assert counts() == before


def test_a_curators_token_under_another_scheme_is_401(api):
    token = create_token("alice", "--curator")
    for scheme in ("Bearer", "Basic"):
        api.credentials(HTTP_AUTHORIZATION=f"{scheme} {token}")
        assert_unauthenticated(post_source(api))


def test_the_token_scheme_is_case_insensitive(api):
    api.credentials(HTTP_AUTHORIZATION="token " + create_token("alice", "--curator"))
    assert post_source(api).status_code == 201


def test_an_expired_token_is_401(django_user_model):
    user = django_user_model.objects.create(username="late")
    user.groups.add(Group.objects.get(name="curators"))
    _, token = AuthToken.objects.create(user, expiry=dt.timedelta(seconds=-1))
    assert_unauthenticated(post_source(client_with_token(token)))


def test_a_token_that_expires_in_the_database_stops_working():
    token = create_token("alice", "--curator")
    client = client_with_token(token)
    assert post_source(client).status_code == 201
    AuthToken.objects.filter(user__username="alice").update(
        expiry=timezone.now() - dt.timedelta(minutes=1)
    )
    assert_unauthenticated(post_source(client))


def test_a_revoked_token_is_401():
    token = create_token("alice", "--curator")
    client = client_with_token(token)
    assert post_source(client).status_code == 201
    AuthToken.objects.filter(digest=hash_token(token)).delete()
    assert_unauthenticated(post_source(client))


def test_revoking_one_token_leaves_the_others():
    first, second = create_token("alice", "--curator"), create_token("alice")
    AuthToken.objects.filter(digest=hash_token(first)).delete()
    assert_unauthenticated(post_source(client_with_token(first)))
    assert post_source(client_with_token(second)).status_code == 201


def test_an_inactive_users_token_is_401(django_user_model):
    token = create_token("alice", "--curator")
    django_user_model.objects.filter(username="alice").update(is_active=False)
    assert_unauthenticated(post_source(client_with_token(token)))


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("post", f"{API}/sources/", NEW_SOURCE),
        ("put", detail("sources", 1), NEW_SOURCE),
        ("patch", detail("statements", 1), {"said": "2024"}),
        ("delete", detail("officials", 10), None),
        ("post", detail("sources", 1) + "restore/", None),
    ],
)
def test_a_token_without_the_permission_is_403(method, url, body):
    reader = client_with_token(create_token("reader"))
    before = counts()
    response = getattr(reader, method)(url, body, format="json")
    assert response.status_code == 403, response.content
    assert response["Content-Type"] == PROBLEM
    assert counts() == before


def test_each_write_needs_its_own_permission(django_user_model):
    client = client_with_token(create_token("editor"))
    user = django_user_model.objects.get(username="editor")
    user.user_permissions.add(Permission.objects.get(codename="change_source"))

    assert client.patch(detail("sources", 2), {"notes": "x"}, format="json").status_code == 200
    assert post_source(client).status_code == 403
    assert client.delete(detail("sources", 2)).status_code == 403
    assert client.patch(detail("contacts", 1), {"title": "x"}, format="json").status_code == 403


def test_a_curator_may_write_every_resource():
    curator = client_with_token(create_token("alice", "--curator"))
    created = post_source(curator)
    assert created.status_code == 201
    url = detail("sources", created.json()["id"])
    assert curator.patch(url, {"title": "[Renamed]"}, format="json").status_code == 200
    assert curator.put(url, NEW_SOURCE, format="json").status_code == 200
    assert curator.delete(url).status_code == 204
    assert curator.post(url + "restore/").status_code == 201
    for resource in ("officials", "contacts", "statements"):
        assert curator.patch(detail(resource, 1), {}, format="json").status_code == 200


def test_a_superusers_token_may_write(django_user_model):
    django_user_model.objects.create_superuser("root", password=None)
    assert post_source(client_with_token(create_token("root"))).status_code == 201


# -- createtoken -------------------------------------------------------------------------------


def run_createtoken(*arguments: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("createtoken", *arguments, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_createtoken_prints_only_the_token_and_creates_the_user(django_user_model):
    out, err = run_createtoken("bob")
    assert re.fullmatch(r"[0-9a-f]{64}\n", out), repr(out)
    assert "Created user bob" in err
    user = django_user_model.objects.get(username="bob")
    assert not user.has_usable_password()
    assert not user.groups.exists()

    again, err = run_createtoken("bob")
    assert again != out
    assert err == ""
    assert django_user_model.objects.filter(username="bob").count() == 1
    assert AuthToken.objects.filter(user=user).count() == 2


def test_createtoken_for_an_existing_user_keeps_the_user(django_user_model):
    user = django_user_model.objects.create_user("carol", password="a long passphrase 1")
    out, err = run_createtoken("carol", "--curator")
    assert err == ""
    user.refresh_from_db()
    assert user.check_password("a long passphrase 1")
    assert list(user.groups.values_list("name", flat=True)) == ["curators"]
    assert AuthToken.objects.get(user=user).digest == hash_token(out.strip())


def test_tokens_are_stored_hashed():
    token = run_createtoken("alice")[0].strip()
    row = AuthToken.objects.get(user__username="alice")
    assert row.digest == hash_token(token) != token
    stored = [str(value) for value in AuthToken.objects.values_list().get()]
    assert token not in stored
    assert not AuthToken.objects.filter(digest=token).exists()
    assert len(row.token_key) < len(token) // 2  # only a short lookup prefix is kept


def test_createtoken_expiry():
    now = timezone.now()
    run_createtoken("default")
    run_createtoken("forever", "--expires", "0")
    run_createtoken("week", "--expires", "7")
    expiry = dict(AuthToken.objects.values_list("user__username", "expiry"))
    assert expiry["forever"] is None
    assert abs(expiry["week"] - (now + dt.timedelta(days=7))) < dt.timedelta(minutes=1)
    assert abs(expiry["default"] - (now + dt.timedelta(days=90))) < dt.timedelta(minutes=1)


def test_a_token_that_never_expires_works():
    token = run_createtoken("alice", "--curator", "--expires", "0")[0].strip()
    assert post_source(client_with_token(token)).status_code == 201


def test_createtoken_refuses_a_negative_expiry(django_user_model):
    with pytest.raises(CommandError):
        run_createtoken("dave", "--expires", "-1")
    assert not django_user_model.objects.filter(username="dave").exists()
    assert not AuthToken.objects.exists()


def test_the_curators_group_may_do_everything_with_every_record():
    group = Group.objects.get(name="curators")
    # History and the change feed are the server's to write, never a curator's.
    models = [
        model
        for model in apps.get_app_config("diplomacy").get_models()
        if not model.__name__.startswith("Historical")
        and model.__name__ not in ("Change", "ChangeSequence")
    ]
    assert {model.__name__ for model in models} >= {
        "Official",
        "Position",
        "Source",
        "Contact",
        "Participant",
        "Statement",
        "Citation",
        "Topic",
    }
    wanted = {
        f"{action}_{model._meta.model_name}"
        for model in models
        for action in ("add", "change", "delete", "view")
    }
    granted = set(
        group.permissions.filter(content_type__app_label="diplomacy").values_list(
            "codename", flat=True
        )
    )
    assert granted == wanted


# -- session writes need CSRF ------------------------------------------------------------------


@pytest.fixture
def session_curator(django_user_model) -> APIClient:
    create_token("alice", "--curator")
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(django_user_model.objects.get(username="alice"))
    return client


def test_a_session_write_without_csrf_is_403(session_curator):
    before = counts()
    response = post_source(session_curator)
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert (
        session_curator.patch(detail("sources", 1), {"notes": "x"}, format="json").status_code
        == 403
    )
    assert session_curator.delete(detail("officials", 10)).status_code == 403
    assert counts() == before


def test_a_session_write_with_csrf_is_allowed(session_curator):
    secret = _get_new_csrf_string()
    session_curator.cookies["csrftoken"] = secret
    response = session_curator.post(
        f"{API}/sources/", NEW_SOURCE, format="json", HTTP_X_CSRFTOKEN=secret
    )
    assert response.status_code == 201, response.content


def test_a_session_read_needs_no_csrf(session_curator):
    assert session_curator.get(detail("sources", 1)).status_code == 200


# -- rate limits -------------------------------------------------------------------------------
# Every request counts before it is served (server/api/throttling.py): refused ones too.


@pytest.fixture
def low_rates(settings):
    settings.REQUEST_RATES = {"anonymous": "3/minute", "user": "5/minute"}
    return settings


def assert_throttled(response: Any) -> None:
    assert response.status_code == 429, response.content
    assert int(response["Retry-After"]) > 0
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == 429
    assert body["type"].endswith("/throttled")


def test_the_fourth_anonymous_request_in_a_minute_is_429(api, low_rates):
    for _ in range(3):
        assert api.get(f"{API}/sources/").status_code == 200
    assert_throttled(api.get(f"{API}/sources/"))
    assert_throttled(api.get(detail("officials", 1)))
    assert api.get(f"{API}/sources/", REMOTE_ADDR="192.0.2.7").status_code == 200


def test_wrong_tokens_count_towards_the_address_and_are_then_refused_unchecked(
    api, low_rates, django_assert_num_queries
):
    create_token("alice", "--curator")
    api.credentials(HTTP_AUTHORIZATION="Token " + "0" * 64)
    for _ in range(3):
        assert_unauthenticated(api.get(f"{API}/sources/"))
    # The address has used its rate guessing: the next guess is not even looked up.
    with django_assert_num_queries(1):  # the token's lookup, to know whose rate applies
        assert_throttled(post_source(api))
    api.credentials()
    assert_throttled(api.get(f"{API}/sources/"))


def test_every_refused_request_counts(api, low_rates):
    assert api.get(f"{API}/no-such-thing/").status_code == 404
    assert api.get(f"{API}/sources/", {"bogus": "1"}).status_code == 400
    assert_unauthenticated(post_source(api))
    assert_throttled(api.get(f"{API}/sources/"))


def test_a_valid_token_is_not_held_back_by_its_address(api, low_rates):
    curator = client_with_token(create_token("alice", "--curator"))
    for _ in range(4):
        api.get(f"{API}/sources/")
    assert_throttled(api.get(f"{API}/sources/"))
    assert curator.get(f"{API}/sources/").status_code == 200


def test_the_probes_are_never_throttled(api, low_rates):
    for _ in range(5):
        api.get(f"{API}/sources/")
    assert api.get("/healthz").status_code == 200
    assert api.get("/readyz").status_code == 200


def test_x_forwarded_for_is_ignored_without_trusted_proxies(api, low_rates):
    assert low_rates.TRUSTED_PROXIES == ()
    for number in range(3):
        response = api.get(f"{API}/sources/", HTTP_X_FORWARDED_FOR=f"198.51.100.{number}")
        assert response.status_code == 200
    assert_throttled(api.get(f"{API}/sources/", HTTP_X_FORWARDED_FOR="198.51.100.99"))
    assert_throttled(api.get(f"{API}/sources/"))


def test_x_forwarded_for_is_honoured_from_a_trusted_proxy(api, low_rates):
    # The test client's requests come from 127.0.0.1: here, the proxy.
    low_rates.TRUSTED_PROXIES = trusted_networks("127.0.0.1")
    for _ in range(3):
        response = api.get(f"{API}/sources/", HTTP_X_FORWARDED_FOR="198.51.100.1")
        assert response.status_code == 200
    assert_throttled(api.get(f"{API}/sources/", HTTP_X_FORWARDED_FOR="198.51.100.1"))
    # A client cannot escape by prepending addresses: only the proxy's own entry counts.
    forged = "203.0.113.9, 198.51.100.1"
    assert_throttled(api.get(f"{API}/sources/", HTTP_X_FORWARDED_FOR=forged))
    assert api.get(f"{API}/sources/", HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 200
    # A peer that is not the proxy is counted under its own address, whatever it forwards.
    for _ in range(3):
        response = api.get(
            f"{API}/sources/", REMOTE_ADDR="192.0.2.50", HTTP_X_FORWARDED_FOR="198.51.100.3"
        )
        assert response.status_code == 200
    assert_throttled(
        api.get(f"{API}/sources/", REMOTE_ADDR="192.0.2.50", HTTP_X_FORWARDED_FOR="198.51.100.4")
    )


def test_behind_two_trusted_proxies_the_client_is_the_first_address_before_them(api, low_rates):
    low_rates.TRUSTED_PROXIES = trusted_networks("127.0.0.1, 10.0.0.0/24")
    chain = "203.0.113.9, 198.51.100.1, 10.0.0.7"
    for _ in range(3):
        assert api.get(f"{API}/sources/", HTTP_X_FORWARDED_FOR=chain).status_code == 200
    assert_throttled(api.get(f"{API}/sources/", HTTP_X_FORWARDED_FOR="198.51.100.1, 10.0.0.9"))


def test_ipv6_clients_are_counted_by_their_64_block(api, low_rates):
    for host in range(1, 4):
        response = api.get(f"{API}/sources/", REMOTE_ADDR=f"2001:db8:1:2::{host}")
        assert response.status_code == 200
    assert_throttled(api.get(f"{API}/sources/", REMOTE_ADDR="2001:db8:1:2:ffff::1"))
    assert api.get(f"{API}/sources/", REMOTE_ADDR="2001:db8:1:3::1").status_code == 200


def test_token_holders_are_limited_per_user(low_rates):
    first = client_with_token(create_token("alice"))
    second = client_with_token(create_token("bob"))
    for _ in range(5):
        assert first.get(f"{API}/sources/").status_code == 200
    assert_throttled(first.get(f"{API}/sources/"))
    assert second.get(f"{API}/sources/").status_code == 200  # same address, another user


def test_a_token_is_looked_up_once_per_request():
    reader = client_with_token(create_token("reader"))
    with CaptureQueriesContext(connection) as queries:
        assert reader.get(f"{API}/sources/1/").status_code == 200
    token_lookups = [query for query in queries if "knox_authtoken" in query["sql"]]
    # The token, then the user's other tokens (knox removes expired ones): once each.
    assert len(token_lookups) == 2


def test_writes_are_limited_too(low_rates):
    curator = client_with_token(create_token("alice", "--curator"))
    for _ in range(5):
        assert post_source(curator).status_code == 201
    before = Source.objects.count()
    assert_throttled(post_source(curator))
    assert Source.objects.count() == before
