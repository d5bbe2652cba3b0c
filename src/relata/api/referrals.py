"""/api/referrals and /api/customers/{id}/referral-code: the referral programme
(klant-werft-klant): list and record referrals, reward or reject them, and a customer's code."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from relata.accounts.models import TokenScope
from relata.api.lookups import customer_from_body
from relata.api.pagination import paginate
from relata.api.permissions import (
    api_user,
    require_perms,
    require_scope,
    visible_customer_rows,
    visible_rows,
)
from relata.api.responses import ITEM_ERRORS, READ_ERRORS, WRITE_ERRORS
from relata.api.schemas.common import Page
from relata.api.schemas.programmes import (
    ReferralCodeOut,
    ReferralFilters,
    ReferralIn,
    ReferralOut,
    ReferralRejectIn,
)
from relata.customers.models import Customer
from relata.engagement.models import Referral, ReferralCode
from relata.engagement.referral_services import (
    referral_code_issue,
    referral_record,
    referral_reject,
    referral_reward,
)

router = Router(tags=["Referrals"])
customer_router = Router(tags=["Referrals"])


def _visible(request: HttpRequest) -> QuerySet[Referral]:
    """Referrals whose referrer and referred customer the user may both see: a referral
    names both."""
    referrals = Referral.objects.select_related("referrer", "referred", "code")
    return visible_rows(request, visible_rows(request, referrals, "referrer"), "referred")


def _referral(request: HttpRequest, referral_id: int) -> Referral:
    referral = _visible(request).filter(pk=referral_id).first()
    if referral is None:
        raise Http404(_("No referral with id %(id)s.") % {"id": referral_id})
    return referral


@router.get("/", response={200: Page[ReferralOut], **READ_ERRORS}, summary="List referrals")
def list_referrals(request: HttpRequest, filters: Query[ReferralFilters]) -> dict[str, Any]:
    """Newest first. A referral is *pending* until the referred customer's first purchase,
    then *rewarded*."""
    require_perms(request, "engagement.view_referral")
    referrals = _visible(request)
    if filters.status is not None:
        referrals = referrals.filter(status=filters.status)
    if filters.referrer_id is not None:
        referrals = referrals.filter(referrer_id=filters.referrer_id)
    if filters.referred_id is not None:
        referrals = referrals.filter(referred_id=filters.referred_id)
    return paginate(request, referrals.order_by("-referred_on", "-id"), filters)


@router.post("/", response={201: ReferralOut, **WRITE_ERRORS}, summary="Record a referral")
def record_referral(request: HttpRequest, payload: ReferralIn) -> Status[Referral]:
    """By the referrer's code. Refused (422, with the rule) for an unknown code, a
    self-referral, a customer referred before, a pair referring each other, or a customer
    who bought before the referral. Rewarded at once when the referred customer has just
    bought."""
    require_perms(request, "engagement.add_referral")
    referred = customer_from_body(
        user=request.user,
        customer_id=payload.referred_id,
        customer_number=payload.referred_number,
        fields=("referred_id", "referred_number"),
    )
    referral = referral_record(
        referred=referred,
        code=payload.code,
        referred_on=payload.referred_on,
        note=payload.note,
        actor=api_user(request),
        viewer=request.user,
    )
    return Status(201, _referral(request, referral.pk))


@router.post("/{referral_id}/reward", response={200: ReferralOut, **WRITE_ERRORS}, summary="Reward")
def reward_referral(request: HttpRequest, referral_id: int) -> Referral:
    """Reward a pending referral now (the first order rewards it by itself)."""
    require_perms(request, "engagement.change_referral")
    referral_reward(referral=_referral(request, referral_id), actor=api_user(request))
    return _referral(request, referral_id)


@router.post("/{referral_id}/reject", response={200: ReferralOut, **WRITE_ERRORS}, summary="Reject")
def reject_referral(request: HttpRequest, referral_id: int, payload: ReferralRejectIn) -> Referral:
    """Reject with a reason; a reward already booked is taken back as far as the balance
    allows."""
    require_perms(request, "engagement.change_referral")
    referral_reject(
        referral=_referral(request, referral_id), reason=payload.reason, actor=api_user(request)
    )
    return _referral(request, referral_id)


@customer_router.get(
    "/{customer_id}/referral-code",
    response={200: ReferralCodeOut, **ITEM_ERRORS},
    summary="A customer's referral code (issued if missing)",
)
def get_referral_code(request: HttpRequest, customer_id: int) -> ReferralCode:
    """The code is created on first request, which needs the *add* permission on referral
    codes; reading an existing one needs *view*."""
    require_perms(request, "engagement.view_referralcode")
    customer = visible_customer_rows(request, Customer.objects.filter(pk=customer_id)).first()
    if customer is None:
        raise Http404(_("No customer with id %(id)s.") % {"id": customer_id})
    existing = ReferralCode.objects.filter(customer=customer).first()
    if existing is not None:
        return existing
    require_perms(request, "engagement.add_referralcode")
    # Issuing writes, so a read-only token may read an existing code but not make one.
    require_scope(request, TokenScope.WRITE)
    return referral_code_issue(customer=customer)
