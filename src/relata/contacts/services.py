"""Writes for contact moments."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.urls import reverse

from relata.contacts.models import ContactMoment, NotificationKind
from relata.contacts.notification_services import notification_send
from relata.customers.models import Customer


@transaction.atomic
def contact_moment_log(
    *, customer: Customer, actor: User | None = None, **fields: Any
) -> ContactMoment:
    """Log a contact moment; when ``actor`` is a colleague of the customer's account owner,
    the owner is told in the app (whether it came from the customer file or the API)."""
    moment = ContactMoment(customer=customer, **fields)
    moment.full_clean()
    moment.save()
    if actor is not None:
        notification_send(
            recipient=customer.account_owner,
            kind=NotificationKind.CONTACT_LOGGED,
            params={
                "customer": customer.display_name,
                "subject": moment.subject,
                "channel": moment.channel,
                "by": actor.get_full_name() or actor.get_username(),
            },
            url=reverse("customers:detail", kwargs={"pk": customer.pk}),
            actor=actor,
        )
    return moment


@transaction.atomic
def contact_moment_update(*, moment: ContactMoment, fields: Mapping[str, Any]) -> ContactMoment:
    for name, value in fields.items():
        setattr(moment, name, value)
    moment.full_clean()
    moment.save()
    return moment
