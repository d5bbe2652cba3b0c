"""Merge fields in message templates: ``{{ first_name }}`` and friends.

Deliberately not the Django template language: a marketer's template must not reach model
attributes or template tags, so only the names below are replaced and any other name is
refused when the template is saved."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from relata.customers.models import Customer
from relata.engagement.models import PointsEntry, ReferralCode

FIELD_PATTERN = re.compile(r"{{\s*([a-z_]+)\s*}}")

MERGE_FIELDS = {
    "first_name": _("First name (or the organisation name)"),
    "last_name": _("Last name with prefix"),
    "display_name": _("Full name"),
    "customer_number": _("Customer number"),
    "city": _("City"),
    "points_balance": _("Loyalty points balance"),
    "referral_code": _("The customer's referral code"),
    "offer": _("The campaign's offer text"),
    "offer_product": _("The offered product (next best offer or the campaign's product)"),
    "discount": _("The campaign's discount in percent"),
}


def unknown_merge_fields(text: str) -> list[str]:
    """Names between ``{{ }}`` that are not merge fields, in order of appearance."""
    seen: list[str] = []
    for name in FIELD_PATTERN.findall(text):
        if name not in MERGE_FIELDS and name not in seen:
            seen.append(name)
    return seen


def merge_render(text: str, values: Mapping[str, str]) -> str:
    """Replace each known merge field by its value (empty when the value is missing)."""
    return FIELD_PATTERN.sub(
        lambda match: (
            values.get(match.group(1), "") if match.group(1) in MERGE_FIELDS else match.group(0)
        ),
        text,
    )


def merge_field_names(*texts: str) -> set[str]:
    """The merge fields the texts use."""
    return {name for text in texts for name in FIELD_PATTERN.findall(text)}


def customer_merge_values(
    customer: Customer, *, needed: Iterable[str] | None = None
) -> dict[str, str]:
    """The customer's own merge values; campaigns add the offer fields. With ``needed``
    (the names a template uses) the two that cost a query are read only when used, which
    matters when a campaign renders thousands of messages."""
    wanted = set(MERGE_FIELDS if needed is None else needed)
    last = " ".join(p for p in (customer.name_prefix, customer.last_name) if p)
    values = {
        "first_name": customer.first_name or customer.organisation_name,
        "last_name": last,
        "display_name": customer.display_name,
        "customer_number": customer.customer_number,
        "city": customer.city,
    }
    if "points_balance" in wanted:
        points = PointsEntry.objects.filter(customer=customer).aggregate(total=Sum("points"))
        values["points_balance"] = str(points["total"] or 0)
    if "referral_code" in wanted:
        codes = ReferralCode.objects.filter(customer=customer).values_list("code", flat=True)
        values["referral_code"] = codes.first() or ""
    return values
