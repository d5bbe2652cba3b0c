"""Writes for campaigns (DOMAIN.md §12): create and edit, launch to a segment with an
optional random control group, enrol single customers (triggers), record opens, clicks and
responses, attribute orders, finish.

Sending happens after the launch's transaction has committed, in batches, through
``message_queue`` — the one door that enforces consent; a contact refused for lack of
consent keeps the reason on ``refused_reason`` (it counts as not approached).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import (
    Case,
    DateTimeField,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Greatest, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from relata.concurrency import version_claim
from relata.contacts.models import Channel, Direction, Touchpoint
from relata.contacts.services import contact_moment_log
from relata.customers.models import ConsentChannel, Customer
from relata.engagement.merge_fields import (
    customer_merge_values,
    merge_field_names,
    merge_render,
)
from relata.engagement.message_services import message_queue
from relata.engagement.models import (
    Campaign,
    CampaignContact,
    CampaignStatus,
    ContactGroup,
    MessageStatus,
    OfferKind,
    OutboxMessage,
    TriggerFiring,
)
from relata.engagement.offer_selectors import customer_offers
from relata.engagement.segment_selectors import segment_customers
from relata.engagement.tracking import links_tracked, token_new
from relata.sales.models import Order, OrderStatus, Product

logger = logging.getLogger(__name__)

# Settings that define who is approached with what; fixed once the campaign is launched.
LOCKED_AFTER_LAUNCH = (
    "segment",
    "channel",
    "purpose",
    "template",
    "offer_kind",
    "offer_product",
    "offer_text",
    "discount_percent",
    "control_percent",
    "random_seed",
    "starts_on",
)
EDITABLE_FIELDS = (
    "name",
    "description",
    *LOCKED_AFTER_LAUNCH,
    "ends_on",
    "attribution_days",
    "fixed_cost",
    "cost_per_contact",
)
# Channels of the outbox mapped to the channels of contact moments (a reply by hand).
_MOMENT_CHANNEL = {
    ConsentChannel.EMAIL: Channel.EMAIL,
    ConsentChannel.PHONE: Channel.PHONE,
    ConsentChannel.SMS: Channel.CHAT,
    ConsentChannel.POST: Channel.LETTER,
}
_SEND_BATCH = 100
_SEED_LIMIT = 2**31


# ---------------------------------------------------------------------------------------
# Create and edit


def _check(campaign: Campaign) -> None:
    """Model validation plus the rules that tie the fields together; errors per field."""
    errors: dict[str, list[str]] = {}
    try:
        campaign.full_clean(exclude=["created_by"])
    except ValidationError as error:
        errors.update({k: [str(m) for m in v] for k, v in error.message_dict.items()})

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    template = campaign.template if campaign.template_id else None
    if template is not None and template.channel != campaign.channel:
        add(
            "template",
            _("The template is written for %(template)s, the campaign goes out by %(campaign)s.")
            % {
                "template": template.get_channel_display(),
                "campaign": campaign.get_channel_display(),
            },
        )
    if campaign.offer_kind == OfferKind.PRODUCT and not campaign.offer_product_id:
        add("offer_product", _("Choose the product the campaign offers."))
    if campaign.offer_kind == OfferKind.DISCOUNT and not campaign.discount_percent:
        add("discount_percent", _("Enter the discount in percent (more than 0)."))
    if campaign.ends_on and campaign.starts_on and campaign.ends_on < campaign.starts_on:
        add("ends_on", _("The campaign cannot end before it starts."))
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def campaign_create(*, actor: Any = None, **fields: Any) -> Campaign:
    unknown = set(fields) - set(EDITABLE_FIELDS) - {"playbook"}
    if unknown:
        raise TypeError(f"campaign_create: unknown field(s) {sorted(unknown)}")
    campaign = Campaign(**fields)
    if getattr(actor, "is_authenticated", False):
        campaign.created_by = actor
    _check(campaign)
    campaign.save()
    return campaign


@transaction.atomic
def campaign_update(
    *,
    campaign: Campaign,
    fields: Mapping[str, Any],
    expected_version: int | None = None,
    actor: Any = None,
) -> Campaign:
    """Change a campaign. A launched campaign keeps who was approached with what (segment,
    channel, template, offer, control share, start); a finished one is closed to edits.
    A changed attribution window is applied to the contacts at once."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"campaign_update: unknown field(s) {sorted(unknown)}")
    if campaign.status == CampaignStatus.FINISHED:
        raise ValidationError(_("A finished campaign cannot be changed."))
    if campaign.status != CampaignStatus.DRAFT:
        locked = {
            name: [_("Fixed once the campaign is launched.")]
            for name in LOCKED_AFTER_LAUNCH
            if name in fields and _field_value(campaign, name) != _plain(fields[name])
        }
        if locked:
            raise ValidationError(locked)
    window_before = campaign.attribution_days
    for name, value in fields.items():
        setattr(campaign, name, value)
    _check(campaign)
    version_claim(campaign, expected_version=expected_version)
    campaign.save()
    if campaign.status != CampaignStatus.DRAFT and campaign.attribution_days != window_before:
        campaign_attribute(campaign=campaign)
    return campaign


