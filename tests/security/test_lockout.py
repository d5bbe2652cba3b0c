"""Login throttling and lockout (django-axes), and the API's throttle on failed tokens
(issue 7, part 4; decision 0960)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.core.management import call_command
from django.http import HttpRequest
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone

from relata.accounts.models import ApiToken
from tests.api.conftest import ApiClient, user_with_role

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"
LOGIN = "/accounts/login/"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    """Every login attempt hashes a password; the production hasher would dominate the run."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def user(db: None) -> User:
    return User.objects.create_user("lena", password=PASSWORD)


def fail_logins(client: Client, username: str, times: int) -> None:
    for _attempt in range(times):
        client.post(LOGIN, {"username": username, "password": "wrong-password"})


def test_five_failures_lock_the_user_out_with_the_login_page(user: User) -> None:
    # given five failed logins
    client = Client()
    fail_logins(client, "lena", 5)
    # when the user then logs in with the right password
    response = client.post(LOGIN, {"username": "lena", "password": PASSWORD})
    # then the login page answers 429 with the lockout message, and nobody is logged in
    page = response.content.decode()
    assert response.status_code == 429
    assert 'id="lockout-message"' in page
    assert "Too many failed login attempts. You can try again in 15 minutes" in page
    assert 'id="id_username"' in page and 'value="lena"' in page
    assert not response.wsgi_request.user.is_authenticated
    assert "_auth_user_id" not in client.session


def test_four_failures_do_not_lock_and_a_success_resets_the_count(user: User) -> None:
    # given four failed logins, a successful one, and four more failures
    client = Client()
    fail_logins(client, "lena", 4)
    first = client.post(LOGIN, {"username": "lena", "password": PASSWORD})
    client.post("/accounts/logout/")
    fail_logins(client, "lena", 4)
    # when the user logs in again
    second = client.post(LOGIN, {"username": "lena", "password": PASSWORD})
    # then both logins succeed: the success in between reset the count
    assert first.status_code == 302
    assert second.status_code == 302


def test_lockout_is_per_username_and_address(user: User) -> None:
    # given lena locked out from one address
    User.objects.create_user("omar", password=PASSWORD)
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    fail_logins(attacker, "lena", 5)
    # when lena logs in from her own address, and omar from the attacker's
    lena = Client(REMOTE_ADDR="198.51.100.4").post(
        LOGIN, {"username": "lena", "password": PASSWORD}
    )
    omar = attacker.post(LOGIN, {"username": "omar", "password": PASSWORD})
    # then both get in
    assert lena.status_code == 302
    assert omar.status_code == 302


def test_lockout_ends_after_the_cool_off(user: User) -> None:
    # given a lockout whose attempts are sixteen minutes old
    client = Client()
    fail_logins(client, "lena", 5)
    locked = client.post(LOGIN, {"username": "lena", "password": PASSWORD})
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    # when the user tries again
    response = client.post(LOGIN, {"username": "lena", "password": PASSWORD})
    # then the lockout is over
    assert locked.status_code == 429
    assert response.status_code == 302


def test_admin_unlocks_with_the_axes_reset_command(user: User) -> None:
    # given a locked-out user
    client = Client()
    fail_logins(client, "lena", 5)
    # when an administrator runs `relata axes_reset_username lena`
    call_command("axes_reset_username", "lena", verbosity=0)
    response = client.post(LOGIN, {"username": "lena", "password": PASSWORD})
    # then the user can log in again
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()


def test_admin_site_lists_access_attempts(user: User) -> None:
    # given failed logins and an administrator
    fail_logins(Client(), "lena", 2)
    admin = User.objects.create_superuser("root", password=PASSWORD)
    client = Client()
    client.force_login(admin)
    # when the administrator opens the access attempts in the admin
    response = client.get("/admin/axes/accessattempt/")
    # then the attempts are listed with their username
    assert response.status_code == 200
    assert "lena" in response.content.decode()


def test_test_client_login_works_with_a_request_as_axes_documents(user: User) -> None:
    # given axes first among the authentication backends
    client = Client()
    # when a test logs in with a blank request, as django-axes documents
    logged_in = client.login(request=HttpRequest(), username="lena", password=PASSWORD)
    # then the login succeeds
    assert logged_in
    assert client.get("/").status_code == 200


def test_lockout_limits_come_from_the_environment(tmp_path: Path) -> None:
    # given the environment variables of the lockout
    env = {
        **os.environ,
        "RELATA_LOCKOUT_ATTEMPTS": "3",
        "RELATA_LOCKOUT_MINUTES": "30",
        "RELATA_DATA_DIR": str(tmp_path),
    }
    code = (
        "from relata.config import settings as s; "
        "print(s.AXES_FAILURE_LIMIT, int(s.AXES_COOLOFF_TIME.total_seconds()))"
    )
    # when the settings are read
    result = subprocess.run(  # noqa: S603  (our own interpreter and code)
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    # then they are the configured values
    assert result.stdout.split() == ["3", "1800"]


@override_settings(RELATA_API_AUTH_FAILURE_LIMIT=3, RELATA_API_AUTH_FAILURE_WINDOW=600)
def test_repeated_api_401s_from_one_address_get_429(user: User) -> None:
    # given three requests with a guessed token from one address
    guesser = ApiClient("rel_guessed-token")
    answers = [guesser.get("/api/customers/").status_code for _ in range(3)]
    _token, raw = ApiToken.issue(user=user, name="valid")
    # when the same address then sends a valid token
    response = ApiClient(raw).get("/api/customers/")
    # then the guesses got 401 and now the address gets 429 with Retry-After
    assert answers == [401, 401, 401]
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 600
    assert "try again in" in response.json()["detail"]


@override_settings(RELATA_API_AUTH_FAILURE_LIMIT=3)
def test_api_throttle_leaves_other_addresses_and_successes_alone(db: None) -> None:
    # given an address that guessed three times, and a user with a valid token
    guesser = ApiClient("rel_guessed-token")
    for _attempt in range(3):
        guesser.get("/api/customers/")
    seller = user_with_role("sales-throttle", "sales")
    _token, raw = ApiToken.issue(user=seller, name="valid")
    honest = ApiClient(raw)
    honest.client = Client(REMOTE_ADDR="198.51.100.4")
    # when the valid token is used many times from another address
    answers = {honest.get("/api/customers/").status_code for _ in range(5)}
    # then it is never throttled
    assert answers == {200}
