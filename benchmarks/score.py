"""`relata score` benchmark: one period scored end to end, with the phase breakdown.

PostgreSQL, on an existing database with customers and orders (see docs/performance.md,
"Scoring"; re-scoring a period replaces its earlier run, nothing else is written):

    .venv/bin/python benchmarks/score.py \\
        --database-url postgres://postgres@127.0.0.1:5432/relata_bench_search \\
        --period-end 2026-10-31 --repeat 2

SQLite: generates a database in a temporary file (`relata migrate`, then `relata demo-data
--customers 100000 --years 3 --seed 1`, timed separately), scores it, and deletes it:

    .venv/bin/python benchmarks/score.py --sqlite --repeat 2

Each run is the `relata score --period-end … --no-progress` process timed from outside
(start-up included); the phases are the ones the run stores in `model_fit["timings"]`:
read (SQL and turning its rows into arrays), analytics (the analytics core and the period
summary), replace (deleting the period's earlier run), write (the snapshots), commit.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RELATA = str(ROOT / ".venv" / "bin" / "relata")
PHASES = ("read", "analytics", "replace", "write", "commit")


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def timed(command: list[str], env: dict[str, str], *, quiet: bool = False) -> tuple[float, float]:
    """Run a command; return its wall time and CPU time (user + system) in seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(  # noqa: S603 (our own console script)
        command, env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode:
        sys.exit(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
    if not quiet:
        print("   ", result.stdout.strip().splitlines()[-1] if result.stdout.strip() else "")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def describe_database(database_url: str) -> str:
    """Row counts of the tables scoring reads, through Django in this process."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relata.config.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.db import connection

    counts = []
    with connection.cursor() as cursor:
        for table, label in (
            ("customers_customer", "customers"),
            ("sales_order", "orders"),
            ("sales_orderline", "order lines"),
            ("contacts_contactmoment", "contact moments"),
        ):
            cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 (constant names)
            counts.append(f"{cursor.fetchone()[0]:,} {label}")
    name = connection.settings_dict["NAME"]
    connection.close()
    return f"{connection.vendor} database {name}: " + ", ".join(counts)


def run_timings(database_url: str, period_end: date) -> tuple[int, dict[str, float]]:
    from django.db import connection

    from relata.scoring.models import RunStatus, ScoreRun

    run = ScoreRun.objects.filter(period_end=period_end, status=RunStatus.COMPLETE).get()
    connection.close()
    return run.customers, dict(run.model_fit.get("timings", {}))


def snapshot_table_state(vacuum: bool) -> str:
    """PostgreSQL: dead rows in the snapshot table (each re-scored period leaves a million
    until VACUUM; this machine runs with autovacuum off); VACUUM ANALYZE first if asked."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return ""
    with connection.cursor() as cursor:
        if vacuum:
            cursor.execute("VACUUM ANALYZE scoring_customersnapshot")
        cursor.execute(
            "SELECT n_live_tup, n_dead_tup FROM pg_stat_user_tables "
            "WHERE relname = 'scoring_customersnapshot'"
        )
        live, dead = cursor.fetchone() or (0, 0)
    connection.close()
    done = "after VACUUM ANALYZE, " if vacuum else ""
    return f"; snapshot table {done}{live:,} live rows, {dead:,} dead rows"


def score(database_url: str, period_end: date, repeat: int, vacuum: bool) -> None:
    env = {**os.environ, "DATABASE_URL": database_url}
    command = [RELATA, "score", "--period-end", period_end.isoformat(), "--no-progress"]
    print(f"command: DATABASE_URL={database_url} .venv/bin/relata {' '.join(command[1:])}")
    for attempt in range(1, repeat + 1):
        table_state = snapshot_table_state(vacuum)
        load_before = load_average()
        wall, cpu = timed(command, env)
        customers, timings = run_timings(database_url, period_end)
        phases = "  ".join(f"{name} {timings.get(name, 0.0):.1f}" for name in PHASES)
        inside = timings.get("total", 0.0)
        print(
            f"run {attempt}: {wall:.1f} s wall, process CPU {cpu:.1f} s, "
            f"{customers:,} customers; load average before {load_before}, "
            f"after {load_average()}{table_state}"
        )
        print(
            f"    phases (s): {phases}  | in score_run_create {inside:.1f}, "
            f"start-up and the rest {wall - inside:.1f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--database-url", help="score this existing database")
    target.add_argument(
        "--sqlite", action="store_true", help="generate a SQLite database in a temp file"
    )
    parser.add_argument(
        "--period-end",
        type=date.fromisoformat,
        default=date.today(),
        help="last day of the period (default: today; demo data ends today)",
    )
    parser.add_argument("--repeat", type=int, default=1, help="score the period this often")
    parser.add_argument(
        "--vacuum",
        action="store_true",
        help="PostgreSQL: VACUUM ANALYZE the snapshot table before each run (as autovacuum "
        "would between runs)",
    )
    parser.add_argument("--customers", type=int, default=100_000, help="SQLite: customers")
    parser.add_argument("--years", type=int, default=3, help="SQLite: years of history")
    parser.add_argument("--seed", type=int, default=1, help="SQLite: random seed")
    parser.add_argument("--keep", action="store_true", help="SQLite: keep the database file")
    args = parser.parse_args()

    print(f"machine: {os.cpu_count()} CPUs ({cpu_model()}), load average {load_average()}")
    if args.database_url:
        print(describe_database(args.database_url))
        score(args.database_url, args.period_end, args.repeat, args.vacuum)
        return

    folder = tempfile.mkdtemp(prefix="relata-score-bench-")
    path = Path(folder) / "score.sqlite3"
    database_url = f"sqlite:///{path}"
    env = {**os.environ, "DATABASE_URL": database_url}
    try:
        wall, _cpu = timed([RELATA, "migrate", "--noinput"], env, quiet=True)
        print(f"relata migrate: {wall:.1f} s")
        demo = [
            RELATA,
            "demo-data",
            "--customers",
            str(args.customers),
            "--years",
            str(args.years),
            "--seed",
            str(args.seed),
        ]
        wall, cpu = timed(demo, env)
        print(f"relata {' '.join(demo[1:])}: {wall:.1f} s wall, process CPU {cpu:.1f} s")
        print(describe_database(database_url))
        score(database_url, args.period_end, args.repeat, args.vacuum)
    finally:
        if args.keep:
            print(f"kept {path}")
        else:
            for leftover in Path(folder).iterdir():
                leftover.unlink()
            os.rmdir(folder)


if __name__ == "__main__":
    main()