def _plain(value: Any) -> Any:
    return value.pk if hasattr(value, "pk") else value


def _field_value(campaign: Campaign, name: str) -> Any:
    field = Campaign._meta.get_field(name)
    return getattr(campaign, getattr(field, "attname", name))


# ---------------------------------------------------------------------------------------
# Launch, enrol, send


def control_size(customers: int, percent: int) -> int:
    """round(customers · percent / 100), halves rounded up."""
    return (customers * percent * 2 + 100) // 200


def control_draw(customers: int, percent: int, seed: int) -> npt.NDArray[np.bool_]:
    """Which of ``customers`` (in a fixed order) go to the control group: exactly
    ``control_size`` of them, drawn without replacement; the same seed gives the same draw."""
    mask = np.zeros(customers, dtype=bool)
    size = control_size(customers, percent)
    if size:
        rng = np.random.default_rng(seed)
        mask[rng.choice(customers, size=size, replace=False)] = True
    return mask


def _enrol_in_control(campaign: Campaign, customer_id: int) -> bool:
    """A single enrolment's draw: control with probability control% (reproducible per
    campaign seed and customer)."""
    if not campaign.control_percent:
        return False
    rng = np.random.default_rng([campaign.random_seed or 0, customer_id])
    return bool(rng.random() < campaign.control_percent / 100)


def _segment_customer_ids(campaign: Campaign) -> list[int]:
    assert campaign.segment is not None
    try:
        customers = segment_customers(campaign.segment)
        return list(customers.order_by("pk").values_list("pk", flat=True).distinct())
    except ValueError as error:  # RulesInvalid: a field removed since the segment was saved
        raise ValidationError(
            {
                "segment": _("The segment's rules cannot be evaluated: %(problem)s")
                % {"problem": "; ".join(getattr(error, "errors", None) or [str(error)])}
            }
        ) from error


def _launch_check(campaign: Campaign) -> None:
    if campaign.status != CampaignStatus.DRAFT:
        raise ValidationError(
            _("Only a draft campaign can be launched; this one is %(status)s.")
            % {"status": campaign.get_status_display().lower()}
        )
    if not campaign.template_id:
        raise ValidationError({"template": _("Choose the message template before launching.")})
    _check(campaign)


def campaign_launch(
    *,
    campaign: Campaign,
    actor: Any = None,
    expected_version: int | None = None,
    send: bool = True,
) -> Campaign:
    """Evaluate the segment, draw the control group, create the contacts, then send.

    The control group is exactly round(n · control% / 100) of the n customers, drawn with
    the campaign's stored seed (set now unless given), so the same seed and segment give
    the same split. Messages go out after the contacts are committed. A campaign without a
    segment (or with an empty one) is launched without contacts and receives the customers
    that triggers enrol (``campaign_enrol``)."""
    before = (campaign.version, campaign.random_seed)
    try:
        with transaction.atomic():
            _launch_check(campaign)
            version_claim(campaign, expected_version=expected_version)
            _contacts_create(campaign)
    except BaseException:
        # Rolled back: the instance must not keep the version or seed of the undone launch.
        campaign.version, campaign.random_seed = before
        campaign.status, campaign.launched_at = CampaignStatus.DRAFT, None
        raise
    if send:
        campaign_send_pending(campaign=campaign, actor=actor)
    return campaign


def campaign_pending_count(*, campaign: Campaign) -> int:
    """Target contacts still waiting for their message (``campaign_send_pending`` sends)."""
    return campaign.contacts.filter(
        group=ContactGroup.TARGET, sent_at__isnull=True, refused_reason=""
    ).count()


