"""Benchmark: `relata import orders` against django-import-export on the same order-lines file.

The issue asks for django-import-export, "the usual Django alternative", as a ratio. This
script

1. creates its own virtualenv `benchmarks/.venv-iex` if missing (Relata with its pinned
   dependencies, installed editable from this work tree, plus django-import-export pinned
   below) and re-runs itself inside it;
2. writes an N-line CSV with the generator of `benchmarks/import_orders.py` (Dutch Excel:
   ';', decimal comma, dd-mm-yyyy, cp1252, Dutch headers);
3. migrates and seeds a template database `relata_bench_iex_seed` once (the same 100,000
   customers and 2,000 products as import_orders.py), then for every run creates a fresh
   `relata_bench_iex` from it, imports the file, checks the result and drops it again;
4. imports with a django-import-export `ModelResource` written the way a Django developer
   would (see `iex_worker` below: `ForeignKeyWidget`s, the order got-or-created in
   `before_import_row`, totals refreshed in `after_import`) in four variants (row by row;
   `use_bulk=True` + `skip_diff=True`; that + `force_init_instance=True`; that + look-ups
   cached in dicts), then with `relata import orders` — each in a process of its own, timed
   from process start to exit (Django start-up included) and inside the process;
5. prints rows/s, the ratio Relata ÷ django-import-export, and whether every order's total
   equals the sum of its lines and the two tools stored the same orders and lines.

    python3 benchmarks/import_vs_django_import_export.py                 # 20,000 lines
    python3 benchmarks/import_vs_django_import_export.py --rows 5000 --variants bulk,relata
    python3 benchmarks/import_vs_django_import_export.py --million       # + the 1M benchmark

`--million` also runs `benchmarks/import_orders.py --rows 1000000 --database postgres` at the
end, but only when the machine is quiet (1-minute load average < 2; `--million-wait M` waits
up to M minutes for that). Results are recorded in docs/performance.md ("Import:
django-import-export comparison") and docs/decisions/0102-import-comparison.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
VENV = BENCH / ".venv-iex"
VENV_PYTHON = VENV / "bin" / "python"
IEX_VERSION = "4.4.3"  # django-import-export; 4.x supports Django 5.2
# src/relata imports django_stubs_ext at run time (scoring, api), but pyproject.toml lists it
# only through the dev extra (django-stubs): without it `relata migrate` fails. Same version
# as the dev install.
RUNTIME_EXTRAS = ("django-stubs-ext==6.1.2",)
DB_NAME = "relata_bench_iex"
SEED_DB = "relata_bench_iex_seed"
QUIET_LOAD = 2.0

# name → (label, django-import-export options); "relata" is `relata import orders`.
VARIANTS: dict[str, tuple[str, dict[str, Any]]] = {
    "rows": ("django-import-export, row by row (use_bulk=False)", {"use_bulk": False}),
    "bulk": ("django-import-export, use_bulk=True, batch_size=1000, skip_diff=True",
             {"use_bulk": True, "skip_diff": True}),
    "bulk-new": ("django-import-export, as bulk + force_init_instance=True (create only)",
                 {"use_bulk": True, "skip_diff": True, "force_init_instance": True}),
    "tuned": ("django-import-export, as bulk-new + customers/products/orders cached",
              {"use_bulk": True, "skip_diff": True, "force_init_instance": True,
               "cached": True}),
    "relata": ("relata import orders", {}),
}


# ---------------------------------------------------------------------------------------------
# Workers: run inside the iex virtualenv, one process per import, print one JSON line.
# ---------------------------------------------------------------------------------------------

def iex_worker(csv_path: str, options: dict[str, Any]) -> dict[str, Any]:
    """Import the file with a django-import-export ModelResource; return timings and counts."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relata.config.settings")
    import django

    django.setup()
    import tablib
    from django.core.exceptions import ValidationError
    from django.utils import translation
    from import_export import fields, resources, widgets

    from relata.customers.models import Customer
    from relata.sales.models import Order, OrderLine, Product, SalesChannel
    from relata.sales.services import order_totals_refresh

    channels = {"webshop": SalesChannel.WEB, "winkel": SalesChannel.STORE,
                "telefoon": SalesChannel.PHONE}
    dates = widgets.DateWidget(format="%d-%m-%Y")
    cached = bool(options.get("cached"))
    # "tuned": look-ups from dicts filled once per import (orders: as they are created)
    # instead of a query per cell; otherwise plain ForeignKeyWidgets.
    customers: dict[str, Any] = {}
    products: dict[str, Any] = {}
    orders: dict[str, Any] = {}

    caches = {"customers": customers, "products": products, "orders": orders}

    class CachedForeignKeyWidget(widgets.ForeignKeyWidget):
        def __init__(self, model: Any, field: str, cache: str) -> None:
            super().__init__(model, field)
            self.cache = cache  # a name: the resource deep-copies its fields and widgets

        def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
            if not cached:
                return super().clean(value, row, **kwargs)
            if not value:
                return None
            try:
                return caches[self.cache][value]
            except KeyError:
                raise ValueError(f"{self.model._meta.verbose_name} {value!r} does not exist"
                                 ) from None

    class OrderLineResource(resources.ModelResource):
        # The Dutch headers, mapped with column_name; customers and products by their codes.
        order = fields.Field(attribute="order", column_name="Ordernummer",
                             widget=CachedForeignKeyWidget(Order, "order_number", "orders"))
        customer = fields.Field(
            attribute="customer", column_name="Klantnummer",
            widget=CachedForeignKeyWidget(Customer, "customer_number", "customers"))
        product = fields.Field(attribute="product", column_name="Artikelnummer",
                               widget=CachedForeignKeyWidget(Product, "sku", "products"))
        # DecimalWidget reads "12,34" when Dutch formats are active (translation.override
        # below): it calls django.utils.formats.sanitize_separators.
        quantity = fields.Field(attribute="quantity", column_name="Aantal",
                                widget=widgets.DecimalWidget())
        unit_price = fields.Field(attribute="unit_price", column_name="Stukprijs",
                                  widget=widgets.DecimalWidget())

        class Meta:
            model = OrderLine
            fields = ("order", "customer", "product", "quantity", "unit_price")
            # A line is "the product in the order": importing the file again updates lines
            # instead of adding them twice.
            import_id_fields = ("order", "product")
            clean_model_instances = True  # full_clean(): validators, max_digits, FKs exist
            use_bulk = options.get("use_bulk", False)
            skip_diff = options.get("skip_diff", False)
            force_init_instance = options.get("force_init_instance", False)
            batch_size = 1000

        def __init__(self) -> None:
            super().__init__()
            self.touched: set[int] = set()

        def before_import(self, dataset: Any, **kwargs: Any) -> None:
            if cached:
                customers.update(Customer.objects.in_bulk(
                    set(dataset["Klantnummer"]), field_name="customer_number"))
                products.update(Product.objects.in_bulk(set(dataset["Artikelnummer"]),
                                                        field_name="sku"))
                orders.update(Order.objects.select_related("customer").in_bulk(
                    set(dataset["Ordernummer"]), field_name="order_number"))

        def before_import_row(self, row: dict[str, Any], **kwargs: Any) -> None:
            """Get or create the order the line belongs to; its rows must agree on the head."""
            number = (row["Ordernummer"] or "").strip()
            channel = channels.get((row["Kanaal"] or "").strip().lower())
            if channel is None:
                raise ValidationError({"channel": f"unknown channel {row['Kanaal']!r}"})
            order_date = dates.clean(row["Orderdatum"])
            order = orders.get(number) if cached else Order.objects.select_related(
                "customer").filter(order_number=number).first()
            if order is None:
                order = Order(
                    order_number=number,
                    customer=self.fields["customer"].clean(row),
                    order_date=order_date,
                    channel=channel,
                )
                order.full_clean()
                order.save()
                orders[number] = order
            elif (order.customer.customer_number, order.order_date, order.channel) != (
                row["Klantnummer"], order_date, channel
            ):
                raise ValidationError(
                    f"order {number} has another customer, date or channel in an earlier row"
                )
            self.touched.add(order.pk)

        def validate_instance(self, instance: Any, import_validation_errors: Any = None,
                              validate_unique: bool = True) -> None:
            if not cached:
                super().validate_instance(instance, import_validation_errors, validate_unique)
                return
            # The widgets took order, customer and product from the database already: skip
            # full_clean()'s query per foreign key, keep its other checks.
            errors = dict(import_validation_errors or {})
            try:
                instance.full_clean(exclude=[*errors, "order", "customer", "product"],
                                    validate_unique=validate_unique)
            except ValidationError as error:
                errors = error.update_error_dict(errors)
            if errors:
                raise ValidationError(errors)

        def before_save_instance(self, instance: Any, row: dict[str, Any], **kwargs: Any
                                 ) -> None:
            instance.unit_cost = instance.product.unit_cost  # as order_lines_replace does

        def after_import(self, dataset: Any, result: Any, **kwargs: Any) -> None:
            super().after_import(dataset, result, **kwargs)
            # Order.total_amount/total_cost are the sums of the lines: Relata's service.
            if not kwargs.get("dry_run"):
                for order in Order.objects.filter(pk__in=self.touched):
                    order_totals_refresh(order=order)

    start = time.perf_counter()
    cpu = time.process_time()
    with open(csv_path, encoding="cp1252", newline="") as stream:
        dataset = tablib.Dataset().load(stream.read(), format="csv", delimiter=";")
    loaded = time.perf_counter()
    resource = OrderLineResource()
    with translation.override("nl"):  # decimal comma
        result = resource.import_data(
            dataset, dry_run=False, use_transactions=True, rollback_on_validation_errors=True,
        )
    done = time.perf_counter()
    errors = [repr(error.error) for error in result.base_errors[:5]]
    errors += [f"row {number}: {error.error!r}" for number, row_errors in result.row_errors()
               for error in row_errors][:5]
    errors += [f"row {invalid.number}: {invalid.error_dict}"
               for invalid in result.invalid_rows[:5]]
    return {
        "seconds": done - start,
        "load_seconds": loaded - start,
        "cpu_seconds": time.process_time() - cpu,
        "totals": dict(result.totals),
        "errors": errors,
    }


