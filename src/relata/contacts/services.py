"""Writes for contact moments."""

from __future__ import annotations

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
