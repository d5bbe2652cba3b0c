"""A small customer file for the segment tests: four customers whose every field, order,
snapshot, consent and programme row is known, so each condition's members can be named."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Permission, User
from django.utils import timezone

from relata.contacts.models import Complaint
from relata.customers.models import Consent, Customer
from relata.engagement.models import LoyaltyMember, Referral
from relata.engagement.segment_rules.language import months_back
from relata.sales.models import Order, OrderLine, OrderStatus, Product, ProductCategory
from relata.scoring.models import CustomerSnapshot, RunStatus, ScoreRun
from tests.factories import ComplaintFactory, CustomerFactory

SEGMENT_PERMISSIONS = ("view_segment", "add_segment", "change_segment", "delete_segment")


def user_with_segment_rights(
    username: str, *, codenames: tuple[str, ...] = SEGMENT_PERMISSIONS, customers: bool = True
) -> User:
    """A user with the segment permissions (not yet in any shipped role) and, optionally,
    view on customers."""
    user = User.objects.create_user(username, password="a-long-test-password")
    perms = list(
        Permission.objects.filter(content_type__app_label="engagement", codename__in=codenames)
    )
    if customers:
        perms.append(
            Permission.objects.get(content_type__app_label="customers", codename="view_customer")
        )
    user.user_permissions.add(*perms)
    return User.objects.get(pk=user.pk)  # fresh: no stale permission cache


def all_of(*conditions: dict[str, Any]) -> dict[str, Any]:
    return {"match": "all", "rules": list(conditions)}


def any_of(*conditions: dict[str, Any]) -> dict[str, Any]:
    return {"match": "any", "rules": list(conditions)}


def cond(field: str, op: str, value: Any = None, **extra: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"field": field, "op": op}
    if value is not None:
        item["value"] = value
    item.update(extra)
    return item


@dataclass
class World:
    today: date
    anna: Customer
    ben: Customer
    acme: Customer
    dana: Customer
    owner: User
    coffee: ProductCategory
    furniture: ProductCategory
    espresso: Product
    sofa: Product
    run: ScoreRun

    @property
    def everyone(self) -> set[str]:
        return {"anna", "ben", "acme", "dana"}

    def names(self, customers: Any) -> set[str]:
        by_id = {c.pk: name for name, c in self._customers().items()}
        return {by_id[pk] for pk in customers.values_list("pk", flat=True)}

    def _customers(self) -> dict[str, Customer]:
        return {"anna": self.anna, "ben": self.ben, "acme": self.acme, "dana": self.dana}


def _moment(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(12)))


def _order(customer: Customer, day: date, amount: str, product: Product, **extra: Any) -> Order:
    order = Order.objects.create(
        order_number=f"O-{customer.customer_number}-{day.isoformat()}-{amount}",
        customer=customer,
        order_date=day,
        total_amount=Decimal(amount),
        total_cost=Decimal(amount) / 2,
        **extra,
    )
    OrderLine.objects.create(
        order=order,
        customer=customer,
        product=product,
        quantity=Decimal(1),
        unit_price=Decimal(amount),
    )
    return order


def _snapshot(run: ScoreRun, customer: Customer, **fields: Any) -> CustomerSnapshot:
    defaults: dict[str, Any] = {
        "tier": 4,
        "movement": 4,
        "rfm_segment": 6,
        "value_grid": 1,
        "churn_level": 1,
        "lifecycle_stage": 4,
    }
    defaults.update(fields)
    return CustomerSnapshot.objects.create(
        run=run, period_end=run.period_end, customer=customer, **defaults
    )


def _consent(customer: Customer, channel: str, purpose: str, granted: bool, day: date) -> None:
    Consent.objects.create(
        customer=customer,
        channel=channel,
        purpose=purpose,
        granted=granted,
        recorded_at=_moment(day),
    )


def build_world() -> World:
    """Anna (Top, new-ish regular), Ben (Big, at risk, withdrew), Acme (an organisation,
    never bought) and Dana (recent buyer, not scored yet)."""
    today = timezone.localdate()
    owner = User.objects.create_user("owner", password="a-long-test-password", first_name="Olga")
    coffee = ProductCategory.objects.create(name="Coffee", is_consumable=True)
    furniture = ProductCategory.objects.create(name="Furniture")
    espresso = Product.objects.create(
        sku="ESP", name="Espresso beans", category=coffee, price=20, unit_cost=10
    )
    sofa = Product.objects.create(
        sku="SOFA", name="Sofa", category=furniture, price=900, unit_cost=500
    )

    anna = CustomerFactory(
        first_name="Anna",
        last_name="Jansen",
        gender="f",
        birth_date=months_back(today, 12 * 30),
        city="Utrecht",
        postcode="3511 AB",
        income_band="middle",
        children=2,
        household_size=4,
        interests="cycling, coffee",
        acquisition_source="web",
        created_at=_moment(today - timedelta(days=10)),
    )
    ben = CustomerFactory(
        first_name="Ben",
        last_name="de Boer",
        gender="m",
        birth_date=months_back(today, 12 * 50) - timedelta(days=1),
        city="Amsterdam",
        postcode="1012 AB",
        income_band="high",
        children=0,
        household_size=1,
        acquisition_source="fair",
        email="",
        created_at=_moment(today - timedelta(days=800)),
    )
    acme = CustomerFactory(
        kind="organisation",
        organisation_name="Acme B.V.",
        first_name="",
        last_name="",
        city="Rotterdam",
        postcode="3011 AA",
        country="BE",
        sector="Retail",
        company_size="small",
        account_owner=owner,
        created_at=_moment(today - timedelta(days=400)),
    )
    dana = CustomerFactory(
        first_name="Dana",
        last_name="Visser",
        city="utrecht",
        postcode="3512 CD",
        created_at=_moment(today - timedelta(days=20)),
    )

    _order(anna, today - timedelta(days=10), "100.00", espresso)
    _order(ben, today - timedelta(days=200), "500.00", sofa)
    _order(ben, today - timedelta(days=400), "300.00", espresso)
    _order(ben, today - timedelta(days=5), "999.00", espresso, status=OrderStatus.CANCELLED)
    for days in (3, 12, 25):
        _order(dana, today - timedelta(days=days), "30.00", espresso)

    run = ScoreRun.objects.create(
        period_end=today - timedelta(days=1), status=RunStatus.COMPLETE, finished_at=timezone.now()
    )
    _snapshot(
        run,
        anna,
        tier=1,
        rfm_segment=1,
        lifecycle_stage=4,
        clv_probabilistic=Decimal("1000.00"),
        clv_discounted=Decimal("800.00"),
        p_alive=0.9,
        cant_lose=True,
        revenue=Decimal("100.00"),
        orders=1,
    )
    _snapshot(
        run,
        ben,
        tier=2,
        rfm_segment=8,
        lifecycle_stage=7,
        churn_level=3,
        clv_probabilistic=Decimal("200.00"),
        p_alive=0.3,
        loss_making=True,
        risk=True,
        revenue=Decimal("500.00"),
        orders=1,
    )
    _snapshot(run, acme, tier=6, rfm_segment=0, lifecycle_stage=2, churn_level=0, value_grid=2)
    # An older run that must be ignored: Dana was Top there.
    old = ScoreRun.objects.create(
        period_end=today - timedelta(days=400),
        status=RunStatus.COMPLETE,
        finished_at=timezone.now(),
    )
    _snapshot(old, dana, tier=1)

    _consent(anna, "email", "marketing", True, today - timedelta(days=30))
    _consent(ben, "email", "marketing", True, today - timedelta(days=300))
    _consent(ben, "email", "marketing", False, today - timedelta(days=100))
    _consent(acme, "sms", "newsletter", True, today - timedelta(days=50))
    _consent(dana, "email", "newsletter", True, today - timedelta(days=15))

    ComplaintFactory(customer=ben)
    resolved: Complaint = ComplaintFactory(customer=anna)
    resolved.status = "resolved"
    resolved.save()
    LoyaltyMember.objects.create(
        customer=anna, member_number="L-1", joined_on=today - timedelta(days=9)
    )
    LoyaltyMember.objects.create(
        customer=ben,
        member_number="L-2",
        joined_on=today - timedelta(days=300),
        left_on=today - timedelta(days=30),
    )
    Referral.objects.create(referrer=anna, referred=dana, referred_on=today - timedelta(days=20))
    return World(today, anna, ben, acme, dana, owner, coffee, furniture, espresso, sofa, run)
