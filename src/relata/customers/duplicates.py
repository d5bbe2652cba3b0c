"""Likely duplicate customers: the same e-mail address, phone number, or name and postcode.

Matching is on normalised values, computed in SQL so that a million customers are grouped by
the database (GROUP BY … HAVING COUNT(*) > 1), not in Python; the same expressions have
indexes (migration 0005) so the members of a group are found by index look-up:

* e-mail: trimmed and lower-cased. Gmail's ignored dots are not removed (an address with
  and without dots is not matched): rare in practice and not worth a per-row regex.
* phone: digits only (on SQLite: the separators people type, space - ( ) + . /, removed),
  then written with the country code: 06 12345678, +31 6 12345678 and 0031 6 12345678 all
  become 31612345678. A number starting with a single 0 is read as Dutch (the customer base
  is Dutch); 00 starts an international number. Numbers shorter than eight digits are ignored.
* name and postcode: the sort name ("last name, first name" of a person, the organisation
  name) and the postcode without spaces, upper-cased. Both must be filled in.

``normalised_*`` below are the same rules in Python, for showing and testing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import CharField, Count, Q, QuerySet, Value
from django.db.models.functions import Length
from django.utils.translation import gettext_lazy as _

from relata.customers.models import (
    MIN_PHONE_DIGITS,
    Customer,
    email_key,
    name_postcode_key,
    phone_key,
)

EMAIL, PHONE, NAME_POSTCODE = "email", "phone", "name_postcode"
MATCH_LABELS = {
    EMAIL: _("Same e-mail address"),
    PHONE: _("Same phone number"),
    NAME_POSTCODE: _("Same name and postcode"),
}
# How sure a match type alone makes us (percent); each further shared key adds to it.
MATCH_SCORES = {EMAIL: 90, NAME_POSTCODE: 80, PHONE: 70}
KEYS = {EMAIL: email_key, PHONE: phone_key, NAME_POSTCODE: name_postcode_key}


def normalised_email(value: str) -> str:
    return value.strip().lower()


def normalised_phone(value: str) -> str:
    digits = "".join(ch for ch in value if ch in "0123456789")
    if digits.startswith("00"):
        return digits[2:]
    if digits.startswith("0"):
        return "31" + digits[1:]
    return digits


def normalised_name_postcode(customer: Customer) -> str:
    if not customer.display_name_sort or not customer.postcode:
        return ""
    return f"{customer.display_name_sort}|{customer.postcode.replace(' ', '').upper()}"


def customer_key(customer: Customer, match: str) -> str:
    if match == EMAIL:
        return normalised_email(customer.email)
    if match == PHONE:
        key = normalised_phone(customer.phone)
        return key if len(key) >= MIN_PHONE_DIGITS else ""
    return normalised_name_postcode(customer)


def keyed_customers(match: str) -> Any:
    """Customers with a usable key for ``match``, annotated as ``dup_key`` (a queryset)."""
    customers: Any = Customer.objects.annotate(dup_key=KEYS[match]())
    if match == EMAIL:
        return customers.exclude(email="")
    if match == PHONE:
        return (
            customers.exclude(phone="")
            .alias(key_length=Length("dup_key"))
            .filter(key_length__gte=MIN_PHONE_DIGITS)
        )
    return customers.exclude(Q(display_name_sort="") | Q(postcode=""))


def _shared_keys(match: str, within: QuerySet[Customer] | None) -> Any:
    customers = keyed_customers(match)
    if within is not None:
        wanted = keyed_customers(match).filter(pk__in=within.values("pk")).values("dup_key")
        customers = customers.filter(dup_key__in=wanted)
    return customers.order_by().values("dup_key").annotate(size=Count("*")).filter(size__gt=1)


def duplicate_keys(match: str, *, within: QuerySet[Customer] | None = None) -> Any:
    """(match, dup_key, size) of every key shared by two or more customers; with ``within``,
    only keys held by at least one of those customers."""
    return (
        _shared_keys(match, within)
        .annotate(match=Value(match, output_field=CharField()))
        .values_list("match", "dup_key", "size")
    )


def duplicate_key_list(
    *, match: str = "", within: QuerySet[Customer] | None = None
) -> QuerySet[Any]:
    """The shared keys of one match type, or of all three, largest groups first."""
    matches = [match] if match in KEYS else list(KEYS)
    queries = [duplicate_keys(m, within=within) for m in matches]
    keys = queries[0] if len(queries) == 1 else queries[0].union(*queries[1:], all=True)
    ordered: QuerySet[Any] = keys.order_by("-size", "match", "dup_key")
    return ordered


@dataclass
class DuplicateGroup:
    match: str
    key: str
    customers: list[Customer] = field(default_factory=list)
    # Every match type the whole group shares (at least ``match``).
    shared: list[str] = field(default_factory=list)

    @property
    def reason(self) -> str:
        return str(MATCH_LABELS[self.match])

    @property
    def reasons(self) -> list[str]:
        return [str(MATCH_LABELS[m]) for m in self.shared]

    @property
    def score(self) -> int:
        """Percent: the best match type's score, plus 5 for every further shared key."""
        best = max(MATCH_SCORES[m] for m in self.shared)
        return min(99, best + 5 * (len(self.shared) - 1))


def duplicate_groups(keys: Iterable[tuple[str, str, int]]) -> list[DuplicateGroup]:
    """The customers of a page of (match, key, size) rows, one query per match type."""
    groups = [DuplicateGroup(match, key) for match, key, _size in keys]
    by_match: dict[str, dict[str, DuplicateGroup]] = {}
    for group in groups:
        by_match.setdefault(group.match, {})[group.key] = group
    for match, wanted in by_match.items():
        members = (
            keyed_customers(match)
            .filter(dup_key__in=list(wanted))
            .select_related("account_owner")
            .order_by("created_at", "id")
        )
        for customer in members:
            wanted[customer.dup_key].customers.append(customer)
    for group in groups:
        group.shared = [m for m in KEYS if m == group.match or _all_share(group.customers, m)]
    return groups


def _all_share(customers: list[Customer], match: str) -> bool:
    keys = {customer_key(c, match) for c in customers}
    return len(keys) == 1 and "" not in keys


def duplicate_count(*, within: QuerySet[Customer]) -> int:
    """How many of ``within`` share a key with another customer (each counted once)."""
    ids: set[int] = set()
    for match in KEYS:
        keys = _shared_keys(match, within).values("dup_key")
        ids.update(
            keyed_customers(match)
            .filter(dup_key__in=keys, pk__in=within.values("pk"))
            .values_list("pk", flat=True)
        )
    return len(ids)


def customers_touched_between(start: Any, end: Any) -> QuerySet[Customer]:
    """Customers created or changed in a time window (an import's, for instance)."""
    return Customer.objects.filter(
        Q(created_at__range=(start, end)) | Q(updated_at__range=(start, end))
    )
