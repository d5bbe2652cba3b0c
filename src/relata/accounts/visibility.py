"""Which customers a user may see: everyone, or only their own accounts.

When the installation setting "sales see only their own accounts" is on, a user whose only
customer-facing role is Sales sees only the customers they are account owner of. Other roles,
superusers and users who also hold another role see every customer.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from relata.accounts import roles
from relata.accounts.models import AccessSettings

_SEES_ALL_ROLES = frozenset({roles.ADMIN, roles.BACK_OFFICE, roles.MARKETING, roles.ANALYST})


def own_accounts_only(user: Any) -> bool:
    """True if the user is restricted to the customers they own."""
    if user is None or not getattr(user, "is_authenticated", False) or user.is_superuser:
        return False
    cached = getattr(user, "_relata_own_accounts_only", None)
    if cached is not None:
        return bool(cached)
    # The setting first: off (the default) costs one read and no look-up of the groups; a
    # plain read, so a page view never writes the settings row.
    setting_on = bool(
        AccessSettings.objects.filter(pk=1)
        .values_list("sales_own_accounts_only", flat=True)
        .first()
    )
    restricted = False
    if setting_on:
        group_names = set(user.groups.values_list("name", flat=True))
        restricted = roles.SALES in group_names and not (group_names & _SEES_ALL_ROLES)
    user._relata_own_accounts_only = restricted
    return restricted


def visible_customers(user: Any, queryset: QuerySet | None = None) -> QuerySet:
    """The customers the user may see (``queryset`` narrowed, or all customers)."""
    from relata.customers.models import Customer

    customers = queryset if queryset is not None else Customer.objects.all()
    if own_accounts_only(user):
        return customers.filter(account_owner=user)
    return customers


def visible_by_customer(
    user: Any, queryset: QuerySet, customer_field: str = "customer"
) -> QuerySet:
    """Rows (orders, deals, contact moments, tasks…) whose customer the user may see."""
    if own_accounts_only(user):
        return queryset.filter(**{f"{customer_field}__account_owner": user})
    return queryset


def can_see_customer(user: Any, customer_id: int | None) -> bool:
    if customer_id is None or not own_accounts_only(user):
        return True
    from relata.customers.models import Customer

    return Customer.objects.filter(pk=customer_id, account_owner=user).exists()
