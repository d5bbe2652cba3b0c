"""Bounded load test: 50 staff browsing and logging contact moments against gunicorn +
PostgreSQL on loopback, with every write counted (issue 7, part 5; decision 0996).

    .venv/bin/python benchmarks/load_test.py                  # prepare if needed, then run
    .venv/bin/python benchmarks/load_test.py --users 50 --spawn-rate 10 --run-time 60 \\
        --database-url postgres://postgres@127.0.0.1:5432/relata_load --port 8108

1. Prepares the database when it has no customers yet: ``migrate``, ``demo-data`` (5,000
   customers, four years), ``demo-users`` and ``score``; later runs reuse it (``--fresh``
   drops it first). Creates one account per simulated user (``load01`` …, sales and back
   office alternately).
2. Starts gunicorn on 127.0.0.1 with ``--preload`` (``src/relata/config/gunicorn.conf.py``
   when present, else ``2 × CPUs + 1`` sync workers; ``--workers`` overrides either).
3. Logs every account in through the login form (``--spawn-rate`` at a time; Django's
   password hashing makes a login cost ~0.5 s of CPU, so the logins are timed and reported
   on their own), then runs locust headless (``benchmarks/locustfile.py``): each user keeps
   one account's session and CSRF token, and browses and logs contact moments through the
   customer file's form for ``--run-time`` seconds. Each contact moment's subject carries
   a marker unique to this run.
4. Stops gunicorn and counts the contact moments carrying the marker.

Prints the machine (CPUs, memory, load average before and after, PostgreSQL version), then
per request type and overall: requests, failures, p50/p95/p99 and maximum in milliseconds
(exact percentiles of every request's time, not locust's rounded buckets), throughput, and
the contact moments confirmed by the server against the rows found in the database.
Exits 1 if any request failed (a status outside 2xx/3xx, a form answer without "logged",
a timeout or a connection error) or if the rows written differ from the confirmed POSTs.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
GUNICORN_CONF = ROOT / "src" / "relata" / "config" / "gunicorn.conf.py"
LOCUSTFILE = ROOT / "benchmarks" / "locustfile.py"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/relata_load"
LOAD_PASSWORD = "load-test-password-2026"  # noqa: S105 (accounts of a throw-away database)
MARKER_PREFIX = "load-"
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def django_env(database_url: str, data_dir: Path) -> dict[str, str]:
    """The environment of the relata commands and gunicorn: the load database, a data folder
    of its own, production defaults (DEBUG off)."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "RELATA_DATA_DIR": str(data_dir),
        "DJANGO_SETTINGS_MODULE": "relata.config.settings",
        "DEBUG": "0",
        "PYTHONUNBUFFERED": "1",
    }


def setup_django(database_url: str, data_dir: Path) -> None:
    """Use the same database from this process (counting rows, creating accounts)."""
    os.environ.update(django_env(database_url, data_dir))
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def relata(args: list[str], env: dict[str, str]) -> None:
    print("$ relata " + " ".join(args), flush=True)
    subprocess.run([str(BIN / "relata"), *args], env=env, check=True, cwd=ROOT)  # noqa: S603


