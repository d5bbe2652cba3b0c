"""Deal board (kanban) benchmark: server time of /deals/ through Django's test client.

The target: the board with 5,000 open deals renders in under 300 ms with 1,000,000
customers in PostgreSQL. Load customers first (``relata demo-data --customers N``), then
seed the open deals and time the board:

    .venv/bin/python benchmarks/kanban.py \\
        --database-url postgres://postgres@127.0.0.1:5432/relata_bench_search \\
        --seed-open-deals 5000

``--seed-open-deals N`` tops the database up to N open deals (spread over lead, qualified
and quote, random customers, eight owners, all sources) plus a tenth as many won and lost
in the last 30 days, each with its stage history; it never deletes anything. Timing logs in
as the user ``benchmark-kanban`` (created as a sales user if missing) and requests the
board, after warm-up, unfiltered and with the owner, source and search filters, and the
htmx fragment a filter change fetches. Prints the median, 95th percentile and maximum in
milliseconds.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relata.config.settings")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument(
        "--database-url", default="", help="The database (default: DATABASE_URL or SQLite)."
    )
    parser.add_argument(
        "--seed-open-deals", type=int, default=0, help="Top up to this many open deals first."
    )
    parser.add_argument("--repeat", type=int, default=30, help="Timed requests per page.")
    parser.add_argument("--warm-up", type=int, default=3, help="Untimed requests first.")
    parser.add_argument("--seed", type=int, default=7, help="Random seed for the deals.")
    return parser.parse_args()


ARGS = _arguments()
if ARGS.database_url:
    os.environ["DATABASE_URL"] = ARGS.database_url

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import Group, User  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from relata.customers.models import Customer  # noqa: E402
from relata.sales.models import (  # noqa: E402
    OPEN_DEAL_STAGES,
    STAGE_PROBABILITY,
    Deal,
    DealSource,
    DealStage,
    DealStageChange,
    LostReason,
)

OWNERS = 8
BATCH = 2_000


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _owners() -> list[User]:
    sales, _created = Group.objects.get_or_create(name="sales")
    owners = []
    for index in range(OWNERS):
        user, created = User.objects.get_or_create(
            username=f"benchmark-seller-{index}", defaults={"first_name": f"Seller {index}"}
        )
        if created:
            user.groups.add(sales)
        owners.append(user)
    return owners


def _customer_ids(wanted: int, rng: random.Random) -> list[int]:
    """Random existing customer ids, read through the primary key range (no full scan)."""
    bounds = Customer.objects.order_by("pk").values_list("pk", flat=True)
    low, high = (
        bounds.first(),
        Customer.objects.order_by("-pk").values_list("pk", flat=True).first(),
    )
    if low is None or high is None:
        sys.exit("The database holds no customers: run `relata demo-data` first.")
    candidates = {rng.randint(low, high) for _ in range(wanted * 2)}
    existing = list(Customer.objects.filter(pk__in=candidates).values_list("pk", flat=True))
    if not existing:
        sys.exit("Could not sample customers.")
    return [rng.choice(existing) for _ in range(wanted)]


def seed(open_wanted: int, rng: random.Random) -> None:
    have = Deal.objects.filter(stage__in=OPEN_DEAL_STAGES).count()
    missing = max(0, open_wanted - have)
    if not missing:
        print(f"{have:,} open deals already; nothing seeded.")
        return
    closed = missing // 10
    owners = _owners()
    customers = _customer_ids(missing + closed, rng)
    sources = DealSource.values
    now = timezone.now()
    started = time.perf_counter()
    for offset in range(0, missing + closed, BATCH):
        deals = []
        histories: list[list[tuple[str, object]]] = []
        for index in range(offset, min(offset + BATCH, missing + closed)):
            is_open = index < missing
            created = now - timedelta(days=rng.uniform(1, 180))
            if is_open:
                stage = rng.choice(OPEN_DEAL_STAGES)
            else:
                stage = rng.choice((DealStage.WON, DealStage.LOST))
            path = (
                list(OPEN_DEAL_STAGES[: OPEN_DEAL_STAGES.index(stage) + 1])
                if is_open
                else [
                    DealStage.LEAD,
                    DealStage.QUALIFIED,
                    stage,
                ]
            )
            moments = sorted(created + (now - created) * rng.random() for _ in path[1:])
            if not is_open:
                moments[-1] = now - timedelta(days=rng.uniform(0, 29))
                moments = sorted(moments)
            entered = [created, *moments]
            deals.append(
                Deal(
                    customer_id=customers[index],
                    title=f"Benchmark deal {offset + index:06d}",
                    stage=stage,
                    value=Decimal(rng.randint(50, 50_000)),
                    probability=STAGE_PROBABILITY[stage],
                    owner=rng.choice(owners) if rng.random() < 0.9 else None,
                    source=rng.choice(sources),
                    expected_close_date=(now + timedelta(days=rng.randint(-10, 120))).date(),
                    lost_reason=rng.choice(LostReason.values) if stage == DealStage.LOST else "",
                    stage_changed_at=entered[-1],
                    closed_at=entered[-1] if not is_open else None,
                    created_at=created,
                )
            )
            histories.append(list(zip(path, entered, strict=True)))
        with transaction.atomic():
            Deal.objects.bulk_create(deals)
            changes = []
            for deal, history in zip(deals, histories, strict=True):
                previous = ""
                for stage, when in history:
                    changes.append(
                        DealStageChange(
                            deal=deal,
                            customer_id=deal.customer_id,
                            from_stage=previous,
                            to_stage=stage,
                            changed_at=when,
                        )
                    )
                    previous = stage
            DealStageChange.objects.bulk_create(changes)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE sales_deal")
            cursor.execute("ANALYZE sales_dealstagechange")
    print(
        f"Seeded {missing:,} open and {closed:,} closed deals "
        f"in {time.perf_counter() - started:.1f} s."
    )


def time_get(client: Client, url: str, repeat: int, warm_up: int, **extra: str) -> list[float]:
    for _ in range(warm_up):
        client.get(url, headers=extra)
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url, headers=extra)
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            sys.exit(f"{url} answered {response.status_code}.")
    return timings


def main() -> None:
    rng = random.Random(ARGS.seed)
    if ARGS.seed_open_deals:
        seed(ARGS.seed_open_deals, rng)
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    user, created = User.objects.get_or_create(username="benchmark-kanban")
    if created:
        user.groups.add(Group.objects.get_or_create(name="sales")[0])
    client = Client()
    client.force_login(user)
    open_deals = Deal.objects.filter(stage__in=OPEN_DEAL_STAGES).count()
    print(
        f"{connection.vendor} database {connection.settings_dict['NAME']}: "
        f"{Customer.objects.order_by().count():,} customers, {open_deals:,} open deals, "
        f"{Deal.objects.count():,} deals in all"
    )
    owner = User.objects.filter(username="benchmark-seller-0").first()
    pages = [("board", "/deals/", {})]
    if owner is not None:
        pages.append(("board: one owner", f"/deals/?owner={owner.pk}", {}))
    pages += [
        ("board: one source", "/deals/?source=referral", {}),
        ("board: search 'deal 0001'", "/deals/?q=deal+0001", {}),
        ("board fragment (htmx)", "/deals/", {"HX-Request": "true"}),
    ]
    print(f"{'page':<28} {'n':>4} {'median ms':>10} {'p95 ms':>8} {'max ms':>8}")
    for name, url, headers in pages:
        repeat = ARGS.repeat if name == "board" else max(5, ARGS.repeat // 3)
        timings = time_get(client, url, repeat, ARGS.warm_up, **headers)
        print(
            f"{name:<28} {len(timings):>4} {statistics.median(timings):>10.1f} "
            f"{percentile(timings, 0.95):>8.1f} {max(timings):>8.1f}"
        )


if __name__ == "__main__":
    main()
