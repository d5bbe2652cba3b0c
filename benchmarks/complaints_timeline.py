"""Complaints and timeline benchmark: server time of the customer timeline and the complaints
report on a database of their own.

    psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE relata_bench_complaints"
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/relata_bench_complaints \\
        .venv/bin/relata migrate --noinput
    .venv/bin/python benchmarks/complaints_timeline.py \\
        --database-url postgres://postgres@127.0.0.1:5432/relata_bench_complaints \\
        --seed --complaints 100000 --repeat 20

With ``--seed`` it first creates one customer with a long history (``--moments`` contact
moments, ``--orders`` orders, 200 deals with a stage change each, 500 tasks, every 500th
complaint) and 1,000 other customers sharing ``--complaints`` complaints received every
7 minutes back from now, two thirds of them resolved. Then it times, through Django's test
client (routing, middleware, queries, templates), the timeline fragment of that customer's
file (50 entries, 400 entries, complaints only), the API's timeline, and the complaints
report page for the default year. Prints median and 95th percentile in milliseconds.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relata.config.settings")

CUSTOMER_NUMBER = "BENCH-TIMELINE"


def setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    import django

    django.setup()


def seed(*, moments: int, orders: int, complaints: int, rng: random.Random) -> None:
    from django.db import connection
    from django.utils import timezone

    from relata.contacts.models import Complaint, ContactMoment, Task
    from relata.customers.models import Customer
    from relata.sales.models import Deal, DealStageChange, Order

    now = timezone.now()
    customer = Customer(customer_number=CUSTOMER_NUMBER, first_name="Long", last_name="History")
    customer.refresh_derived_fields()
    customer.save()
    channels = ["phone", "email", "web", "chat"]
    ContactMoment.objects.bulk_create(
        ContactMoment(
            customer=customer,
            channel=rng.choice(channels),
            touchpoint="service",
            subject=f"Contact {i}",
            occurred_at=now - timedelta(hours=i),
        )
        for i in range(moments)
    )
    Order.objects.bulk_create(
        Order(
            order_number=f"BENCH-{i}",
            customer=customer,
            order_date=date.today() - timedelta(days=i % 700),
        )
        for i in range(orders)
    )
    deals = Deal.objects.bulk_create(
        Deal(customer=customer, title=f"Deal {i}", created_at=now - timedelta(days=i))
        for i in range(200)
    )
    DealStageChange.objects.bulk_create(
        DealStageChange(
            deal=deal,
            customer=customer,
            from_stage="lead",
            to_stage="quote",
            changed_at=deal.created_at + timedelta(hours=1),
        )
        for deal in deals
    )
    Task.objects.bulk_create(
        Task(
            customer=customer,
            title=f"Task {i}",
            created_at=now - timedelta(hours=3 * i),
            completed_at=now - timedelta(hours=3 * i - 1),
            status="done",
        )
        for i in range(500)
    )
    others = []
    for i in range(1000):
        other = Customer(customer_number=f"BENCH-C{i:04d}", last_name=f"Other {i}")
        other.refresh_derived_fields()
        others.append(other)
    others = Customer.objects.bulk_create(others)
    causes = ["product", "delivery", "billing", "no_answer", "repeat_story", "unclear_info"]
    touchpoints = ["sales", "service", "billing", "delivery", "after_sales"]
    batch = []
    for i in range(complaints):
        received = now - timedelta(minutes=7 * i)
        closed = i % 3 != 0
        batch.append(
            Complaint(
                customer=customer if i % 500 == 0 else others[i % 1000],
                channel=rng.choice(channels),
                touchpoint=rng.choice(touchpoints),
                cause=rng.choice(causes),
                subject=f"Complaint {i}",
                received_at=received,
                status="resolved" if closed else "open",
                resolved_at=received + timedelta(hours=rng.random() * 100) if closed else None,
                resolution="Handled" if closed else "",
            )
        )
    Complaint.objects.bulk_create(batch, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def timed(call: Callable[[], int], repeat: int) -> list[float]:
    call()  # warm-up
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        status = call()
        times.append((time.perf_counter() - started) * 1000)
        if status != 200:
            sys.exit(f"unexpected status {status}")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--seed", action="store_true", help="create the data first")
    parser.add_argument("--moments", type=int, default=5000)
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--complaints", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    setup(args.database_url)

    from django.conf import settings
    from django.contrib.auth.models import Group, User
    from django.test import Client

    from relata.accounts.models import ApiToken
    from relata.accounts.roles import roles_sync
    from relata.contacts.models import Complaint
    from relata.customers.models import Customer

    if args.seed and not Customer.objects.filter(customer_number=CUSTOMER_NUMBER).exists():
        seed(
            moments=args.moments,
            orders=args.orders,
            complaints=args.complaints,
            rng=random.Random(42),
        )
    customer = Customer.objects.filter(customer_number=CUSTOMER_NUMBER).first()
    if customer is None:
        sys.exit("No benchmark customer: run once with --seed.")
    roles_sync()
    user, created = User.objects.get_or_create(username="bench-complaints")
    if created:
        user.groups.add(Group.objects.get(name="sales"))
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(user)
    _token, raw = ApiToken.issue(user=user, name="benchmark")
    api_headers = {"Authorization": f"Bearer {raw}"}
    file_url = f"/customers/{customer.pk}/"
    htmx = {"HX-Request": "true"}

    print(
        f"complaints: {Complaint.objects.count():,}; the customer's history: "
        f"{customer.contact_moments.count():,} contact moments, {customer.orders.count():,} "
        f"orders, {customer.deals.count():,} deals, {customer.tasks.count():,} tasks, "
        f"{customer.complaints.count():,} complaints"
    )
    cases: dict[str, Callable[[], int]] = {
        "timeline fragment, 50 entries": lambda: (
            client.get(file_url, {"partial": "timeline"}, headers=htmx).status_code
        ),
        "timeline fragment, 400 entries": lambda: (
            client.get(file_url, {"partial": "timeline", "limit": 400}, headers=htmx).status_code
        ),
        "timeline fragment, complaints only": lambda: (
            client.get(
                file_url, {"partial": "timeline", "type": "complaints"}, headers=htmx
            ).status_code
        ),
        "API timeline, 50 entries": lambda: (
            client.get(f"/api/customers/{customer.pk}/timeline", headers=api_headers).status_code
        ),
        "complaints report page (last 365 days)": lambda: (
            client.get("/complaints/report/").status_code
        ),
        "complaints list, unresolved, page 1": lambda: (
            client.get("/complaints/", {"status": "unresolved"}).status_code
        ),
    }
    for label, call in cases.items():
        times = timed(call, args.repeat)
        p95 = statistics.quantiles(times, n=20)[-1] if len(times) > 1 else times[0]
        print(f"{label:42} median {statistics.median(times):7.1f} ms   p95 {p95:7.1f} ms")


if __name__ == "__main__":
    main()