def ensure_database(database_url: str, *, fresh: bool) -> None:
    """Create the PostgreSQL database if it is missing (dropped first with ``fresh``)."""
    import dj_database_url
    import psycopg
    from psycopg import sql

    config = dj_database_url.parse(database_url)
    name = config["NAME"]
    with psycopg.connect(
        host=config["HOST"] or "127.0.0.1",
        port=int(config["PORT"] or 5432),
        user=config["USER"] or "postgres",
        password=config["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        if fresh:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(name)))
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def prepare(database_url: str, data_dir: Path, *, customers: int, fresh: bool) -> None:
    """Migrate, and load the demo data, users and scores unless customers are there."""
    ensure_database(database_url, fresh=fresh)
    env = django_env(database_url, data_dir)
    relata(["migrate", "--noinput", "-v", "0"], env)
    setup_django(database_url, data_dir)
    from relata.customers.models import Customer

    if not Customer.objects.exists():
        relata(["demo-data", "--customers", str(customers), "--years", "4", "--seed", "42"], env)
        relata(["demo-users"], env)
        relata(["score", "--no-progress"], env)


def load_accounts(count: int) -> list[str]:
    """One account per simulated user, sales and back office alternately (idempotent)."""
    from django.contrib.auth.models import Group, User

    groups = [Group.objects.get(name="sales"), Group.objects.get(name="back_office")]
    names = []
    for number in range(1, count + 1):
        username = f"load{number:02d}"
        user, created = User.objects.get_or_create(
            username=username, defaults={"first_name": "Load", "last_name": f"User {number}"}
        )
        if created or not user.check_password(LOAD_PASSWORD):
            user.set_password(LOAD_PASSWORD)
            user.save(update_fields=["password"])
        user.groups.add(groups[number % 2])
        names.append(username)
    return names


def load_plan(users: list[str], marker: str, *, seed: int = 7) -> dict[str, Any]:
    """Customer ids and search terms taken from the data itself."""
    from relata.customers.models import Customer

    ids = list(Customer.objects.filter(erased_at__isnull=True).values_list("pk", flat=True))
    rng = np.random.default_rng(seed)
    sample = sorted(int(i) for i in rng.choice(ids, size=min(2000, len(ids)), replace=False))
    cities = list(
        Customer.objects.exclude(city="").values_list("city", flat=True).distinct()[:50]
    )
    surnames = list(
        Customer.objects.exclude(last_name="").values_list("last_name", flat=True).distinct()[:50]
    )
    return {
        "users": users,
        "password": LOAD_PASSWORD,
        "customer_ids": sample,
        "search_terms": [*cities, *surnames] or ["a"],
        "marker": marker,
        "timeout": 30,
    }


def written_rows(marker: str) -> int:
    from django.db import close_old_connections

    from relata.contacts.models import ContactMoment

    close_old_connections()  # the server may have restarted since this process last asked
    return ContactMoment.objects.filter(subject__startswith=marker + " ").count()


@dataclass
class Machine:
    cpus: int
    memory_gb: float
    load_before: tuple[float, float, float]
    postgres: str
    python: str
    date: str

    def describe(self, load_after: tuple[float, float, float]) -> str:
        return (
            f"{self.date}, {self.cpus} CPUs ({platform.processor() or platform.machine()}), "
            f"{self.memory_gb:.0f} GB RAM, {self.postgres}, Python {self.python}; load average "
            f"(1/5/15 min) before {fmt_load(self.load_before)}, after {fmt_load(load_after)}"
        )


def fmt_load(load: tuple[float, float, float]) -> str:
    return "/".join(f"{value:.2f}" for value in load)


def machine() -> Machine:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    memory_kb = 0
    with contextlib.suppress(OSError), open("/proc/meminfo", encoding="ascii") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                memory_kb = int(line.split()[1])
    return Machine(
        cpus=os.cpu_count() or 0,
        memory_gb=memory_kb / 1024 / 1024,
        load_before=os.getloadavg(),
        postgres=f"PostgreSQL {version.split()[0]}",
        python=platform.python_version(),
        date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )


def gunicorn_command(port: int, workers: int | None, app: str = "relata.config.wsgi") -> list[str]:
    """gunicorn on loopback with the production config when it exists. ``--preload``: five
    workers importing NumPy and SciPy at once on a busy machine can miss the boot timeout.
    No control socket: its default path is shared by every gunicorn of the user."""
    command = [str(BIN / "gunicorn"), app, "--bind", f"127.0.0.1:{port}",
               "--preload", "--no-control-socket"]
    if GUNICORN_CONF.is_file():
        command += ["--config", str(GUNICORN_CONF)]
    else:
        # A request that hangs longer than this is killed with its worker: a "hung" request
        # becomes a visible failure instead of waiting forever.
        command += ["--timeout", "30", "--graceful-timeout", "10"]
        if workers is None:
            workers = 2 * (os.cpu_count() or 1) + 1
    if workers is not None:
        command += ["--workers", str(workers)]
    return command


def wait_until_up(url: str, *, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    raise RuntimeError(f"gunicorn did not answer {url} within {seconds:.0f} s")


@contextlib.contextmanager
def gunicorn(
    port: int, env: dict[str, str], *, workers: int | None, log: Path,
    app: str = "relata.config.wsgi",
) -> Iterator[str]:
    """gunicorn serving Relata (or the WSGI module ``app``) on 127.0.0.1:port until the
    block ends."""
    command = gunicorn_command(port, workers, app)
    print("$ " + " ".join(command), flush=True)
    with open(log, "w", encoding="utf-8") as log_file:
        server = subprocess.Popen(  # noqa: S603
            command, env=env, cwd=ROOT, stdout=log_file, stderr=subprocess.STDOUT
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(base + "/accounts/login/")
            yield base
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def login(session: requests.Session, base: str, username: str, *, timeout: float) -> None:
    """Log in through the login form as a browser does: GET it for the CSRF token, POST the
    credentials; the session keeps the session cookie and the CSRF cookie."""
    page = session.get(f"{base}/accounts/login/", timeout=timeout)
    token = CSRF_FIELD.search(page.text)
    response = session.post(
        f"{base}/accounts/login/",
        {"username": username, "password": LOAD_PASSWORD, "next": "/",
         "csrfmiddlewaretoken": token.group(1) if token else ""},
        allow_redirects=False, timeout=timeout,
    )
    if response.status_code != 302 or "sessionid" not in session.cookies:
        raise RuntimeError(f"{username} could not log in ({response.status_code})")


def login_all(base: str, users: list[str], *, at_once: int) -> tuple[list[dict[str, Any]],
                                                                    list[float]]:
    """Every account logged in, ``at_once`` at a time: their cookies, and each login's
    seconds (form and POST)."""

    def one(username: str) -> tuple[dict[str, Any], float]:
        session = requests.Session()
        started = time.monotonic()
        login(session, base, username, timeout=120)
        cookies = [
            {"name": c.name, "value": c.value, "domain": c.domain, "path": c.path}
            for c in session.cookies
        ]
        return {"username": username, "cookies": cookies}, (
            time.monotonic() - started
        )

    with ThreadPoolExecutor(max_workers=at_once) as pool:
        done = list(pool.map(one, users))
    return [cookies for cookies, _seconds in done], [seconds for _cookies, seconds in done]


def run_locust(
    base: str, plan: dict[str, Any], *, users: int, spawn_rate: int, run_time: int, work: Path
) -> dict[str, Any]:
    plan_path, results_path = work / "plan.json", work / "results.json"
    plan_path.write_text(json.dumps(plan), encoding="utf-8")
    command = [
        str(BIN / "locust"), "-f", str(LOCUSTFILE), "--headless", "--host", base,
        "--users", str(users), "--spawn-rate", str(spawn_rate), "--run-time", f"{run_time}s",
        "--stop-timeout", "35", "--only-summary", "--loglevel", "WARNING",
        "--csv", str(work / "locust"),
    ]
    print("$ " + " ".join(command), flush=True)
    env = {**os.environ, "RELATA_LOAD_PLAN": str(plan_path),
           "RELATA_LOAD_RESULTS": str(results_path)}
    # Locust exits 1 when a request failed; the verdict is ours, from its results.
    subprocess.run(command, env=env, cwd=ROOT, check=False)  # noqa: S603
    return json.loads(results_path.read_text(encoding="utf-8"))


@dataclass
class Row:
    name: str
    requests: int
    failures: int
    p50: float
    p95: float
    p99: float
    maximum: float


def summarise(samples: list[list[Any]]) -> list[Row]:
    """Per request type, then overall (last row), from every request's time in ms."""
    by_name: dict[str, list[tuple[float, bool]]] = {}
    for name, elapsed, ok in samples:
        by_name.setdefault(name, []).append((float(elapsed), bool(ok)))
    rows = []
    everything = [(float(elapsed), bool(ok)) for _name, elapsed, ok in samples]
    for name, values in [*sorted(by_name.items()), ("overall", everything)]:
        times = np.array([elapsed for elapsed, _ok in values]) if values else np.zeros(1)
        p50, p95, p99 = np.percentile(times, [50, 95, 99])
        rows.append(Row(name, len(values), sum(not ok for _t, ok in values), float(p50),
                        float(p95), float(p99), float(times.max())))
    return rows


def markdown_table(rows: list[Row], seconds: float) -> str:
    lines = [
        "| request | requests | failures | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        label = f"**{row.name}** ({row.requests / seconds:.1f} req/s)" if row.name == "overall" \
            else row.name
        lines.append(
            f"| {label} | {row.requests:,} | {row.failures} | {row.p50:.0f} | {row.p95:.0f} | "
            f"{row.p99:.0f} | {row.maximum:.0f} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("LOAD_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument("--fresh", action="store_true", help="drop and prepare the database")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=int, default=10)
    parser.add_argument("--run-time", type=int, default=60, help="seconds")
    parser.add_argument("--port", type=int, default=8108)
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: see above)")
    parser.add_argument(
        "--data-dir", type=Path, default=Path(tempfile.gettempdir()) / "relata_load"
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        parser.error("--database-url: the load test runs against PostgreSQL (postgres://…)")

    prepare(args.database_url, args.data_dir, customers=args.customers, fresh=args.fresh)
    marker = f"{MARKER_PREFIX}{datetime.now(UTC).strftime('%Y%m%d%H%M%S')}"
    plan = load_plan(load_accounts(args.users), marker)
    before = written_rows(marker)
    host = machine()
    env = django_env(args.database_url, args.data_dir)
    with tempfile.TemporaryDirectory(prefix="relata-load-") as folder:
        work = Path(folder)
        started = time.monotonic()
        with gunicorn(args.port, env, workers=args.workers, log=args.data_dir / "gunicorn.log") \
                as base:
            plan["sessions"], login_seconds = login_all(base, plan["users"],
                                                        at_once=args.spawn_rate)
            results = run_locust(base, plan, users=args.users, spawn_rate=args.spawn_rate,
                                 run_time=args.run_time, work=work)
        elapsed = time.monotonic() - started
    load_after = os.getloadavg()
    written = written_rows(marker) - before
    confirmed = int(results["confirmed_writes"])
    rows = summarise(results["samples"])
    overall = rows[-1]

    print()
    print("Machine: " + host.describe(load_after))
    print(f"Load: {args.users} users, spawn rate {args.spawn_rate}/s, {args.run_time} s; "
          f"gunicorn: {' '.join(gunicorn_command(args.port, args.workers)[2:])}")
    print()
    logins = np.array(login_seconds) * 1000
    print(f"Before the timed run, {len(logins)} logins through the form, {args.spawn_rate} at a "
          f"time: p50 {np.percentile(logins, 50):.0f} ms, p95 {np.percentile(logins, 95):.0f} "
          f"ms, max {logins.max():.0f} ms")
    print()
    print(markdown_table(rows, args.run_time))
    print()
    print(f"Throughput: {overall.requests / args.run_time:.1f} requests/s over {args.run_time} s "
          f"({elapsed:.0f} s with start and stop)")
    print(f"Errors: {overall.failures}")
    print(f"Contact moments: {confirmed} confirmed by the server, {written} rows written "
          f"(marker {marker!r})")
    lost = confirmed != written
    verdict = "FAIL" if overall.failures or lost else "PASS"
    print(f"Verdict: {verdict} (0 errors required, written rows must equal confirmed POSTs)")
    if args.json:
        args.json.write_text(json.dumps({
            "machine": host.describe(load_after), "rows": [row.__dict__ for row in rows],
            "login_ms": [round(value) for value in logins.tolist()],
            "confirmed_writes": confirmed, "written_rows": written, "verdict": verdict,
        }, indent=2), encoding="utf-8")
    return 1 if verdict == "FAIL" else 0


if __name__ == "__main__":
    sys.exit(main())
