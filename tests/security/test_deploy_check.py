"""`relata check --deploy` is clean under the production settings, and they refuse to start
without their required variables (issue 7, part 4; decision 0960)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

CHECK = (
    "import django; django.setup(); "
    "from django.core.management import call_command; "
    "call_command('check', deploy=True, fail_level='WARNING')"
)


def run_with(
    env: dict[str, str], tmp_path: Path, code: str = CHECK
) -> subprocess.CompletedProcess[str]:
    # The browser tests' conftest sets DJANGO_ALLOW_ASYNC_UNSAFE for Playwright in this
    # process; a production server would not have it (and the deploy check refuses it).
    dropped = {"SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    base = {k: v for k, v in os.environ.items() if k not in dropped}
    full = {
        **base,
        "DJANGO_SETTINGS_MODULE": "relata.config.production",
        "RELATA_DATA_DIR": str(tmp_path),
        **env,
    }
    return subprocess.run(  # noqa: S603  (our own interpreter and code)
        [sys.executable, "-c", code], env=full, capture_output=True, text=True, timeout=120
    )


def test_deploy_check_is_clean_under_production_settings(tmp_path: Path) -> None:
    # given the production settings with a random secret key and a host name
    env = {"SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "crm.example.nl"}
    # when Django's deployment check runs, failing on warnings
    result = run_with(env, tmp_path)
    # then it finds no issues
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_deploy_check_is_clean_behind_a_proxy_that_redirects(tmp_path: Path) -> None:
    # given a proxy that redirects to https itself, and no HSTS preload
    env = {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "crm.example.nl",
        "RELATA_SSL_REDIRECT": "0",
        "RELATA_HSTS_PRELOAD": "0",
    }
    # when the deployment check runs
    result = run_with(env, tmp_path)
    # then it is clean too: both choices are deliberate
    assert result.returncode == 0, result.stderr


def test_the_relata_command_follows_django_settings_module(tmp_path: Path) -> None:
    # given the production settings chosen through DJANGO_SETTINGS_MODULE
    env = {"SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "crm.example.nl"}
    code = (
        "import sys; from relata.cli import main; "
        "sys.argv = ['relata', 'diffsettings', '--output', 'unified']; main()"
    )
    # when `relata diffsettings` runs
    result = run_with(env, tmp_path, code)
    # then it reports the production values
    assert result.returncode == 0, result.stderr
    assert "+ SESSION_COOKIE_SECURE = True" in result.stdout
    assert "+ SECURE_HSTS_SECONDS = 31536000" in result.stdout


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"ALLOWED_HOSTS": "crm.example.nl"}, "SECRET_KEY"),
        ({"SECRET_KEY": "too-short", "ALLOWED_HOSTS": "crm.example.nl"}, "SECRET_KEY"),
        ({"SECRET_KEY": secrets.token_urlsafe(50)}, "ALLOWED_HOSTS"),
    ],
)
def test_production_settings_refuse_to_start_without_their_variables(
    env: dict[str, str], named: str, tmp_path: Path
) -> None:
    # given production settings missing a required variable
    # when Django starts
    result = run_with(env, tmp_path)
    # then it stops with a message naming the variable
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"{named} must" in result.stderr
