"""Customer search benchmark: server time of the customer list as the UI runs it.

Run against a PostgreSQL database holding generated customers (see benchmarks/README.md):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/relata_bench_search \\
        .venv/bin/python benchmarks/search_customers.py

For each query type it takes real values from the data (a surname, part of an e-mail
address, a postcode, ...), and times what the list view does: `customer_search`, then the
first page (25 rows) and the count that the pagination shows. With `--view` it times the
whole view through Django's test client instead (template rendering included).
Prints the median and 95th percentile per query type and overall, in milliseconds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relata.config.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client, RequestFactory  # noqa: E402

from relata.customers.models import Customer  # noqa: E402
from relata.customers.selectors import customer_search  # noqa: E402
from relata.web.pagination import paginate_estimated  # noqa: E402

PER_PAGE = 25


def sample_queries(per_type: int, seed: int) -> dict[str, list[str]]:
    """Realistic queries built from customers picked at random (repeatable per seed)."""
    total = Customer.objects.count()
    if total == 0:
        sys.exit("The database holds no customers; load them with `relata demo-data` first.")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT setseed(%s)", [((seed % 1000) / 1000.0)])
            cursor.execute(
                "SELECT id FROM customers_customer ORDER BY random() LIMIT %s", [per_type * 20]
            )
        else:
            cursor.execute(
                "SELECT id FROM customers_customer ORDER BY random() LIMIT %s", [per_type * 20]
            )
        ids = [row[0] for row in cursor.fetchall()]
    customers = list(Customer.objects.filter(pk__in=ids).order_by("pk"))
    persons = [c for c in customers if c.kind == "person" and c.last_name]
    queries: dict[str, list[str]] = {
        "surname": [],
        "e-mail part": [],
        "postcode": [],
        "postcode digits": [],
        "city": [],
        "customer number": [],
        "phone digits": [],
        "organisation": [],
        "two terms": [],
        "no query": [""] * per_type,
    }
    for c in persons:
        queries["surname"].append(c.last_name)
        if c.email:
            queries["e-mail part"].append(c.email.split("@")[0][:8])
        if c.postcode:
            queries["postcode"].append(c.postcode)
            queries["postcode digits"].append(c.postcode[:4])
        if c.city:
            queries["city"].append(c.city)
            queries["two terms"].append(f"{c.first_name} {c.city}")
        if c.phone:
            queries["phone digits"].append(c.phone.replace("-", "")[-8:])
        queries["customer number"].append(c.customer_number)
    for c in customers:
        if c.kind == "organisation":
            queries["organisation"].append(c.organisation_name.split()[0])
    return {kind: values[:per_type] for kind, values in queries.items() if values}


def time_selector(query: str) -> float:
    """The list view's database work: search, count for the pagination, the first page."""
    request = RequestFactory().get("/customers/", {"q": query})
    started = time.perf_counter()
    customers = customer_search(query=query).select_related("account_owner")
    page = paginate_estimated(request, customers, per_page=PER_PAGE)
    rows = list(page.object_list)
    _ = page.paginator.count, page.paginator.num_pages, len(rows)
    return (time.perf_counter() - started) * 1000


def view_timer() -> Callable[[str], float]:
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    user, _created = User.objects.get_or_create(username="benchmark-search")
    client = Client()
    client.force_login(user)

    def time_view(query: str) -> float:
        started = time.perf_counter()
        response = client.get("/customers/", {"q": query})
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            sys.exit(f"The customer list answered {response.status_code} for {query!r}.")
        return elapsed

    return time_view


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--per-type", type=int, default=10, help="Queries per query type.")
    parser.add_argument("--repeat", type=int, default=3, help="Timed runs per query.")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--view", action="store_true", help="Time the whole view instead.")
    parser.add_argument("--show", action="store_true", help="Print every query and its time.")
    args = parser.parse_args()

    timer = view_timer() if args.view else time_selector
    total = Customer.objects.count()
    print(
        f"{connection.vendor} database {connection.settings_dict['NAME']}: "
        f"{total:,} customers; timing {'the view' if args.view else 'search + count + page'}"
    )
    queries = sample_queries(args.per_type, args.seed)
    overall: list[float] = []
    print(f"{'query type':<18} {'n':>4} {'median ms':>10} {'p95 ms':>8} {'max ms':>8}  example")
    for kind, values in queries.items():
        timings: list[float] = []
        for query in values:
            timer(query)  # warm-up: the first run may read from disk
            runs = [timer(query) for _ in range(args.repeat)]
            timings.extend(runs)
            if args.show:
                print(f"    {query!r:<32} {statistics.median(runs):8.1f} ms")
        overall.extend(timings)
        print(
            f"{kind:<18} {len(timings):>4} {statistics.median(timings):>10.1f} "
            f"{percentile(timings, 0.95):>8.1f} {max(timings):>8.1f}  {values[0]!r}"
        )
    print(
        f"{'overall':<18} {len(overall):>4} {statistics.median(overall):>10.1f} "
        f"{percentile(overall, 0.95):>8.1f} {max(overall):>8.1f}"
    )


if __name__ == "__main__":
    main()
