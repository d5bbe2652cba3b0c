"""Writes for complaints: log, edit, resolve, reopen.

Logging a complaint also records the contact moment in which the customer complained
(outcome "complaint", linked to the complaint), so the contact history and journey analytics
see every interaction, including the unhappy ones. Edits are optimistically locked.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from relata.concurrency import version_claim
from relata.contacts.models import (
    OPEN_COMPLAINT_STATUSES,
    Complaint,
    ComplaintStatus,
    ContactMoment,
    Direction,
    NotificationKind,
    Office,
    Outcome,
)
from relata.contacts.notification_services import notification_send
from relata.contacts.signals import complaint_filed
from relata.customers.models import Customer
from relata.sales.models import Order

CLOSED_COMPLAINT_STATUSES = (ComplaintStatus.RESOLVED, ComplaintStatus.REJECTED)
# What an edit may change; status moves to closed only through complaint_resolve.
EDITABLE_FIELDS = frozenset(
    {
        "received_at",
        "channel",
        "touchpoint",
        "cause",
        "subject",
        "description",
        "status",
        "owner",
        "owner_id",
        "order",
        "order_id",
        "resolution",
    }
)

User = AbstractBaseUser | AnonymousUser


def _actor(user: User | None) -> Any:
    return user if user is not None and user.pk is not None else None


def _check_order(*, customer_id: int, order_id: int | None) -> None:
    if order_id is None:
        return
    owner = Order.objects.filter(pk=order_id).values_list("customer_id", flat=True).first()
    if owner is None:
        raise ValidationError({"order": _("No order with id %(id)s.") % {"id": order_id}})
    if owner != customer_id:
        raise ValidationError({"order": _("This order belongs to another customer.")})


@transaction.atomic
def complaint_create(
    *,
    customer: Customer,
    channel: str,
    touchpoint: str,
    cause: str,
    subject: str,
    description: str = "",
    received_at: datetime | None = None,
    owner: Any = None,
    order: Order | None = None,
    created_by: User | None = None,
    office: str = Office.FRONT,
) -> Complaint:
    """Log a complaint, record the contact moment it came in through, and tell the
    customer's account owner when a colleague logged it."""
    actor = _actor(created_by)
    complaint = Complaint(
        customer=customer,
        received_at=received_at or timezone.now(),
        channel=channel,
        touchpoint=touchpoint,
        cause=cause,
        subject=subject,
        description=description,
        owner=owner,
        order=order,
        created_by=actor,
    )
    _check_order(customer_id=customer.pk, order_id=order.pk if order else None)
    complaint.full_clean()
    complaint.save()
    moment = ContactMoment(
        customer=customer,
        occurred_at=complaint.received_at,
        channel=channel,
        direction=Direction.INBOUND,
        touchpoint=touchpoint,
        office=office,
        staff=actor,
        subject=subject,
        outcome=Outcome.COMPLAINT,
        notes=description,
        order=order,
        complaint=complaint,
    )
    moment.full_clean()
    moment.save()
    notification_send(
        recipient=customer.account_owner,
        kind=NotificationKind.COMPLAINT_LOGGED,
        params={
            "complaint": complaint.pk,
            "customer": customer.display_name,
            "subject": complaint.subject,
            "cause": complaint.cause,
        },
        url=reverse("complaints:detail", kwargs={"pk": complaint.pk}),
        actor=actor,
    )
    transaction.on_commit(lambda: complaint_filed.send(sender=Complaint, complaint=complaint))
    return complaint


@transaction.atomic
def complaint_update(
    *, complaint: Complaint, fields: Mapping[str, Any], version: int | None = None
) -> Complaint:
    """Change the given fields. ``version`` is the one the editor loaded (default: the
    instance's); a save by someone else in between raises ``StaleEditError``."""
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise ValidationError(
            _("These fields cannot be changed here: %(fields)s.")
            % {"fields": ", ".join(sorted(unknown))}
        )
    status = fields.get("status", complaint.status)
    if status != complaint.status and (
        status in CLOSED_COMPLAINT_STATUSES or complaint.status in CLOSED_COMPLAINT_STATUSES
    ):
        raise ValidationError(
            {"status": _("Use resolve or reopen to close or reopen a complaint.")}
        )
    version_claim(complaint, expected_version=version)
    for name, value in fields.items():
        setattr(complaint, name, value)
    _check_order(customer_id=complaint.customer_id, order_id=complaint.order_id)
    if complaint.status in CLOSED_COMPLAINT_STATUSES and not complaint.resolution.strip():
        raise ValidationError({"resolution": _("A closed complaint needs a resolution.")})
    complaint.full_clean()
    complaint.save()
    return complaint


@transaction.atomic
def complaint_resolve(
    *,
    complaint: Complaint,
    resolution: str,
    status: str = ComplaintStatus.RESOLVED,
    resolved_at: datetime | None = None,
    version: int | None = None,
) -> Complaint:
    """Close an open complaint as resolved (or as not upheld), with what was done."""
    if complaint.status not in OPEN_COMPLAINT_STATUSES:
        raise ValidationError(_("This complaint is already closed."))
    if status not in CLOSED_COMPLAINT_STATUSES:
        raise ValidationError({"status": _("A complaint closes as resolved or as not upheld.")})
    if not resolution.strip():
        raise ValidationError({"resolution": _("Describe how the complaint was resolved.")})
    resolved_at = resolved_at or timezone.now()
    if resolved_at < complaint.received_at:
        raise ValidationError(
            {"resolved_at": _("A complaint cannot be resolved before it was received.")}
        )
    version_claim(complaint, expected_version=version)
    complaint.status = status
    complaint.resolution = resolution.strip()
    complaint.resolved_at = resolved_at
    complaint.full_clean()
    complaint.save()
    return complaint


@transaction.atomic
def complaint_reopen(*, complaint: Complaint, version: int | None = None) -> Complaint:
    """Open a closed complaint again. The resolution text stays as a record of the first
    attempt; when it is resolved again, its resolution time still runs from receipt."""
    if complaint.status in OPEN_COMPLAINT_STATUSES:
        raise ValidationError(_("This complaint is still open."))
    version_claim(complaint, expected_version=version)
    complaint.status = ComplaintStatus.OPEN
    complaint.resolved_at = None
    complaint.full_clean()
    complaint.save()
    return complaint
