"""From per-customer arrays to snapshot columns: the analytics core applied to one period.

Takes plain arrays (from `aggregates`) and plain settings, returns a dict of equally long
arrays named like the CustomerSnapshot fields. No ORM here, so it can be tested on made-up
data and run per partition of customers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from relata.analytics import (
    churn,
    influence,
    lifecycle,
    loyalty_quadrant,
    migration,
    potential,
    profitability,
    pyramid,
    rfm,
)
from relata.analytics.clv import discounted, formula
from relata.analytics.clv._common import ClvInputError, FitError
from relata.analytics.clv.model import fit_models, score
from relata.analytics.frames import FrameError, RfmSummary, Transactions, summarise
from relata.scoring.aggregates import CustomerBase, OrderDays, Voice

WEEK_DAYS = 7.0
# "The" customer lifetime value of the product: the one the dashboard, the customer card,
# the lists and the API's "clv" ordering show. Holistic value adds advocacy value to it,
# and advocacy counts it for the referred customers (decision 0930).
HEADLINE_CLV = "clv_probabilistic"
PROMOTER_FROM = 9  # NPS answers 9–10 are promoters (DOMAIN.md §7)


@dataclass(frozen=True)
class PeriodWindow:
    """Day numbers (days since 1970-01-01): the period is (start, end], the one before it
    (previous_start, start]."""

    previous_start: int
    start: int
    end: int

    @property
    def years(self) -> float:
        return (self.end - self.start) / 365.25


@dataclass(frozen=True)
class ValueSettings:
    top: float = 0.01
    big: float = 0.04
    medium: float = 0.15
    by_margin: bool = False
    discount_rate: float = 0.10
    horizon_months: int = 36
    value_drop: float = 0.30
    new_customer_days: int = 90
    lost_after_days: int = 365
    channel_costs: dict[str, float] = field(default_factory=dict)
    delivery_cost: float = 4.5
    return_cost: float = 12.0
    # Advocacy and influence (DOMAIN.md §8); reach_customer_value None: the average CLV of
    # the customers who bought in the period.
    reach_rate: float = 0.02
    reach_conversion: float = 0.01
    reach_customer_value: float | None = None
    influence_weights: dict[str, float] = field(
        default_factory=lambda: dict(influence.DEFAULT_WEIGHTS)
    )


@dataclass
class PeriodScores:
    columns: dict[str, NDArray[Any]]
    model_fit: dict[str, Any]
    retention_by_tier: dict[int, float]
    # The influence assumptions as applied (the value of a customer won through reach, the
    # CLV they rest on), for the run's settings_used.
    influence_assumptions: dict[str, Any] = field(default_factory=dict)


def score_period(
    *,
    base: CustomerBase,
    days: OrderDays,
    contacts_in_period: dict[str, NDArray[np.float64]],
    in_contact: NDArray[np.bool_],
    in_contact_before: NDArray[np.bool_],
    window: PeriodWindow,
    settings: ValueSettings,
    voice: Voice | None = None,
) -> PeriodScores:
    """Score one period. ``voice``: followers, reviews, NPS answers and referrals up to the
    period end (by default none)."""
    n = base.ids.size
    voice = voice or Voice.empty(n)
    c = days.customer
    in_period = (days.day > window.start) & (days.day <= window.end)
    in_previous = (days.day > window.previous_start) & (days.day <= window.start)

    def per_customer(weights: NDArray[Any], mask: NDArray[np.bool_]) -> NDArray[np.float64]:
        return np.bincount(c[mask], weights=weights[mask], minlength=n).astype(np.float64)

    ones = np.ones(c.size)
    everything = np.ones(c.size, bool)
    revenue = per_customer(days.revenue, in_period)
    cost = per_customer(days.cost, in_period)
    margin = revenue - cost
    previous_revenue = per_customer(days.revenue, in_previous)
    previous_margin = previous_revenue - per_customer(days.cost, in_previous)
    orders = per_customer(days.orders.astype(np.float64), in_period)
    returns = per_customer(days.returns.astype(np.float64), in_period)
    frequency = per_customer(ones, in_period)
    purchase_days = per_customer(ones, everything)
    bought_before = per_customer(ones, days.day <= window.start) > 0
    ever_bought = purchase_days > 0

    last_day = np.full(n, np.iinfo(np.int64).min, np.int64)
    np.maximum.at(last_day, c, days.day)
    first_day = np.full(n, np.iinfo(np.int64).max, np.int64)
    np.minimum.at(first_day, c, days.day)
    recency = np.where(ever_bought, window.end - last_day, np.inf).astype(np.float64)
    age_days = np.where(ever_bought, window.end - first_day, np.inf).astype(np.float64)

    value = margin if settings.by_margin else revenue
    previous_value = previous_margin if settings.by_margin else previous_revenue
    pyramid_settings = pyramid.PyramidSettings(
        top=settings.top, big=settings.big, medium=settings.medium
    )
    tier = pyramid.pyramid_tiers(
        value, ever_bought, in_contact, settings=pyramid_settings, active=frequency > 0
    )
    previous_tier = pyramid.pyramid_tiers(
        previous_value,
        bought_before,
        in_contact_before,
        settings=pyramid_settings,
        active=per_customer(ones, in_previous) > 0,
    )
    moved = migration.migration_compute(
        previous_tier,
        tier,
        previous_value,
        value,
        settings=migration.MigrationSettings(value_drop=settings.value_drop),
    )
    rfm_result = rfm.rfm_compute(recency, frequency, revenue)

    clv_fit, p_alive, expected, clv_probabilistic = _probabilistic(
        days, n, window, settings, margin_ratio=_margin_ratio(days)
    )

    annual = 1.0 / max(window.years, 1e-9)
    spend_per_purchase = np.divide(revenue, frequency, out=np.zeros(n), where=frequency > 0)
    segment = tier.astype(np.int64) + 10 * base.is_organisation.astype(np.int64)
    value_now = potential.potential_compute(frequency * annual, spend_per_purchase, segment)

    profit = profitability.profitability_compute(
        revenue,
        cost,
        contacts=contacts_in_period,
        deliveries=orders - returns,
        returns=returns,
        settings=profitability.ProfitabilitySettings(
            contact_costs=settings.channel_costs or profitability.DEFAULT_CONTACT_COSTS,
            cost_per_delivery=settings.delivery_cost,
            cost_per_return=settings.return_cost,
        ),
    )
    margin_rate = np.divide(margin, revenue, out=np.zeros(n), where=revenue > 0)
    profit_later = potential.profit_at_potential(
        profit.profit, value_now.current, value_now.potential, margin_rate
    )
    grid = potential.value_grid(value_now.current, value_now.potential, profit.profit, profit_later)

    # The usual interval is the mean gap over the customer's buying history: the median
    # reads a burst of purchases a few days apart as the customer's rhythm.
    repeat = purchase_days >= 2
    usual_gap = np.divide(
        (last_day - first_day).astype(np.float64),
        purchase_days - 1,
        out=np.full(n, np.inf),
        where=repeat,
    )
    risk = churn.churn_compute(
        recency,
        usual_gap_days=usual_gap,
        p_alive=p_alive,
        tier=tier,
    )

    # An ambassador is a promoter, a referrer or a reviewer (DOMAIN.md §9); a reviewer here
    # is one who recommends: a review rated 4–5.
    referrer = np.zeros(n, bool)
    referrer[voice.referrals.referrer] = True
    recommended = referrer | (voice.positive_reviews > 0)
    promoter = np.nan_to_num(voice.nps_latest, nan=-1.0) >= PROMOTER_FROM
    stage = lifecycle.lifecycle_stages(
        age_days,
        purchase_days,
        in_contact,
        advocate=recommended | promoter,
        growth_ratio=value_now.growth_ratio,
        p_alive=np.where(ever_bought, p_alive, 1.0),
        down_migration=moved.risk,
        inactive_past_window=ever_bought & (recency > settings.lost_after_days),
        settings=lifecycle.LifecycleSettings(new_days=float(settings.new_customer_days)),
    )

    retention = _retention_by_tier(previous_tier, frequency > 0)
    horizon_years = settings.horizon_months / 12
    annual_margin = margin * annual
    tier_retention = np.array([retention.get(int(t), 0.0) for t in range(8)])[tier]
    clv_discounted = discounted.discounted_customer_value(
        annual_margin,
        tier_retention,
        settings.discount_rate,
        math.ceil(horizon_years),
        base.acquisition_cost,
    )
    clv_formula = formula.simple_customer_value(
        frequency * annual * horizon_years, 1.0, spend_per_purchase, base.acquisition_cost
    )

    clv = clv_probabilistic  # HEADLINE_CLV
    advocacy, assumptions = _influence(voice, clv, ever_bought, frequency > 0, settings)
    loyalty = loyalty_quadrant.loyalty_compute(
        purchase_days=purchase_days,
        recency_days=recency,
        usual_gap_days=usual_gap,
        current_value=value_now.current,
        potential_value=value_now.potential,
        days_since_first_purchase=age_days,
        nps_latest=voice.nps_latest,
        recommended=recommended,
    )

    columns: dict[str, NDArray[Any]] = {
        "tier": tier,
        "previous_tier": previous_tier,
        "movement": moved.movement,
        "risk": moved.risk,
        "revenue": revenue,
        "margin": margin,
        "previous_revenue": previous_revenue,
        "orders": orders,
        "recency_days": recency,
        "frequency": frequency,
        "r_score": rfm_result.recency_score,
        "f_score": rfm_result.frequency_score,
        "m_score": rfm_result.monetary_score,
        "rfm_segment": rfm_result.segment,
        "clv_formula": clv_formula,
        "clv_discounted": clv_discounted,
        "clv_probabilistic": clv_probabilistic,
        "p_alive": p_alive,
        "expected_purchases": expected,
        "current_value": value_now.current,
        "potential_value": value_now.potential,
        "value_grid": grid,
        "cost_to_serve": profit.cost_to_serve,
        "profit": profit.profit,
        # Prospects cost contact time too, but only customers who bought can be loss-making.
        "loss_making": profit.loss_making & ever_bought,
        "churn_risk": risk.score,
        "churn_level": risk.level,
        "cant_lose": risk.cant_lose,
        "lifecycle_stage": stage,
        "nps_latest": voice.nps_latest,
        "influence_score": np.rint(advocacy.score),
        "advocacy_value": advocacy.advocacy,
        "holistic_value": influence.holistic_value(clv, advocacy.advocacy),
        "attitudinal_loyalty": loyalty.attitudinal,
        "behavioural_loyalty": loyalty.behavioural,
        "loyalty_quadrant": loyalty.quadrant,
    }
    return PeriodScores(
        columns=columns,
        model_fit=clv_fit,
        retention_by_tier=retention,
        influence_assumptions=assumptions,
    )


def influence_settings(
    settings: ValueSettings, *, value_per_customer: float
) -> influence.InfluenceSettings:
    return influence.InfluenceSettings(
        weights=settings.influence_weights,
        reach_rate=settings.reach_rate,
        reach_conversion=settings.reach_conversion,
        value_per_customer=value_per_customer,
    )


def _influence(
    voice: Voice,
    clv: NDArray[np.float64],
    ever_bought: NDArray[np.bool_],
    bought_in_period: NDArray[np.bool_],
    settings: ValueSettings,
) -> tuple[influence.InfluenceResult, dict[str, Any]]:
    """Influence score and advocacy value. A referral counts for the referral component once
    the referred customer has bought (by the period end); the referred customers' CLV is
    this run's, summed per referrer (a pending referral's customer is worth 0 or little)."""
    n = clv.size
    referrals = voice.referrals
    in_base = referrals.referred >= 0
    referred = np.where(in_base, referrals.referred, 0)
    referred_clv = np.bincount(
        referrals.referrer, weights=np.where(in_base, clv[referred], 0.0), minlength=n
    )
    successful = in_base & ever_bought[referred]
    successful_count = np.bincount(referrals.referrer[successful], minlength=n)
    if settings.reach_customer_value is not None:
        value_per_customer, source = settings.reach_customer_value, "setting"
    else:
        # Rounded to cents as recorded, so the run's figures can be recomputed exactly.
        buyers = clv[bought_in_period]
        value_per_customer = round(max(float(buyers.mean()), 0.0), 2) if buyers.size else 0.0
        source = "average_clv"
    result = influence.influence_compute(
        followers=voice.followers,
        referrals=successful_count,
        referred_clv=referred_clv,
        reviews=voice.reviews,
        mean_rating=voice.mean_rating,
        helpful_votes=voice.helpful_votes,
        nps_latest=voice.nps_latest,
        settings=influence_settings(settings, value_per_customer=value_per_customer),
    )
    assumptions = {
        "clv_basis": HEADLINE_CLV,
        "reach_customer_value_used": round(value_per_customer, 2),
        "reach_customer_value_source": source,
    }
    return result, assumptions


def _margin_ratio(days: OrderDays) -> float:
    revenue = float(days.revenue.sum())
    if revenue <= 0:
        return 1.0
    return min(max((revenue - float(days.cost.sum())) / revenue, 0.0), 1.0)


def _retention_by_tier(
    previous_tier: NDArray[Any], active_now: NDArray[np.bool_]
) -> dict[int, float]:
    """Share of each previous-period tier that bought again this period."""
    retention: dict[int, float] = {}
    for code in pyramid.ACTIVE_TIERS:
        members = previous_tier == code
        if members.any():
            retention[int(code)] = float(active_now[members].mean())
    return retention


def _probabilistic(
    days: OrderDays, n: int, window: PeriodWindow, settings: ValueSettings, *, margin_ratio: float
) -> tuple[dict[str, Any], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """BG/NBD + Gamma-Gamma in weeks on all purchases up to the period end.

    Documented fallback: when the models cannot be fitted (no repeat buyers, too few
    customers) P(alive) is 1 for buyers, expected purchases and probabilistic CLV are 0, and
    the reason is stored with the run."""
    p_alive = np.zeros(n)
    expected = np.zeros(n)
    clv = np.zeros(n)
    if not days.customer.size:
        return {"fallback": "no purchases"}, p_alive, expected, clv
    transactions = Transactions(
        customer=days.customer, t=days.day.astype(np.float64), amount=days.revenue
    )
    try:
        summary: RfmSummary = summarise(
            transactions, calibration_end=float(window.end), time_unit="week"
        )
        model = fit_models(summary)
        with np.errstate(all="ignore"):  # undefined scores are handled below, not warned about
            scores = score(
                summary,
                model,
                horizon=settings.horizon_months * 365.25 / 12 / WEEK_DAYS,
                annual_discount_rate=settings.discount_rate,
                margin=margin_ratio,
            )
    except (FitError, ClvInputError, FrameError, ValueError) as error:
        buyers = np.bincount(days.customer, minlength=n) > 0
        p_alive[buyers] = 1.0
        return {"fallback": str(error)}, p_alive, expected, clv
    index = summary.customer_ids.astype(np.int64)
    finite = (
        np.isfinite(scores.p_alive)
        & np.isfinite(scores.expected_purchases)
        & np.isfinite(scores.clv)
    )
    p_alive[index] = np.where(finite, scores.p_alive, 1.0)
    expected[index] = np.where(finite, scores.expected_purchases, 0.0)
    clv[index] = np.where(finite, scores.clv, 0.0)
    fit = {**model.as_dict(), "margin_ratio": margin_ratio}
    if not finite.all():
        # A fit at the edge of the parameter space can leave a few scores undefined; they are
        # stored as "unknown" (P(alive) 1, nothing expected) and counted, never as NaN.
        fit["non_finite_scores"] = int((~finite).sum())
    return fit, p_alive, expected, clv
