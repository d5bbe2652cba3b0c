"""Look-ups shared by the order and contact imports."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import models, transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from relata.customers.models import Customer
from relata.imports.parsing import clip
from relata.imports.validate import Context
from relata.imports.writers import chunked, lookup

AMBIGUOUS = -1


def resolve_customers(
    ctx: Context, numbers: list[str] | None, emails: list[str | None] | None
) -> list[int | None]:
    """Each row's customer id, by customer number, else by e-mail (case-insensitive).

    An unknown number or e-mail, an e-mail shared by several customers, or neither given, is
    a row error.
    """
    size = ctx.size
    by_number: dict[str, int] = {}
    if numbers is not None:
        by_number = dict(
            lookup(Customer.objects.all(), "customer_number", numbers, "customer_number", "id")
        )
        ids: list[int | None] = list(map(by_number.get, numbers))
    else:
        ids = [None] * size
    if None not in ids:
        return ids
    by_email: dict[str, int] = {}
    if emails is not None:
        lowered = {e.lower() for e in emails if e}
        queryset = Customer.objects.annotate(email_lower=Lower("email"))
        for email, pk in lookup(queryset, "email_lower", lowered, "email_lower", "id"):
            by_email[email] = AMBIGUOUS if email in by_email else pk
    for i in range(size):
        if ids[i] is not None or i in ctx.bad:
            continue
        number = numbers[i] if numbers is not None else ""
        if number:
            ctx.error(
                i,
                "customer_number",
                _("no customer has the number “%(number)s”") % {"number": clip(number)},
            )
            continue
        email = emails[i] if emails is not None else None
        if email:
            pk = by_email.get(email.lower())
            if pk is None:
                ctx.error(
                    i,
                    "customer_email",
                    _("no customer has the e-mail address “%(email)s”") % {"email": email},
                )
            elif pk == AMBIGUOUS:
                ctx.error(
                    i,
                    "customer_email",
                    _(
                        "several customers have the e-mail address “%(email)s”; give the "
                        "customer number"
                    )
                    % {"email": email},
                )
            else:
                ids[i] = pk
            continue
        column = "customer_number" if numbers is not None else "customer_email"
        ctx.error(i, column, _("the customer is missing: give a customer number or e-mail"))
    return ids


def bulk_write(
    ctx: Context,
    model: type[models.Model],
    *,
    create: Sequence[models.Model],
    update: Sequence[models.Model],
    update_fields: set[str],
) -> None:
    """Write a plan's new and changed rows in one transaction, a thousand at a time."""
    with transaction.atomic():
        ctx.progress.stage(_("Writing"), len(create) + len(update))
        for batch in chunked(create, 1000):
            model._default_manager.bulk_create(batch)
            ctx.progress.advance(len(batch))
        for batch in chunked(update, 1000):
            model._default_manager.bulk_update(batch, sorted(update_fields))
            ctx.progress.advance(len(batch))
