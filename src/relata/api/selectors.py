"""The list queries behind the API: the apps' selectors plus the API's extra filters."""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import Q, QuerySet

from relata.contacts.models import ContactMoment
from relata.contacts.selectors import contact_moment_search
from relata.customers.models import Customer, normalise_postcode
from relata.customers.selectors import customer_search
from relata.sales.models import Order
from relata.sales.selectors import order_search

CUSTOMER_ORDER_BY = {
    "updated": ("updated_at", "id"),
    "-updated": ("-updated_at", "-id"),
}
ORDER_ORDER_BY = {
    "date": ("order_date", "id"),
    "-date": ("-order_date", "-id"),
    "number": ("order_number",),
    "-number": ("-order_number",),
    "total": ("total_amount", "id"),
    "-total": ("-total_amount", "-id"),
}
CONTACT_ORDER_BY = {
    "occurred": ("occurred_at", "id"),
    "-occurred": ("-occurred_at", "-id"),
}


def customer_list(
    *,
    query: str = "",
    kind: str = "",
    city: str = "",
    postcode: str = "",
    email: str = "",
    customer_number: str = "",
    updated_since: datetime | None = None,
    ordering: str = "name",
) -> QuerySet[Customer]:
    customers = customer_search(query=query, kind=kind, city=city, sort=ordering)
    if postcode:
        prefix = normalise_postcode(postcode)
        # Stored postcodes keep the spelling they were entered with ("1234 AB" or "1234AB").
        spaced = f"{prefix[:4]} {prefix[4:]}" if len(prefix) > 4 else prefix
        customers = customers.filter(
            Q(postcode__istartswith=prefix) | Q(postcode__istartswith=spaced)
        )
    if email:
        customers = customers.filter(email__iexact=email.strip())
    if customer_number:
        customers = customers.filter(customer_number=customer_number.strip())
    if updated_since is not None:
        customers = customers.filter(updated_at__gte=updated_since)
    if ordering in CUSTOMER_ORDER_BY:
        customers = customers.order_by(*CUSTOMER_ORDER_BY[ordering])
    return customers


def order_list(
    *,
    customer_id: int | None = None,
    customer_number: str = "",
    status: str = "",
    channel: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    ordering: str = "-date",
) -> QuerySet[Order]:
    orders = order_search(
        status=status,
        channel=channel,
        date_from=date_from,
        date_to=date_to,
        customer=customer_id,
    )
    if customer_number:
        orders = orders.filter(customer__customer_number=customer_number.strip())
    return orders.order_by(*ORDER_ORDER_BY.get(ordering, ORDER_ORDER_BY["-date"]))


def contact_moment_list(
    *,
    customer_id: int | None = None,
    customer_number: str = "",
    channel: str = "",
    touchpoint: str = "",
    direction: str = "",
    office: str = "",
    outcome: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    ordering: str = "-occurred",
) -> QuerySet[ContactMoment]:
    moments = contact_moment_search(
        channel=channel,
        touchpoint=touchpoint,
        office=office,
        date_from=date_from,
        date_to=date_to,
    )
    if customer_id is not None:
        moments = moments.filter(customer_id=customer_id)
    if customer_number:
        moments = moments.filter(customer__customer_number=customer_number.strip())
    if direction:
        moments = moments.filter(direction=direction)
    if outcome:
        moments = moments.filter(outcome=outcome)
    return moments.order_by(*CONTACT_ORDER_BY.get(ordering, CONTACT_ORDER_BY["-occurred"]))