def _contacts_create(campaign: Campaign) -> None:
    # Without a segment, or with an empty one, the campaign runs for trigger enrolments.
    customer_ids = _segment_customer_ids(campaign) if campaign.segment_id else []
    if campaign.random_seed is None:
        campaign.random_seed = int(np.random.default_rng().integers(_SEED_LIMIT))
    in_control = control_draw(len(customer_ids), campaign.control_percent, campaign.random_seed)
    now = timezone.now()
    CampaignContact.objects.bulk_create(
        [
            CampaignContact(
                campaign=campaign,
                customer_id=customer_id,
                group=ContactGroup.CONTROL if control else ContactGroup.TARGET,
                enrolled_at=now,
                token=token_new(),
            )
            for customer_id, control in zip(customer_ids, in_control.tolist(), strict=True)
        ],
        batch_size=2000,
    )
    campaign.status = CampaignStatus.RUNNING
    campaign.launched_at = now
    campaign.save(update_fields=["status", "launched_at", "random_seed", "updated_at"])


def campaign_send_pending(*, campaign: Campaign, actor: Any = None) -> int:
    """Send the message to every target contact that has neither been sent nor refused
    (after a launch, or to finish a launch that was interrupted). Returns how many were
    handled.

    Contacts are handled in batches of ``_SEND_BATCH``, one transaction each, with a
    savepoint per contact, rather than three commits per contact (1,622 contacts: 40 s →
    30 s on a busy PostgreSQL; the rest is about ten queries per message, most of them in
    ``message_queue`` and ``customer_merge_values``). A contact that fails is marked with
    the reason and the batch goes on. The price: should the database fail to commit a
    batch, its e-mails have gone out while the contacts still count as waiting, and sending
    the waiting ones again would repeat them (at most one batch)."""
    pending = (
        campaign.contacts.filter(group=ContactGroup.TARGET, sent_at__isnull=True, refused_reason="")
        .filter(~Exists(_messages_of_contact()))
        .order_by("pk")
    )
    handled = 0
    while True:
        batch = list(pending.select_related("customer", "trigger_firing")[:_SEND_BATCH])
        if not batch:
            return handled
        with transaction.atomic():
            for contact in batch:
                _contact_send_safely(campaign, contact, actor=actor)
        handled += len(batch)


def _contact_send_safely(campaign: Campaign, contact: CampaignContact, *, actor: Any) -> None:
    try:
        with transaction.atomic():
            _contact_send(campaign, contact, actor=actor)
    except Exception:  # one contact must not stop the campaign
        # The exception (English, internal) goes to the log; the contact says it in words.
        logger.exception("Campaign %s: sending to contact %s failed", campaign.pk, contact.pk)
        reason = _("Sending failed unexpectedly; the details are in the server log.")
        CampaignContact.objects.filter(pk=contact.pk).update(refused_reason=reason)


def _messages_of_contact() -> QuerySet[OutboxMessage]:
    return OutboxMessage.objects.filter(campaign_contact=OuterRef("pk"))


def _offer_values(campaign: Campaign, customer: Customer) -> tuple[Product | None, dict[str, str]]:
    product: Product | None = campaign.offer_product if campaign.offer_product_id else None
    if campaign.offer_kind == OfferKind.NEXT_BEST:
        offers = list(customer_offers(customer=customer, limit=1))
        if offers:
            product = offers[0].product
    discount = ""
    if campaign.discount_percent is not None and campaign.offer_kind == OfferKind.DISCOUNT:
        discount = _number(campaign.discount_percent)
    offer = campaign.offer_text
    if not offer and product is not None and campaign.offer_kind != OfferKind.NONE:
        offer = product.name
    if not offer and discount:
        offer = _("%(discount)s%% discount") % {"discount": discount}
    values = {
        "offer": offer,
        "offer_product": product.name if product is not None else "",
        "discount": discount,
    }
    return product, values


def _number(value: Decimal) -> str:
    return format(Decimal(value).normalize(), "f")


