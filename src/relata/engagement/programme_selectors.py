"""Both programmes on one customer file: membership and points, referral code and
referrals (the card on the customer page, and the API's loyalty view)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from relata.customers.models import Customer
from relata.engagement.loyalty_selectors import (
    RewardStatus,
    member_of,
    points_balance,
    points_expiring,
    reward_status,
)
from relata.engagement.models import LoyaltyMember, LoyaltyProgramme, ReferralCode
from relata.engagement.referral_selectors import CustomerReferrals, customer_referrals
from relata.engagement.referral_services import referral_code_format


@dataclass(frozen=True)
class ProgrammeSummary:
    programme: LoyaltyProgramme
    member: LoyaltyMember | None
    balance: int
    reward: RewardStatus
    expiring: list[tuple[date, int]]
    code: str | None
    referrals: CustomerReferrals

    @property
    def is_member(self) -> bool:
        return self.member is not None and self.member.left_on is None


def customer_programme_summary(
    *, customer: Customer, today: date | None = None
) -> ProgrammeSummary:
    today = today or timezone.localdate()
    programme = LoyaltyProgramme.current()
    balance = points_balance(customer=customer)
    code = ReferralCode.objects.filter(customer=customer).values_list("code", flat=True).first()
    return ProgrammeSummary(
        programme=programme,
        member=member_of(customer=customer),
        balance=balance,
        reward=reward_status(balance=balance, programme=programme),
        expiring=points_expiring(customer=customer, today=today, limit=1) if balance > 0 else [],
        code=referral_code_format(code) if code else None,
        referrals=customer_referrals(customer=customer),
    )
