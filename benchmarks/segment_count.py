"""Segment counts: how long PostgreSQL takes to count typical segments (and to fetch the
builder's preview of the first 20 members by name) on a database of one million customers.

    createdb -h 127.0.0.1 -U postgres relata_seg1m
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/relata_seg1m
    .venv/bin/relata migrate && .venv/bin/relata demo-data --customers 1000000 --years 4 --seed 42
    .venv/bin/relata score
    psql -h 127.0.0.1 -U postgres relata_seg1m -c "VACUUM ANALYZE"   # what autovacuum does
    .venv/bin/python benchmarks/segment_count.py --repeat 15

Each segment is counted once to warm the cache, then ``--repeat`` times; the script prints
the median and 95th percentile in milliseconds with the count, and the same for the
builder's preview (the first 20 members by name, as ``members_by_name`` orders them).
``--explain NAME`` prints PostgreSQL's plan of one segment's count. The counts run exactly
as the rule builder runs them (``segment_count``).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relata.config.settings")


def segments(category: dict[str, int]) -> dict[str, dict[str, Any]]:
    """Typical segments of 3–4 conditions over profile, last order, snapshot and consent, and
    (named heavy:) two over categories bought and live order aggregates."""
    coffee = category.get("Coffee and tea")
    kitchen = category.get("Kitchen appliances")
    return {
        "valuable-quiet": {
            "match": "all",
            "rules": [
                {"field": "tier", "op": "in", "value": [1, 2]},
                {"field": "last_order", "op": "not_within_last", "value": 90},
                {"field": "opted_in", "op": "any_of", "value": ["email:marketing"]},
            ],
        },
        "win-back": {
            "match": "all",
            "rules": [
                {"field": "lifecycle_stage", "op": "in", "value": [7, 8]},
                {"field": "clv_probabilistic", "op": "gte", "value": 200},
                {
                    "field": "opted_in",
                    "op": "any_of",
                    "value": ["email:marketing", "email:newsletter"],
                },
            ],
        },
        "young-families-randstad": {
            "match": "all",
            "rules": [
                {"field": "kind", "op": "eq", "value": "person"},
                {"field": "age", "op": "between", "value": [25, 40]},
                {"field": "children", "op": "gte", "value": 1},
                {"field": "city", "op": "in", "value": "Amsterdam, Rotterdam, Den Haag, Utrecht"},
            ],
        },
        "big-spenders-period": {
            "match": "all",
            "rules": [
                {"field": "period_revenue", "op": "gte", "value": 1000},
                {"field": "period_orders", "op": "gte", "value": 3},
                {"field": "rfm_segment", "op": "in", "value": [1, 2]},
            ],
        },
        "new-welcome": {
            "match": "all",
            "rules": [
                {"field": "first_order", "op": "within_last", "value": 90},
                {"field": "opted_in", "op": "any_of", "value": ["email:marketing"]},
                {"field": "open_complaint", "op": "is_false"},
            ],
        },
        "top-at-risk-or": {
            "match": "all",
            "rules": [
                {"field": "tier", "op": "in", "value": [1, 2, 3]},
                {
                    "match": "any",
                    "rules": [
                        {"field": "cant_lose", "op": "is_true"},
                        {"field": "churn_level", "op": "in", "value": [3]},
                        {"field": "last_order", "op": "more_than_ago", "value": 180},
                    ],
                },
            ],
        },
        "dormant-organisations": {
            "match": "all",
            "rules": [
                {"field": "kind", "op": "eq", "value": "organisation"},
                {"field": "last_order", "op": "more_than_ago", "value": 365},
                {"field": "sector", "op": "is_set"},
                {"field": "company_size", "op": "in", "value": ["medium", "large"]},
            ],
        },
        # Conditions over every order line or order of the file (categories bought, live
        # revenue and order counts): seconds at this size, see docs/performance.md.
        "heavy:coffee-cross-sell": {
            "match": "all",
            "rules": [
                {"field": "categories", "op": "any_of", "value": [coffee], "days": 365},
                {"field": "categories", "op": "none_of", "value": [kitchen]},
                {"field": "opted_in", "op": "any_of", "value": ["email:marketing"]},
            ],
        },
        "heavy:big-spenders-live": {
            "match": "all",
            "rules": [
                {"field": "revenue", "op": "gte", "value": 1000, "days": 365},
                {"field": "order_count", "op": "gte", "value": 3},
                {"field": "rfm_segment", "op": "in", "value": [1, 2]},
            ],
        },
        "everyone": {"match": "all", "rules": []},
    }


def timed(function: Any, repeat: int) -> tuple[float, float, Any]:
    function()  # warm-up
    times = []
    result = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append(1000 * (time.perf_counter() - started))
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return statistics.median(times), p95, result


def _fetch(queryset: Any) -> list[Any]:
    from relata.engagement.segment_selectors import segment_evaluation

    with segment_evaluation():
        return list(queryset)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--only", help="Comma-separated segment names.")
    parser.add_argument("--explain", help="Print the plan of this segment's count.")
    parser.add_argument("--no-preview", action="store_true")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    from relata.customers.models import Customer
    from relata.engagement.segment_selectors import (
        members_by_name,
        rules_customers,
        segment_count,
        segment_evaluation,
    )
    from relata.sales.models import ProductCategory

    if connection.vendor != "postgresql":
        print("warning: not PostgreSQL; the target is PostgreSQL", file=sys.stderr)
    category = dict(ProductCategory.objects.values_list("name", "pk"))
    chosen = segments(category)
    if args.only:
        chosen = {k: v for k, v in chosen.items() if k in args.only.split(",")}
    total = Customer.objects.count()
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split(" on ")[0]
    print(f"{total:,} customers; {version}; {platform.machine()}, {os.cpu_count()} CPUs")

    if args.explain:
        sql, params = rules_customers(chosen[args.explain]).order_by().query.sql_with_params()
        with segment_evaluation(), connection.cursor() as cursor:
            # The SQL is the ORM's own compilation of the rules; values stay parameters.
            explain = f"EXPLAIN (ANALYZE, BUFFERS) SELECT count(*) FROM ({sql}) s"  # noqa: S608
            cursor.execute(explain, params)
            print("\n".join(row[0] for row in cursor.fetchall()))
        return

    print(f"load average {os.getloadavg()[0]:.1f} at the start")
    header = f"{'segment':26} {'count':>9} {'median ms':>10} {'p95 ms':>8}"
    if not args.no_preview:
        header += f" {'preview median':>15} {'p95':>6}"
    print(header)
    for name, rules in chosen.items():
        members = rules_customers(rules)
        median, p95, count = timed(lambda r=rules: segment_count(r), args.repeat)
        line = f"{name:26} {count:>9,} {median:>10.0f} {p95:>8.0f}"
        if not args.no_preview:
            first = members_by_name(members, count=count).values_list("pk", flat=True)
            p_median, p_p95, _rows = timed(lambda f=first: _fetch(f[:20]), args.repeat)
            line += f" {p_median:>15.0f} {p_p95:>6.0f}"
        print(line, flush=True)
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
