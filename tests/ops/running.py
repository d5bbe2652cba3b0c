"""Running ``relata`` in a child process against a database of the test's own.

Backup and restore replace whole databases, which pytest's test database (inside a
transaction, or in memory) cannot stand in for: the tests give each child process a scratch
SQLite file or PostgreSQL database through ``DATABASE_URL``, exactly as an installation does.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import dj_database_url
import psycopg

REPO = Path(__file__).resolve().parents[2]


def relata_env(database_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO"))}
    env.update(
        DATABASE_URL=database_url,
        RELATA_DATA_DIR=str(data_dir),
        DJANGO_SETTINGS_MODULE="relata.config.settings",
        RELATA_LANGUAGE="en",
        PYTHONPATH=str(REPO / "src"),
    )
    env.update(extra)
    return env


def relata(*args: str, env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess[str]:
    """``relata <args>`` in a child process; stdin is not a terminal (as under cron)."""
    result = subprocess.run(  # noqa: S603  (our own interpreter and arguments)
        [sys.executable, "-m", "relata.cli", *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=600,
        check=False,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"relata {' '.join(args)} failed ({result.returncode}):\n"
            f"{result.stdout}\n{result.stderr}"
        )
    return result


def seed(env: dict[str, str]) -> None:
    """Migrate and load a small deterministic data set."""
    relata("migrate", "--noinput", env=env)
    relata("demo-data", "--customers", "30", "--years", "1", "--seed", "7", env=env)


def backup_files(folder: Path) -> list[Path]:
    return sorted(
        p for p in folder.iterdir() if p.name.startswith("relata-") and p.suffix != ".json"
    )


@dataclass(frozen=True)
class Install:
    """One installation: its database URL, data folder and the environment to run it."""

    url: str
    data_dir: Path
    env: dict[str, str]

    @property
    def backups(self) -> Path:
        return self.data_dir / "backups"

    def connect(self) -> Any:
        """A plain DB-API connection to the installation's database (no Django)."""
        config = dj_database_url.parse(self.url)
        if config["ENGINE"].endswith("sqlite3"):
            return sqlite3.connect(config["NAME"])
        return psycopg.connect(self.url)


def install(url: str, data_dir: Path, **extra: str) -> Install:
    return Install(url=url, data_dir=data_dir, env=relata_env(url, data_dir, **extra))


# The damage a restore must undo: five orders (that nothing else points at) deleted with
# their lines, an order total and a customer's name changed.
_MUTATIONS = (
    """
    DELETE FROM sales_orderline WHERE order_id IN (
        SELECT id FROM sales_order
        WHERE id NOT IN (SELECT order_id FROM sales_deal WHERE order_id IS NOT NULL)
          AND id NOT IN (SELECT order_id FROM contacts_contactmoment WHERE order_id IS NOT NULL)
          AND id NOT IN (SELECT order_id FROM contacts_complaint WHERE order_id IS NOT NULL)
          AND id NOT IN (SELECT order_id FROM engagement_pointsentry WHERE order_id IS NOT NULL)
          AND id NOT IN (
              SELECT order_id FROM feedback_surveyinvitation WHERE order_id IS NOT NULL)
          AND id NOT IN (SELECT order_id FROM feedback_surveyresponse WHERE order_id IS NOT NULL)
        ORDER BY id LIMIT 5
    )
    """,
    """
    DELETE FROM sales_order
    WHERE id NOT IN (SELECT order_id FROM sales_orderline)
      AND id NOT IN (SELECT order_id FROM sales_deal WHERE order_id IS NOT NULL)
      AND id NOT IN (SELECT order_id FROM contacts_contactmoment WHERE order_id IS NOT NULL)
      AND id NOT IN (SELECT order_id FROM contacts_complaint WHERE order_id IS NOT NULL)
      AND id NOT IN (SELECT order_id FROM engagement_pointsentry WHERE order_id IS NOT NULL)
      AND id NOT IN (SELECT order_id FROM feedback_surveyinvitation WHERE order_id IS NOT NULL)
      AND id NOT IN (SELECT order_id FROM feedback_surveyresponse WHERE order_id IS NOT NULL)
    """,
    "UPDATE sales_order SET total_amount = 0 WHERE id = (SELECT MIN(id) FROM sales_order)",
    "UPDATE customers_customer SET last_name = 'Changed' "
    "WHERE id = (SELECT MIN(id) FROM customers_customer)",
)


def mutate(target: Install) -> None:
    con = target.connect()
    try:
        for statement in _MUTATIONS:
            con.execute(statement)
        con.commit()
    finally:
        con.close()


def _digest(rows: list[Any]) -> str:
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def probe(target: Install) -> dict[str, Any]:
    """What a restore must bring back: counts, and checksums over order totals and names."""
    con = target.connect()
    try:
        totals = [
            (number, Decimal(str(total)).quantize(Decimal("0.01")))
            for number, total in con.execute(
                "SELECT order_number, total_amount FROM sales_order ORDER BY order_number"
            ).fetchall()
        ]
        names = con.execute(
            "SELECT customer_number, last_name FROM customers_customer ORDER BY customer_number"
        ).fetchall()
        lines = con.execute("SELECT COUNT(*) FROM sales_orderline").fetchone()[0]
        events = [
            row[0] if isinstance(row[0], dict) else json.loads(row[0])
            for row in con.execute(
                "SELECT context FROM audit_auditentry WHERE action = 'backup' ORDER BY id"
            ).fetchall()
        ]
    finally:
        con.close()
    return {
        "customers": len(names),
        "orders": len(totals),
        "order_lines": int(lines),
        "order_totals": _digest(totals),
        "revenue": str(sum(total for _, total in totals)),
        "names": _digest([tuple(row) for row in names]),
        "backup_events": events,
    }
