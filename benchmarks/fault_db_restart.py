"""PostgreSQL restarted under load: requests fail cleanly (503) and Relata recovers by itself
(issue 7, part 6; decision 0996).

    .venv/bin/python benchmarks/fault_db_restart.py \\
        --database-url postgres://postgres@127.0.0.1:5439/relata_faults --cluster "15 faults"

Prepares the database as ``load_test.py`` does (5,000 demo customers on first use), starts
gunicorn on 127.0.0.1, logs in ``--clients`` staff (one thread and session each), and lets
them open customer files and lists and log contact moments (the htmx form POST, with the
CSRF token) with ``--think`` seconds between clicks. After ``--before`` seconds it restarts
the PostgreSQL cluster (``pg_ctlcluster VERSION NAME restart``, as root; or, with
``--down-for N``, stops it for N seconds and starts it again) and keeps going for ``--after``
seconds. gunicorn is never restarted. "PostgreSQL back" is when ``pg_ctlcluster`` returns;
the server may accept connections a little earlier.

Reports every failed request by status and by time relative to the restart, the longest
request, the first success after PostgreSQL is back and the last failure, and the contact
moments the server confirmed against the rows carrying this run's marker. PASS requires:
every failure a 503 (no 500, no connection error, no request over ``--timeout``), requests
succeeding again within ``--recover-within`` seconds after PostgreSQL is back, and the rows
written equal to the confirmed POSTs.

Restarting a cluster disturbs everything that uses it: point ``--cluster`` at a cluster of
its own (``pg_createcluster 15 faults --port 5439 && pg_ctlcluster 15 faults start``). The
script refuses to run when the cluster's port differs from the database URL's.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

# The helpers of the sibling script load_test.py (benchmarks/ is not a package).
sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_test import (
    django_env,
    fmt_load,
    gunicorn,
    load_accounts,
    load_plan,
    login,
    machine,
    prepare,
    written_rows,
)

LOGGED = "Contact moment logged."


@dataclass
class Outcome:
    name: str
    started: float  # seconds since the clock started
    seconds: float
    status: str  # HTTP status, or the exception's class name
    ok: bool


@dataclass
class Timeline:
    started: float = field(default_factory=time.monotonic)
    outcomes: list[Outcome] = field(default_factory=list)
    confirmed_writes: int = 0
    # subject of each contact-moment POST -> "confirmed" or the status it failed with
    posted: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def now(self) -> float:
        return time.monotonic() - self.started


class Client(threading.Thread):
    """One member of staff: logs in, then opens files and lists and logs contact moments."""

    def __init__(self, base: str, username: str, plan: dict[str, Any], timeline: Timeline,
                 stop: threading.Event, *, think: float, timeout: float, number: int) -> None:
        super().__init__(daemon=True)
        self.base, self.username, self.plan = base, username, plan
        self.timeline, self.stop, self.think, self.timeout = timeline, stop, think, timeout
        self.session = requests.Session()
        self.customers = plan["customer_ids"][number::len(plan["users"])] or plan["customer_ids"]
        self.sequence = 0

    def login(self) -> None:
        login(self.session, self.base, self.username, timeout=120)

    def _timed(self, name: str, method: str, path: str, **kwargs: Any) -> Outcome:
        started = self.timeline.now()
        clock = time.monotonic()
        try:
            response = self.session.request(method, self.base + path, timeout=self.timeout,
                                            allow_redirects=False, **kwargs)
        except requests.RequestException as error:
            outcome = Outcome(name, started, time.monotonic() - clock, type(error).__name__,
                              False)
        else:
            # Every page here answers 200 (the form POST too, as htmx); a redirect would be
            # to the login page: a lost session.
            ok = response.status_code == 200
            if name == "log contact moment":
                ok = ok and LOGGED in response.text
            outcome = Outcome(name, started, time.monotonic() - clock,
                              str(response.status_code), ok)
        with self.timeline.lock:
            self.timeline.outcomes.append(outcome)
        return outcome

    def run(self) -> None:
        step = 0
        while not self.stop.is_set():
            customer = self.customers[step % len(self.customers)]
            kind = step % 3
            if kind == 0:
                self._timed("customer file", "GET", f"/customers/{customer}/")
            elif kind == 1:
                self._log_contact_moment(customer)
            else:
                self._timed("customer list", "GET", f"/customers/?page={1 + step % 20}")
            step += 1
            self.stop.wait(self.think)

    def _log_contact_moment(self, customer: int) -> None:
        csrf = self.session.cookies.get("csrftoken", "")
        self.sequence += 1
        subject = f"{self.plan['marker']} {self.username} #{self.sequence}"
        outcome = self._timed(
            "log contact moment", "POST", f"/contacts/log/{customer}/",
            data={
                "csrfmiddlewaretoken": csrf, "channel": "phone", "direction": "inbound",
                "touchpoint": "service", "office": "front", "outcome": "resolved",
                "subject": subject,
                "notes": "Restart test", "follow_up_assign": "route",
                "occurred_at": datetime.now().strftime("%Y-%m-%dT%H:%M"),
            },
            headers={"HX-Request": "true", "X-CSRFToken": csrf},
        )
        with self.timeline.lock:
            self.timeline.posted[subject] = "confirmed" if outcome.ok else outcome.status
            self.timeline.confirmed_writes += outcome.ok


def cluster_port(cluster: str) -> int:
    """The port pg_lsclusters gives for ``VERSION NAME``."""
    version, name = cluster.split()
    listing = subprocess.run(
        ["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=True  # noqa: S607
    ).stdout
    for line in listing.splitlines():
        parts = line.split()
        if parts[:2] == [version, name]:
            return int(parts[2])
    raise SystemExit(f"--cluster: no PostgreSQL cluster {cluster!r} in pg_lsclusters")


def restart(cluster: str, *, down_for: float) -> None:
    """``pg_ctlcluster … restart`` (fast shutdown, then start); with ``down_for`` stop, wait
    that many seconds, then start: a longer outage than a plain restart's second or so."""
    if not down_for:
        subprocess.run(["pg_ctlcluster", *cluster.split(), "restart"], check=True)  # noqa: S603,S607
        return
    subprocess.run(["pg_ctlcluster", *cluster.split(), "stop"], check=True)  # noqa: S603,S607
    time.sleep(down_for)
    subprocess.run(["pg_ctlcluster", *cluster.split(), "start"], check=True)  # noqa: S603,S607


