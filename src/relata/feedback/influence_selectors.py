"""Reads of the influence page and the influence card on the customer file (DOMAIN.md §8):
the influence score, advocacy value and holistic value a score run stored per customer, the
assumptions behind them, and the inputs that explain them ("why"): followers per platform,
referrals and the CLV of the customers they brought, reviews, the latest NPS.

The scores come from the snapshots of one complete run (``relata score`` writes them). The
"why" is the run's: its inputs as of the period end, read by the engine's rules
(``relata.scoring.influence_explain``), four queries for a page of customers whatever its
size."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, F, Q, QuerySet, Sum
from django.db.models.expressions import OrderBy
from django.db.models.functions import Mod
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from relata.analytics.influence import COMPONENTS as INFLUENCE_COMPONENTS
from relata.feedback.models import Platform
from relata.scoring.dashboard import INFLUENTIAL, LOW_SPEND_TIERS
from relata.scoring.drilldown import ACTIVE_TIER_CODES, LIST_FIELDS
from relata.scoring.influence_explain import (
    InfluenceExplanation,
    VoiceInputs,
    influence_explain,
    influence_inputs,
)
from relata.scoring.models import (
    CustomerSnapshot,
    RunStatus,
    ScoreRun,
    ScoringSettings,
    default_influence_weights,
)

#: Translated labels of the influence score's components (``relata.analytics.influence``).
COMPONENT_LABELS: dict[str, StrOrPromise] = {
    "reach": _("Reach (followers)"),
    "referrals": _("Referrals"),
    "reviews": _("Reviews"),
    "recommendation": _("Recommendation (NPS)"),
}
COMPONENTS: tuple[tuple[str, StrOrPromise], ...] = tuple(
    (key, COMPONENT_LABELS[key]) for key in INFLUENCE_COMPONENTS
)

SCATTER_LIMIT = 3000


# ---------------------------------------------------------------------------- runs


def influence_run(*, run_id: int | None = None) -> ScoreRun | None:
    """The complete run to show: the one asked for, else the latest; None if there is none."""
    runs = ScoreRun.objects.filter(status=RunStatus.COMPLETE)
    if run_id is not None:
        return runs.filter(pk=run_id).first()
    return runs.order_by("-period_end").first()


def previous_run(*, run: ScoreRun) -> ScoreRun | None:
    """The complete run of the period before ``run``'s (None for the first)."""
    return (
        ScoreRun.objects.filter(status=RunStatus.COMPLETE, period_end__lt=run.period_end)
        .order_by("-period_end")
        .defer("summary", "model_fit")
        .first()
    )


# ---------------------------------------------------------------------------- assumptions


@dataclass(frozen=True)
class Weight:
    key: str
    label: StrOrPromise
    weight: float  # as set
    share: float  # % of the sum of the weights


@dataclass(frozen=True)
class Assumptions:
    """What the advocacy value and the influence score assume, as the run used them (the
    current settings where the run did not record them)."""

    reach_rate: Decimal
    reach_conversion: Decimal
    customer_value: Decimal | None  # None: the average CLV of customers who bought
    weights: list[Weight]
    changed_since: bool  # the current settings differ: they apply from the next run
    value_used: Decimal | None  # the value per customer won the run used (None: not recorded)
    computed: bool  # the run computed influence (runs scored before it hold defaults)

    @property
    def reach_rate_percent(self) -> Decimal:
        return self.reach_rate * 100

    @property
    def reach_conversion_percent(self) -> Decimal:
        return self.reach_conversion * 100

    def customers_won_per_follower(self) -> Decimal:
        return self.reach_rate * self.reach_conversion


def _decimal(value: Any, default: Decimal | None) -> Decimal | None:
    if value is None or value == "":
        return default
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return default
    return number if number.is_finite() else default


def _weights(raw: Any) -> list[Weight]:
    given = raw if isinstance(raw, dict) else {}
    defaults = default_influence_weights()
    values: dict[str, float] = {}
    for key, _label in COMPONENTS:
        try:
            number = float(given.get(key, defaults[key]))
        except (TypeError, ValueError):
            number = defaults[key]
        values[key] = number if math.isfinite(number) and number > 0 else 0.0
    total = sum(values.values())
    return [
        Weight(
            key=key,
            label=label,
            weight=values[key],
            share=round(100 * values[key] / total, 1) if total else 0.0,
        )
        for key, label in COMPONENTS
    ]


