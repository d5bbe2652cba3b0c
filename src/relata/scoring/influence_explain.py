"""The "why" behind one customer's influence score and advocacy value in a score run.

``influence_explain`` reads the customer's inputs exactly as the run read them — followers of
the social profiles known by the period end, reviews written by then, referrals (not
rejected) made by then with the referred customers' CLV and purchases from the same run, the
latest NPS answer the snapshot stored — and recomputes the components with the analytics
core and the assumptions the run recorded. So the recomputed score equals the stored one
unless the inputs changed since (a follower count updated, a review deleted):
``matches_snapshot`` says which. Followers have no history, so a recount after the period
end is the usual reason.

The feedback and engagement tables are read through the app registry (by name): the
feedback and engagement apps build on scoring, so scoring does not import them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db.models import Count, Q, Sum

from relata.analytics import influence
from relata.analytics.loyalty_quadrant import LoyaltySettings
from relata.scoring.aggregates import POSITIVE_RATING, REFERRAL_REJECTED
from relata.scoring.compute import HEADLINE_CLV
from relata.scoring.models import CustomerSnapshot, ScoreRun
from relata.scoring.services import influence_weights

CENT = Decimal("0.01")


@dataclass(frozen=True)
class ComponentWhy:
    key: str  # reach, referrals, reviews, recommendation
    value: float  # 0–1
    share: float  # the component's weight as a share of 100 points
    points: float  # what it gives this customer (the points add up to the score)


@dataclass(frozen=True)
class Referred:
    customer_id: int
    clv: Decimal  # in the same run (0 when the customer has no snapshot in it)
    bought: bool  # had bought by the period end: the referral counts as successful


@dataclass(frozen=True)
class InfluenceExplanation:
    snapshot: CustomerSnapshot
    computed: bool  # False for a run scored before influence was (its values are defaults)
    # Inputs as of the period end
    followers: int
    profiles: list[tuple[str, int]]  # (platform, followers), most followers first
    reviews: int  # reviews and comments
    rated_reviews: int
    mean_rating: float | None
    helpful_votes: int
    positive_reviews: int  # rated 4–5
    nps_latest: int | None
    nps_group: influence.NpsGroup
    referred: list[Referred]
    # The score
    components: list[ComponentWhy]
    score: float  # recomputed, not rounded
    # Advocacy value
    advocacy_referred: Decimal  # Σ CLV of the referred customers
    advocacy_reach: Decimal  # followers × reach rate × conversion × value per customer won
    negative_voice: bool  # a detractor (or a low rater never asked): no reach value
    assumptions: dict[str, Any]  # reach_rate, reach_conversion, value_per_customer, ...
    # Loyalty thresholds (the quadrant's "why", with the stored axes on the snapshot)
    attitude_high: float
    behaviour_high: float

    @property
    def successful_referrals(self) -> int:
        return sum(1 for r in self.referred if r.bought)

    @property
    def advocacy(self) -> Decimal:
        return self.advocacy_referred + self.advocacy_reach

    @property
    def matches_snapshot(self) -> bool:
        """Whether today's inputs still give the stored score and advocacy value (to a cent
        per referred customer: the run summed their CLVs before rounding them)."""
        stored = self.snapshot
        tolerance = CENT * (1 + len(self.referred))
        return (
            round(self.score) == stored.influence_score
            and abs(self.advocacy - Decimal(stored.advocacy_value)) <= tolerance
        )


def _value(used: dict[str, Any], key: str, default: float) -> float:
    try:
        number = float(used[key])
    except (KeyError, TypeError, ValueError):
        return default
    return number if math.isfinite(number) else default


def run_assumptions(run: ScoreRun) -> dict[str, Any]:
    """The influence assumptions a run recorded (defaults for a run that recorded none)."""
    used = run.settings_used or {}
    defaults = influence.InfluenceSettings()
    source = used.get("reach_customer_value_source")
    return {
        "reach_rate": _value(used, "reach_rate", defaults.reach_rate),
        "reach_conversion": _value(used, "reach_conversion", defaults.reach_conversion),
        "value_per_customer": _value(used, "reach_customer_value_used", 0.0),
        "value_per_customer_source": source if source in ("setting", "average_clv") else None,
        "clv_basis": used.get("clv_basis", HEADLINE_CLV),
        "weights": influence_weights(used.get("influence_weights")),
    }


def influence_explain(*, snapshot: CustomerSnapshot) -> InfluenceExplanation:
    """Recompute one snapshot's influence components and advocacy split (see the module).
    A few small queries by customer; ``snapshot.run`` is read if not loaded."""
    run = snapshot.run
    period_end = snapshot.period_end
    customer_id = snapshot.customer_id
    assumptions = run_assumptions(run)
    end = datetime.combine(period_end + timedelta(days=1), time(0), tzinfo=UTC)

    profile_model = apps.get_model("feedback", "SocialProfile")
    profiles = [
        (str(platform), int(followers))
        for platform, followers in profile_model.objects.filter(
            customer_id=customer_id, created_at__lt=end
        )
        .order_by("-followers", "platform")
        .values_list("platform", "followers")
    ]
    review_model = apps.get_model("feedback", "Review")
    reviews = review_model.objects.filter(
        customer_id=customer_id, written_on__lte=period_end
    ).aggregate(
        written=Count("id"),
        rated=Count("rating"),
        rating_sum=Sum("rating"),
        helpful=Sum("helpful_votes"),
        positive=Count("id", filter=Q(rating__gte=POSITIVE_RATING)),
    )
    referral_model = apps.get_model("engagement", "Referral")
    referred_ids = list(
        referral_model.objects.filter(referrer_id=customer_id, referred_on__lte=period_end)
        .exclude(status=REFERRAL_REJECTED)
        .order_by("referred_on", "id")
        .values_list("referred_id", flat=True)
    )
    in_run = {
        row[0]: row[1:]
        for row in CustomerSnapshot.objects.filter(
            run_id=snapshot.run_id, customer_id__in=referred_ids
        ).values_list("customer_id", HEADLINE_CLV, "recency_days")
    }
    referred = [
        Referred(
            customer_id=pk,
            clv=Decimal(in_run[pk][0]) if pk in in_run else Decimal(0),
            bought=pk in in_run and in_run[pk][1] is not None,
        )
        for pk in referred_ids
    ]

    rated = int(reviews["rated"] or 0)
    mean_rating = float(reviews["rating_sum"]) / rated if rated else None
    nps = snapshot.nps_latest
    followers = sum(count for _platform, count in profiles)
    settings = influence.InfluenceSettings(
        weights=assumptions["weights"],
        reach_rate=assumptions["reach_rate"],
        reach_conversion=assumptions["reach_conversion"],
        value_per_customer=max(assumptions["value_per_customer"], 0.0),
    )
    result = influence.influence_compute(
        followers=[followers],
        referrals=[sum(1 for r in referred if r.bought)],
        referred_clv=[float(sum((r.clv for r in referred), Decimal(0)))],
        reviews=[int(reviews["written"] or 0)],
        mean_rating=[math.nan if mean_rating is None else mean_rating],
        helpful_votes=[int(reviews["helpful"] or 0)],
        nps_latest=[math.nan if nps is None else nps],
        settings=settings,
    )
    shares = settings.shares()
    loyalty = LoyaltySettings()
    return InfluenceExplanation(
        snapshot=snapshot,
        computed="clv_basis" in (run.settings_used or {}),
        followers=followers,
        profiles=profiles,
        reviews=int(reviews["written"] or 0),
        rated_reviews=rated,
        mean_rating=mean_rating,
        helpful_votes=int(reviews["helpful"] or 0),
        positive_reviews=int(reviews["positive"] or 0),
        nps_latest=nps,
        nps_group=influence.NpsGroup(int(result.nps_group[0])),
        referred=referred,
        components=[
            ComponentWhy(
                key=key,
                value=float(result.components[key][0]),
                share=shares[key],
                points=float(result.points[key][0]),
            )
            for key in influence.COMPONENTS
        ],
        score=float(result.score[0]),
        advocacy_referred=Decimal(repr(float(result.advocacy_referred[0]))).quantize(CENT),
        advocacy_reach=Decimal(repr(float(result.advocacy_reach[0]))).quantize(CENT),
        negative_voice=bool(result.negative_voice[0]),
        assumptions=assumptions,
        attitude_high=loyalty.attitude_high,
        behaviour_high=loyalty.behaviour_high,
    )
