"""Reads of the customer file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db.models import (
    CharField,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    OrderBy,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Concat

from relata.accounts.visibility import visible_customers
from relata.customers.models import (
    Consent,
    ConsentChannel,
    ConsentPurpose,
    Customer,
    CustomerKind,
    normalise_phone,
    normalise_postcode,
)
from relata.web.pagination import estimated_rows

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
    viewer: Any = None,
) -> QuerySet[Customer]:
    """Customers matching a free-text query on name, number, e-mail, phone, postcode or city.

    All terms must match (AND); each term is matched as a substring of the indexed search
    text, so 'jan 1234' finds Jan in postcode 1234 AB.
    """
    # NUL cannot be stored or searched in PostgreSQL text; nothing contains it.
    terms = query.replace("\x00", "").lower().split()[:6]
    city = city.replace("\x00", "")
    customers = visible_customers(viewer)
    for term in terms:
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
    fields = SORTABLE.get(sort, SORTABLE["name"])
    if terms and _sort_matches(customers, terms, fields[0].removeprefix("-")):
        return customers.order_by(_without_index(fields[0]), *fields[1:])
    return customers.order_by(*fields)


# Estimated matches up to which sorting the matches always beats walking the sort index, and
# from which walking the index always wins (PostgreSQL only; see _sort_matches).
FEW_MATCHES = 5_000
MANY_MATCHES = 50_000
CLUSTER_SAMPLE = 50


def _sort_matches(customers: QuerySet[Customer], terms: list[str], sort_column: str) -> bool:
    """Whether PostgreSQL should fetch the matches through the trigram index and sort them,
    rather than walk the sort index and filter (its default for a LIMIT query).

    Walking the index finds a page quickly when matches are spread evenly over the sort
    order, but skips hundreds of thousands of rows when they cluster: a surname searched
    while sorting by name. The planner cannot see that, so decide here: few matches, sort
    them; many, walk; in between, sort only when a term is part of the sort column itself.
    """
    estimate = estimated_rows(customers)
    if estimate is None:
        return False
    if estimate <= FEW_MATCHES:
        return True
    if estimate > MANY_MATCHES or sort_column == "created_at":
        return False
    # A small sample of matches (cheap: no ordering, stops early) shows whether the terms
    # sit in the sort column; if they do for a fifth of the matches, those cluster.
    sample = [
        str(value).lower()
        for value in customers.order_by().values_list(sort_column, flat=True)[:CLUSTER_SAMPLE]
    ]
    in_sort_column = sum(any(term in value for term in terms) for value in sample)
    return in_sort_column * 5 >= len(sample)


def _without_index(field: str) -> OrderBy:
    """The same ordering as `field`, through an expression no index serves.

    For a selective search on PostgreSQL, walking the sort index and filtering is slow when
    the matches cluster in sort order (a surname search sorted by surname skips hundreds of
    thousands of rows before the first match); fetching the matches through the trigram index
    and sorting them is fast. The planner cannot see that clustering, so it is told this way.
    """
    name = field.removeprefix("-")
    expression: Any
    if name == "created_at":
        expression = ExpressionWrapper(F(name) + Value(timedelta(0)), output_field=DateTimeField())
    else:
        expression = Concat(F(name), Value(""), output_field=CharField())
    ordered: OrderBy = expression.desc() if field.startswith("-") else expression.asc()
    return ordered


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
    for consent in customer.consents.select_related("recorded_by").order_by("-recorded_at", "-id"):
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


def consent_in_force(*, customer: Customer) -> dict[tuple[str, str], bool]:
    """(channel, purpose) → granted, for the cells with a recorded decision."""
    return {
        (row.channel, state.purpose): state.granted
        for row in consent_matrix(customer=customer)
        for state in row.states
        if state.consent is not None
    }


def consent_allows(*, customer: Customer | int, channel: str, purpose: str) -> bool:
    """Whether the customer may be contacted on ``channel`` for ``purpose``: the latest
    decision for that cell is an opt-in. No decision at all means no consent."""
    customer_id = customer if isinstance(customer, int) else customer.pk
    latest = (
        Consent.objects.filter(customer_id=customer_id, channel=channel, purpose=purpose)
        .order_by("-recorded_at", "-id")
        .values_list("granted", flat=True)
        .first()
    )
    return bool(latest)


# Kept for callers written before consent_allows.
def consent_is_granted(*, customer: Customer, channel: str, purpose: str) -> bool:
    return consent_allows(customer=customer, channel=channel, purpose=purpose)


def consent_latest(
    *, channel: str | None = None, purpose: str | None = None, granted: bool | None = None
) -> QuerySet[Consent]:
    """The decisions in force: per customer × channel × purpose only the latest row.

    One query: a row is in force when no later row exists for its cell (NOT EXISTS on the
    ``consent_latest_idx`` index of customer, channel, purpose, recorded_at). Filtering on
    ``granted`` happens after picking the latest row, so an opt-in later withdrawn is not
    returned as granted.
    """
    later = Consent.objects.filter(
        customer_id=OuterRef("customer_id"),
        channel=OuterRef("channel"),
        purpose=OuterRef("purpose"),
    ).filter(
        Q(recorded_at__gt=OuterRef("recorded_at"))
        | Q(recorded_at=OuterRef("recorded_at"), id__gt=OuterRef("id"))
    )
    decisions = Consent.objects.all()
    if channel:
        decisions = decisions.filter(channel=channel)
        later = later.filter(channel=channel)
    if purpose:
        decisions = decisions.filter(purpose=purpose)
        later = later.filter(purpose=purpose)
    decisions = decisions.filter(~Exists(later))
    if granted is not None:
        decisions = decisions.filter(granted=granted)
    return decisions


def consent_allowed_customer_ids(*, channel: str, purpose: str) -> QuerySet[Consent, int]:
    """Ids of the customers who may be contacted on ``channel`` for ``purpose``, as one
    query (use it as a subquery: ``Customer.objects.filter(pk__in=...)``). Customers without
    any decision for the cell are not in it."""
    return (
        consent_latest(channel=channel, purpose=purpose, granted=True)
        .order_by()
        .values_list("customer_id", flat=True)
    )


@dataclass(frozen=True)
class ConsentChange:
    """One recorded decision with the state it replaced (None: nothing recorded before)."""

    consent: Consent
    previous: bool | None


def consent_history(*, customer: Customer) -> list[ConsentChange]:
    """Every decision recorded for the customer, newest first, each with the state in force
    before it for the same channel × purpose."""
    before: dict[tuple[str, str], bool] = {}
    changes: list[ConsentChange] = []
    rows = customer.consents.select_related("recorded_by").order_by("recorded_at", "id")
    for consent in rows:
        cell = (consent.channel, consent.purpose)
        changes.append(ConsentChange(consent, before.get(cell)))
        before[cell] = consent.granted
    changes.reverse()
    return changes


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
