"""Security headers, the Content-Security-Policy and its nonces, and production cookies
(issue 7, part 4; decision 0960)."""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.test.utils import override_settings

import relata
from tests.factories import ContactMomentFactory, CustomerFactory
from tests.feedback.survey_support import make_survey

pytestmark = pytest.mark.django_db

TEMPLATES = sorted(Path(relata.__file__).parent.glob("*/templates/**/*.html"))
# An opening <script> tag that runs inline code: no src, no nonce, and not a JSON data block.
INLINE_SCRIPT = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*\bnonce=)(?![^>]*application/json)[^>]*>"
)
INLINE_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
NONCE = re.compile(r"'nonce-([^']+)'")


def policy(response: Any) -> dict[str, list[str]]:
    """The Content-Security-Policy header as directive -> sources."""
    directives = [part.split() for part in response["Content-Security-Policy"].split(";")]
    return {words[0]: words[1:] for words in directives if words}


def test_pages_carry_the_policy_and_the_security_headers(logged_in_client: Client) -> None:
    # when a logged-in user opens the overview
    response = logged_in_client.get("/")
    # then the policy allows only this server's scripts, styles and images, and no framing
    csp = policy(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"][0] == "'self'"
    assert csp["style-src-elem"] == ["'self'"]
    assert csp["style-src-attr"] == ["'unsafe-inline'"]
    assert csp["img-src"] == ["'self'", "data:"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]
    assert csp["base-uri"] == ["'self'"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert "'unsafe-inline'" not in csp["script-src"]
    # and the other security headers are set
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_the_login_page_carries_the_policy_too() -> None:
    # when an anonymous visitor opens the login page
    response = Client().get("/accounts/login/")
    # then it has the same policy
    assert response.status_code == 200
    assert policy(response)["frame-ancestors"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"


def test_an_inline_script_carries_the_nonce_of_its_response(logged_in_client: Client) -> None:
    # given the page that hands a survey link over (it has an inline script)
    moment = ContactMomentFactory(customer=CustomerFactory())
    survey = make_survey()
    # when it is shown twice
    pages = [
        logged_in_client.post(
            f"/surveys/send/contact/{moment.pk}/",
            {"survey": survey.pk, "about": f"contact:{moment.pk}", "how": "link"},
        )
        for _ in range(2)
    ]
    # then each script tag carries the nonce of its own response's policy, new each time
    nonces = []
    for page in pages:
        match = NONCE.search(" ".join(policy(page)["script-src"]))
        assert match is not None
        nonces.append(match.group(1))
        assert f'<script nonce="{match.group(1)}">' in page.content.decode()
    assert nonces[0] != nonces[1]


def test_no_template_has_inline_code_the_policy_would_block() -> None:
    # given every template of the project
    assert len(TEMPLATES) > 50
    # when they are searched for inline scripts without a nonce and inline event handlers
    scripts = [str(t) for t in TEMPLATES if INLINE_SCRIPT.search(t.read_text())]
    handlers = [str(t) for t in TEMPLATES if INLINE_HANDLER.search(t.read_text())]
    # then there are none (use data-confirm, data-autosubmit or a nonce'd script instead)
    assert scripts == []
    assert handlers == []


def test_api_docs_page_gets_the_policy(logged_in_client: Client) -> None:
    # when a user opens the API documentation (Swagger UI, scripts from static files)
    response = logged_in_client.get("/api/docs")
    # then it is served under the same policy
    assert response.status_code == 200
    assert policy(response)["script-src"][0] == "'self'"


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The security settings of relata.config.production, loaded with its required variables."""
    monkeypatch.setenv("SECRET_KEY", "k" * 25 + "-production-test-secret-key-0123456789")
    monkeypatch.setenv("ALLOWED_HOSTS", "crm.example.nl")
    module = importlib.reload(importlib.import_module("relata.config.production"))
    names = [
        "DEBUG",
        "ALLOWED_HOSTS",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "SESSION_COOKIE_AGE",
        "SESSION_EXPIRE_AT_BROWSER_CLOSE",
        "SECURE_SSL_REDIRECT",
        "SECURE_PROXY_SSL_HEADER",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
    ]
    return {name: getattr(module, name) for name in names}


def test_production_cookies_are_secure_and_http_only(
    production: dict[str, Any], staff_user: User
) -> None:
    # given the production settings and a request over https through the proxy
    with override_settings(**production):
        client = Client(HTTP_HOST="crm.example.nl", HTTP_X_FORWARDED_PROTO="https")
        # when the user logs in
        response = client.post(
            "/accounts/login/", {"username": "sam", "password": "a-long-test-password"}
        )
    # then the session cookie is Secure and HttpOnly, the CSRF cookie Secure, and HSTS is on
    assert response.status_code == 302
    session = response.cookies["sessionid"]
    assert session["secure"] and session["httponly"]
    assert session["max-age"] == ""  # ends when the browser closes
    assert response.cookies["csrftoken"]["secure"]
    hsts = response["Strict-Transport-Security"]
    assert hsts == "max-age=31536000; includeSubDomains; preload"


def test_production_redirects_plain_http_to_https(production: dict[str, Any]) -> None:
    # given the production settings
    with override_settings(**production):
        # when a page is asked for over plain http
        response = Client(HTTP_HOST="crm.example.nl").get("/accounts/login/")
    # then the answer is a permanent redirect to https
    assert response.status_code == 301
    assert response["Location"] == "https://crm.example.nl/accounts/login/"
