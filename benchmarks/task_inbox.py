"""Task inbox benchmark: server time of the task pages on a database that holds customers.

    .venv/bin/python benchmarks/task_inbox.py \\
        --database-url postgres://postgres@127.0.0.1:5432/relata_bench_search \\
        --seed-tasks 200000 --open-share 0.1 --repeat 30

With ``--seed-tasks N`` it first adds N tasks about customers picked at random: spread over
sales and back-office users (created as ``bench-sales-NN`` / ``bench-bo-NN`` if missing),
the two team queues, every status (``--open-share`` of them open) and priority, with due
dates around today and a stored routing reason. One user, ``bench-sales-01``, gets a full
inbox (``--full-inbox`` open tasks). Then it times, through Django's test client (URL
routing, middleware, query, template rendering), the inbox page of that user: page 1 and a
later page of "Mine", both team queues, the "All" tab, the start page's task card, and the
JSON list of the API's ``assignee=me``. Prints median and 95th percentile in milliseconds.
Without ``--seed-tasks`` it only times what is there.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relata.config.settings")


def setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    import django

    django.setup()


def bench_users(sales: int, back_office: int) -> tuple[list[int], list[int]]:
    from django.contrib.auth.models import Group, User

    from relata.accounts.roles import roles_sync

    roles_sync()
    ids: dict[str, list[int]] = {"sales": [], "back_office": []}
    for role, count, prefix in (("sales", sales, "sales"), ("back_office", back_office, "bo")):
        group = Group.objects.get(name=role)
        for number in range(1, count + 1):
            user, created = User.objects.get_or_create(
                username=f"bench-{prefix}-{number:02d}",
                defaults={"first_name": prefix.title(), "last_name": f"{number:02d}"},
            )
            if created:
                user.groups.add(group)
            ids[role].append(user.pk)
    return ids["sales"], ids["back_office"]


def seed_tasks(total: int, open_share: float, full_inbox: int, seed: int) -> None:
    from django.db import connection
    from django.utils import timezone

    from relata.contacts.models import Task, TaskKind, TaskStatus, Team

    rng = random.Random(seed)
    sales_ids, bo_ids = bench_users(sales=20, back_office=8)
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM customers_customer")
        low, high = cursor.fetchone()
    if low is None:
        sys.exit("The database holds no customers; load them with `relata demo-data` first.")
    today = timezone.localdate()
    now = timezone.now()
    kinds = TaskKind.values
    open_statuses = [TaskStatus.OPEN] * 6 + [TaskStatus.IN_PROGRESS] * 3 + [TaskStatus.WAITING]
    closed_statuses = [TaskStatus.DONE] * 9 + [TaskStatus.CANCELLED]
    started = time.perf_counter()
    batch: list[Task] = []
    made = 0

    def customer_id() -> int:
        # Ids are dense in generated data; a gap costs one retry at worst.
        return rng.randint(low, high)

    for index in range(total):
        is_open = index < full_inbox or rng.random() < open_share
        if index < full_inbox:
            team, assignee = Team.SALES.value, sales_ids[0]
        elif rng.random() < 0.5:
            team = Team.BACK_OFFICE.value
            assignee = rng.choice(bo_ids) if rng.random() < 0.6 else None
        else:
            team = Team.SALES.value
            assignee = rng.choice(sales_ids) if rng.random() < 0.8 else None
        value = Decimal(rng.choice([50, 120, 300, 800, 1200, 4000]))
        status = rng.choice(open_statuses if is_open else closed_statuses)
        created = now - timedelta(days=rng.randint(0, 720), minutes=rng.randint(0, 1440))
        task = Task(
            customer_id=customer_id(),
            title=f"Benchmark task {index}",
            kind=rng.choice(kinds),
            value=value,
            team=team,
            assignee_id=assignee,
            status=status,
            priority=rng.choice([1, 2, 2, 3, 3, 3, 3, 4]),
            due_date=today + timedelta(days=rng.randint(-30, 60)) if rng.random() < 0.8 else None,
            routing={
                "rule": None,
                "name": "",
                "destination": "back_office" if team == Team.BACK_OFFICE else "account_owner",
                "team": team,
                "assignee": assignee,
                "assignee_name": "",
                "kind": "request",
                "value": f"{value:.2f}",
                "tier": rng.randint(1, 7),
                "met": [],
                "missed": [{"c": "value", "threshold": "500.00"}],
            },
            created_at=created,
            completed_at=None if is_open else created + timedelta(days=2),
        )
        batch.append(task)
        if len(batch) == 5000:
            made += _insert(batch, low, high, rng)
            batch = []
    if batch:
        made += _insert(batch, low, high, rng)
    with connection.cursor() as cursor:
        # VACUUM sets the visibility map, so counts are index-only scans as in a live system.
        vacuum = "VACUUM ANALYZE contacts_task" if connection.vendor == "postgresql" else "ANALYZE"
        cursor.execute(vacuum)
    print(f"seeded {made:,} tasks in {time.perf_counter() - started:.1f} s")


def _insert(batch: list, low: int, high: int, rng: random.Random) -> int:  # type: ignore[type-arg]
    from relata.contacts.models import Task
    from relata.customers.models import Customer

    wanted = {task.customer_id for task in batch}
    existing = set(Customer.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    pool = list(existing)
    for task in batch:
        if task.customer_id not in existing:
            task.customer_id = rng.choice(pool)
    Task.objects.bulk_create(batch)
    return len(batch)


def timed(call: Callable[[], int], repeat: int) -> tuple[list[float], list[float]]:
    """Wall-clock and this process's CPU time per call, in milliseconds. On a busy machine the
    CPU time shows the Django side's own cost; the wall time adds the database and waiting."""
    call()  # warm-up
    times, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        status = call()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        if status != 200:
            sys.exit(f"unexpected status {status}")
    return times, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--seed-tasks", type=int, default=0, help="tasks to add first")
    parser.add_argument("--open-share", type=float, default=0.1)
    parser.add_argument("--full-inbox", type=int, default=1000, help="open tasks of one user")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    setup(args.database_url)

    from django.conf import settings
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client

    from relata.accounts.models import ApiToken
    from relata.contacts.models import OPEN_TASK_STATUSES, Task
    from relata.customers.models import Customer

    if args.seed_tasks:
        seed_tasks(args.seed_tasks, args.open_share, args.full_inbox, args.seed)
    user = User.objects.filter(username="bench-sales-01").first()
    if user is None:
        sys.exit("No bench-sales-01 user: run once with --seed-tasks.")
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(user)
    _token, raw = ApiToken.issue(user=user, name="benchmark")
    api_headers = {"Authorization": f"Bearer {raw}"}

    customers = Customer.objects.count()
    tasks = Task.objects.count()
    open_tasks = Task.objects.filter(status__in=OPEN_TASK_STATUSES).count()
    inbox = Task.objects.filter(assignee=user, status__in=OPEN_TASK_STATUSES).count()
    print(
        f"database: {connection.vendor} {connection.settings_dict['NAME']}; "
        f"{customers:,} customers, {tasks:,} tasks ({open_tasks:,} open); "
        f"inbox of {user.username}: {inbox:,} open tasks"
    )
    cases: dict[str, Callable[[], int]] = {
        "inbox (Mine), page 1": lambda: client.get("/tasks/").status_code,
        "inbox (Mine), page 20": lambda: client.get("/tasks/", {"page": 20}).status_code,
        "inbox, overdue only": lambda: client.get("/tasks/", {"overdue": "1"}).status_code,
        "sales queue": lambda: client.get("/tasks/", {"tab": "sales"}).status_code,
        "back-office queue": lambda: client.get("/tasks/", {"tab": "back_office"}).status_code,
        "all open tasks": lambda: client.get("/tasks/", {"tab": "all"}).status_code,
        "start page (with task card)": lambda: client.get("/").status_code,
        "API assignee=me": lambda: (
            client.get("/api/tasks/", {"assignee": "me"}, headers=api_headers).status_code
        ),
    }
    print(
        f"{'page':32} {'median ms':>10} {'p95 ms':>10} {'CPU ms':>8}"
        f"   ({args.repeat} runs after a warm-up; CPU: median of this process)"
    )
    for name, call in cases.items():
        times, cpu = timed(call, args.repeat)
        times.sort()
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        print(
            f"{name:32} {statistics.median(times):10.1f} {p95:10.1f} {statistics.median(cpu):8.1f}"
        )


if __name__ == "__main__":
    main()
