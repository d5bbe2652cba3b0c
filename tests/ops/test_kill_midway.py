"""`relata score` and `relata import` killed with SIGKILL while they write leave nothing
half-written, and a rerun completes with the result of an uninterrupted run (decision 0996).

Each test runs the real commands as subprocesses against a scratch database of its own: a
SQLite file under the test's tmp_path, or, when the suite runs on PostgreSQL, a scratch
database on the same server (created from a seeded template, dropped afterwards).

To kill at the worst moment rather than at a random one, the killed process is ``relata``
with one function wrapped (``PAUSED_RELATA`` below): after the wrapped writer has written
its rows *inside the command's transaction* it touches a flag file and sleeps; the test
waits for the flag and sends SIGKILL. Nothing else in the command changes.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
RELATA = Path(sys.executable).parent / "relata"
PERIOD_END = "2026-10-31"
SECONDS_TO_REACH_THE_PAUSE = 180

# `relata` with one writer paused after it has written (see the module docstring).
PAUSED_RELATA = """
import importlib, os, sys, time
from pathlib import Path
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relata.config.settings")
import django
django.setup()
module_name, name = os.environ["PAUSE_AFTER"].rsplit(".", 1)
module = importlib.import_module(module_name)
original = getattr(module, name)
def paused(*args, **kwargs):
    result = original(*args, **kwargs)
    Path(os.environ["PAUSE_FLAG"]).write_text("written, not committed")
    time.sleep(3600)
    return result
setattr(module, name, paused)
from relata.cli import main
main(sys.argv[1:])
"""

SNAPSHOTS_OF_COMPLETE_RUNS = (
    "SELECT s.* FROM scoring_customersnapshot s "
    "JOIN scoring_scorerun r ON r.id = s.run_id WHERE r.status = 'complete' "
    "ORDER BY s.customer_id"
)
ORDERS = (
    "SELECT o.order_number, c.customer_number, o.order_date, o.total_amount, o.total_cost "
    "FROM sales_order o JOIN customers_customer c ON c.id = o.customer_id "
    "WHERE o.order_number LIKE 'KILL-%' ORDER BY o.order_number"
)
ORDER_LINES = (
    "SELECT o.order_number, p.sku, l.quantity, l.unit_price FROM sales_orderline l "
    "JOIN sales_order o ON o.id = l.order_id JOIN sales_product p ON p.id = l.product_id "
    "WHERE o.order_number LIKE 'KILL-%' ORDER BY o.order_number, p.sku"
)


def on_postgresql() -> bool:
    return bool(settings.DATABASES["default"]["ENGINE"].endswith("postgresql"))


@dataclass
class Scratch:
    """A database the commands run against, and plain queries on it from the test."""

    url: str
    folder: Path

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "DATABASE_URL": self.url,
            "RELATA_DATA_DIR": str(self.folder / "data"),
            "DJANGO_SETTINGS_MODULE": "relata.config.settings",
        }

    def rows(self, query: str) -> list[tuple[Any, ...]]:
        """Rows of a fixed query (no parameters), each without its ``id``/``run_id``."""
        if self.url.startswith("sqlite"):
            connection: Any = sqlite3.connect(self.url.removeprefix("sqlite:///"))
        else:
            import psycopg

            connection = psycopg.connect(self.url)
        try:
            cursor = connection.execute(query)
            names = [column[0] for column in cursor.description]
            keep = [i for i, name in enumerate(names) if name not in {"id", "run_id"}]
            return [tuple(str(row[i]) for i in keep) for row in cursor.fetchall()]
        finally:
            connection.close()

    def count(self, query: str) -> int:
        return int(self.rows(query)[0][0])

    def relata(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run ``relata`` to the end; fail the test with its output if it fails."""
        done = subprocess.run(  # noqa: S603
            [str(RELATA), *args],
            env=self.env(),
            cwd=self.folder,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done

    def relata_killed_while_writing(self, pause_after: str, *args: str) -> None:
        """Run ``relata`` until ``pause_after`` has written inside the transaction, then
        SIGKILL it: no exception handler, no rollback from the process itself."""
        flag = self.folder / f"paused-{uuid.uuid4().hex}"
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-c", PAUSED_RELATA, *args],
            env={**self.env(), "PAUSE_AFTER": pause_after, "PAUSE_FLAG": str(flag)},
            cwd=self.folder,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        deadline = time.monotonic() + SECONDS_TO_REACH_THE_PAUSE
        while not flag.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                output = process.communicate()[0]
                pytest.fail(f"relata {' '.join(args)} never reached {pause_after}: {output}")
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=30)
        assert process.returncode == -signal.SIGKILL


