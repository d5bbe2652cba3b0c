"""Writes for contact moments."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from relata.contacts.models import ContactMoment
from relata.customers.models import Customer


@transaction.atomic
def contact_moment_log(*, customer: Customer, **fields: Any) -> ContactMoment:
    moment = ContactMoment(customer=customer, **fields)
    moment.full_clean()
    moment.save()
    return moment


@transaction.atomic
def contact_moment_update(*, moment: ContactMoment, fields: Mapping[str, Any]) -> ContactMoment:
    for name, value in fields.items():
        setattr(moment, name, value)
    moment.full_clean()
    moment.save()
    return moment
