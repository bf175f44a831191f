"""The admin's sign-in resists password guessing: django-axes locks a username out from an address
after AXES_FAILURE_LIMIT failures, for AXES_COOLOFF_TIME, even for the right password; a success
clears the count. Driven through the admin's own login form."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.test import Client

from server.api.proxies import trusted_networks

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"
PASSWORD = "a long passphrase for the admin"


@pytest.fixture(autouse=True)
def _fast_hashing(settings) -> None:
    # The count and the lockout are what is tested, not the hash: a cheap one keeps it quick.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def staff(django_user_model: Any) -> Any:
    return django_user_model.objects.create_user("keeper", password=PASSWORD, is_staff=True)


@pytest.fixture
def limit(settings) -> int:
    settings.AXES_FAILURE_LIMIT = 3
    return 3


def sign_in(client: Client, password: str, username: str = "keeper", **extra: Any) -> Any:
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def signed_in(client: Client) -> bool:
    return client.get("/admin/").status_code == 200


def assert_locked(response: Any) -> None:
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert b"cannot sign in from your address" in response.content


def test_the_form_signs_a_curator_in(client, staff, limit):
    response = sign_in(client, PASSWORD)
    assert response.status_code == 302
    assert signed_in(client)


def test_wrong_passwords_lock_the_username_out_even_for_the_right_one(client, staff, limit):
    for _ in range(limit - 1):
        response = sign_in(client, "guess")
        assert response.status_code == 200  # the form again, with its error
        assert b"Please enter the correct username and password" in response.content
    assert_locked(sign_in(client, "guess"))
    assert_locked(sign_in(client, PASSWORD))
    assert not signed_in(client)


def test_the_lockout_holds_one_username_at_one_address(client, staff, limit, django_user_model):
    django_user_model.objects.create_user("other", password=PASSWORD, is_staff=True)
    for _ in range(limit):
        sign_in(client, "guess")
    assert_locked(sign_in(client, PASSWORD))
    # The same curator from another address, and another curator from this one, sign in.
    elsewhere = Client()
    assert sign_in(elsewhere, PASSWORD, REMOTE_ADDR="192.0.2.20").status_code == 302
    assert sign_in(Client(), PASSWORD, username="other").status_code == 302


def test_a_forged_forwarded_address_does_not_escape_the_lockout(client, staff, limit):
    for number in range(limit):
        sign_in(client, "guess", HTTP_X_FORWARDED_FOR=f"198.51.100.{number}")
    assert_locked(sign_in(client, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.99"))


def test_behind_a_trusted_proxy_the_lockout_holds_the_client_it_reports(
    client, staff, limit, settings
):
    settings.TRUSTED_PROXIES = trusted_networks("127.0.0.1")
    for _ in range(limit):
        sign_in(client, "guess", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert_locked(sign_in(client, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.1"))
    # Another client behind the same proxy is not held by it.
    assert sign_in(Client(), PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 302
    assert AccessAttempt.objects.get().ip_address == "198.51.100.1"


def test_after_the_cool_off_the_right_password_works_and_clears_the_count(
    client, staff, limit, settings
):
    for _ in range(limit):
        sign_in(client, "guess")
    assert_locked(sign_in(client, PASSWORD))
    # The cool-off has passed.
    AccessAttempt.objects.update(attempt_time=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
    assert sign_in(client, PASSWORD).status_code == 302
    assert not AccessAttempt.objects.exists()


def test_a_success_clears_the_failures_before_it(client, staff, limit):
    for _ in range(limit - 1):
        sign_in(client, "guess")
    assert sign_in(client, PASSWORD).status_code == 302
    client.post("/admin/logout/")
    for _ in range(limit - 1):
        assert sign_in(client, "guess").status_code == 200
    assert sign_in(client, PASSWORD).status_code == 302


def test_the_defaults_are_sensible(settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    assert dt.timedelta(minutes=15) == settings.AXES_COOLOFF_TIME
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AXES_RESET_ON_SUCCESS
