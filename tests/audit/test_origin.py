"""Origin: source, client address, browser and actor of web, API and command-line writes."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client, RequestFactory

from relata.accounts.models import ApiToken
from relata.audit.middleware import client_ip
from relata.audit.models import AuditEntry
from relata.audit.services import origin
from relata.cli import main as relata_main
from relata.customers.models import Customer
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_a_web_request_records_source_address_browser_and_user(admin_user: User) -> None:
    # given an administrator signed in from a browser
    client = Client(REMOTE_ADDR="198.51.100.23", HTTP_USER_AGENT="Mozilla/5.0 Test")
    client.force_login(admin_user)
    # when they add a customer through the form
    response = client.post(
        "/customers/new/", {"kind": "person", "last_name": "Visser", "country": "NL"}
    )
    # then the create entry says web, their address and browser, and who
    assert response.status_code == 302, response.content[:500]
    customer = Customer.objects.get(last_name="Visser")
    entry = AuditEntry.objects.get(customer_id=customer.pk, action="create")
    assert entry.source == "web"
    assert entry.ip_address == "198.51.100.23"
    assert entry.user_agent == "Mozilla/5.0 Test"
    assert entry.actor == admin_user and entry.actor_name == "alice-admin"


def test_an_api_request_with_a_token_records_api_and_the_tokens_user(sales_user: User) -> None:
    # given a token of a sales user and a customer
    customer = CustomerFactory()
    _token, raw = ApiToken.issue(user=sales_user, name="shop")
    client = Client(REMOTE_ADDR="203.0.113.5", HTTP_USER_AGENT="shop-sync/2.1")
    # when the client records a consent through the API
    response = client.post(
        f"/api/customers/{customer.pk}/consents",
        {"channel": "email", "purpose": "newsletter", "granted": True, "source": "shop"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw}"},
    )
    # then the consent entry says api, the client's address, and the token's user
    assert response.status_code == 201, response.content
    entry = AuditEntry.objects.get(customer_id=customer.pk, action="consent")
    assert (entry.source, entry.ip_address, entry.user_agent) == (
        "api",
        "203.0.113.5",
        "shop-sync/2.1",
    )
    assert entry.actor == sales_user


def test_forwarded_for_counts_only_from_a_trusted_proxy(settings: Any) -> None:
    # given a proxy on 10.0.0.0/8 that the installation trusts
    settings.RELATA_TRUSTED_PROXIES = ["10.0.0.0/8"]
    factory = RequestFactory()
    via_proxy = factory.get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.1, 198.51.100.9, 10.0.0.7"
    )
    direct = factory.get("/", REMOTE_ADDR="198.51.100.50", HTTP_X_FORWARDED_FOR="192.0.2.99")
    garbage = factory.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="not-an-ip")
    # when / then: through the proxy, the right-most untrusted hop is the client
    assert client_ip(via_proxy) == "198.51.100.9"
    # a client talking directly cannot pretend to be someone else
    assert client_ip(direct) == "198.51.100.50"
    # a malformed header falls back to the peer
    assert client_ip(garbage) == "10.0.0.2"


def test_forwarded_for_is_ignored_without_trusted_proxies(settings: Any) -> None:
    # given no trusted proxies
    settings.RELATA_TRUSTED_PROXIES = []
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.1")
    # when / then the peer is the client
    assert client_ip(request) == "10.0.0.2"


def test_a_command_records_the_command_line_and_the_os_user(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given an operator "ops" running a command that creates a user (run in this process
    # through call_command: the real runner closes the test database connection at its end)
    monkeypatch.setattr("getpass.getuser", lambda: "ops")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-operator-password")
    monkeypatch.setattr(
        "django.core.management.execute_from_command_line",
        lambda argv: call_command(argv[1], *argv[2:]),
    )
    # when `relata createsuperuser` runs
    relata_main(["createsuperuser", "--noinput", "--username", "root2", "--email", "r@x.nl"])
    # then the user's creation is recorded from the command line, by cli:ops
    user = User.objects.get(username="root2")
    entry = AuditEntry.objects.get(object_type="auth.user", object_id=str(user.pk), action="create")
    assert entry.source == "cli"
    assert entry.actor is None and entry.actor_name == "cli:ops"
    assert entry.user_agent == "relata createsuperuser"
    assert "r@x.nl" not in str(entry.changes)


def test_code_outside_a_request_or_command_is_the_system() -> None:
    # given / when a customer is created by code with no origin
    customer = CustomerFactory()
    # then the entry's source is the system and nobody is named
    entry = AuditEntry.objects.get(customer_id=customer.pk)
    assert entry.source == "system" and entry.actor is None and entry.actor_name == ""


def test_a_commands_own_cli_origin_keeps_the_operator_of_the_console_script() -> None:
    # given the console script's origin for operator "ops"
    # when the command sets a command-line origin of its own inside it
    with origin("cli", actor_name="cli:ops", user_agent="relata backup"), origin("cli"):
        customer = CustomerFactory()
    # then the entry still names the operator and the command
    entry = AuditEntry.objects.get(customer_id=customer.pk)
    assert (entry.source, entry.actor_name, entry.user_agent) == (
        "cli",
        "cli:ops",
        "relata backup",
    )