def _contact_send(campaign: Campaign, contact: CampaignContact, *, actor: Any = None) -> None:
    template = campaign.template
    assert template is not None
    customer = contact.customer
    product, offer = _offer_values(campaign, customer)
    needed = merge_field_names(template.subject, template.body)
    values = {**customer_merge_values(customer, needed=needed), **offer}
    subject = merge_render(template.subject, values)
    body = merge_render(template.body, values)
    if campaign.channel == ConsentChannel.EMAIL:
        body = links_tracked(body, contact.token)
    # The outbox reads the token for the open pixel through the contact.
    message = message_queue(
        customer=customer,
        channel=campaign.channel,
        purpose=campaign.purpose,
        subject=subject,
        body=body,
        template=template,
        campaign_contact=contact,
        trigger_firing=contact.trigger_firing,
        actor=actor,
    )
    contact.offered_product = product
    if message.status in (MessageStatus.SENT, MessageStatus.QUEUED):
        # Outbox channels (phone, SMS, post) count as approached once the message is queued.
        contact.sent_at = message.sent_at or message.created_at
    else:
        contact.refused_reason = (message.status_reason or message.get_status_display())[:300]
    contact.save(update_fields=["offered_product", "sent_at", "refused_reason"])


def campaign_enrol(
    *,
    campaign: Campaign,
    customer: Customer,
    trigger_firing: TriggerFiring | None = None,
    actor: Any = None,
) -> CampaignContact | None:
    """Enrol one customer in a running campaign and send at once (triggers call this).

    The control share applies (a reproducible draw per campaign and customer). Returns the
    new contact, or None when nothing was done: the campaign is not running, its end date
    has passed, it has no template, or the customer is already in it."""
    if campaign.status != CampaignStatus.RUNNING or campaign.template_id is None:
        return None
    if campaign.ends_on is not None and campaign.ends_on < timezone.localdate():
        return None
    if CampaignContact.objects.filter(campaign=campaign, customer=customer).exists():
        return None
    group = (
        ContactGroup.CONTROL if _enrol_in_control(campaign, customer.pk) else ContactGroup.TARGET
    )
    contact = CampaignContact(
        campaign=campaign,
        customer=customer,
        group=group,
        trigger_firing=trigger_firing,
        token=token_new(),
    )
    try:
        with transaction.atomic():
            contact.save()
    except IntegrityError:  # enrolled by someone else at the same moment
        return None
    if group == ContactGroup.TARGET:
        _contact_send(campaign, contact, actor=actor)
    return contact


@transaction.atomic
def campaign_finish(*, campaign: Campaign, expected_version: int | None = None) -> Campaign:
    """Close a running campaign: nobody else is enrolled. Orders inside the contacts'
    attribution windows still count as they come in."""
    if campaign.status != CampaignStatus.RUNNING:
        raise ValidationError(_("Only a running campaign can be finished."))
    version_claim(campaign, expected_version=expected_version)
    campaign.status = CampaignStatus.FINISHED
    if campaign.ends_on is None or campaign.ends_on > timezone.localdate():
        campaign.ends_on = timezone.localdate()
    campaign.save(update_fields=["status", "ends_on", "updated_at"])
    campaign_attribute(campaign=campaign)
    return campaign


# ---------------------------------------------------------------------------------------
# Opens, clicks and responses


def contact_open_record(*, token: str) -> bool:
    """Record the first open of a campaign e-mail; False for an unknown token."""
    contact = CampaignContact.objects.filter(token=token).values("pk", "sent_at").first()
    if contact is None:
        return False
    if contact["sent_at"] is not None:
        CampaignContact.objects.filter(pk=contact["pk"], opened_at__isnull=True).update(
            opened_at=timezone.now()
        )
    return True


def contact_click_record(*, token: str) -> bool:
    """Record the first click (an open, and for e-mail a response, too); False for an
    unknown token."""
    contact = (
        CampaignContact.objects.filter(token=token)
        .values("pk", "sent_at", "campaign__channel")
        .first()
    )
    if contact is None:
        return False
    if contact["sent_at"] is None:
        return True
    now = timezone.now()
    fields: dict[str, Any] = {
        "opened_at": Coalesce(F("opened_at"), Value(now)),
        "clicked_at": Coalesce(F("clicked_at"), Value(now)),
    }
    if contact["campaign__channel"] == ConsentChannel.EMAIL:
        fields["responded_at"] = Coalesce(F("responded_at"), Value(now))
    CampaignContact.objects.filter(pk=contact["pk"]).update(**fields)
    return True