def report(timeline: Timeline, down: float, up: float, args: argparse.Namespace) -> dict[str, Any]:
    outcomes = sorted(timeline.outcomes, key=lambda o: o.started)
    failures = [o for o in outcomes if not o.ok]
    after_up = [o for o in outcomes if o.started >= up]
    first_success = next((o for o in after_up if o.ok), None)
    last_failure = max(failures, key=lambda o: o.started + o.seconds) if failures else None
    return {
        "requests": len(outcomes),
        "failed": len(failures),
        "failed_by_status": dict(Counter(o.status for o in failures)),
        "failed_by_request": dict(Counter(f"{o.name} {o.status}" for o in failures)),
        "restart_seconds": round(up - down, 2),
        # Answer times relative to the start of the restart (a failed request may have
        # been sent earlier and waited for a worker).
        "failures_answered_from_s": round(min(o.started + o.seconds for o in failures) - down,
                                          2) if failures else None,
        "failures_answered_until_s": round(max(o.started + o.seconds for o in failures) - down,
                                           2) if failures else None,
        "last_failure_after_postgres_back": round(last_failure.started + last_failure.seconds
                                                  - up, 2) if last_failure else None,
        "first_success_after_postgres_back": round(first_success.started + first_success.seconds
                                                   - up, 2) if first_success else None,
        "successes_after_postgres_back": sum(o.ok for o in after_up),
        "longest_request_seconds": round(max((o.seconds for o in outcomes), default=0), 2),
        "longest_failed_request_seconds": round(max((o.seconds for o in failures), default=0),
                                                2),
        "failed_before_restart": sum(1 for o in failures if o.started + o.seconds < down),
        "timeout": args.timeout,
    }


def written_subjects(marker: str) -> set[str]:
    from relata.contacts.models import ContactMoment

    return set(
        ContactMoment.objects.filter(subject__startswith=marker + " ")
        .values_list("subject", flat=True)
    )


def reconcile(posted: dict[str, str], written: set[str]) -> dict[str, Any]:
    """Each POST against the rows: a confirmed one missing is a lost write; one that failed
    but is there was saved although the user was told it failed (a retry would duplicate)."""
    confirmed = {subject for subject, result in posted.items() if result == "confirmed"}
    failed = {subject: result for subject, result in posted.items() if result != "confirmed"}
    return {
        "lost_writes": len(confirmed - written),
        "written_but_failed": sum(1 for subject in failed if subject in written),
        "written_but_failed_statuses": dict(
            Counter(result for subject, result in failed.items() if subject in written)
        ),
        "failed_and_not_written": sum(1 for subject in failed if subject not in written),
        "unknown_rows": len(written - set(posted)),
    }


