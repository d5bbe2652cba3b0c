"""Load demo data and create the demo users (the writes behind `relata demo-data` and
`relata demo-users`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.db.models import F, OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from relata.accounts import roles
from relata.contacts.models import Complaint, ContactMoment, RoutingRule, Task, TaskStatus
from relata.customers.models import Customer
from relata.demo.generate import DemoSpec, RuleSpec, demo_generate
from relata.demo.writer import demo_write
from relata.sales.models import (
    OPEN_DEAL_STAGES,
    Deal,
    DealStageChange,
    Order,
    Product,
    ProductCategory,
)

MAX_CUSTOMERS = 20_000_000
DEMO_PASSWORD = "demo"  # noqa: S105 - demo accounts, documented as such


class DemoDataError(Exception):
    """The demo data cannot be loaded; the message says why."""


@dataclass(frozen=True)
class DemoLoadResult:
    loaded: bool
    rows: dict[str, int]
    open_deals: int = 0


def demo_data_check(*, customers: int, years: int, seed: int = 0, if_empty: bool = False) -> bool:
    """Whether demo data should be loaded: False when customers exist and `if_empty` is set.
    Raises DemoDataError when the arguments are out of range or the tables are not empty."""
    if not 1 <= customers <= MAX_CUSTOMERS:
        raise DemoDataError(
            _("--customers must be between 1 and %(max)s, not %(value)s.")
            % {"max": f"{MAX_CUSTOMERS:,}", "value": customers}
        )
    if not 1 <= years <= 30:
        raise DemoDataError(
            _("--years must be between 1 and 30, not %(value)s.") % {"value": years}
        )
    if seed < 0:
        # NumPy's generators take no negative seed.
        raise DemoDataError(_("--seed must be 0 or more, not %(value)s.") % {"value": seed})
    if Customer.objects.exists():
        if if_empty:
            return False
        raise DemoDataError(
            _(
                "The database already holds %(count)s customers; demo data is only loaded into "
                "an empty customer file. Use --if-empty to skip quietly."
            )
            % {"count": f"{Customer.objects.count():,}"}
        )
    occupied = [
        str(model._meta.verbose_name_plural)
        for model in (ProductCategory, Product, Order, ContactMoment, Deal, Complaint, Task)
        if model.objects.exists()
    ]
    if occupied:
        raise DemoDataError(
            _("Demo data needs empty tables, but these hold data: %(tables)s.")
            % {"tables": ", ".join(occupied)}
        )
    return True


def demo_data_load(
    *,
    customers: int,
    years: int,
    seed: int,
    if_empty: bool = False,
    today: date | None = None,
    now: datetime | None = None,
    on_progress: Callable[[str, int, int], None] | None = None,
) -> DemoLoadResult:
    """Generate demo data for `seed` and insert it. Demo data goes into an empty customer
    file only; with `if_empty` an existing customer file is left alone without error.
    History ends `today` (default: today); nothing lies after `now` (default: now)."""
    if not demo_data_check(customers=customers, years=years, seed=seed, if_empty=if_empty):
        return DemoLoadResult(loaded=False, rows={})
    moment = now or timezone.now()
    spec = DemoSpec(
        customers=customers,
        years=years,
        seed=seed,
        today=today or timezone.localdate(moment),
        now=moment.astimezone(UTC).replace(tzinfo=None),
        routing_rules=_routing_rules(),
    )
    data = demo_generate(spec)
    demo_write(data, on_progress=on_progress)
    stage = data.table("sales.Deal").columns["stage"].values
    return DemoLoadResult(
        loaded=True,
        rows={t.model: t.rows for t in data.tables},
        open_deals=int(np.isin(stage, list(OPEN_DEAL_STAGES)).sum()),
    )


def _routing_rules() -> tuple[RuleSpec, ...]:
    """The active routing rules, in the order they are tried, for the generator."""
    return tuple(
        RuleSpec(
            id=rule.pk,
            name=rule.name,
            destination=rule.destination,
            task_kinds=tuple(rule.task_kinds or ()),
            min_value=None if rule.min_value is None else int(rule.min_value * 100),
            tiers=tuple(rule.tiers or ()),
            match_any=rule.match_any,
            user_id=rule.user_id,
        )
        for rule in RoutingRule.objects.filter(active=True).order_by("position", "id")
    )


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    first_name: str
    last_name: str
    superuser: bool = False


DEMO_USERS = (
    DemoUser("demo", roles.ADMIN, "Demo", "Admin", superuser=True),
    DemoUser("sales1", roles.SALES, "Sanne", "de Vries"),
    DemoUser("sales2", roles.SALES, "Bram", "Jansen"),
    DemoUser("backoffice", roles.BACK_OFFICE, "Eva", "Bakker"),
    DemoUser("marketing", roles.MARKETING, "Lotte", "Visser"),
    DemoUser("analyst", roles.ANALYST, "Daan", "Smit"),
)


@dataclass(frozen=True)
class DemoUsersResult:
    created: list[str]
    customers_assigned: int
    contact_moments_assigned: int
    deals_assigned: int = 0
    tasks_assigned: int = 0


@transaction.atomic
def demo_users_ensure() -> DemoUsersResult:
    """Create the demo users (password 'demo') in their role groups, share the demo
    customers without an account owner among the sales users, and give the generated
    contact moments, deals, tasks and complaints their people. Running it again changes
    nothing: existing users keep their password, assigned customers their owner."""
    roles.roles_sync()
    created: list[str] = []
    users: dict[str, User] = {}
    for spec in DEMO_USERS:
        user = User.objects.filter(username=spec.username).first()
        if user is None:
            # Demo accounts bypass the password validators on purpose: the login is 'demo'.
            user = User(
                username=spec.username,
                first_name=spec.first_name,
                last_name=spec.last_name,
                email=f"{spec.username}@relata.example",
                is_staff=spec.superuser,
                is_superuser=spec.superuser,
            )
            user.set_password(DEMO_PASSWORD)
            user.save()
            created.append(spec.username)
        user.groups.add(Group.objects.get(name=spec.role))
        users[spec.username] = user

    sales = [users[s.username] for s in DEMO_USERS if s.role == roles.SALES]
    assigned = 0
    for position, user in enumerate(sales):
        assigned += (
            Customer.objects.filter(account_owner__isnull=True)
            .alias(slot=F("id") % len(sales))
            .filter(slot=position)
            .update(account_owner=user)
        )
    moments = ContactMoment.objects.filter(staff__isnull=True)
    staffed = moments.filter(office="back").update(staff=users["backoffice"])
    staffed += moments.filter(touchpoint="marketing").update(staff=users["marketing"])
    owner = Customer.objects.filter(pk=OuterRef("customer_id")).values("account_owner_id")[:1]
    staffed += moments.filter(customer__account_owner__isnull=False).update(
        staff_id=Subquery(owner)
    )
    deals, tasks = _demo_work_assign(owner, users["backoffice"])
    return DemoUsersResult(created, assigned, staffed, deals, tasks)


def _demo_work_assign(owner: QuerySet[Customer, Any], back_office: User) -> tuple[int, int]:
    """Give the generated work its people, now that customers have owners: deals and their
    history to the account owner; tasks routed to the account owner to that owner's inbox;
    back-office tasks someone started or finished to the back-office user (open ones stay in
    the queue); complaints to the back office. Only rows without a person change."""
    deals = Deal.objects.filter(owner__isnull=True, customer__account_owner__isnull=False).update(
        owner_id=Subquery(owner)
    )
    deal_owner = Deal.objects.filter(pk=OuterRef("deal_id")).values("owner_id")[:1]
    DealStageChange.objects.filter(changed_by__isnull=True).update(
        changed_by_id=Subquery(deal_owner)
    )
    unassigned = Task.objects.filter(assignee__isnull=True)
    tasks = unassigned.filter(
        routing__destination="account_owner", customer__account_owner__isnull=False
    ).update(assignee_id=Subquery(owner))
    tasks += (
        unassigned.filter(team="back_office")
        .exclude(status=TaskStatus.OPEN)
        .update(assignee=back_office)
    )
    Task.objects.filter(completed_by__isnull=True, status=TaskStatus.DONE).update(
        completed_by_id=F("assignee_id")
    )
    # Follow-ups the deal owner placed by hand name that owner in their routing record.
    placed = list(
        Task.objects.filter(routing__manual=True, routing__by=None, assignee__isnull=False)
        .select_related("assignee")
        .only("routing", "assignee")
    )
    for task in placed:
        name = task.assignee.get_full_name() or task.assignee.get_username()  # type: ignore[union-attr]
        task.routing.update(
            assignee=task.assignee_id, assignee_name=name, by=task.assignee_id, by_name=name
        )
    Task.objects.bulk_update(placed, ["routing"], batch_size=1000)
    Complaint.objects.filter(owner__isnull=True).update(owner=back_office)
    return deals, tasks
