"""X-Forwarded-* headers are believed only from the proxies DETENTE_TRUSTED_PROXIES lists.

A client's own ``X-Forwarded-Proto: https`` or ``X-Forwarded-Host`` would otherwise rewrite
every link of an answer that proxies and CDNs cache for everyone (``Cache-Control: public``).
"""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ImproperlyConfigured

from server.api.proxies import trusted_networks
from tests.serving import call, gunicorn, seeded_database

pytestmark = pytest.mark.django_db

FORWARDED = {"HTTP_X_FORWARDED_PROTO": "https", "HTTP_X_FORWARDED_HOST": "localhost"}


def test_a_clients_forwarded_headers_change_no_link_by_default(api, settings):
    assert settings.TRUSTED_PROXIES == ()
    response = api.get("/api/v1/sources/1/", **FORWARDED)
    assert response.status_code == 200
    assert response.json()["url"] == "http://testserver/api/v1/sources/1/"
    assert "public" in response["Cache-Control"]
    listed = api.get("/api/v1/sources/", **FORWARDED).json()
    assert all(item["url"].startswith("http://testserver/") for item in listed["results"])


def test_a_trusted_proxys_forwarded_headers_give_the_links_it_served(api, settings):
    # The test client's requests come from 127.0.0.1.
    settings.TRUSTED_PROXIES = trusted_networks("127.0.0.1")
    response = api.get("/api/v1/sources/1/", **FORWARDED)
    assert response.json()["url"] == "https://localhost/api/v1/sources/1/"
    # A host the deployment does not serve is refused, whoever forwards it.
    assert api.get("/api/v1/sources/1/", HTTP_X_FORWARDED_HOST="evil.example").status_code == 400


def test_another_peer_is_not_the_proxy(api, settings):
    settings.TRUSTED_PROXIES = trusted_networks("10.0.0.0/24")
    response = api.get("/api/v1/sources/1/", REMOTE_ADDR="192.0.2.8", **FORWARDED)
    assert response.json()["url"] == "http://testserver/api/v1/sources/1/"
    proxied = api.get("/api/v1/sources/1/", REMOTE_ADDR="10.0.0.3", **FORWARDED)
    assert proxied.json()["url"] == "https://localhost/api/v1/sources/1/"


@pytest.mark.parametrize("value", ["1", "0", "proxy.internal", "10.0.0.300"])
def test_trusted_proxies_are_addresses_or_networks(value):
    with pytest.raises(ImproperlyConfigured):
        trusted_networks(value)


def test_trusted_proxies_read_as_networks():
    assert [str(network) for network in trusted_networks(" 10.0.0.2, 10.1.0.0/16 ,::1")] == [
        "10.0.0.2/32",
        "10.1.0.0/16",
        "::1/128",
    ]
    assert trusted_networks("") == ()


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    return seeded_database(tmp_path_factory.mktemp("forwarded-db"))


def _link(base: str) -> str:
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "localhost"}
    answer = call(base, "/api/v1/sources/1/", headers=headers)
    assert answer.status == 200
    return str(json.loads(answer.body)["url"])


def test_the_production_server_keeps_a_clients_forwarded_headers_out_of_its_links(database):
    with gunicorn(database) as base:
        assert _link(base) == f"{base}/api/v1/sources/1/"


def test_the_production_server_behind_a_configured_proxy_links_as_the_proxy_says(database):
    with gunicorn(database, environment={"DETENTE_TRUSTED_PROXIES": "127.0.0.1"}) as base:
        assert _link(base) == "https://localhost/api/v1/sources/1/"
