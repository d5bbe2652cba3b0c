"""Reads of the customer file."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from relata.customers.models import (
    Consent,
    ConsentChannel,
    ConsentPurpose,
    Customer,
    CustomerKind,
    normalise_phone,
    normalise_postcode,
)

SORTABLE = {
    "name": ("display_name_sort", "id"),
    "-name": ("-display_name_sort", "-id"),
    "number": ("customer_number",),
    "-number": ("-customer_number",),
    "city": ("city", "id"),
    "-city": ("-city", "-id"),
    "created": ("created_at", "id"),
    "-created": ("-created_at", "-id"),
}


def customer_search(
    *,
    query: str = "",
    kind: str = "",
    city: str = "",
    owner_id: int | None = None,
    sort: str = "name",
) -> QuerySet[Customer]:
    """Customers matching a free-text query on name, number, e-mail, phone, postcode or city.

    All terms must match (AND); each term is matched as a substring of the indexed search
    text, so 'jan 1234' finds Jan in postcode 1234 AB.
    """
    customers = Customer.objects.all()
    for term in query.lower().split()[:6]:
        variants = {term, normalise_postcode(term).lower()}
        digits = normalise_phone(term)
        if len(digits) >= 4 and len(digits) >= len(term) - 3:
            variants.add(digits)
        condition = Q()
        for variant in variants:
            condition |= Q(search_text__contains=variant)
        customers = customers.filter(condition)
    if kind in CustomerKind.values:
        customers = customers.filter(kind=kind)
    if city:
        customers = customers.filter(city__iexact=city)
    if owner_id is not None:
        customers = customers.filter(account_owner_id=owner_id)
    return customers.order_by(*SORTABLE.get(sort, SORTABLE["name"]))


@dataclass(frozen=True)
class ConsentState:
    channel: str
    channel_label: str
    purpose: str
    purpose_label: str
    consent: Consent | None

    @property
    def granted(self) -> bool:
        return bool(self.consent and self.consent.granted)


@dataclass(frozen=True)
class ConsentRow:
    channel: str
    channel_label: str
    states: list[ConsentState]


def consent_matrix(*, customer: Customer) -> list[ConsentRow]:
    """The consent in force for every channel × purpose (latest decision wins)."""
    latest: dict[tuple[str, str], Consent] = {}
    for consent in customer.consents.order_by("-recorded_at", "-id"):
        latest.setdefault((consent.channel, consent.purpose), consent)
    return [
        ConsentRow(
            channel,
            str(channel_label),
            [
                ConsentState(
                    channel,
                    str(channel_label),
                    purpose,
                    str(purpose_label),
                    latest.get((channel, purpose)),
                )
                for purpose, purpose_label in ConsentPurpose.choices
            ],
        )
        for channel, channel_label in ConsentChannel.choices
    ]


def consent_is_granted(*, customer: Customer, channel: str, purpose: str) -> bool:
    latest = (
        Consent.objects.filter(customer=customer, channel=channel, purpose=purpose)
        .order_by("-recorded_at", "-id")
        .first()
    )
    return bool(latest and latest.granted)


COMPLETENESS_FIELDS: dict[str, tuple[str, ...]] = {
    CustomerKind.PERSON: (
        "first_name",
        "last_name",
        "email",
        "phone",
        "street",
        "house_number",
        "postcode",
        "city",
        "birth_date",
        "gender",
        "occupation",
        "household_size",
        "income_band",
        "interests",
    ),
    CustomerKind.ORGANISATION: (
        "organisation_name",
        "email",
        "phone",
        "street",
        "house_number",
        "postcode",
        "city",
        "sector",
        "company_size",
    ),
}


@dataclass(frozen=True)
class Completeness:
    percent: int
    missing: list[str]


def customer_completeness(*, customer: Customer) -> Completeness:
    """Share of the basic and profile fields that are filled in, and which are missing."""
    names = COMPLETENESS_FIELDS[customer.kind]
    missing = [
        str(getattr(Customer._meta.get_field(name), "verbose_name", name))
        for name in names
        if getattr(customer, name) in (None, "")
    ]
    filled = len(names) - len(missing)
    return Completeness(percent=round(100 * filled / len(names)), missing=missing)
