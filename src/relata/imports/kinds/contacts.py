"""Contact moments: matched on the external id when the file gives one, otherwise on
(customer, time, channel, subject); a matched moment is updated only where it differs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _

from relata.contacts.models import (
    Channel,
    ContactMoment,
    Direction,
    Friction,
    Office,
    Outcome,
    Touchpoint,
)
from relata.imports.choices import choice_words
from relata.imports.kinds.common import bulk_write, resolve_customers
from relata.imports.parsing import (
    Parsed,
    choice_parser,
    clip,
    parse_datetime,
    parse_email,
)
from relata.imports.validate import Context, Counts
from relata.imports.writers import chunked, lookup
from relata.sales.models import Order

CHOICES = {
    "channel": Channel,
    "direction": Direction,
    "touchpoint": Touchpoint,
    "office": Office,
    "outcome": Outcome,
    "friction": Friction,
}
DEFAULTS = {
    "direction": Direction.INBOUND.value,
    "office": Office.FRONT.value,
    "outcome": "",
    "friction": "",
    "notes": "",
}
COMPARED = (
    "customer_id",
    "occurred_at",
    "channel",
    "direction",
    "touchpoint",
    "office",
    "subject",
    "outcome",
    "friction",
    "notes",
    "order_id",
    "staff_id",
)


@dataclass
class ContactsPlan:
    counts: Counts
    create: list[ContactMoment] = field(default_factory=list)
    update: list[ContactMoment] = field(default_factory=list)
    update_fields: set[str] = field(default_factory=set)

    def write(self, ctx: Context) -> None:
        bulk_write(
            ctx,
            ContactMoment,
            create=self.create,
            update=self.update,
            update_fields=self.update_fields,
        )


def _aware(dayfirst: bool, text: str) -> Parsed:
    value, error = parse_datetime(text, dayfirst)
    if isinstance(value, datetime) and timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value, error


def _max_length(name: str) -> int | None:
    return ContactMoment._meta.get_field(name).max_length  # type: ignore[union-attr]


def plan(ctx: Context) -> ContactsPlan:
    ctx.progress.stage(_("Checking"), 3)
    size = ctx.size
    external_ids = ctx.text("external_id", _max_length("external_id"))
    customer_numbers = ctx.text("customer_number", 32)
    emails = ctx.parsed("customer_email", parse_email)
    moments = ctx.parsed("occurred_at", partial(_aware, ctx.settings.dayfirst), required=True)
    columns: dict[str, list[Any]] = {}
    for name, choices in CHOICES.items():
        parsed = ctx.parsed(
            name, choice_parser(choice_words(choices)), required=name in ("channel", "touchpoint")
        )
        if parsed is not None:
            columns[name] = parsed
    subjects = ctx.text("subject", _max_length("subject"), required=True)
    notes = ctx.text("notes")
    if notes is not None:
        columns["notes"] = notes
    order_numbers = ctx.text("order_number", 40)
    staff_names = ctx.text("staff", 150)
    ctx.progress.advance(1)
    customer_ids = resolve_customers(ctx, customer_numbers, emails)
    order_ids = _resolve_orders(ctx, order_numbers, customer_ids)
    staff_ids = _resolve_staff(ctx, staff_names)
    ctx.progress.advance(1)
    assert moments is not None and subjects is not None

    external_column = external_ids or [""] * size
    seen: dict[object, int] = {}
    rows: list[tuple[int, dict[str, Any]]] = []
    for i in range(size):
        values: dict[str, Any] = {
            "customer_id": customer_ids[i],
            "occurred_at": moments[i],
            "subject": subjects[i],
        }
        for name, column in columns.items():
            values[name] = column[i] if column[i] is not None else DEFAULTS.get(name)
        if order_ids is not None:
            values["order_id"] = order_ids[i]
        if staff_ids is not None:
            values["staff_id"] = staff_ids[i]
        external = external_column[i]
        key: object = external or (
            values["customer_id"],
            values["occurred_at"],
            values.get("channel"),
            values["subject"],
        )
        earlier = seen.setdefault(key, i)
        if earlier != i:
            row = {"row": ctx.table.row_numbers[earlier]}
            if external:
                ctx.error(i, "external_id", _("duplicate of row %(row)d") % row)
            else:
                ctx.row_error(
                    i,
                    _("duplicate of row %(row)d (same customer, time, channel and subject)") % row,
                )
        if i in ctx.bad:
            continue
        values["external_id"] = external
        rows.append((i, values))

    result = ContactsPlan(counts=Counts(rejected=len(ctx.bad)))
    existing = _existing(rows)
    now = timezone.now()
    for _i, values in rows:
        key = values["external_id"] or (
            values["customer_id"],
            values["occurred_at"],
            values["channel"],
            values["subject"],
        )
        moment = existing.get(key)
        if moment is None:
            fields = {k: v for k, v in values.items() if v is not None}
            for name, default in DEFAULTS.items():
                fields.setdefault(name, default)
            result.create.append(ContactMoment(created_at=now, **fields))
            continue
        changed = {
            name
            for name in COMPARED
            if name in values and values[name] is not None and getattr(moment, name) != values[name]
        }
        if changed:
            for name in changed:
                setattr(moment, name, values[name])
            result.update.append(moment)
            result.update_fields |= changed
        else:
            result.counts.unchanged += 1
    result.counts.created = len(result.create)
    result.counts.updated = len(result.update)
    ctx.progress.advance(1)
    return result


def _resolve_orders(
    ctx: Context, numbers: list[str] | None, customer_ids: list[int | None]
) -> list[int | None] | None:
    if numbers is None:
        return None
    orders = {
        number: (pk, customer_id)
        for number, pk, customer_id in lookup(
            Order.objects.all(), "order_number", numbers, "order_number", "id", "customer_id"
        )
    }
    ids: list[int | None] = []
    for i, number in enumerate(numbers):
        found = orders.get(number) if number else None
        if number and found is None:
            ctx.error(
                i,
                "order_number",
                _("no order has the number “%(number)s”") % {"number": clip(number)},
            )
        elif found is not None and customer_ids[i] is not None and found[1] != customer_ids[i]:
            ctx.error(
                i,
                "order_number",
                _("order %(number)s belongs to another customer") % {"number": clip(number)},
            )
        ids.append(found[0] if found else None)
    return ids


def _resolve_staff(ctx: Context, names: list[str] | None) -> list[int | None] | None:
    if names is None:
        return None
    user_model = get_user_model()
    wanted = {n for n in names if n}
    by_name: dict[str, int] = {}
    for chunk in chunked(sorted(wanted), 2000):
        for username, pk in user_model.objects.filter(username__in=chunk).values_list(
            "username", "id"
        ):
            by_name[username] = pk
        for email, pk in user_model.objects.filter(email__in=chunk).values_list("email", "id"):
            by_name.setdefault(email, pk)
    ids: list[int | None] = []
    for i, name in enumerate(names):
        if name and name not in by_name:
            ctx.error(
                i,
                "staff",
                _("no user has the user name or e-mail “%(name)s”") % {"name": clip(name)},
            )
        ids.append(by_name.get(name) if name else None)
    return ids


def _existing(rows: list[tuple[int, dict[str, Any]]]) -> dict[object, ContactMoment]:
    found: dict[object, ContactMoment] = {}
    externals = [values["external_id"] for _i, values in rows if values["external_id"]]
    for chunk in chunked(sorted(set(externals)), 2000):
        for moment in ContactMoment.objects.filter(external_id__in=chunk):
            found[moment.external_id] = moment
    keyed = [values for _i, values in rows if not values["external_id"]]
    if keyed:
        customers = sorted({v["customer_id"] for v in keyed})
        first = min(v["occurred_at"] for v in keyed)
        last = max(v["occurred_at"] for v in keyed)
        for chunk in chunked(customers, 2000):
            for moment in ContactMoment.objects.filter(
                customer_id__in=chunk, occurred_at__gte=first, occurred_at__lte=last
            ):
                key = (moment.customer_id, moment.occurred_at, moment.channel, moment.subject)
                found.setdefault(key, moment)
    return found
