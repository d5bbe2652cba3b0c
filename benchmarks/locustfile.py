"""Locust users for ``benchmarks/load_test.py``: staff who browse and log contact moments.

Each simulated user takes over the browser session of its own account, which
``load_test.py`` logged in through the login form just before (keeping the session cookie
and CSRF token, as a browser does), then repeats, with 1–3 s of thinking between clicks:
the overview, the customer list, a search, a customer's file, a report page (the value
dashboard), the task inbox, and logging a contact moment on the customer's file through
the same htmx form POST the page sends (with the CSRF token).

Every request counts as failed unless it answers 2xx/3xx (redirects followed, but not to
the login page) and, for a contact moment, the answer says it was logged. Each contact
moment's subject carries the run's marker, so ``load_test.py`` can count the rows really
written afterwards.

The plan (sessions, customer ids, search terms, marker) comes from the JSON file named by
``RELATA_LOAD_PLAN``; the outcome (every request's name, time and success, and the number
of contact moments the server confirmed) is written to ``RELATA_LOAD_RESULTS`` when the
test stops. Run it through ``load_test.py``, which prepares both.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import threading
from datetime import datetime
from typing import Any

from locust import HttpUser, between, events, task

PLAN: dict[str, Any] = {}
if os.environ.get("RELATA_LOAD_PLAN"):
    with open(os.environ["RELATA_LOAD_PLAN"], encoding="utf-8") as _plan_file:
        PLAN = json.load(_plan_file)

TIMEOUT = float(PLAN.get("timeout", 30))
LOGGED = "Contact moment logged."

_lock = threading.Lock()
_accounts = itertools.count()
_samples: list[tuple[str, float, bool]] = []
_confirmed_writes = 0
_sequence = itertools.count(1)


@events.request.add_listener
def _record(
    request_type: str, name: str, response_time: float, exception: Any, **_kwargs: Any
) -> None:
    with _lock:
        _samples.append((f"{request_type} {name}", response_time, exception is None))


@events.user_error.add_listener
def _record_task_error(user_instance: Any, exception: Exception, **_kwargs: Any) -> None:
    """An exception in a task outside a request (which locust only logs) is an error too."""
    with _lock:
        _samples.append((f"task error {type(exception).__name__}", 0.0, False))


@events.test_stop.add_listener
def _write_results(**_kwargs: Any) -> None:
    path = os.environ.get("RELATA_LOAD_RESULTS")
    if not path:
        return
    with _lock, open(path, "w", encoding="utf-8") as stream:
        json.dump({"samples": _samples, "confirmed_writes": _confirmed_writes}, stream)


class StaffUser(HttpUser):
    """One member of staff with their own account and browser session."""

    wait_time = between(1, 3)

    def on_start(self) -> None:
        """Take over one account's browser session: ``load_test.py`` logged every account
        in through the login form before the timed run (Django's password hashing makes 50
        logins at once a test of their own), so each user keeps that session cookie and
        CSRF token, as a browser does."""
        session = PLAN["sessions"][next(_accounts) % len(PLAN["sessions"])]
        self.username = session["username"]
        for cookie in session["cookies"]:
            self.client.cookies.set(
                cookie["name"], cookie["value"], domain=cookie["domain"], path=cookie["path"]
            )
        self.customer_id = random.choice(PLAN["customer_ids"])

    def _get(self, path: str, name: str) -> None:
        with self.client.get(path, name=name, catch_response=True, timeout=TIMEOUT) as response:
            if not 200 <= response.status_code < 400:
                response.failure(f"status {response.status_code}")
            elif "/accounts/login/" in response.url:
                response.failure("sent to the login page: the session was lost")

    @task(2)
    def overview(self) -> None:
        self._get("/", "overview")

    @task(3)
    def customer_list(self) -> None:
        self._get(f"/customers/?page={random.randint(1, 20)}", "customer list")

    @task(3)
    def search(self) -> None:
        self._get(f"/customers/?q={random.choice(PLAN['search_terms'])}", "search")

    @task(4)
    def customer_file(self) -> None:
        self.customer_id = random.choice(PLAN["customer_ids"])
        self._get(f"/customers/{self.customer_id}/", "customer file")

    @task(1)
    def report(self) -> None:
        self._get("/value/", "value report")

    @task(2)
    def task_inbox(self) -> None:
        self._get("/tasks/", "task inbox")

    @task(3)
    def log_contact_moment(self) -> None:
        global _confirmed_writes
        csrf = self.client.cookies.get("csrftoken", "")
        subject = f"{PLAN['marker']} {self.username} #{next(_sequence)}"
        with self.client.post(
            f"/contacts/log/{self.customer_id}/",
            {
                "csrfmiddlewaretoken": csrf,
                "channel": random.choice(["phone", "email", "visit"]),
                "direction": "inbound",
                "touchpoint": "service",
                "office": "front",
                "subject": subject,
                "outcome": "resolved",
                "notes": "Load test",
                "occurred_at": datetime.now().strftime("%Y-%m-%dT%H:%M"),
                "follow_up_assign": "route",
            },
            headers={"HX-Request": "true", "X-CSRFToken": csrf},
            name="log contact moment",
            catch_response=True,
            timeout=TIMEOUT,
        ) as response:
            if response.status_code != 200 or LOGGED not in response.text:
                response.failure(f"not logged ({response.status_code})")
                return
            with _lock:
                _confirmed_writes += 1