def relata_worker(csv_path: str) -> dict[str, Any]:
    """`relata import orders FILE --no-progress` through call_command, timed in-process."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relata.config.settings")
    import io

    import django

    django.setup()
    from django.core.management import call_command

    out = io.StringIO()
    start = time.perf_counter()
    cpu = time.process_time()
    call_command("import", "orders", csv_path, "--no-progress", stdout=out)
    return {
        "seconds": time.perf_counter() - start,
        "cpu_seconds": time.process_time() - cpu,
        "output": out.getvalue().strip().splitlines()[-4:],
    }


# ---------------------------------------------------------------------------------------------
# Orchestration
# ---------------------------------------------------------------------------------------------

def ensure_venv() -> None:
    """Create benchmarks/.venv-iex when missing, then continue inside it."""
    if Path(sys.prefix).resolve() == VENV.resolve():
        return
    check = [str(VENV_PYTHON), "-c",
             "import importlib.metadata as m, relata, psycopg, django_stubs_ext; "
             f"assert m.version('django-import-export') == '{IEX_VERSION}'"]
    if not VENV_PYTHON.exists() or subprocess.run(  # noqa: S603
        check, capture_output=True, check=False
    ).returncode != 0:
        print(f"creating {VENV.relative_to(ROOT)} (Relata + django-import-export=={IEX_VERSION})"
              " …", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)  # noqa: S603
        subprocess.run(  # noqa: S603
            [str(VENV_PYTHON), "-m", "pip", "install", "-q", "-e", str(ROOT),
             f"django-import-export=={IEX_VERSION}", *RUNTIME_EXTRAS],
            check=True,
        )
    os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), __file__, *sys.argv[1:]])  # noqa: S606


class LoadSampler:
    """Samples the 1-minute load average every few seconds while a run is timed."""

    def __init__(self) -> None:
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while True:
            self.samples.append(os.getloadavg()[0])
            if self._stop.wait(2.0):
                return

    def __enter__(self) -> LoadSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.samples.append(os.getloadavg()[0])

    def describe(self) -> str:
        return f"{min(self.samples):.1f}–{max(self.samples):.1f}"


def run(cmd: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"failed: {' '.join(cmd[:3])} …")
    return result.stdout


def expected_from_csv(path: Path) -> dict[str, Any]:
    """Orders, lines and the sum of quantity × unit price (in cents), read from the file."""
    orders: set[str] = set()
    lines = cents = 0
    with path.open(encoding="cp1252") as stream:
        next(stream)
        for line in stream:
            number, _customer, _date, _sku, quantity, price, _channel = line.rstrip(
                "\r\n").split(";")
            orders.add(number)
            whole, _, frac = price.partition(",")
            cents += int(quantity) * (int(whole) * 100 + int((frac + "00")[:2]))
            lines += 1
    return {"orders": len(orders), "lines": lines, "amount_cents": cents}


def check_database(url: str) -> dict[str, Any]:
    """What was stored: counts, sums, totals that differ from their lines, fingerprints."""
    import psycopg

    with psycopg.connect(url) as conn:
        orders, amount, order_print = conn.execute(
            "SELECT count(*), coalesce(sum(o.total_amount), 0), md5(coalesce(string_agg("
            "  concat_ws('|', o.order_number, c.customer_number, o.order_date, o.channel,"
            "            o.status, o.total_amount, o.total_cost), ',' ORDER BY o.order_number),"
            "  '')) FROM sales_order o JOIN customers_customer c ON c.id = o.customer_id"
        ).fetchone()
        lines, line_amount, line_print = conn.execute(
            "SELECT count(*), coalesce(sum(l.quantity * l.unit_price), 0), md5(coalesce("
            "  string_agg(concat_ws('|', o.order_number, p.sku, c.customer_number, l.quantity,"
            "             l.unit_price, l.unit_cost), ',' ORDER BY o.order_number, p.sku), ''))"
            " FROM sales_orderline l JOIN sales_order o ON o.id = l.order_id"
            " JOIN sales_product p ON p.id = l.product_id"
            " JOIN customers_customer c ON c.id = l.customer_id"
        ).fetchone()
        (wrong_totals,) = conn.execute(
            "SELECT count(*) FROM sales_order o LEFT JOIN ("
            "  SELECT order_id, sum(quantity * unit_price) AS amount,"
            "         sum(quantity * unit_cost) AS cost FROM sales_orderline GROUP BY order_id"
            ") s ON s.order_id = o.id"
            " WHERE o.total_amount <> round(coalesce(s.amount, 0), 2)"
            "    OR o.total_cost <> round(coalesce(s.cost, 0), 2)"
        ).fetchone()
        (wrong_customer,) = conn.execute(
            "SELECT count(*) FROM sales_orderline l JOIN sales_order o ON o.id = l.order_id"
            " WHERE l.customer_id <> o.customer_id"
        ).fetchone()
    return {
        "orders": orders, "lines": lines,
        "amount_cents": int(amount * 100), "line_amount_cents": int(line_amount * 100),
        "wrong_totals": wrong_totals, "wrong_customer": wrong_customer,
        "orders_md5": order_print, "lines_md5": line_print,
    }


def admin_execute(pg_url: str, *statements: str) -> None:
    import psycopg

    with psycopg.connect(f"{pg_url}/postgres", autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def prepare_seed(args: argparse.Namespace, env: dict[str, str]) -> None:
    sys.path.insert(0, str(BENCH))
    from import_orders import SEED  # the same customers and products as the main benchmark

    admin_execute(args.pg_url, f'DROP DATABASE IF EXISTS "{SEED_DB}" WITH (FORCE)',
                  f'CREATE DATABASE "{SEED_DB}"')
    seed_env = {**env, "DATABASE_URL": f"{args.pg_url}/{SEED_DB}"}
    start = time.perf_counter()
    run([str(VENV / "bin" / "relata"), "migrate", "--noinput", "-v0"], seed_env)
    run([str(VENV_PYTHON), "-c", SEED],
        {**seed_env, "BENCH_CUSTOMERS": str(args.customers),
         "BENCH_PRODUCTS": str(args.products)})
    print(f"seeded {SEED_DB}: migrated, {args.customers:,} customers, {args.products:,} "
          f"products in {time.perf_counter() - start:.0f} s", flush=True)


def bench_variant(name: str, csv_path: Path, rows: int, args: argparse.Namespace,
                  env: dict[str, str]) -> dict[str, Any]:
    label, options = VARIANTS[name]
    admin_execute(args.pg_url, f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)',
                  f'CREATE DATABASE "{DB_NAME}" TEMPLATE "{SEED_DB}"')
    url = f"{args.pg_url}/{DB_NAME}"
    run_env = {**env, "DATABASE_URL": url}
    worker = ["--worker", "relata"] if name == "relata" else [
        "--worker", "iex", "--options", json.dumps(options)]
    print(f"[{label}] importing {rows:,} lines …", flush=True)
    try:
        with LoadSampler() as load:
            start = time.perf_counter()
            output = run([str(VENV_PYTHON), __file__, *worker, str(csv_path)], run_env)
            wall = time.perf_counter() - start
        measured = json.loads(output.strip().splitlines()[-1])
        stored = check_database(url)
    finally:
        if not args.keep:
            admin_execute(args.pg_url, f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
    result = {"name": name, "label": label, "wall": wall, "load": load.describe(),
              **measured, "stored": stored}
    print(f"[{label}] process {wall:.1f} s = {rows / wall:,.0f} rows/s; in-process "
          f"{measured['seconds']:.1f} s = {rows / measured['seconds']:,.0f} rows/s "
          f"(CPU {measured['cpu_seconds']:.1f} s); load {load.describe()}", flush=True)
    for line in measured.get("errors", []):
        print(f"    error: {line}")
    return result


def run_million(args: argparse.Namespace) -> dict[str, Any] | None:
    deadline = time.monotonic() + args.million_wait * 60
    while (load := os.getloadavg()[0]) >= QUIET_LOAD and time.monotonic() < deadline:
        print(f"load average {load:.2f} ≥ {QUIET_LOAD}: waiting for a quiet machine …",
              flush=True)
        time.sleep(30)
    if load >= QUIET_LOAD and not args.million_anyway:
        print(f"1,000,000-line benchmark skipped: load average {load:.2f} ≥ {QUIET_LOAD} "
              "(--million-anyway runs it regardless)")
        return None
    main_python = ROOT / ".venv" / "bin" / "python"
    print(f"running import_orders.py --rows 1000000 --database postgres (load {load:.2f}) …",
          flush=True)
    with LoadSampler() as sampler:
        output = run([str(main_python), str(BENCH / "import_orders.py"), "--rows", "1000000",
                      "--database", "postgres"],
                     {k: v for k, v in os.environ.items() if k != "DATABASE_URL"})
    match = re.search(r"\[PostgreSQL\] ([\d,]+) rows in ([\d.]+) s = ([\d,]+) rows/s", output)
    if match is None:
        print(output)
        return None
    print(match.group(0))
    return {"rows_per_s": int(match.group(3).replace(",", "")), "seconds": float(match.group(2)),
            "load": sampler.describe()}


def machine() -> str:
    model = "?"
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return (f"{os.cpu_count()} CPUs ({model}), Python {platform.python_version()}, "
            f"{datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}")


def report(results: list[dict[str, Any]], rows: int, expected: dict[str, Any],
           million: dict[str, Any] | None, pg_version: str) -> None:
    print()
    print(f"Machine: {machine()}; {pg_version}")
    print(f"File: {rows:,} lines, {expected['orders']:,} orders, "
          f"Σ quantity × price = {expected['amount_cents'] / 100:,.2f}")
    relata = next((r for r in results if r["name"] == "relata"), None)
    print()
    print("| importer | process s | rows/s | in-process s | rows/s | client CPU s | load |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['label']} | {r['wall']:.1f} | {rows / r['wall']:,.0f} | "
              f"{r['seconds']:.1f} | {rows / r['seconds']:,.0f} | {r['cpu_seconds']:.1f} | "
              f"{r['load']} |")
    failed = [r["label"] for r in results if r.get("errors")]
    if failed:
        print(f"WARNING: errors in {', '.join(failed)}: see above; their figures are void.")
    if relata is not None:
        print()
        for r in results:
            if r is relata:
                continue
            print(f"Relata ÷ {r['label']}: {r['wall'] / relata['wall']:.1f}× (process), "
                  f"{r['seconds'] / relata['seconds']:.1f}× (in-process)")
        if million is not None:
            print(f"Relata, 1,000,000 lines (import_orders.py): {million['rows_per_s']:,} rows/s "
                  f"({million['seconds']:.1f} s, load {million['load']}); ÷ each "
                  "django-import-export variant: "
                  + ", ".join(f"{million['rows_per_s'] / (rows / r['wall']):.0f}×"
                              for r in results if r is not relata))
    print()
    reference = relata["stored"] if relata is not None else None
    for r in results:
        s = r["stored"]
        totals_ok = s["wrong_totals"] == 0 and s["amount_cents"] == s["line_amount_cents"]
        complete = (s["orders"], s["lines"], s["amount_cents"]) == (
            expected["orders"], expected["lines"], expected["amount_cents"])
        same = reference is None or (
            s["orders_md5"], s["lines_md5"]) == (reference["orders_md5"], reference["lines_md5"])
        differ = f"NO ({s['wrong_totals']} orders differ)"
        print(f"{r['label']}: {s['orders']:,} orders, {s['lines']:,} lines, Σ totals "
              f"{s['amount_cents'] / 100:,.2f}; totals = Σ lines: "
              f"{'yes' if totals_ok else differ}; "
              f"matches the file: {'yes' if complete else 'NO'}; "
              f"line customer = order customer: "
              f"{'yes' if s['wrong_customer'] == 0 else 'NO'}; "
              f"same orders and lines as Relata: {'yes' if same else 'NO'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--products", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--variants", default="rows,bulk,bulk-new,tuned,relata",
                        help=f"comma-separated, from {', '.join(VARIANTS)}")
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--keep", action="store_true", help="keep the last import's database")
    parser.add_argument("--million", action="store_true",
                        help="also run import_orders.py on 1,000,000 lines if the machine is "
                             "quiet")
    parser.add_argument("--million-wait", type=float, default=0, metavar="MINUTES")
    parser.add_argument("--million-anyway", action="store_true")
    parser.add_argument("--worker", choices=("iex", "relata"), help=argparse.SUPPRESS)
    parser.add_argument("--options", default="{}", help=argparse.SUPPRESS)
    parser.add_argument("file", nargs="?", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        if args.worker == "iex":
            result = iex_worker(args.file, json.loads(args.options))
        else:
            result = relata_worker(args.file)
        print(json.dumps(result, default=str))
        return

    ensure_venv()
    names = [name.strip() for name in args.variants.split(",") if name.strip()]
    unknown = set(names) - set(VARIANTS)
    if unknown:
        parser.error(f"unknown variants: {', '.join(sorted(unknown))}")
    sys.path.insert(0, str(BENCH))
    from import_orders import write_csv  # the generator of the main benchmark

    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    import psycopg

    with psycopg.connect(f"{args.pg_url}/postgres") as conn:
        pg_version = str(conn.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]
    with tempfile.TemporaryDirectory(prefix="relata-bench-iex-") as tmp:
        csv_path = Path(tmp) / "orders.csv"
        write_csv(csv_path, args.rows, args.customers, args.products, args.seed)
        expected = expected_from_csv(csv_path)
        print(f"wrote {args.rows:,} lines ({expected['orders']:,} orders) to {csv_path}")
        prepare_seed(args, env)
        try:
            results = [bench_variant(name, csv_path, args.rows, args, env) for name in names]
        finally:
            admin_execute(args.pg_url, f'DROP DATABASE IF EXISTS "{SEED_DB}" WITH (FORCE)')
    million = run_million(args) if args.million else None
    report(results, args.rows, expected, million, f"PostgreSQL {pg_version}")


if __name__ == "__main__":
    main()
