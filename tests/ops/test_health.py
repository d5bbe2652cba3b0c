"""``GET /healthz``: public, 200 when the database answers, 503 when it does not."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client


@pytest.mark.django_db
def test_health_check_answers_ok_without_a_login() -> None:
    # given an anonymous client (a load balancer) and a reachable database
    client = Client()
    # when it asks for the health endpoint
    response = client.get("/healthz")
    # then it gets 200 and a small JSON body, never cached
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_health_check_answers_503_when_the_database_is_down() -> None:
    # given a database connection whose queries fail as when PostgreSQL is restarting
    broken = mock.MagicMock()
    broken.cursor.side_effect = OperationalError("connection refused by 127.0.0.1:5432")
    with mock.patch("relata.web.health.connection", broken):
        # when the health endpoint is asked
        response = Client().get("/healthz")
    # then it answers 503 without leaking the error text, and the connection is dropped
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unavailable"}
    assert "5432" not in response.content.decode()
    broken.close_if_unusable_or_obsolete.assert_called_once_with()


@pytest.mark.django_db
def test_health_check_accepts_head_but_refuses_writes() -> None:
    # given an anonymous client
    client = Client()
    # when it sends HEAD and POST
    head = client.head("/healthz")
    post = client.post("/healthz")
    # then HEAD is answered like GET and POST is not allowed
    assert head.status_code == 200
    assert post.status_code == 405
