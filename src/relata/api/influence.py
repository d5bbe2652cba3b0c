"""/api/influence and /api/customers/{id}/influence: influence score, advocacy value,
holistic value and the loyalty quadrant (DOMAIN.md §7, §8), read-only.

The list reads the snapshots of one complete run. A customer's influence also explains the
score: the components are recomputed from the inputs as of the run's period end with the
assumptions the run recorded (``relata.scoring.influence_explain``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Query, Router

from relata.analytics.influence import NpsGroup
from relata.api.pagination import paginate
from relata.api.permissions import require_perms, require_visible_customer, visible_rows
from relata.api.responses import ITEM_ERRORS
from relata.api.schemas.common import Page
from relata.api.schemas.influence import CustomerInfluenceOut, InfluenceFilters, InfluenceRowOut
from relata.api.schemas.scores import code_label
from relata.api.scores import CUSTOMER_COLUMNS, CUSTOMERS_PERM, SCORES_PERM, score_run
from relata.customers.models import Customer
from relata.scoring.choices import QuadrantChoice
from relata.scoring.influence_explain import influence_explain
from relata.scoring.models import CustomerSnapshot, RunStatus

router = Router(tags=["Influence"])
customer_router = Router(tags=["Influence"])

COMPONENT_LABELS = {
    "reach": gettext_lazy("Reach (followers)"),
    "referrals": gettext_lazy("Referrals"),
    "reviews": gettext_lazy("Reviews"),
    "recommendation": gettext_lazy("Recommendation (NPS)"),
}
NPS_GROUPS = {
    NpsGroup.UNKNOWN: "unknown",
    NpsGroup.DETRACTOR: "detractor",
    NpsGroup.PASSIVE: "passive",
    NpsGroup.PROMOTER: "promoter",
}
ORDER_BY = {
    "influence": ("influence_score", "customer_id"),
    "-influence": ("-influence_score", "customer_id"),
    "holistic": ("holistic_value", "customer_id"),
    "-holistic": ("-holistic_value", "customer_id"),
    "advocacy": ("advocacy_value", "customer_id"),
    "-advocacy": ("-advocacy_value", "customer_id"),
    "clv": ("clv_probabilistic", "customer_id"),
    "-clv": ("-clv_probabilistic", "customer_id"),
    "number": ("customer__customer_number",),
    "-number": ("-customer__customer_number",),
}


def influence_list(*, run_id: int | None, filters: InfluenceFilters) -> QuerySet[CustomerSnapshot]:
    run = score_run(run_id, with_summary=False)
    snapshots = CustomerSnapshot.objects.filter(run=run)
    if filters.min_influence is not None:
        snapshots = snapshots.filter(influence_score__gte=filters.min_influence)
    if filters.max_tier is not None:
        snapshots = snapshots.filter(tier__gte=filters.max_tier)
    if filters.max_revenue is not None:
        snapshots = snapshots.filter(revenue__lte=filters.max_revenue)
    if filters.quadrant is not None:
        snapshots = snapshots.filter(loyalty_quadrant=filters.quadrant)
    names = Customer.objects.only(*CUSTOMER_COLUMNS)
    return snapshots.prefetch_related(Prefetch("customer", queryset=names)).order_by(
        *ORDER_BY[filters.ordering]
    )


@router.get(
    "/",
    response={200: Page[InfluenceRowOut], **ITEM_ERRORS},
    summary="List customers by influence or holistic value",
)
def list_influence(request: HttpRequest, filters: Query[InfluenceFilters]) -> dict[str, Any]:
    """The customers of a run (default: the latest), most influential first, paginated; all
    filters combine (AND). "Low spend, high influence" — the customers purchase-only scoring
    misses — is ``min_influence=50&max_tier=3``."""
    require_perms(request, SCORES_PERM, CUSTOMERS_PERM)
    snapshots = visible_rows(request, influence_list(run_id=filters.run, filters=filters))
    page = paginate(request, snapshots, filters)
    # As in /api/scores/customers: a snapshot whose customer was deleted is left out.
    page["items"] = [item for item in page["items"] if _has_customer(item)]
    return page


def _has_customer(snapshot: CustomerSnapshot) -> bool:
    try:
        snapshot.customer  # noqa: B018 -- from the prefetch cache
    except Customer.DoesNotExist:
        return False
    return True


def _money(value: Any) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"))


@customer_router.get(
    "/{customer_id}/influence",
    response={200: CustomerInfluenceOut, **ITEM_ERRORS},
    summary="Get a customer's influence, advocacy and holistic value",
)
def get_customer_influence(request: HttpRequest, customer_id: int) -> dict[str, Any]:
    """From the latest complete run that scored the customer: the influence score with its
    components (why), the advocacy value split into the CLV of the customers they referred
    and the estimate from reach with the assumptions used, holistic value and the loyalty
    quadrant. 404 for an unknown customer or one not scored yet."""
    require_perms(request, SCORES_PERM, CUSTOMERS_PERM)
    require_visible_customer(request, customer_id)
    customer = Customer.objects.only(*CUSTOMER_COLUMNS).filter(pk=customer_id).first()
    if customer is None:
        raise Http404(_("No customer with id %(id)s.") % {"id": customer_id})
    snapshot = (
        CustomerSnapshot.objects.filter(customer_id=customer.pk, run__status=RunStatus.COMPLETE)
        .select_related("run")
        .defer("run__summary", "run__model_fit")
        .order_by("-period_end")
        .first()
    )
    if snapshot is None:
        raise Http404(
            _("Customer %(id)s has not been scored yet; run `relata score` first.")
            % {"id": customer_id}
        )
    why = influence_explain(snapshot=snapshot)
    assumptions = why.assumptions
    return {
        "customer_id": customer.pk,
        "customer_number": customer.customer_number,
        "display_name": customer.display_name,
        "run": {
            "id": snapshot.run_id,
            "period_end": snapshot.period_end,
            "finished_at": snapshot.run.finished_at,
        },
        "influence_score": snapshot.influence_score,
        "components": [
            {
                "key": c.key,
                "label": str(COMPONENT_LABELS[c.key]),
                "value": round(c.value, 4),
                "weight": round(100 * c.share, 2),
                "points": round(c.points, 2),
            }
            for c in why.components
        ],
        "recomputed_score": round(why.score, 2),
        "matches_snapshot": why.matches_snapshot,
        "inputs": {
            "followers": why.followers,
            "profiles": [{"platform": p, "followers": f} for p, f in why.profiles],
            "reviews": why.reviews,
            "mean_rating": None if why.mean_rating is None else round(why.mean_rating, 2),
            "helpful_votes": why.helpful_votes,
            "positive_reviews": why.positive_reviews,
            "nps_latest": why.nps_latest,
            "nps_group": NPS_GROUPS[why.nps_group],
            "referrals": len(why.referred),
            "successful_referrals": why.successful_referrals,
        },
        "advocacy": {
            "value": snapshot.advocacy_value,
            "referred_clv": why.advocacy_referred,
            "reach": why.advocacy_reach,
            "negative_voice": why.negative_voice,
            "assumptions": {
                "reach_rate": assumptions["reach_rate"],
                "reach_conversion": assumptions["reach_conversion"],
                "value_per_customer": _money(assumptions["value_per_customer"]),
                "value_per_customer_source": assumptions["value_per_customer_source"],
                "clv_basis": assumptions["clv_basis"],
                "weights": assumptions["weights"],
            },
        },
        "clv": snapshot.clv_probabilistic,
        "holistic_value": snapshot.holistic_value,
        "loyalty": {
            "quadrant": snapshot.loyalty_quadrant,
            "quadrant_label": code_label(QuadrantChoice, snapshot.loyalty_quadrant),
            "attitudinal": snapshot.attitudinal_loyalty,
            "behavioural": snapshot.behavioural_loyalty,
            "attitude_high": why.attitude_high,
            "behaviour_high": why.behaviour_high,
        },
    }
