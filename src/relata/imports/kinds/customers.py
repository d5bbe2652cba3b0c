"""Customers: matched on customer number, then (for rows without a number) on e-mail.

Only the columns in the file are touched: an existing customer keeps every field the file
has no column for. An empty cell empties the field, except kind and country, which keep their
value (or default) when empty. Opt-in columns become Consent rows with source
"import <file name>", recorded only where the file differs from the consent in force (an
explicit "no" counts when nothing was recorded yet), so importing the same file again records
nothing; an empty opt-in cell or a file without the column leaves the consent as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from relata.customers.models import (
    CompanySize,
    Consent,
    Customer,
    CustomerKind,
    Gender,
    IncomeBand,
)
from relata.customers.services import PROFILE_FIELDS, customer_number_next
from relata.imports.choices import COUNTRY_WORDS, choice_words
from relata.imports.parsing import (
    Parsed,
    choice_parser,
    clip,
    normalise_word,
    parse_bool,
    parse_date,
    parse_email,
    parse_integer,
)
from relata.imports.validate import Context, Counts, money_parser
from relata.imports.writers import chunked, lookup

TEXT_FIELDS = (
    "first_name", "name_prefix", "last_name", "organisation_name", "phone", "street",
    "house_number", "postcode", "city", "occupation", "education", "interests", "sector",
    "acquisition_source", "notes",
)
CHOICE_FIELDS = {
    "kind": CustomerKind, "gender": Gender, "income_band": IncomeBand,
    "company_size": CompanySize,
}
# Empty cells in these columns keep the current value instead of emptying it.
KEEP_WHEN_EMPTY = frozenset({"kind", "country"})
CONSENT_FIELDS = {
    "consent_email_marketing": ("email", "marketing"),
    "consent_email_newsletter": ("email", "newsletter"),
    "consent_phone_marketing": ("phone", "marketing"),
    "consent_sms_marketing": ("sms", "marketing"),
    "consent_post_marketing": ("post", "marketing"),
}
SMALL_INT_MAX = 32767
_BLANK_WHEN_NONE = frozenset((*TEXT_FIELDS, "email", "gender", "income_band", "company_size"))


@dataclass
class CustomersPlan:
    counts: Counts
    create: list[Customer] = field(default_factory=list)
    update: list[Customer] = field(default_factory=list)
    update_fields: set[str] = field(default_factory=set)
    # (customer object, channel, purpose, granted)
    consents: list[tuple[Customer, str, str, bool]] = field(default_factory=list)

    def write(self, ctx: Context) -> None:
        with transaction.atomic():
            _write(self, ctx)


def _country(text: str) -> Parsed:
    s = text.strip()
    if not s:
        return None, None
    word = normalise_word(s)
    code = COUNTRY_WORDS.get(word)
    if code is None and len(word) == 2 and word.isalpha():
        code = word.upper()
    if code is None:
        return None, _("“%(value)s” is not a country; use a two-letter code such as NL or BE") % {
            "value": clip(s)
        }
    return code, None


def _birth_date(dayfirst: bool, text: str) -> Parsed:
    value, error = parse_date(text, dayfirst)
    if value is not None and value > date.today():
        return None, _("the birth date %(value)s lies in the future") % {"value": value}
    return value, error


def _small_int(text: str) -> Parsed:
    value, error = parse_integer(text)
    if value is not None and not 0 <= value <= SMALL_INT_MAX:
        return None, _("%(value)s is not between 0 and %(max)d") % {
            "value": value,
            "max": SMALL_INT_MAX,
        }
    return value, error


def _max_length(name: str) -> int | None:
    return Customer._meta.get_field(name).max_length  # type: ignore[union-attr]


def plan(ctx: Context) -> CustomersPlan:
    style, dayfirst = ctx.settings.decimal, ctx.settings.dayfirst
    ctx.progress.stage(_("Checking"), 4)
    columns: dict[str, list[Any]] = {}
    for name in TEXT_FIELDS:
        values = ctx.text(name, _max_length(name))
        if values is not None:
            columns[name] = values
    numbers = ctx.text("customer_number", _max_length("customer_number"))
    parsers: dict[str, Callable[[str], Parsed]] = {
        "email": parse_email,
        "country": _country,
        "birth_date": partial(_birth_date, dayfirst),
        "household_size": _small_int,
        "children": _small_int,
        "acquisition_cost": money_parser(style, digits=12),
    }
    for name, choices in CHOICE_FIELDS.items():
        parsers[name] = choice_parser(choice_words(choices))
    for name in CONSENT_FIELDS:
        parsers[name] = parse_bool
    for name, parser in parsers.items():
        values = ctx.parsed(name, parser)
        if values is not None:
            columns[name] = values
    emails = columns.get("email")
    if emails is not None:
        for i, email in enumerate(emails):
            if email and len(email) > 254:
                ctx.error(i, "email", _("the e-mail address is longer than 254 characters"))
    ctx.progress.advance(1)

    size = ctx.size
    row_numbers = ctx.table.row_numbers
    number_column = numbers or [""] * size
    email_column: list[str | None] = emails or [None] * size
    # Duplicates inside the file.
    first_with_number: dict[str, int] = {}
    first_with_email: dict[str, int] = {}
    for i in range(size):
        number, email = number_column[i], email_column[i]
        if number:
            earlier = first_with_number.setdefault(number, i)
            if earlier != i:
                ctx.error(i, "customer_number", _("duplicate: customer %(number)s is also in "
                                                  "row %(row)d") % {"number": clip(number),
                                                                    "row": row_numbers[earlier]})
        if email:
            earlier = first_with_email.setdefault(email.lower(), i)
            if earlier != i and not (number and number_column[earlier]):
                ctx.error(i, "email", _("duplicate: the e-mail address %(email)s is also in row "
                                        "%(row)d") % {"email": email, "row": row_numbers[earlier]})
        if not number and not email and i not in ctx.bad:
            column = "customer_number" if numbers is not None else "email"
            ctx.error(i, column, _("give a customer number or an e-mail address, so the row "
                                   "can be matched when the file is imported again"))
    ctx.progress.advance(1)

    # Match with the customers already in the database.
    by_number = dict(lookup(Customer.objects.all(), "customer_number", number_column,
                            "customer_number", "id"))
    by_email: dict[str, list[tuple[int, str]]] = {}
    lowered = {e.lower() for e in email_column if e}
    for email, pk, number in lookup(Customer.objects.annotate(email_lower=Lower("email")),
                                    "email_lower", lowered, "email_lower", "id",
                                    "customer_number"):
        by_email.setdefault(email, []).append((pk, number))
    matched: list[int | None] = [None] * size
    for i in range(size):
        if i in ctx.bad:
            continue
        number, email = number_column[i], email_column[i]
        if number and number in by_number:
            matched[i] = by_number[number]
            continue
        owners = by_email.get(email.lower(), []) if email else []
        if number and owners:
            ctx.error(i, "customer_number", _("no customer has number %(number)s, but the "
                                              "e-mail address belongs to customer %(other)s; "
                                              "correct the number or leave it empty")
                      % {"number": clip(number), "other": owners[0][1]})
        elif not number and len(owners) > 1:
            ctx.error(i, "email", _("several customers have the e-mail address %(email)s; "
                                    "give the customer number") % {"email": email})
        elif not number and owners:
            matched[i] = owners[0][0]
    ctx.progress.advance(1)

    existing = _existing(matched)
    for i, pk in enumerate(matched):
        if pk is not None and existing[pk].erased_at is not None:
            # An erased customer stays erased: an old file must not bring the person back.
            ctx.error(i, "customer_number", _("customer %(number)s was erased on request "
                                              "(GDPR) and cannot be filled in again")
                      % {"number": existing[pk].customer_number})
            matched[i] = None
    result = CustomersPlan(counts=Counts(rejected=len(ctx.bad)))
    consents_now = _consents_in_force([pk for pk in matched if pk is not None], columns)
    now = timezone.now()
    taken_numbers = set(number_column)
    next_number = _number_generator(taken_numbers)
    for i in range(size):
        if i in ctx.bad:
            continue
        pk = matched[i]
        row_values = {name: column[i] for name, column in columns.items()}
        consent_values: dict[str, bool | None] = {
            name: row_values.pop(name) for name in CONSENT_FIELDS if name in row_values
        }
        if pk is None:
            customer = _new_customer(row_values, number_column[i] or next_number(), now)
            result.create.append(customer)
            current: dict[tuple[str, str], bool] = {}
        else:
            customer = existing[pk]
            changed = _apply(customer, row_values, now)
            if changed:
                result.update.append(customer)
                result.update_fields.update(changed)
            current = consents_now.get(pk, {})
        for name, granted in consent_values.items():
            channel, purpose = CONSENT_FIELDS[name]
            # An empty cell says nothing and never erases a decision; an explicit "no" is
            # recorded even without an earlier opt-in, as evidence that the customer refused.
            if granted is None or current.get((channel, purpose)) == granted:
                continue
            result.consents.append((customer, channel, purpose, granted))
    result.counts.created = len(result.create)
    updated_ids = {c.pk for c in result.update} | {
        c.pk for c, *_rest in result.consents if c.pk is not None
    }
    result.counts.updated = len(updated_ids)
    result.counts.unchanged = sum(1 for pk in set(matched) if pk is not None) - len(updated_ids)
    result.counts.extra["consents recorded"] = len(result.consents)
    ctx.progress.advance(1)
    return result


def _number_generator(taken: set[str]) -> Callable[[], str]:
    state = {"next": int(customer_number_next()[1:])}

    def following() -> str:
        while True:
            number = f"C{state['next']:07d}"
            state["next"] += 1
            if number not in taken:
                return number

    return following


def _existing(matched: list[int | None]) -> dict[int, Customer]:
    ids = sorted({pk for pk in matched if pk is not None})
    found: dict[int, Customer] = {}
    for chunk in chunked(ids, 2000):
        found.update(Customer.objects.in_bulk(list(chunk)))
    return found


def _consents_in_force(
    ids: list[int], columns: dict[str, list[Any]]
) -> dict[int, dict[tuple[str, str], bool]]:
    state: dict[int, dict[tuple[str, str], bool]] = {}
    if not any(name in columns for name in CONSENT_FIELDS):
        return state
    for chunk in chunked(sorted(set(ids)), 2000):
        rows = (
            Consent.objects.filter(customer_id__in=chunk)
            .order_by("customer_id", "recorded_at", "id")
            .values_list("customer_id", "channel", "purpose", "granted")
        )
        for customer_id, channel, purpose, granted in rows:
            state.setdefault(customer_id, {})[(channel, purpose)] = granted
    return state


def _money(value: int | None) -> Decimal | None:
    return None if value is None else (Decimal(value) / 100).quantize(Decimal("0.01"))


def _stored(name: str, value: Any) -> Any:
    if name == "acquisition_cost":
        return _money(value)
    if value is None and name in _BLANK_WHEN_NONE:
        return ""
    return value


def _new_customer(values: dict[str, Any], number: str, now: Any) -> Customer:
    fields = {name: _stored(name, v) for name, v in values.items() if name not in KEEP_WHEN_EMPTY}
    kind = values.get("kind")
    if kind is None:
        is_organisation = fields.get("organisation_name") and not (
            fields.get("last_name") or fields.get("first_name")
        )
        kind = CustomerKind.ORGANISATION if is_organisation else CustomerKind.PERSON
    customer = Customer(customer_number=number, kind=kind, country=values.get("country") or "NL",
                        **fields)
    customer.created_at = now
    customer.updated_at = now
    if any(fields.get(name) not in (None, "") for name in PROFILE_FIELDS):
        customer.profile_updated_at = now
    customer.refresh_derived_fields()
    return customer


def _apply(customer: Customer, values: dict[str, Any], now: Any) -> set[str]:
    """Set the file's values on an existing customer; return the names that changed."""
    changed: set[str] = set()
    for name, value in values.items():
        if name in KEEP_WHEN_EMPTY and value is None:
            continue
        stored = _stored(name, value)
        if getattr(customer, name) != stored:
            setattr(customer, name, stored)
            changed.add(name)
    if not changed:
        return changed
    if changed & PROFILE_FIELDS:
        customer.profile_updated_at = now
        changed.add("profile_updated_at")
    customer.updated_at = now
    customer.refresh_derived_fields()
    # An edit form opened before the import must not overwrite what the import wrote.
    customer.version = F("version") + 1
    return changed | {"updated_at", "display_name_sort", "search_text", "version"}


def _write(plan: CustomersPlan, ctx: Context) -> None:
    ctx.progress.stage(_("Writing"), len(plan.create) + len(plan.update) + len(plan.consents))
    for batch in chunked(plan.create, 1000):
        Customer.objects.bulk_create(batch)
        ctx.progress.advance(len(batch))
    if plan.update:
        for batch in chunked(plan.update, 1000):
            Customer.objects.bulk_update(batch, sorted(plan.update_fields))
            ctx.progress.advance(len(batch))
    if plan.consents:
        source = f"import {ctx.filename}"[:100]
        now = timezone.now()
        recorded_by = ctx.user if getattr(ctx.user, "pk", None) else None
        consents = [
            Consent(customer_id=customer.pk, channel=channel, purpose=purpose, granted=granted,
                    source=source, recorded_at=now, recorded_by=recorded_by)
            for customer, channel, purpose, granted in plan.consents
        ]
        Consent.objects.bulk_create(consents, batch_size=1000)
        ctx.progress.advance(len(consents))
