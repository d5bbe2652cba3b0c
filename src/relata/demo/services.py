"""Load demo data and create the demo users (the writes behind `relata demo-data` and
`relata demo-users`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from django.contrib.auth.models import Group, User
from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from relata.accounts import roles
from relata.contacts.models import ContactMoment
from relata.customers.models import Customer
from relata.demo.generate import DemoSpec, demo_generate
from relata.demo.writer import demo_write
from relata.sales.models import Order, Product, ProductCategory

MAX_CUSTOMERS = 20_000_000
DEMO_PASSWORD = "demo"  # noqa: S105 - demo accounts, documented as such


class DemoDataError(Exception):
    """The demo data cannot be loaded; the message says why."""


@dataclass(frozen=True)
class DemoLoadResult:
    loaded: bool
    rows: dict[str, int]


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
        for model in (ProductCategory, Product, Order, ContactMoment)
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
    )
    data = demo_generate(spec)
    demo_write(data, on_progress=on_progress)
    return DemoLoadResult(loaded=True, rows={t.model: t.rows for t in data.tables})


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
)


@dataclass(frozen=True)
class DemoUsersResult:
    created: list[str]
    customers_assigned: int
    contact_moments_assigned: int


@transaction.atomic
def demo_users_ensure() -> DemoUsersResult:
    """Create the demo users (password 'demo') in their role groups, and share the demo
    customers without an account owner among the sales users. Running it again changes
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
    return DemoUsersResult(created, assigned, staffed)
