"""Benchmark: `relata import orders` of N order lines from CSV, validation included.

Creates a fresh database (PostgreSQL `relata_bench_import`, and/or a temporary SQLite file),
migrates it, bulk-inserts the customers and products the orders refer to, writes a CSV as
Dutch Excel saves it (';', decimal comma, dd-mm-yyyy, Dutch headers), and times the import
command end to end (process start to exit). Prints rows/s.

    .venv/bin/python benchmarks/import_orders.py                      # 1,000,000 lines, both
    .venv/bin/python benchmarks/import_orders.py --rows 100000 --database sqlite

PostgreSQL is reached at --pg-url (default postgres://postgres@127.0.0.1:5432); the database
is dropped afterwards unless --keep.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RELATA = ROOT / ".venv" / "bin" / "relata"
PYTHON = ROOT / ".venv" / "bin" / "python"
DB_NAME = "relata_bench_import"

SEED = """
import os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relata.config.settings")
django.setup()
from decimal import Decimal
from relata.customers.models import Customer
from relata.sales.models import Product, ProductCategory
customers, products = int(os.environ["BENCH_CUSTOMERS"]), int(os.environ["BENCH_PRODUCTS"])
batch = []
for n in range(customers):
    c = Customer(customer_number=f"K{n:07d}", first_name="Anna", last_name=f"Jansen{n}",
                 email=f"anna{n}@example.nl", postcode="3511 AB", city="Utrecht")
    c.refresh_derived_fields()
    batch.append(c)
    if len(batch) == 5000:
        Customer.objects.bulk_create(batch); batch = []
Customer.objects.bulk_create(batch)
category = ProductCategory.objects.create(name="Bench")
Product.objects.bulk_create(
    Product(sku=f"SKU{n:05d}", name=f"Product {n}", category=category,
            price=Decimal(100 + n % 5000) / 100, unit_cost=Decimal(50 + n % 2500) / 100)
    for n in range(products))
"""

# Times the import inside one process, with its CPU and (PostgreSQL) the server backend's CPU.
CPU = """
import os, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relata.config.settings")
import django; django.setup()
from django.core.management import call_command
from django.db import connection
pid = None
if connection.vendor == "postgresql":
    with connection.cursor() as c:
        c.execute("SELECT pg_backend_pid()"); pid = c.fetchone()[0]
def server():
    if pid is None or not os.path.exists(f"/proc/{pid}/stat"):
        return float("nan")
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
s0, c0, w0 = server(), time.process_time(), time.perf_counter()
call_command("import", "orders", sys.argv[1], "--no-progress", stdout=open(os.devnull, "w"))
print(f"in-process: wall {time.perf_counter() - w0:.1f} s, import CPU "
      f"{time.process_time() - c0:.1f} s, server backend CPU {server() - s0:.1f} s")
"""


def write_csv(path: Path, rows: int, customers: int, products: int, seed: int) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="cp1252", newline="") as out:
        out.write("Ordernummer;Klantnummer;Orderdatum;Artikelnummer;Aantal;Stukprijs;Kanaal\r\n")
        written = order = 0
        channels = ("Webshop", "Winkel", "Telefoon")
        while written < rows:
            order += 1
            customer = rng.randrange(customers)
            day = f"{rng.randint(1, 28):02d}-{rng.randint(1, 12):02d}-{rng.randint(2019, 2024)}"
            channel = channels[order % 3]
            count = min(rng.randint(1, 7), rows - written)
            for sku in rng.sample(range(products), count):
                quantity = rng.randint(1, 5)
                price = f"{rng.randint(100, 99999) // 100},{rng.randint(0, 99):02d}"
                out.write(f"O{order:08d};K{customer:07d};{day};SKU{sku:05d};{quantity};"
                          f"{price};{channel}\r\n")
            written += count


def run(cmd: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"failed: {' '.join(cmd)}")
    return result


def bench(label: str, env: dict[str, str], csv_path: Path, rows: int, args: argparse.Namespace
          ) -> float:
    print(f"[{label}] migrating …", flush=True)
    run([str(RELATA), "migrate", "--noinput", "-v0"], env)
    print(f"[{label}] seeding {args.customers:,} customers, {args.products:,} products …",
          flush=True)
    run([str(PYTHON), "-c", SEED],
        {**env, "BENCH_CUSTOMERS": str(args.customers), "BENCH_PRODUCTS": str(args.products)})
    if args.in_process:
        result = run([str(PYTHON), "-c", CPU, str(csv_path)], env)
        print(f"[{label}] {result.stdout.strip()} ({rows / float(result.stdout.split()[2]):,.0f}"
              " rows/s)", flush=True)
        return 0.0
    print(f"[{label}] importing {rows:,} order lines …", flush=True)
    start = time.perf_counter()
    result = run([str(RELATA), "import", "orders", str(csv_path), "--no-progress"], env)
    seconds = time.perf_counter() - start
    print(result.stdout.strip())
    print(f"[{label}] {rows:,} rows in {seconds:.1f} s = {rows / seconds:,.0f} rows/s",
          flush=True)
    if args.reimport:
        start = time.perf_counter()
        result = run([str(RELATA), "import", "orders", str(csv_path), "--no-progress"], env)
        again = time.perf_counter() - start
        print(f"[{label}] re-import (nothing changes) in {again:.1f} s = "
              f"{rows / again:,.0f} rows/s; {result.stdout.strip().splitlines()[-3]}")
    return rows / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--products", type=int, default=2_000)
    parser.add_argument("--database", choices=("postgres", "sqlite", "both"), default="both")
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--reimport", action="store_true", help="also time a second import")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--in-process", action="store_true",
                        help="time inside one process and report client and server CPU")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="relata-bench-") as tmp:
        csv_path = Path(tmp) / "orders.csv"
        start = time.perf_counter()
        write_csv(csv_path, args.rows, args.customers, args.products, args.seed)
        print(f"wrote {csv_path.stat().st_size / 1e6:.0f} MB CSV in "
              f"{time.perf_counter() - start:.1f} s")
        base_env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        if args.database in ("postgres", "both"):
            import psycopg

            admin = f"{args.pg_url}/postgres"
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}"')
                conn.execute(f'CREATE DATABASE "{DB_NAME}"')
            try:
                bench("PostgreSQL", {**base_env, "DATABASE_URL": f"{args.pg_url}/{DB_NAME}"},
                      csv_path, args.rows, args)
            finally:
                if not args.keep:
                    with psycopg.connect(admin, autocommit=True) as conn:
                        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        if args.database in ("sqlite", "both"):
            data_dir = Path(tmp) / "sqlite"
            data_dir.mkdir()
            bench("SQLite", {**base_env, "RELATA_DATA_DIR": str(data_dir)}, csv_path,
                  args.rows, args)


if __name__ == "__main__":
    main()