@transaction.atomic
def campaign_contact_respond(
    *,
    contact: CampaignContact,
    actor: Any = None,
    responded_at: datetime | None = None,
    note: str = "",
    log_contact_moment: bool = True,
) -> CampaignContact:
    """Record by hand that an approached contact responded (a call back, a reply, a visit),
    and log it as an inbound marketing contact moment. The first response time is kept."""
    if contact.group != ContactGroup.TARGET or contact.sent_at is None:
        raise ValidationError(
            _(
                "Only a contact who was sent the campaign can respond; this one was not "
                "approached (control group or no consent)."
            )
        )
    when = responded_at or timezone.now()
    if when < contact.sent_at:
        raise ValidationError(
            {"responded_at": _("The response cannot come before the message was sent.")}
        )
    if contact.responded_at is None or when < contact.responded_at:
        contact.responded_at = when
        contact.save(update_fields=["responded_at"])
    if log_contact_moment:
        campaign = contact.campaign
        user = actor if getattr(actor, "is_authenticated", False) else None
        contact_moment_log(
            customer=contact.customer,
            actor=user,
            occurred_at=when,
            channel=_MOMENT_CHANNEL.get(ConsentChannel(campaign.channel), Channel.EMAIL),
            direction=Direction.INBOUND,
            touchpoint=Touchpoint.MARKETING,
            staff=user,
            subject=(_("Response to campaign “%(name)s”") % {"name": campaign.name})[:200],
            notes=note,
        )
    return contact


# ---------------------------------------------------------------------------------------
# Attribution


def _day_bounds(day: Any) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(day, time.min), zone)
    end = timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min), zone)
    return start, end


def _attribute(contacts: QuerySet[CampaignContact], days: int) -> int:
    """Set conversion and revenue of ``contacts`` (all with the same window of ``days``).

    A contact's window runs from the local day it was sent (not sent: enrolled, as the
    control group) to ``days`` days later, both inclusive; orders are counted by order date,
    cancelled orders never. The converting order is the first in the window; revenue is the
    sum of all orders in it. One UPDATE per distinct start day (a launch has one), so the
    result is recomputed from scratch each time: running it twice changes nothing."""
    start_days = (
        contacts.order_by()
        .annotate(start_day=TruncDate(Coalesce("sent_at", "enrolled_at")))
        .values_list("start_day", flat=True)
        .distinct()
    )
    updated = 0
    for day in list(start_days):
        low, high = _day_bounds(day)
        selected = contacts.filter(
            Q(sent_at__gte=low, sent_at__lt=high)
            | Q(sent_at__isnull=True, enrolled_at__gte=low, enrolled_at__lt=high)
        )
        window = Order.objects.filter(
            customer_id=OuterRef("customer_id"),
            order_date__gte=day,
            order_date__lte=day + timedelta(days=days),
        ).exclude(status=OrderStatus.CANCELLED)
        first = window.order_by("order_date", "id")
        order_day = first.annotate(at=Cast("order_date", DateTimeField())).values("at")[:1]
        total = window.order_by().values("customer_id").annotate(s=Sum("total_amount")).values("s")
        updated += selected.update(
            conversion_order_id=Subquery(first.values("id")[:1]),
            # The start itself for an order on the first day, else the order day.
            converted_at=Case(
                When(
                    Exists(window),
                    then=Greatest(
                        Coalesce("sent_at", "enrolled_at"),
                        Subquery(order_day, output_field=DateTimeField()),
                    ),
                ),
                default=Value(None, output_field=DateTimeField()),
            ),
            revenue=Coalesce(
                Subquery(total, output_field=DecimalField(max_digits=14, decimal_places=2)),
                Value(Decimal(0)),
                output_field=DecimalField(max_digits=14, decimal_places=2),
            ),
        )
    return updated


def campaign_attribute(*, campaign: Campaign) -> int:
    """Attribute orders to every contact of a launched campaign (idempotent; see
    ``_attribute``). Returns the number of contacts updated."""
    if campaign.status == CampaignStatus.DRAFT:
        return 0
    with transaction.atomic():
        return _attribute(campaign.contacts.all(), campaign.attribution_days)


def customer_attribute(*, customer_id: int) -> int:
    """Re-attribute the contacts of one customer in every launched campaign (after one of
    their orders was saved)."""
    contacts = CampaignContact.objects.filter(customer_id=customer_id).exclude(
        campaign__status=CampaignStatus.DRAFT
    )
    windows: Iterable[int] = (
        contacts.order_by().values_list("campaign__attribution_days", flat=True).distinct()
    )
    updated = 0
    with transaction.atomic():
        for days in list(windows):
            updated += _attribute(
                CampaignContact.objects.filter(
                    pk__in=contacts.filter(campaign__attribution_days=days).values("pk")
                ),
                days,
            )
    return updated