def verdict(figures: dict[str, Any], args: argparse.Namespace) -> list[str]:
    """What is wrong, if anything."""
    problems = []
    unclean = {status: n for status, n in figures["failed_by_status"].items() if status != "503"}
    if unclean:
        problems.append(f"failures other than 503: {unclean}")
    if figures["longest_request_seconds"] >= args.timeout:
        problems.append(f"a request took {figures['longest_request_seconds']} s (hung)")
    if figures["failed_before_restart"]:
        problems.append(f"{figures['failed_before_restart']} failures before the restart")
    back = figures["last_failure_after_postgres_back"]
    if figures["successes_after_postgres_back"] == 0:
        problems.append("no request succeeded after PostgreSQL was back")
    elif back is not None and back > args.recover_within:
        problems.append(f"still failing {back} s after PostgreSQL was back")
    if figures["lost_writes"]:
        problems.append(f"{figures['lost_writes']} confirmed contact moments missing")
    if figures["written_rows"] != figures["confirmed_writes"]:
        problems.append(f"{figures['written_rows']} rows written for "
                        f"{figures['confirmed_writes']} confirmed POSTs "
                        f"({figures['written_but_failed']} saved although answered as failed)")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url",
                        default="postgres://postgres@127.0.0.1:5439/relata_faults")
    parser.add_argument("--cluster", default="15 faults", help='"VERSION NAME" to restart')
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--think", type=float, default=0.5, help="seconds between clicks")
    parser.add_argument("--down-for", type=float, default=0,
                        help="stop PostgreSQL for this many seconds instead of a restart")
    parser.add_argument("--before", type=float, default=15)
    parser.add_argument("--after", type=float, default=30)
    parser.add_argument("--timeout", type=float, default=30)
    parser.add_argument("--recover-within", type=float, default=10)
    parser.add_argument("--port", type=int, default=8108)
    parser.add_argument("--workers", type=int)
    parser.add_argument("--data-dir", type=Path,
                        default=Path(tempfile.gettempdir()) / "relata_faults")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--app", default="relata.config.wsgi",
                        help="WSGI module to serve (to try a change without editing Relata)")
    args = parser.parse_args()
    url_port = int(re.search(r":(\d+)/", args.database_url).group(1)) \
        if re.search(r":(\d+)/", args.database_url) else 5432
    if cluster_port(args.cluster) != url_port:
        parser.error(f"--cluster {args.cluster!r} does not listen on the port of --database-url")

    prepare(args.database_url, args.data_dir, customers=args.customers, fresh=False)
    marker = f"restart-{datetime.now(UTC).strftime('%Y%m%d%H%M%S')}"
    plan = load_plan(load_accounts(args.clients), marker)
    host = machine()
    env = django_env(args.database_url, args.data_dir)
    with gunicorn(args.port, env, workers=args.workers, log=args.data_dir / "gunicorn.log",
                  app=args.app) as base:
        timeline, stop = Timeline(), threading.Event()
        clients = [Client(base, name, plan, timeline, stop, think=args.think,
                          timeout=args.timeout, number=i) for i, name in enumerate(plan["users"])]
        for client in clients:
            client.login()
        timeline.started = time.monotonic()
        for client in clients:
            client.start()
        time.sleep(args.before)
        down = timeline.now()
        action = f"stopping PostgreSQL for {args.down_for:g} s" if args.down_for else \
            "restarting PostgreSQL"
        print(f"{down:6.1f} s  {action} ({args.cluster})", flush=True)
        restart(args.cluster, down_for=args.down_for)
        up = timeline.now()
        print(f"{up:6.1f} s  PostgreSQL accepts connections again", flush=True)
        time.sleep(args.after)
        stop.set()
        for client in clients:
            client.join(timeout=args.timeout + 5)
    load_after = os.getloadavg()
    figures = report(timeline, down, up, args)
    figures["confirmed_writes"] = timeline.confirmed_writes
    figures["written_rows"] = written_rows(marker)
    figures.update(reconcile(timeline.posted, written_subjects(marker)))
    problems = verdict(figures, args)
    figures["verdict"] = "PASS" if not problems else "FAIL: " + "; ".join(problems)

    print()
    print("Machine: " + host.describe(load_after))
    print(f"{args.clients} clients, {args.think} s between clicks, restart after {args.before} s,"
          f" then {args.after} s; load average after {fmt_load(load_after)}")
    for key, value in figures.items():
        print(f"  {key}: {value}")
    if args.json:
        args.json.write_text(json.dumps({"machine": host.describe(load_after), **figures},
                                        indent=2), encoding="utf-8")
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
