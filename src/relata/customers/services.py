"""Writes to the customer file. Every write goes through here: UI, API and import alike."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from relata.concurrency import version_claim
from relata.customers.models import Consent, ContactPerson, Customer
from relata.customers.signals import customer_saved

# Who the customer is and how to reach them.
CONTACT_FIELDS = (
    "first_name",
    "name_prefix",
    "last_name",
    "organisation_name",
    "email",
    "phone",
    "street",
    "house_number",
    "postcode",
    "city",
)
PROFILE_FIELDS = frozenset(
    {
        "birth_date",
        "gender",
        "occupation",
        "education",
        "household_size",
        "children",
        "income_band",
        "interests",
        "sector",
        "company_size",
    }
)
# Personal data (GDPR): never stored as a value in the audit trail, emptied by erasure.
PERSONAL_FIELDS = frozenset({*CONTACT_FIELDS, *PROFILE_FIELDS, "notes"})


def customer_number_next() -> str:
    """The next free number in the default numbering scheme (C0000001, C0000002, …)."""
    numbers = Customer.objects.filter(customer_number__regex=r"^C[0-9]{7,}$")
    highest = numbers.aggregate(top=Max("customer_number"))["top"]
    following = int(highest[1:]) + 1 if highest else 1
    return f"C{following:07d}"


def customer_save(
    *, customer: Customer, profile_changed: bool, expected_version: int | None = None
) -> Customer:
    """Save a customer whose fields are set, keeping the invariants every write path needs:
    a number, the profile-data age, the derived sort and search columns, model validation.

    An existing customer is saved only if nobody else saved it since the editor loaded it
    (``expected_version``, default the version loaded with ``customer``); otherwise
    ``relata.concurrency.StaleEditError`` is raised and nothing is written."""
    if customer.erased_at is not None:
        # Erased (relata.privacy): the anonymised record must not be filled in again.
        raise ValidationError(
            _("This customer's personal data was erased; the record cannot be changed.")
        )
    with transaction.atomic():
        created = customer.pk is None
        before = _watched_values(customer)
        if not customer.customer_number:
            customer.customer_number = customer_number_next()
        if profile_changed:
            customer.profile_updated_at = timezone.now()
        customer.refresh_derived_fields()
        customer.full_clean()
        version_claim(customer, expected_version=expected_version)
        customer.save()
        changes = {
            name: (old, getattr(customer, name))
            for name, old in before.items()
            if old != getattr(customer, name)
        }
        transaction.on_commit(
            lambda: customer_saved.send(
                sender=Customer, customer=customer, created=created, changes=changes
            )
        )
    return customer


# Fields whose change is an event for triggers (moved house, a new child).
WATCHED_FIELDS = ("street", "house_number", "postcode", "city", "children")


def _watched_values(customer: Customer) -> dict[str, Any]:
    if customer.pk is None:
        return {}
    stored = Customer.objects.filter(pk=customer.pk).values(*WATCHED_FIELDS).first()
    return dict(stored) if stored else {}


def customer_create(**fields: Any) -> Customer:
    customer = Customer(**fields)
    return customer_save(customer=customer, profile_changed=_has_profile(customer))


def customer_update(
    *, customer: Customer, fields: Mapping[str, Any], expected_version: int | None = None
) -> Customer:
    profile_changed = any(
        getattr(customer, name) != value for name, value in fields.items() if name in PROFILE_FIELDS
    )
    for name, value in fields.items():
        setattr(customer, name, value)
    return customer_save(
        customer=customer, profile_changed=profile_changed, expected_version=expected_version
    )


def customer_save_from_form(
    *, customer: Customer, changed: Iterable[str], expected_version: int | None = None
) -> Customer:
    """Finish a ModelForm save: the form has set the fields, the service keeps invariants.
    ``expected_version`` is the version the edit form was loaded at."""
    profile_changed = bool(PROFILE_FIELDS & set(changed)) or (
        customer.pk is None and _has_profile(customer)
    )
    return customer_save(
        customer=customer, profile_changed=profile_changed, expected_version=expected_version
    )


def _has_profile(customer: Customer) -> bool:
    return any(getattr(customer, name) not in (None, "") for name in PROFILE_FIELDS)


@transaction.atomic
def contact_person_save(*, contact_person: ContactPerson) -> ContactPerson:
    contact_person.full_clean()
    if contact_person.is_primary:
        ContactPerson.objects.filter(organisation=contact_person.organisation).exclude(
            pk=contact_person.pk
        ).update(is_primary=False)
    contact_person.save()
    return contact_person


@transaction.atomic
def consent_record(
    *,
    customer: Customer,
    channel: str,
    purpose: str,
    granted: bool,
    source: str,
    recorded_by: AbstractBaseUser | None = None,
) -> Consent:
    """Append a consent decision; earlier decisions stay as evidence."""
    consent = Consent(
        customer=customer,
        channel=channel,
        purpose=purpose,
        granted=granted,
        source=source,
        recorded_by=recorded_by,  # type: ignore[misc]
        recorded_at=timezone.now(),
    )
    consent.full_clean()
    consent.save()
    return consent


@transaction.atomic
def consent_record_many(
    *,
    customer: Customer,
    decisions: Iterable[tuple[str, str, bool]],
    source: str,
    recorded_by: AbstractBaseUser | None = None,
) -> list[Consent]:
    """Append several decisions (channel, purpose, granted) given at one moment, from one
    source. Nobody is notified: the rows themselves are the log."""
    return [
        consent_record(
            customer=customer,
            channel=channel,
            purpose=purpose,
            granted=granted,
            source=source,
            recorded_by=recorded_by,
        )
        for channel, purpose, granted in decisions
    ]