def influence_assumptions(*, run: ScoreRun | None) -> Assumptions:
    """The reach assumptions and score weights behind ``run``'s advocacy and influence
    (from the settings the run recorded, else the current settings)."""
    current = ScoringSettings.current()
    used = (run.settings_used or {}) if run is not None else {}
    rate = _decimal(used.get("reach_rate"), current.reach_rate) or Decimal(0)
    conversion = _decimal(used.get("reach_conversion"), current.reach_conversion) or Decimal(0)
    value = (
        _decimal(used.get("reach_customer_value"), None)
        if "reach_customer_value" in used
        else current.reach_customer_value
    )
    weights = _weights(used.get("influence_weights", current.influence_weights))
    current_weights = _weights(current.influence_weights)
    changed = run is not None and (
        rate != current.reach_rate
        or conversion != current.reach_conversion
        or value != current.reach_customer_value
        or [w.weight for w in weights] != [w.weight for w in current_weights]
    )
    return Assumptions(
        reach_rate=rate,
        reach_conversion=conversion,
        customer_value=value,
        weights=weights,
        changed_since=changed,
        value_used=_decimal(used.get("reach_customer_value_used"), None),
        computed="clv_basis" in used,
    )


# ---------------------------------------------------------------------------- totals


@dataclass(frozen=True)
class InfluenceTotals:
    customers: int
    influential: int  # influence score ≥ INFLUENTIAL
    low_spend_influential: int
    with_influence: int  # influence score > 0
    advocacy: Decimal
    holistic: Decimal
    clv: Decimal
    average_active_clv: Decimal | None

    @property
    def has_influence_data(self) -> bool:
        return self.with_influence > 0 or self.advocacy > 0

    @property
    def uplift_percent(self) -> float | None:
        """How much the holistic total adds to the financial one, in %."""
        if not self.clv:
            return None
        return float(100 * (self.holistic - self.clv) / self.clv)


def influence_totals(*, run: ScoreRun) -> InfluenceTotals:
    """The page's key figures in one aggregate query over the run."""
    influential = Q(influence_score__gte=INFLUENTIAL)
    row = CustomerSnapshot.objects.filter(run=run).aggregate(
        customers=Count("id"),
        influential=Count("id", filter=influential),
        low_spend=Count("id", filter=influential & Q(tier__in=LOW_SPEND_TIERS)),
        with_influence=Count("id", filter=Q(influence_score__gt=0)),
        advocacy=Sum("advocacy_value"),
        holistic=Sum("holistic_value"),
        clv=Sum("clv_probabilistic"),
        average_active_clv=Avg("clv_probabilistic", filter=Q(tier__in=ACTIVE_TIER_CODES)),
    )
    average = row["average_active_clv"]
    return InfluenceTotals(
        customers=row["customers"],
        influential=row["influential"],
        low_spend_influential=row["low_spend"],
        with_influence=row["with_influence"],
        advocacy=Decimal(row["advocacy"] or 0),
        holistic=Decimal(row["holistic"] or 0),
        clv=Decimal(row["clv"] or 0),
        average_active_clv=None if average is None else Decimal(str(round(float(average), 2))),
    )


# ---------------------------------------------------------------------------- the list


@dataclass(frozen=True)
class InfluenceFilter:
    """Which snapshots of a run the influence list shows; set fields combine with AND."""

    min_influence: int | None = None
    tier: int | None = None
    quadrant: int | None = None
    low_spend: bool = False

    def q(self) -> Q:
        query = Q()
        if self.min_influence:
            query &= Q(influence_score__gte=self.min_influence)
        if self.tier is not None:
            query &= Q(tier=self.tier)
        if self.quadrant is not None:
            query &= Q(loyalty_quadrant=self.quadrant)
        if self.low_spend:
            query &= Q(influence_score__gte=INFLUENTIAL, tier__in=LOW_SPEND_TIERS)
        return query

    @property
    def is_empty(self) -> bool:
        return not (self.min_influence or self.tier is not None or self.quadrant is not None) and (
            not self.low_spend
        )


SORTS: dict[str, tuple[str, ...]] = {
    "number": ("customer__customer_number",),
    "name": ("customer__display_name_sort",),
    "tier": ("tier",),
    "influence": ("influence_score",),
    "advocacy": ("advocacy_value",),
    "holistic": ("holistic_value",),
    "clv": ("clv_probabilistic",),
    "revenue": ("revenue",),
    "attitudinal": ("attitudinal_loyalty",),
    "behavioural": ("behavioural_loyalty",),
    "nps": ("nps_latest",),
}
DEFAULT_SORT = "-influence"


NULLABLE_SORTS = frozenset({"attitudinal", "nps"})


