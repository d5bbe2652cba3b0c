"""Engagement on the customer's one timeline: messages sent or refused, campaign responses
and conversions, referrals made and points redeemed (registered with contacts' timeline)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from relata.contacts.models import Channel
from relata.contacts.selectors import (
    TimelineEntry,
    TimelineQuery,
    TimelineSource,
    timeline_source_register,
    timeline_type_register,
)
from relata.customers.models import ConsentChannel
from relata.engagement.models import (
    CampaignContact,
    MessageStatus,
    OutboxMessage,
    PointsEntry,
    PointsKind,
    Referral,
)

# The timeline filters on contact-moment channels; messages map onto them where they can.
MESSAGE_CHANNELS: dict[str, str] = {
    ConsentChannel.EMAIL: Channel.EMAIL,
    ConsentChannel.PHONE: Channel.PHONE,
    ConsentChannel.POST: Channel.LETTER,
}
MESSAGE_ICONS: dict[str, str] = {
    ConsentChannel.EMAIL: "bi-envelope-paper",
    ConsentChannel.PHONE: "bi-telephone-outbound",
    ConsentChannel.SMS: "bi-phone",
    ConsentChannel.POST: "bi-mailbox",
}


def _join(*parts: object) -> str:
    return " · ".join(str(part) for part in parts if part)


def _money(amount: Decimal) -> str:
    return "€ " + number_format(amount, 2, force_grouping=True)


def _on(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(12)))


def _origin(message: OutboxMessage) -> str:
    if message.campaign_contact_id is not None and message.campaign_contact is not None:
        return _("campaign %(name)s") % {"name": message.campaign_contact.campaign.name}
    if message.trigger_firing_id is not None and message.trigger_firing is not None:
        return _("trigger %(name)s") % {"name": message.trigger_firing.rule.name}
    return ""


def _messages(query: TimelineQuery) -> Iterable[TimelineEntry]:
    messages = OutboxMessage.objects.filter(customer=query.customer).select_related(
        "campaign_contact__campaign", "trigger_firing__rule"
    )
    if query.channel:
        wanted = [code for code, channel in MESSAGE_CHANNELS.items() if channel == query.channel]
        messages = messages.filter(channel__in=wanted)
    titles = {
        MessageStatus.SENT: _("Message sent: %(subject)s"),
        MessageStatus.QUEUED: _("Message waiting in the outbox: %(subject)s"),
        MessageStatus.REFUSED: _("Message refused, no consent: %(subject)s"),
        MessageStatus.FAILED: _("Message failed: %(subject)s"),
    }
    tones: dict[str, str] = {MessageStatus.REFUSED: "warning", MessageStatus.FAILED: "danger"}
    for message in messages.order_by("-created_at", "-id")[: query.limit + 1]:
        yield TimelineEntry(
            when=message.sent_at or message.created_at,
            icon=MESSAGE_ICONS.get(message.channel, "bi-envelope"),
            title=titles[MessageStatus(message.status)]
            % {"subject": message.subject or message.get_channel_display()},
            meta=_join(message.get_channel_display(), _origin(message), message.status_reason),
            link=("outbox:detail", message.pk),
            kind="engagement",
            event=f"message_{message.status}",
            channel=MESSAGE_CHANNELS.get(message.channel, ""),
            status=message.status,
            tone=tones.get(message.status, "secondary"),
        )


def _contacts(query: TimelineQuery) -> QuerySet[CampaignContact]:
    return CampaignContact.objects.filter(customer=query.customer).select_related(
        "campaign", "conversion_order"
    )


def _campaign_conversions(query: TimelineQuery) -> Iterable[TimelineEntry]:
    converted = _contacts(query).filter(converted_at__isnull=False)
    for contact in converted.order_by("-converted_at", "-id")[: query.limit + 1]:
        order = contact.conversion_order
        yield TimelineEntry(
            when=contact.converted_at,  # type: ignore[arg-type]
            icon="bi-bullseye",
            title=_("Bought after campaign %(name)s") % {"name": contact.campaign.name},
            meta=_join(
                contact.get_group_display(),
                order.order_number if order else "",
                _money(contact.revenue),
            ),
            link=("campaigns:detail", contact.campaign_id),
            kind="engagement",
            event="campaign_converted",
            tone="success",
        )


def _campaign_responses(query: TimelineQuery) -> Iterable[TimelineEntry]:
    responded = _contacts(query).filter(responded_at__isnull=False)
    for contact in responded.order_by("-responded_at", "-id")[: query.limit + 1]:
        yield TimelineEntry(
            when=contact.responded_at,  # type: ignore[arg-type]
            icon="bi-reply",
            title=_("Responded to campaign %(name)s") % {"name": contact.campaign.name},
            meta=contact.campaign.get_channel_display(),
            link=("campaigns:detail", contact.campaign_id),
            kind="engagement",
            event="campaign_responded",
            tone="info",
        )


def _referrals(query: TimelineQuery) -> Iterable[TimelineEntry]:
    referrals = (
        Referral.objects.filter(referrer=query.customer)
        .select_related("referred")
        .order_by("-referred_on", "-id")
    )
    for referral in referrals[: query.limit + 1]:
        yield TimelineEntry(
            when=_on(referral.referred_on),
            date_only=True,
            icon="bi-people",
            title=_("Referred %(name)s") % {"name": referral.referred.display_name},
            meta=referral.get_status_display(),
            link=("customers:detail", referral.referred_id),
            kind="engagement",
            event="referral",
            tone="success",
        )


def _points_used(query: TimelineQuery) -> Iterable[TimelineEntry]:
    redemptions = PointsEntry.objects.filter(
        customer=query.customer, kind__in=[PointsKind.REDEEMED, PointsKind.EXPIRED]
    ).order_by("-booked_on", "-id")
    for entry in redemptions[: query.limit + 1]:
        title = (
            _("Redeemed %(points)s loyalty points")
            if entry.kind == PointsKind.REDEEMED
            else _("%(points)s loyalty points expired")
        )
        yield TimelineEntry(
            when=_on(entry.booked_on),
            date_only=True,
            icon="bi-gift",
            title=title % {"points": number_format(abs(entry.points), force_grouping=True)},
            meta=entry.note,
            kind="engagement",
            event=f"points_{entry.kind}",
        )


timeline_type_register("engagement", gettext_lazy("Campaigns and programmes"), "bi-megaphone")
timeline_source_register(
    TimelineSource(
        "messages",
        "engagement",
        _messages,
        has_channel=True,
        permission="engagement.view_outboxmessage",
    )
)
for _key, _fetch, _permission in (
    ("campaign_conversions", _campaign_conversions, "engagement.view_campaigncontact"),
    ("campaign_responses", _campaign_responses, "engagement.view_campaigncontact"),
    ("referrals", _referrals, "engagement.view_referral"),
    ("points_used", _points_used, "engagement.view_pointsentry"),
):
    timeline_source_register(TimelineSource(_key, "engagement", _fetch, permission=_permission))
