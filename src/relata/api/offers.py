"""/api/customers/{id}/offers, /api/offers/ and /api/offers/rules: next best offers.

A web shop asks for a customer's offers to personalise its pages and mails, by id or by
customer number. Offers come from the newest offer run (``relata offers``), with inactive
products and one-off products bought since the run left out.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router

from relata.api.pagination import paginate
from relata.api.permissions import require_perms, visible_customer_rows
from relata.api.responses import ITEM_ERRORS, READ_ERRORS
from relata.api.schemas.common import Page
from relata.api.schemas.offers import (
    CustomerOffersOut,
    OffersByNumberQuery,
    OffersQuery,
    RuleFilters,
    RuleOut,
)
from relata.customers.models import Customer
from relata.engagement.models import OfferRule
from relata.engagement.offer_selectors import customer_offers, offer_run_current, rules_top

router = Router(tags=["Offers"])
customer_router = Router(tags=["Offers"])

OFFERS_PERMS = ("engagement.view_customeroffer", "customers.view_customer")
RULES_PERM = "engagement.view_offerrule"


def _offers_of(customer: Customer, limit: int) -> dict[str, Any]:
    run = offer_run_current()
    rows = customer_offers(customer=customer, limit=limit) if run is not None else []
    return {
        "customer_id": customer.pk,
        "customer_number": customer.customer_number,
        "run": {"id": run.pk, "finished_at": run.finished_at} if run is not None else None,
        "items": [
            {
                "rank": row.rank,
                "product_id": row.product.pk,
                "sku": row.product.sku,
                "name": row.product.name,
                "category": row.product.category.name,
                "price": row.product.price,
                "kind": row.kind_code,
                "kind_label": row.kind_label,
                "score": row.score,
                "reason": row.reason,
                "source_product_id": row.source_product.pk if row.source_product else None,
                "source_sku": row.source_product.sku if row.source_product else None,
            }
            for row in rows
        ],
    }


@customer_router.get(
    "/{customer_id}/offers",
    response={200: CustomerOffersOut, **ITEM_ERRORS},
    summary="Get a customer's next best offers",
)
def get_customer_offers(
    request: HttpRequest, customer_id: int, query: Query[OffersQuery]
) -> dict[str, Any]:
    """The customer's best offers, best first (cross-sell, up-sell or deep-sell), each with
    a readable reason. Empty ``items`` when the customer has none; ``run: null`` before the
    first offer run."""
    require_perms(request, *OFFERS_PERMS)
    customers = visible_customer_rows(request, Customer.objects.only("customer_number"))
    customer = customers.filter(pk=customer_id).first()
    if customer is None:
        raise Http404(_("No customer with id %(id)s.") % {"id": customer_id})
    return _offers_of(customer, query.limit)


@router.get(
    "/",
    response={200: CustomerOffersOut, **ITEM_ERRORS},
    summary="Get a customer's next best offers by customer number",
)
def get_offers_by_number(request: HttpRequest, query: Query[OffersByNumberQuery]) -> dict[str, Any]:
    """As ``/api/customers/{id}/offers``, for a shop that knows the customer number."""
    require_perms(request, *OFFERS_PERMS)
    number = query.customer_number.strip()
    customers = visible_customer_rows(request, Customer.objects.only("customer_number"))
    customer = customers.filter(customer_number=number).first()
    if customer is None:
        raise Http404(_("No customer with number %(number)s.") % {"number": number})
    return _offers_of(customer, query.limit)


@router.get(
    "/rules",
    response={200: Page[RuleOut], **READ_ERRORS},
    summary="List the association rules",
)
def list_rules(request: HttpRequest, filters: Query[RuleFilters]) -> dict[str, Any]:
    """The association rules of the newest offer run, paginated; an empty page before the
    first run."""
    require_perms(request, RULES_PERM)
    rules = rules_top(
        product_id=filters.product,
        category_id=filters.category,
        across_categories=filters.across_categories,
        sort=filters.ordering,
    )
    page = paginate(request, rules, filters)
    page["items"] = [_rule(rule) for rule in page["items"]]
    return page


def _rule(rule: OfferRule) -> dict[str, Any]:
    def product(item: Any) -> dict[str, Any]:
        return {
            "id": item.pk,
            "sku": item.sku,
            "name": item.name,
            "category": item.category.name,
            "active": item.active,
        }

    return {
        "antecedent": product(rule.antecedent),
        "consequent": product(rule.consequent),
        "pair_count": rule.pair_count,
        "support": rule.support,
        "confidence": rule.confidence,
        "lift": rule.lift,
    }
