"""A database that cannot be reached gives a 503 with Retry-After, never a 500 (decision 0996).

The outage is simulated by making one database-touching function raise what the driver
raises when PostgreSQL is down or restarting. The real restart under load is
``benchmarks/fault_db_restart.py``.
"""

from __future__ import annotations

import sqlite3
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.signals import request_started
from django.db import InterfaceError, OperationalError, connection
from django.test import Client

from relata.accounts.models import ApiToken

if "postgresql" in settings.DATABASES["default"]["ENGINE"]:
    import psycopg

DOWN = OperationalError("connection to server at 127.0.0.1 port 5432 failed: Connection refused")


@pytest.mark.django_db
def test_page_whose_query_fails_answers_503_with_retry_after(logged_in_client: Client) -> None:
    # given the database stops answering while the overview is computed
    with mock.patch("relata.web.views.home_overview", side_effect=DOWN):
        # when the overview is opened
        response = logged_in_client.get("/")
    # then the user gets the "try again" page, not a server error
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Cache-Control"] == "no-store"
    page = response.content.decode()
    assert "The database cannot be reached; try again in a moment." in page
    assert "Temporarily unavailable" in page


@pytest.mark.django_db
def test_connection_lost_under_a_query_answers_503(logged_in_client: Client) -> None:
    # given a connection that dies under a query (the driver raises InterfaceError)
    lost = InterfaceError("connection already closed")
    with mock.patch("relata.web.views.home_overview", side_effect=lost):
        # when a page is requested
        response = logged_in_client.get("/")
    # then it is the same clean 503
    assert response.status_code == 503


@pytest.mark.django_db
def test_api_request_during_an_outage_gets_json_503(staff_user: User) -> None:
    # given a valid token, and a database that refuses connections while it is checked
    _token, raw = ApiToken.issue(user=staff_user, name="outage")
    client = Client()
    with mock.patch("relata.api.auth.token_user", side_effect=DOWN):
        # when the API is called
        response = client.get(
            "/api/customers/", headers={"Authorization": f"Bearer {raw}"}
        )
    # then the client gets a JSON 503 it can retry on
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response["Retry-After"] == "5"
    assert response.json() == {
        "detail": "The database cannot be reached; try again in a moment."
    }


@pytest.mark.django_db
def test_outage_while_loading_the_session_user_answers_503(logged_in_client: Client) -> None:
    # given the database goes away before the view runs: loading the logged-in user fails
    # inside the middleware stack (a real server does not re-raise, so neither does the client)
    logged_in_client.raise_request_exception = False
    with mock.patch("django.contrib.auth.middleware.auth.get_user", side_effect=DOWN):
        # when a page is requested
        response = logged_in_client.get("/customers/")
    # then Django's 500 is replaced by the 503 page
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "try again in a moment" in response.content.decode()


@pytest.mark.django_db
def test_page_in_dutch_during_an_outage_keeps_the_visitors_language(
    logged_in_client: Client,
) -> None:
    # given a visitor who reads Dutch and a database that cannot be reached
    with mock.patch("relata.web.views.home_overview", side_effect=DOWN):
        # when the overview is opened
        response = logged_in_client.get("/", headers={"Accept-Language": "nl"})
    # then the page is marked as Dutch (its texts follow the catalogue)
    assert response.status_code == 503
    assert '<html lang="nl">' in response.content.decode()


@pytest.mark.django_db
def test_other_errors_stay_server_errors(logged_in_client: Client) -> None:
    # given a view that fails for a reason other than the database connection
    logged_in_client.raise_request_exception = False
    with mock.patch("relata.web.views.home_overview", side_effect=ValueError("a bug")):
        # when the page is requested
        response = logged_in_client.get("/")
    # then it is not disguised as an outage
    assert response.status_code == 500
    assert not response.has_header("Retry-After")


@pytest.mark.django_db
def test_sqlite_error_that_is_a_bug_stays_a_server_error(logged_in_client: Client) -> None:
    # given SQLite reporting a missing table, which it also calls an OperationalError
    bug = OperationalError("no such table: customers_customer")
    bug.__cause__ = sqlite3.OperationalError("no such table: customers_customer")
    logged_in_client.raise_request_exception = False
    with mock.patch("relata.web.views.home_overview", side_effect=bug):
        # when the page is requested
        response = logged_in_client.get("/")
    # then it is reported as the bug it is, not as an outage
    assert response.status_code == 500


@pytest.mark.django_db
def test_sqlite_locked_database_answers_503(logged_in_client: Client) -> None:
    # given SQLite busy beyond its timeout with another writer
    locked = OperationalError("database is locked")
    locked.__cause__ = sqlite3.OperationalError("database is locked")
    with mock.patch("relata.web.views.home_overview", side_effect=locked):
        # when the page is requested
        response = logged_in_client.get("/")
    # then the user is asked to try again in a moment
    assert response.status_code == 503


@pytest.mark.django_db
def test_next_request_after_the_outage_works(logged_in_client: Client) -> None:
    # given one request that met the outage
    with mock.patch("relata.web.views.home_overview", side_effect=DOWN):
        failed = logged_in_client.get("/")
    # when the next request comes once the database answers again
    response = logged_in_client.get("/")
    # then it is served normally
    assert failed.status_code == 503
    assert response.status_code == 200


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"],
    reason="needs a database server whose backend can be terminated",
)
def test_dead_persistent_connection_is_replaced_when_the_next_request_starts() -> None:
    # given a persistent connection (CONN_MAX_AGE) whose server process went away, as after
    # a PostgreSQL restart
    assert connection.settings_dict["CONN_MAX_AGE"] > 0
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True
    connection.ensure_connection()
    dead_backend = connection.connection.info.backend_pid
    with psycopg.connect(
        dbname=connection.settings_dict["NAME"],
        host=connection.settings_dict["HOST"] or "127.0.0.1",
        port=connection.settings_dict["PORT"] or 5432,
        user=connection.settings_dict["USER"],
        autocommit=True,
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [dead_backend])
    # when the next request starts (what the WSGI handler signals) and queries
    request_started.send(sender=None)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    # then the health check found the connection dead and a fresh one answered
    assert backend != dead_backend