def sort_ordering(sort: str) -> tuple[str | OrderBy, ...]:
    """ORDER BY for a sort key ("influence", "-influence", ...); unknown keys give the default.
    Unknown values (no NPS answer, attitude unknown) sort last either way; the snapshot id
    breaks ties so pages never overlap."""
    descending = sort.startswith("-")
    key = sort.removeprefix("-")
    if key not in SORTS:
        return sort_ordering(DEFAULT_SORT)
    columns: tuple[str | OrderBy, ...]
    if key in NULLABLE_SORTS:
        columns = tuple(
            F(c).desc(nulls_last=True) if descending else F(c).asc(nulls_last=True)
            for c in SORTS[key]
        )
    else:
        columns = tuple(f"-{c}" if descending else c for c in SORTS[key])
    return (*columns, "-id" if descending else "id")


INFLUENCE_FIELDS = (
    *LIST_FIELDS,
    "period_end",
    "nps_latest",
    "influence_score",
    "advocacy_value",
    "holistic_value",
    "attitudinal_loyalty",
    "behavioural_loyalty",
    "loyalty_quadrant",
)


def influence_snapshots(
    *, run: ScoreRun, filters: InfluenceFilter, sort: str = DEFAULT_SORT
) -> QuerySet[CustomerSnapshot]:
    """The run's snapshots that match the filter, with their customers, in list order."""
    return (
        CustomerSnapshot.objects.filter(run=run)
        .filter(filters.q())
        .select_related("customer")
        .only(*INFLUENCE_FIELDS)
        .order_by(*sort_ordering(sort))
    )


# ---------------------------------------------------------------------------- scatter


@dataclass(frozen=True)
class Scatter:
    points: list[list[Any]]  # [x, y, customer id, customer number, colour code]
    sampled: bool
    customers: int


