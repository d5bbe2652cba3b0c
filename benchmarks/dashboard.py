"""Customer-value dashboard benchmark: server time of /value/ through Django's test client.

Run against a PostgreSQL database with scored customers (see docs/performance.md,
"Dashboard"):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/relata_bench_dash \\
        .venv/bin/python benchmarks/dashboard.py

Times the whole view, logged in (session, the run's summary, the two indexed top-20 lists,
template rendering), after warm-up requests; then, for comparison, the first page of some
drill-down lists and a customer file with its score card. Prints the median, 95th
percentile and maximum in milliseconds. Creates the user `benchmark-dashboard` (an
administrator: it also sees the settings link) if it does not exist; writes nothing else.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relata.config.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from relata.scoring.models import CustomerSnapshot  # noqa: E402
from relata.scoring.selectors import latest_run  # noqa: E402


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def time_get(client: Client, url: str, repeat: int, warm_up: int) -> list[float]:
    for _ in range(warm_up):
        client.get(url)
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            sys.exit(f"{url} answered {response.status_code}.")
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--repeat", type=int, default=30, help="Timed requests per page.")
    parser.add_argument("--warm-up", type=int, default=3, help="Untimed requests first.")
    parser.add_argument(
        "--dashboard-only", action="store_true", help="Skip the drill-down and customer pages."
    )
    args = parser.parse_args()

    run = latest_run()
    if run is None:
        sys.exit("No complete score run: load customers and run `relata score` first.")
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    user, _created = User.objects.get_or_create(
        username="benchmark-dashboard", defaults={"is_superuser": True, "is_staff": True}
    )
    client = Client()
    client.force_login(user)
    print(
        f"{connection.vendor} database {connection.settings_dict['NAME']}: run {run.pk}, "
        f"period ending {run.period_end}, {run.customers:,} customers scored"
    )
    pages = [("dashboard", "/value/")]
    if not args.dashboard_only:
        sample = (
            CustomerSnapshot.objects.filter(run=run, tier=1).values_list("customer_id", flat=True)
        ).first()
        pages += [
            ("list: tier Small, by revenue", f"/value/customers/?run={run.pk}&tier=4"),
            ("list: migration cell", f"/value/customers/?run={run.pk}&from_state=3&to_state=4"),
            ("list: RFM cell R5 F5", f"/value/customers/?run={run.pk}&r=5&f=5"),
            ("list: can't lose them", f"/value/customers/?run={run.pk}&cant_lose=1&sort=risk"),
        ]
        if sample:
            pages.append(("customer file with scores", f"/customers/{sample}/"))
    print(f"{'page':<30} {'n':>4} {'median ms':>10} {'p95 ms':>8} {'max ms':>8}")
    for name, url in pages:
        repeat = args.repeat if name == "dashboard" else max(5, args.repeat // 3)
        timings = time_get(client, url, repeat, args.warm_up)
        print(
            f"{name:<30} {len(timings):>4} {statistics.median(timings):>10.1f} "
            f"{percentile(timings, 0.95):>8.1f} {max(timings):>8.1f}"
        )


if __name__ == "__main__":
    main()
