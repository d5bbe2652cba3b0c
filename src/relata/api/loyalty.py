"""/api/loyalty and /api/customers/{id}/loyalty: the programme's settings, members (list,
enrol), a customer's points (balance, worth, expiry, ledger) and redemption."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from relata.api.lookups import customer_from_body
from relata.api.pagination import paginate
from relata.api.permissions import api_user, require_perms, visible_customer_rows, visible_rows
from relata.api.responses import ITEM_ERRORS, READ_ERRORS, WRITE_ERRORS
from relata.api.schemas.common import Page
from relata.api.schemas.programmes import (
    CustomerLoyaltyOut,
    LedgerQuery,
    MemberEnrol,
    MemberFilters,
    MemberOut,
    ProgrammeOut,
    RedeemIn,
    RedeemOut,
)
from relata.customers.models import Customer
from relata.engagement.loyalty_selectors import (
    member_list,
    points_balance,
    points_expiring,
    points_ledger,
    points_worth,
)
from relata.engagement.loyalty_services import member_enrol, points_redeem
from relata.engagement.models import LoyaltyMember, LoyaltyProgramme
from relata.engagement.programme_selectors import customer_programme_summary

router = Router(tags=["Loyalty"])
customer_router = Router(tags=["Loyalty"])


def _customer(request: HttpRequest, customer_id: int) -> Customer:
    """The customer, if the user may see it (else 404 as for an unknown one)."""
    customer = visible_customer_rows(request, Customer.objects.filter(pk=customer_id)).first()
    if customer is None:
        raise Http404(_("No customer with id %(id)s.") % {"id": customer_id})
    return customer


@router.get(
    "/programme", response={200: ProgrammeOut, **READ_ERRORS}, summary="The programme's settings"
)
def get_programme(request: HttpRequest) -> LoyaltyProgramme:
    require_perms(request, "engagement.view_loyaltyprogramme")
    return LoyaltyProgramme.current()


@router.get("/members", response={200: Page[MemberOut], **READ_ERRORS}, summary="List members")
def list_members(request: HttpRequest, filters: Query[MemberFilters]) -> dict[str, Any]:
    """Members with their balance, newest first; active ones unless ``status`` says
    otherwise."""
    require_perms(request, "engagement.view_loyaltymember")
    members = member_list(query=filters.q, status=filters.status)
    if filters.customer_id is not None:
        members = members.filter(customer_id=filters.customer_id)
    return paginate(request, visible_rows(request, members), filters)


@router.post("/members", response={201: MemberOut, **WRITE_ERRORS}, summary="Enrol a customer")
def enrol_member(request: HttpRequest, payload: MemberEnrol) -> Status[LoyaltyMember]:
    """Enrols the customer (or re-enrols a former member); 422 when already a member. A
    referred customer gets the welcome points."""
    require_perms(request, "engagement.add_loyaltymember")
    customer = customer_from_body(
        user=request.user, customer_id=payload.customer_id, customer_number=payload.customer_number
    )
    member = member_enrol(customer=customer, joined_on=payload.joined_on, actor=api_user(request))
    return Status(201, member_list(status="all").get(pk=member.pk))


@customer_router.get(
    "/{customer_id}/loyalty",
    response={200: CustomerLoyaltyOut, **ITEM_ERRORS},
    summary="A customer's points: balance, worth, expiry and ledger",
)
def get_customer_loyalty(
    request: HttpRequest, customer_id: int, page: Query[LedgerQuery]
) -> dict[str, Any]:
    """Also for customers who are no member (their balance is usually 0). ``worth`` is the
    balance in euros; in direct-reward mode it can be spent at the next purchase once
    ``reward.redeemable``; in saving mode ``reward`` shows the progress to the next level."""
    require_perms(request, "engagement.view_pointsentry")
    customer = _customer(request, customer_id)
    summary = customer_programme_summary(customer=customer)
    ledger = points_ledger(customer=customer)
    return {
        "customer_id": customer.pk,
        "is_member": summary.is_member,
        "membership": summary.member,
        "balance": summary.balance,
        "worth": summary.reward.worth,
        "reward": summary.reward,
        "expiring": [
            {"expires_on": day, "points": points}
            for day, points in points_expiring(customer=customer, limit=3)
        ],
        "ledger_count": ledger.count(),
        "ledger": list(ledger[page.ledger_offset : page.ledger_offset + page.ledger_limit]),
    }


@customer_router.post(
    "/{customer_id}/loyalty/redeem",
    response={201: RedeemOut, **WRITE_ERRORS},
    summary="Redeem points",
)
def redeem_points(request: HttpRequest, customer_id: int, payload: RedeemIn) -> Status[Any]:
    """At least the programme's minimum, at most the balance (422 otherwise, naming the
    limit). Points that are due expire first; the oldest valid points are used."""
    require_perms(request, "engagement.add_pointsentry")
    customer = _customer(request, customer_id)
    entry = points_redeem(
        customer=customer, points=payload.points, note=payload.note, actor=api_user(request)
    )
    balance = points_balance(customer=customer)
    return Status(
        201,
        {
            "entry": entry,
            "balance": balance,
            "worth": points_worth(balance, LoyaltyProgramme.current()),
        },
    )