def scatter_sample(
    snapshots: QuerySet[CustomerSnapshot],
    *,
    x: str,
    y: str,
    total: int,
    limit: int,
    first: Q | None = None,
    colour: str = "tier",
    digits: int = 2,
) -> Scatter:
    """At most ``limit`` points: every row matching ``first`` (up to half the limit), then an
    even sample of the rest by customer id (``customer_id mod k = 0``), never a random sort."""
    columns = (x, y, "customer_id", "customer__customer_number", colour)
    points: list[list[Any]] = []
    rest = snapshots
    if first is not None:
        chosen = snapshots.filter(first).order_by(f"-{y}", "customer_id").values_list(*columns)
        points = [list(row) for row in chosen[: limit // 2]]
        rest = snapshots.exclude(first)
    room = limit - len(points)
    step = max(1, math.ceil(max(total - len(points), 0) / room)) if room > 0 else 0
    if step:
        picked = rest.order_by("customer_id")
        if step > 1:
            picked = picked.annotate(bucket=Mod("customer_id", step)).filter(bucket=0)
        points += [list(row) for row in picked.values_list(*columns)[:room]]
    for point in points:
        point[0] = round(float(point[0] or 0), digits)
        point[1] = None if point[1] is None else round(float(point[1]), 3)
    return Scatter(points=points, sampled=step > 1 or len(points) < total, customers=total)


def influence_scatter(*, run: ScoreRun, limit: int = SCATTER_LIMIT) -> Scatter:
    """CLV against influence score: every influential customer (up to half the limit) and a
    sample of the others."""
    snapshots = CustomerSnapshot.objects.filter(run=run)
    return scatter_sample(
        snapshots,
        x="clv_probabilistic",
        y="influence_score",
        total=run.customers,
        limit=limit,
        first=Q(influence_score__gte=INFLUENTIAL),
    )


# ---------------------------------------------------------------------------- the "why"


@dataclass(frozen=True)
class Follow:
    platform: str
    label: StrOrPromise
    handle: str
    followers: int
    url: str
    counted_on: date


@dataclass(frozen=True)
class Reasons:
    """The inputs behind a customer's influence and advocacy as of the run's period end, as
    the run read them (``influence_explain.influence_inputs``); the latest NPS answer is the
    snapshot's own (``nps_latest``)."""

    inputs: VoiceInputs
    profiles: list[Follow]  # most followers first

    @property
    def followers(self) -> int:
        return self.inputs.followers

    @property
    def referrals(self) -> int:
        """Referrals made by the period end and not rejected."""
        return len(self.inputs.referred)

    @property
    def referrals_bought(self) -> int:
        """Those whose referred customer had bought by the period end (the score counts
        these)."""
        return self.inputs.successful_referrals

    @property
    def referred_clv(self) -> Decimal:
        """The referred customers' CLV in the run (part of the advocacy value)."""
        return self.inputs.referred_clv

    @property
    def reviews(self) -> int:
        return self.inputs.reviews

    @property
    def rating(self) -> float | None:
        """Mean rating of the reviews with one, to one decimal."""
        mean = self.inputs.mean_rating
        return None if mean is None else round(mean, 1)

    @property
    def helpful_votes(self) -> int:
        return self.inputs.helpful_votes

    @property
    def has_any(self) -> bool:
        return bool(self.profiles or self.referrals or self.reviews)


def influence_reasons(*, customer_ids: Sequence[int], run: ScoreRun) -> dict[int, Reasons]:
    """Per customer, the inputs of influence as of ``run``'s period end; four queries for
    any number of customers."""
    platforms = dict(Platform.choices)
    return {
        pk: Reasons(
            inputs=inputs,
            profiles=[
                Follow(
                    platform=p.platform,
                    label=platforms.get(p.platform, p.platform),
                    handle=p.handle,
                    followers=p.followers,
                    url=p.url,
                    counted_on=p.counted_on,
                )
                for p in inputs.profiles
            ],
        )
        for pk, inputs in influence_inputs(run=run, customer_ids=customer_ids).items()
    }


# ---------------------------------------------------------------------------- customer card


@dataclass(frozen=True)
class Component:
    key: str
    label: StrOrPromise
    share: float  # % of the score this component can give (its weight)
    points: float  # what it gives this customer


@dataclass(frozen=True)
class Audience:
    label: StrOrPromise
    followers: int


@dataclass(frozen=True)
class CustomerInfluence:
    """What the influence card on the customer file shows: the run's "why"
    (``relata.scoring.influence_explain``: the inputs as of the period end, recomputed with
    the assumptions the run recorded) with translated labels."""

    why: InfluenceExplanation
    previous: CustomerSnapshot | None  # the snapshot of the run before, for the quadrant
    components: list[Component]
    profiles: list[Audience]
    reach_rate_percent: Decimal
    reach_conversion_percent: Decimal
    value_per_customer: Decimal
    value_is_average: bool  # the average CLV of buyers, not a value set in the settings

    @property
    def snapshot(self) -> CustomerSnapshot:
        return self.why.snapshot

    @property
    def advocacy_now(self) -> Decimal:
        return self.why.advocacy

    @property
    def inputs_changed(self) -> bool:
        """Today's inputs give another score or advocacy value than the run stored (beyond
        what rounding explains: ``InfluenceExplanation.matches_snapshot``)."""
        return self.why.computed and not self.why.matches_snapshot

    @property
    def quadrant_changed(self) -> bool:
        return (
            self.previous is not None
            and self.previous.loyalty_quadrant != self.snapshot.loyalty_quadrant
        )


CARD_FIELDS = (
    *("id", "run_id", "customer_id", "period_end", "tier", "clv_probabilistic", "revenue"),
    *("nps_latest", "influence_score", "advocacy_value", "holistic_value"),
    *("attitudinal_loyalty", "behavioural_loyalty", "loyalty_quadrant"),
    *("run__period_end", "run__settings_used", "run__customers"),
)


def _percent(share: float) -> Decimal:
    return (Decimal(repr(share)) * 100).normalize()


def customer_influence(*, customer_id: int) -> CustomerInfluence | None:
    """The customer's influence from their latest complete run (None when never scored),
    explained: components, advocacy split and the assumptions behind them."""
    latest = list(
        CustomerSnapshot.objects.filter(customer_id=customer_id, run__status=RunStatus.COMPLETE)
        .select_related("run")
        .only(*CARD_FIELDS)
        .order_by("-period_end")[:2]
    )
    if not latest:
        return None
    why = influence_explain(snapshot=latest[0])
    platforms = dict(Platform.choices)
    used = why.assumptions
    return CustomerInfluence(
        why=why,
        previous=latest[1] if len(latest) > 1 else None,
        components=[
            Component(
                key=c.key,
                label=COMPONENT_LABELS.get(c.key, c.key),
                share=round(100 * c.share, 1),
                points=round(c.points, 1),
            )
            for c in why.components
        ],
        profiles=[Audience(platforms.get(p, p), n) for p, n in why.profiles],
        reach_rate_percent=_percent(used["reach_rate"]),
        reach_conversion_percent=_percent(used["reach_conversion"]),
        value_per_customer=Decimal(repr(used["value_per_customer"])).quantize(Decimal("0.01")),
        value_is_average=used.get("value_per_customer_source") != "setting",
    )
