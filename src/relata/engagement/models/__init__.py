"""Segments, triggers, campaigns and the outbox, loyalty and referral programmes, and next
best offers: turning the value analysis into action (DOMAIN.md §9–13, §18)."""

from relata.engagement.models.campaigns import (
    Campaign,
    CampaignContact,
    CampaignStatus,
    ContactGroup,
    OfferKind,
)
from relata.engagement.models.messages import MessageStatus, MessageTemplate, OutboxMessage
from relata.engagement.models.offers import CustomerOffer, OfferKindChoice, OfferRule, OfferRun
from relata.engagement.models.programmes import (
    LoyaltyMember,
    LoyaltyProgramme,
    PointsEntry,
    PointsKind,
    Referral,
    ReferralCode,
    ReferralStatus,
    RewardMode,
)
from relata.engagement.models.segments import Segment
from relata.engagement.models.triggers import (
    CustomerEvent,
    CustomerEventKind,
    FiringOutcome,
    TriggerAction,
    TriggerEvent,
    TriggerFiring,
    TriggerRule,
)

__all__ = [
    "Campaign",
    "CampaignContact",
    "CampaignStatus",
    "ContactGroup",
    "CustomerEvent",
    "CustomerEventKind",
    "CustomerOffer",
    "FiringOutcome",
    "LoyaltyMember",
    "LoyaltyProgramme",
    "MessageStatus",
    "MessageTemplate",
    "OfferKind",
    "OfferKindChoice",
    "OfferRule",
    "OfferRun",
    "OutboxMessage",
    "PointsEntry",
    "PointsKind",
    "Referral",
    "ReferralCode",
    "ReferralStatus",
    "RewardMode",
    "Segment",
    "TriggerAction",
    "TriggerEvent",
    "TriggerFiring",
    "TriggerRule",
]
