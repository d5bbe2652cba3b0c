"""The retention rules of ``PrivacySettings``: what they would do now, and doing it.

Three rules, each off until set (see the model and decision 0980):

- ``inactive_customers``: customers with no order, contact moment or deal activity since the
  cut-off (and created before it) are erased through ``erase_customer``. Never a customer
  with an open deal (lead, qualified, quote) or an open order (placed, not yet delivered,
  cancelled or returned): there is business in progress, so the data is still needed.
- ``contact_notes``: the notes of contact moments older than the cut-off are emptied.
- ``outbox_texts``: address, subject and text of finished outbox messages (sent, refused,
  failed) older than the cut-off are emptied; queued ones are left to be sent.

Work goes in batches, each its own transaction, so a run stopped midway leaves whole batches
done and the next run picks up the rest. Each applied run writes one audit entry.
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from relata.audit.models import AuditAction
from relata.audit.services import record
from relata.contacts.models import ContactMoment
from relata.customers.models import Customer
from relata.engagement.models import MessageStatus, OutboxMessage
from relata.privacy.models import PrivacySettings
from relata.privacy.services import erase_customer
from relata.sales.models import OPEN_DEAL_STAGES, Deal, Order, OrderStatus

BATCH_SIZE = 200
INACTIVE, CONTACT_NOTES, OUTBOX_TEXTS = "inactive_customers", "contact_notes", "outbox_texts"
FINISHED_MESSAGES = (MessageStatus.SENT, MessageStatus.REFUSED, MessageStatus.FAILED)


def months_before(moment: datetime.datetime, months: int) -> datetime.datetime:
    """The same moment ``months`` calendar months earlier (the 31st becomes the month's last
    day when the month is shorter)."""
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


@dataclass(frozen=True)
class RuleOutcome:
    rule: str
    label: str
    months: int | None
    cutoff: datetime.datetime | None
    found: int  # rows (customers, contact moments, messages) the rule applies to now
    done: int = 0  # rows changed by an applied run

    @property
    def enabled(self) -> bool:
        return self.months is not None


def inactive_customers(cutoff: datetime.datetime) -> models.QuerySet[Customer]:
    """Customers to erase: created before the cut-off, nothing since, nothing open."""
    customer = OuterRef("pk")
    recent_order = Order.objects.filter(customer=customer, order_date__gte=cutoff.date())
    open_order = Order.objects.filter(customer=customer, status=OrderStatus.OPEN)
    recent_moment = ContactMoment.objects.filter(customer=customer, occurred_at__gte=cutoff)
    deal_activity = Deal.objects.filter(customer=customer).filter(
        Q(updated_at__gte=cutoff) | Q(stage__in=OPEN_DEAL_STAGES)
    )
    return (
        Customer.objects.filter(erased_at__isnull=True, created_at__lt=cutoff)
        .exclude(Exists(recent_order))
        .exclude(Exists(open_order))
        .exclude(Exists(recent_moment))
        .exclude(Exists(deal_activity))
        .order_by("pk")
    )


def old_contact_notes(cutoff: datetime.datetime) -> models.QuerySet[ContactMoment]:
    return ContactMoment.objects.filter(occurred_at__lt=cutoff).exclude(notes="").order_by("pk")


def old_outbox_texts(cutoff: datetime.datetime) -> models.QuerySet[OutboxMessage]:
    return (
        OutboxMessage.objects.filter(created_at__lt=cutoff, status__in=FINISHED_MESSAGES)
        .exclude(to_address="", subject="", body="")
        .order_by("pk")
    )


def _rules(settings: PrivacySettings) -> list[tuple[str, str, str, int | None, Any]]:
    """(key, name, what it does with its months, months or None, selector) per rule."""
    return [
        (
            INACTIVE,
            _("Erase inactive customers"),
            _("Erase customers inactive for %(months)s months"),
            settings.erase_inactive_after_months,
            inactive_customers,
        ),
        (
            CONTACT_NOTES,
            _("Blank old contact moment notes"),
            _("Blank contact moment notes older than %(months)s months"),
            settings.blank_contact_notes_after_months,
            old_contact_notes,
        ),
        (
            OUTBOX_TEXTS,
            _("Blank old message texts"),
            _("Blank texts of finished outbox messages older than %(months)s months"),
            settings.blank_outbox_bodies_after_months,
            old_outbox_texts,
        ),
    ]


def retention_plan(*, now: datetime.datetime | None = None) -> list[RuleOutcome]:
    """What each rule would do now (a dry run: counts only)."""
    now = now or timezone.now()
    outcomes = []
    for rule, name, label, months, select in _rules(PrivacySettings.current()):
        if months is None:
            outcomes.append(RuleOutcome(rule, name, None, None, 0))
            continue
        cutoff = months_before(now, months)
        label = label % {"months": months}
        outcomes.append(RuleOutcome(rule, label, months, cutoff, select(cutoff).count()))
    return outcomes


def retention_apply(
    *, by: Any = None, now: datetime.datetime | None = None, batch_size: int = BATCH_SIZE
) -> list[RuleOutcome]:
    """Carry out every enabled rule, in batches; one audit entry for the run."""
    now = now or timezone.now()
    outcomes = []
    for planned in retention_plan(now=now):
        if planned.cutoff is None:
            outcomes.append(planned)
            continue
        done = _apply_rule(planned, by=by, batch_size=batch_size)
        outcomes.append(
            RuleOutcome(
                planned.rule, planned.label, planned.months, planned.cutoff, planned.found, done
            )
        )
    record(
        AuditAction.ERASE,
        object_type="privacy.privacysettings",
        object_id=1,
        object_label="Retention run",
        context={
            "retention": {
                outcome.rule: {"months": outcome.months, "done": outcome.done}
                for outcome in outcomes
                if outcome.enabled
            }
        },
        actor=by,
    )
    return outcomes


def _apply_rule(planned: RuleOutcome, *, by: Any, batch_size: int) -> int:
    assert planned.cutoff is not None
    if planned.rule == INACTIVE:
        return _erase_inactive(planned, by=by, batch_size=batch_size)
    if planned.rule == CONTACT_NOTES:
        return _blank_batches(old_contact_notes(planned.cutoff), {"notes": ""}, batch_size)
    blank = {"to_address": "", "subject": "", "body": ""}
    return _blank_batches(old_outbox_texts(planned.cutoff), blank, batch_size)


def _erase_inactive(planned: RuleOutcome, *, by: Any, batch_size: int) -> int:
    assert planned.cutoff is not None
    reason = f"Retention: no activity for {planned.months} months"
    erased = 0
    last_pk = 0
    while True:
        batch = list(inactive_customers(planned.cutoff).filter(pk__gt=last_pk)[:batch_size])
        if not batch:
            return erased
        with transaction.atomic():
            for customer in batch:
                erase_customer(customer, by=by, reason=reason)
                erased += 1
        last_pk = batch[-1].pk


def _blank_batches(rows: models.QuerySet[Any], blank: dict[str, str], batch_size: int) -> int:
    done = 0
    while True:
        ids = list(rows.values_list("pk", flat=True)[:batch_size])
        if not ids:
            return done
        with transaction.atomic():
            done += rows.model._default_manager.filter(pk__in=ids).update(**blank)