class ScratchServer:
    """Makes seeded scratch databases: copies of a SQLite file, or PostgreSQL databases
    created from a seeded template on the server the suite runs on."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.created: list[str] = []
        default = settings.DATABASES["default"]
        self.pg = {
            "host": default.get("HOST") or "127.0.0.1",
            "port": int(default.get("PORT") or 5432),
            "user": default.get("USER") or "postgres",
            "password": default.get("PASSWORD") or None,
        }
        # Named after the suite's own database, so parallel runs on one server don't collide.
        self.prefix = f"{str(default['NAME'])[:30]}_kill_{uuid.uuid4().hex[:6]}"

    def _admin(self) -> Any:
        import psycopg

        return psycopg.connect(dbname="postgres", autocommit=True, **self.pg)

    def _url(self, name: str) -> str:
        password = f":{self.pg['password']}" if self.pg["password"] else ""
        return f"postgres://{self.pg['user']}{password}@{self.pg['host']}:{self.pg['port']}/{name}"

    def new(self, name: str, *, template: Scratch | None = None) -> Scratch:
        folder = self.folder / name
        folder.mkdir()
        if not on_postgresql():
            path = folder / "relata.sqlite3"
            if template is not None:
                source = sqlite3.connect(template.url.removeprefix("sqlite:///"))
                target = sqlite3.connect(path)
                source.backup(target)
                source.close()
                target.close()
            return Scratch(f"sqlite:///{path}", folder)
        from psycopg import sql

        database = f"{self.prefix}_{name}"
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database))
        if template is not None:
            statement = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(database), sql.Identifier(f"{self.prefix}_seed")
            )
        with self._admin() as admin:
            admin.execute(statement)
        self.created.append(database)
        return Scratch(self._url(database), folder)

    def drop_all(self) -> None:
        if not on_postgresql():
            return
        from psycopg import sql

        with self._admin() as admin:
            for database in reversed(self.created):
                admin.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                        sql.Identifier(database)
                    )
                )


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScratchServer]:
    scratch = ScratchServer(tmp_path_factory.mktemp("kill"))
    yield scratch
    scratch.drop_all()


@pytest.fixture(scope="module")
def seed(server: ScratchServer) -> Scratch:
    """Migrated, with 150 demo customers and two years of orders (made once per module)."""
    database = server.new("seed")
    database.relata("migrate", "--noinput", "-v", "0")
    database.relata("demo-data", "--customers", "150", "--years", "2", "--seed", "42")
    return database


def orders_file(database: Scratch) -> Path:
    """60 orders of two lines for existing customers; one product is new (created by the
    import, in its transaction)."""
    numbers = [
        row[0]
        for row in database.rows("SELECT customer_number FROM customers_customer ORDER BY id")
    ][:30]
    sku = database.rows("SELECT sku FROM sales_product ORDER BY id")[0][0]
    lines = ["Ordernummer;Klantnummer;Orderdatum;Artikelnummer;Product;Aantal;Stukprijs"]
    for i in range(60):
        customer = numbers[i % len(numbers)]
        day = f"{1 + i % 28:02d}-09-2026"
        lines.append(f"KILL-{i:03d};{customer};{day};{sku};;{1 + i % 3};12,50")
        lines.append(f"KILL-{i:03d};{customer};{day};KILL-NEW;Kill test kettle;1;{20 + i},00")
    path = database.folder / "orders.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_score_killed_while_writing_shows_no_half_run_and_reruns_to_the_same_result(
    server: ScratchServer, seed: Scratch
) -> None:
    # given two copies of the same data; on one the period is scored without interruption
    reference = server.new("score_reference", template=seed)
    reference.relata("score", "--period-end", PERIOD_END, "--no-progress")
    expected = reference.rows(SNAPSHOTS_OF_COMPLETE_RUNS)
    database = server.new("score_killed", template=seed)

    # when the first score run of the period is killed after writing its snapshots
    database.relata_killed_while_writing(
        "relata.scoring.services._write_snapshots",
        "score",
        "--period-end",
        PERIOD_END,
        "--no-progress",
    )

    # then no snapshot of it exists and no run is complete; the run is left as "running",
    # which every reader ignores
    assert database.count("SELECT COUNT(*) FROM scoring_customersnapshot") == 0
    assert database.rows("SELECT status FROM scoring_scorerun") == [("running",)]
    assert database.rows(SNAPSHOTS_OF_COMPLETE_RUNS) == []

    # when it is run again
    database.relata("score", "--period-end", PERIOD_END, "--no-progress")

    # then the period is scored exactly as the uninterrupted run scored it
    assert len(expected) == 145
    assert database.rows(SNAPSHOTS_OF_COMPLETE_RUNS) == expected


def test_rescore_killed_while_replacing_keeps_the_previous_run_intact(
    server: ScratchServer, seed: Scratch
) -> None:
    # given a period already scored
    database = server.new("rescore_killed", template=seed)
    database.relata("score", "--period-end", PERIOD_END, "--no-progress")
    before = database.rows(SNAPSHOTS_OF_COMPLETE_RUNS)

    # when scoring the period again is killed after deleting the old run and writing the new
    # snapshots, before the commit
    database.relata_killed_while_writing(
        "relata.scoring.services._write_snapshots",
        "score",
        "--period-end",
        PERIOD_END,
        "--no-progress",
    )

    # then readers still see the previous run, whole, and none of the killed run's rows
    assert database.rows(SNAPSHOTS_OF_COMPLETE_RUNS) == before
    assert database.count("SELECT COUNT(*) FROM scoring_customersnapshot") == len(before)
    assert database.rows("SELECT status FROM scoring_scorerun ORDER BY id") == [
        ("complete",),
        ("running",),
    ]

    # when it is run again
    database.relata("score", "--period-end", PERIOD_END, "--no-progress")

    # then one complete run of the period remains, with the same figures
    assert database.count("SELECT COUNT(*) FROM scoring_scorerun WHERE status = 'complete'") == 1
    assert database.rows(SNAPSHOTS_OF_COMPLETE_RUNS) == before


def test_import_killed_while_writing_orders_writes_nothing_and_reruns_to_the_same_result(
    server: ScratchServer, seed: Scratch
) -> None:
    # given a file of 60 orders (120 lines, one new product), imported without interruption
    # into one copy of the data
    reference = server.new("import_reference", template=seed)
    reference.relata("import", "orders", str(orders_file(reference)), "--no-progress")
    expected_orders = reference.rows(ORDERS)
    expected_lines = reference.rows(ORDER_LINES)
    database = server.new("import_killed", template=seed)
    path = orders_file(database)
    counts = (
        "SELECT (SELECT COUNT(*) FROM sales_order), (SELECT COUNT(*) FROM sales_orderline), "
        "(SELECT COUNT(*) FROM sales_product), (SELECT COUNT(*) FROM sales_productcategory)"
    )
    before = database.rows(counts)

    # when the import into the other copy is killed after it wrote the orders (the new
    # product first), before their lines
    database.relata_killed_while_writing(
        "relata.imports.kinds.orders.insert_columns",
        "import",
        "orders",
        str(path),
        "--no-progress",
    )

    # then no order, line, product or category of the file exists
    assert database.rows(counts) == before
    assert database.rows(ORDERS) == []
    assert database.count("SELECT COUNT(*) FROM sales_product WHERE sku = 'KILL-NEW'") == 0

    # when the same file is imported again
    database.relata("import", "orders", str(path), "--no-progress")

    # then the orders and lines are those of the uninterrupted import
    assert len(expected_orders) == 60
    assert len(expected_lines) == 120
    assert database.rows(ORDERS) == expected_orders
    assert database.rows(ORDER_LINES) == expected_lines
