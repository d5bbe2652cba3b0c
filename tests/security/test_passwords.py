"""Password validation: Django's validators with a 12-character minimum, shown on the
password change page (issue 7, part 4; decision 0960)."""

from __future__ import annotations

import importlib
from html import unescape

import pytest
from django.contrib.auth.models import User
from django.test import Client

pytestmark = pytest.mark.django_db

OLD = "a-long-test-password"


def change_password(client: Client, new: str) -> str:
    response = client.post(
        "/accounts/password/",
        {"old_password": OLD, "new_password1": new, "new_password2": new},
    )
    return unescape(response.content.decode())


@pytest.mark.parametrize(
    ("weak", "message"),
    [
        ("Sh0rt-pass", "This password is too short. It must contain at least 12 characters."),
        ("qwerty123456", "This password is too common."),
        ("830174659210", "This password is entirely numeric."),
    ],
)
def test_a_weak_password_is_refused_with_the_validators_message(
    logged_in_client: Client, staff_user: User, weak: str, message: str
) -> None:
    # given a logged-in user
    # when they choose a weak new password
    page = change_password(logged_in_client, weak)
    # then the page names the reason and the old password still works
    assert message in page
    staff_user.refresh_from_db()
    assert staff_user.check_password(OLD)


def test_a_strong_password_is_accepted(logged_in_client: Client, staff_user: User) -> None:
    # when the user chooses a long, uncommon password
    page = logged_in_client.post(
        "/accounts/password/",
        {
            "old_password": OLD,
            "new_password1": "Kade-Lantaarn-47",
            "new_password2": "Kade-Lantaarn-47",
        },
    )
    # then it is saved
    assert page.status_code == 302
    staff_user.refresh_from_db()
    assert staff_user.check_password("Kade-Lantaarn-47")


def test_the_change_page_shows_the_rules(logged_in_client: Client) -> None:
    # when the user opens the password change page
    page = unescape(logged_in_client.get("/accounts/password/").content.decode())
    # then it is Relata's page (not the admin's of the same name), with styled fields
    assert 'id="user-menu"' in page
    assert 'class="form-control"' in page
    # and the rules are listed under the new password field
    assert "Your password must contain at least 12 characters." in page
    assert "Your password can’t be a commonly used password." in page
    assert "Your password can’t be entirely numeric." in page


def test_production_never_accepts_fewer_than_twelve_characters(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given production settings with a shorter minimum asked for in the environment
    monkeypatch.setenv("SECRET_KEY", "k" * 25 + "-production-test-secret-key-0123456789")
    monkeypatch.setenv("ALLOWED_HOSTS", "crm.example.nl")
    monkeypatch.setenv("RELATA_PASSWORD_MIN_LENGTH", "8")
    settings_module = importlib.reload(importlib.import_module("relata.config.settings"))
    # when the production settings are loaded
    production = importlib.reload(importlib.import_module("relata.config.production"))
    # then the minimum length stays 12
    minimum = [
        v["OPTIONS"]["min_length"]
        for v in production.AUTH_PASSWORD_VALIDATORS
        if v["NAME"].endswith("MinimumLengthValidator")
    ]
    assert settings_module.PASSWORD_MIN_LENGTH == 8
    assert minimum == [12]
    monkeypatch.delenv("RELATA_PASSWORD_MIN_LENGTH")
    importlib.reload(settings_module)
