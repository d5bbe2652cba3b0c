"""When two customers merge, rows that may exist once per customer (a loyalty membership, a
referral code, being referred, one contact per campaign, one firing per occurrence) would
clash on the kept customer. Resolve each clash before the merge moves the rest: the kept
customer's row stays, enriched from the merged one, and whatever pointed at the merged
customer's row points at the kept one's."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.dispatch import receiver

from relata.customers.models import Customer
from relata.customers.signals import customers_merging
from relata.engagement.models import (
    CampaignContact,
    LoyaltyMember,
    OutboxMessage,
    Referral,
    ReferralCode,
    TriggerFiring,
)

CONTACT_MOMENTS = ("sent_at", "opened_at", "clicked_at", "responded_at", "converted_at")


def _campaign_contacts(keep: Customer, merge: Customer) -> None:
    kept = {c.campaign_id: c for c in CampaignContact.objects.filter(customer=keep)}
    for contact in CampaignContact.objects.filter(customer=merge, campaign_id__in=kept):
        target = kept[contact.campaign_id]
        for name in CONTACT_MOMENTS:
            ours, theirs = getattr(target, name), getattr(contact, name)
            if theirs is not None and (ours is None or theirs < ours):
                setattr(target, name, theirs)
        if target.conversion_order_id is None:
            target.conversion_order_id = contact.conversion_order_id
        target.revenue = max(target.revenue, contact.revenue)
        target.save()
        OutboxMessage.objects.filter(campaign_contact=contact).update(campaign_contact=target)
        contact.delete()


def _trigger_firings(keep: Customer, merge: Customer) -> None:
    kept = {(f.rule_id, f.event_key): f for f in TriggerFiring.objects.filter(customer=keep)}
    for firing in TriggerFiring.objects.filter(customer=merge):
        target = kept.get((firing.rule_id, firing.event_key))
        if target is None:
            continue
        OutboxMessage.objects.filter(trigger_firing=firing).update(trigger_firing=target)
        CampaignContact.objects.filter(trigger_firing=firing).update(trigger_firing=target)
        firing.delete()


def _loyalty(keep: Customer, merge: Customer) -> None:
    kept = LoyaltyMember.objects.filter(customer=keep).first()
    merged = LoyaltyMember.objects.filter(customer=merge).first()
    if kept is None or merged is None:
        return
    # One membership, from the earlier joining date; the points ledgers simply add up.
    kept.joined_on = min(kept.joined_on, merged.joined_on)
    kept.left_on = None if kept.left_on is None or merged.left_on is None else kept.left_on
    kept.save()
    merged.delete()


def _referrals(keep: Customer, merge: Customer) -> None:
    # A referral between the two would become a self-referral.
    Referral.objects.filter(
        Q(referrer=keep, referred=merge) | Q(referrer=merge, referred=keep)
    ).delete()
    if Referral.objects.filter(referred=keep).exists():
        Referral.objects.filter(referred=merge).delete()
    kept_code = ReferralCode.objects.filter(customer=keep).first()
    merged_code = ReferralCode.objects.filter(customer=merge).first()
    if kept_code is not None and merged_code is not None:
        Referral.objects.filter(code=merged_code).update(code=kept_code)
        merged_code.delete()


@receiver(customers_merging, sender=Customer)
def resolve_clashes(sender: Any, keep: Customer, merge: Customer, **kwargs: Any) -> None:
    _campaign_contacts(keep, merge)
    _trigger_firings(keep, merge)
    _loyalty(keep, merge)
    _referrals(keep, merge)
