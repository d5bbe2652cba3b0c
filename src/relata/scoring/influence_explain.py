"""The "why" behind one customer's influence score and advocacy value in a score run.

``influence_explain`` reads the customer's inputs exactly as the run read them — followers of
the social profiles known by the period end, reviews written by then, referrals (not
rejected) made by then with the referred customers' CLV and purchases from the same run, the
latest NPS answer the snapshot stored — and recomputes the components with the analytics
core and the assumptions the run recorded. So the recomputed score equals the stored one
unless the inputs changed since (a follower count updated, a review deleted):
``matches_snapshot`` says which. Followers have no history, so a recount after the period
end is the usual reason.

``influence_inputs`` is that read for any number of customers of a run at once (four
queries whatever their number), so a list page's "why" shows the same inputs, by the same
rules, as the card and the engine.

The feedback and engagement tables are read through the app registry (by name): the
feedback and engagement apps build on scoring, so scoring does not import them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
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
HALF_CENT = Decimal("0.005")


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
class Profile:
    platform: str
    handle: str
    followers: int  # the latest count (followers have no history)
    url: str
    counted_on: date


@dataclass
class VoiceInputs:
    """One customer's influence inputs as of a run's period end, by the run's rules: social
    profiles known by then, reviews written by then, referrals not rejected made by then
    (successful when the referred customer had bought by then; their CLV from the run)."""

    profiles: list[Profile] = field(default_factory=list)  # most followers first
    reviews: int = 0  # reviews and comments
    rated_reviews: int = 0
    rating_sum: int = 0
    helpful_votes: int = 0
    positive_reviews: int = 0  # rated 4–5
    referred: list[Referred] = field(default_factory=list)  # in referral order

    @property
    def followers(self) -> int:
        return sum(p.followers for p in self.profiles)

    @property
    def mean_rating(self) -> float | None:
        return self.rating_sum / self.rated_reviews if self.rated_reviews else None

    @property
    def successful_referrals(self) -> int:
        return sum(1 for r in self.referred if r.bought)

    @property
    def referred_clv(self) -> Decimal:
        return sum((r.clv for r in self.referred), Decimal(0))


def period_end_bound(period_end: date) -> datetime:
    """The first moment after the period end (UTC), for columns that hold a time."""
    return datetime.combine(period_end + timedelta(days=1), time(0), tzinfo=UTC)


def influence_inputs(*, run: ScoreRun, customer_ids: Iterable[int]) -> dict[int, VoiceInputs]:
    """Per customer, the influence inputs as ``run`` read them (see ``VoiceInputs``): four
    queries for any number of customers, none per customer. Every id asked for is a key."""
    ids = list(dict.fromkeys(customer_ids))
    found = {pk: VoiceInputs() for pk in ids}
    if not ids:
        return found
    period_end = run.period_end
    profile_model = apps.get_model("feedback", "SocialProfile")
    for customer_id, *profile in (
        profile_model.objects.filter(
            customer_id__in=ids, created_at__lt=period_end_bound(period_end)
        )
        .order_by("customer_id", "-followers", "platform", "id")
        .values_list("customer_id", "platform", "handle", "followers", "url", "counted_on")
    ):
        platform, handle, followers, url, counted_on = profile
        found[customer_id].profiles.append(
            Profile(str(platform), str(handle), int(followers), str(url), counted_on)
        )
    review_model = apps.get_model("feedback", "Review")
    for row in (
        review_model.objects.filter(customer_id__in=ids, written_on__lte=period_end)
        .order_by()
        .values("customer_id")
        .annotate(
            written=Count("id"),
            rated=Count("rating"),
            rating_sum=Sum("rating"),
            helpful=Sum("helpful_votes"),
            positive=Count("id", filter=Q(rating__gte=POSITIVE_RATING)),
        )
    ):
        inputs = found[row["customer_id"]]
        inputs.reviews = int(row["written"] or 0)
        inputs.rated_reviews = int(row["rated"] or 0)
        inputs.rating_sum = int(row["rating_sum"] or 0)
        inputs.helpful_votes = int(row["helpful"] or 0)
        inputs.positive_reviews = int(row["positive"] or 0)
    referral_model = apps.get_model("engagement", "Referral")
    referrals = list(
        referral_model.objects.filter(referrer_id__in=ids, referred_on__lte=period_end)
        .exclude(status=REFERRAL_REJECTED)
        .order_by("referrer_id", "referred_on", "id")
        .values_list("referrer_id", "referred_id")
    )
    # The referred customers' CLV and purchases in the same run: a snapshot with a recency
    # had bought by the period end; no snapshot, not a customer then (worth 0).
    in_run = (
        {
            row[0]: row[1:]
            for row in CustomerSnapshot.objects.filter(
                run_id=run.pk, customer_id__in={referred for _referrer, referred in referrals}
            ).values_list("customer_id", HEADLINE_CLV, "recency_days")
        }
        if referrals
        else {}
    )
    for referrer, referred in referrals:
        clv, recency = in_run.get(referred, (0, None))
        found[referrer].referred.append(
            Referred(customer_id=referred, clv=Decimal(clv), bought=recency is not None)
        )
    return found


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
    def advocacy_tolerance(self) -> Decimal:
        """How far the recomputed advocacy value can lie from the stored one from rounding
        alone, the inputs unchanged: the stored value and the two parts here are each rounded
        to cents (1½ cents); the run summed the referred customers' exact CLVs, this reads
        them rounded to cents (½ cent each); the run records the value per customer won to
        the cent (½ cent per customer won: followers × rate × conversion). The engine
        computes with that recorded value, so the last term only covers a run that did not;
        it stays small against what a change of inputs moves (26 cents for 259,296
        followers at 2% × 1%)."""
        assumptions = self.assumptions
        customers_won = (
            Decimal(self.followers)
            * Decimal(repr(assumptions["reach_rate"]))
            * Decimal(repr(assumptions["reach_conversion"]))
        )
        return CENT + HALF_CENT * (1 + len(self.referred)) + HALF_CENT * customers_won

    @property
    def matches_snapshot(self) -> bool:
        """Whether today's inputs still give the stored score and advocacy value (within
        ``advocacy_tolerance``, what rounding alone explains)."""
        stored = self.snapshot
        return (
            round(self.score) == stored.influence_score
            and abs(self.advocacy - Decimal(stored.advocacy_value)) <= self.advocacy_tolerance
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
    The four queries of ``influence_inputs``; ``snapshot.run`` is read if not loaded."""
    run = snapshot.run
    assumptions = run_assumptions(run)
    inputs = influence_inputs(run=run, customer_ids=[snapshot.customer_id])[snapshot.customer_id]
    referred = inputs.referred
    mean_rating = inputs.mean_rating
    nps = snapshot.nps_latest
    followers = inputs.followers
    settings = influence.InfluenceSettings(
        weights=assumptions["weights"],
        reach_rate=assumptions["reach_rate"],
        reach_conversion=assumptions["reach_conversion"],
        value_per_customer=max(assumptions["value_per_customer"], 0.0),
    )
    result = influence.influence_compute(
        followers=[followers],
        referrals=[inputs.successful_referrals],
        referred_clv=[float(inputs.referred_clv)],
        reviews=[inputs.reviews],
        mean_rating=[math.nan if mean_rating is None else mean_rating],
        helpful_votes=[inputs.helpful_votes],
        nps_latest=[math.nan if nps is None else nps],
        settings=settings,
    )
    shares = settings.shares()
    loyalty = LoyaltySettings()
    return InfluenceExplanation(
        snapshot=snapshot,
        computed="clv_basis" in (run.settings_used or {}),
        followers=followers,
        profiles=[(p.platform, p.followers) for p in inputs.profiles],
        reviews=inputs.reviews,
        rated_reviews=inputs.rated_reviews,
        mean_rating=mean_rating,
        helpful_votes=inputs.helpful_votes,
        positive_reviews=inputs.positive_reviews,
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
