"""Reads of the referral programme: the list, totals, per-referrer figures with the CLV of
the customers they brought (from the latest score run), and the arrays influence value
reads (DOMAIN.md §8)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from django.db.models import Count, Q, QuerySet, Sum
from numpy.typing import NDArray

from relata.customers.models import Customer
from relata.engagement.models import Referral, ReferralStatus
from relata.scoring.models import CustomerSnapshot
from relata.scoring.selectors import latest_run

TOP_REFERRERS = 10


def referral_list(*, status: str = "", query: str = "") -> QuerySet[Referral]:
    referrals = Referral.objects.select_related("referrer", "referred", "code")
    if status in ReferralStatus.values:
        referrals = referrals.filter(status=status)
    query = query.strip()
    if query:
        needle = query.lower()
        referrals = referrals.filter(
            Q(referrer__customer_number__iexact=query)
            | Q(referred__customer_number__iexact=query)
            | Q(code__code__iexact=query.replace("-", ""))
            | Q(referrer__search_text__contains=needle)
            | Q(referred__search_text__contains=needle)
        )
    return referrals.order_by("-referred_on", "-id")


def _clv_by_customer(customer_ids: list[int]) -> dict[int, Decimal]:
    """Probabilistic CLV of the customers in the latest complete score run."""
    run = latest_run()
    if run is None or not customer_ids:
        return {}
    rows = CustomerSnapshot.objects.filter(run=run, customer_id__in=customer_ids).values_list(
        "customer_id", "clv_probabilistic"
    )
    return dict(rows)


@dataclass(frozen=True)
class ReferrerStats:
    customer: Customer
    referrals: int
    rewarded: int
    pending: int
    rejected: int
    referred_clv: Decimal  # CLV of the referred customers (not rejected), latest score run


def referrer_stats(
    *, referrer_ids: list[int] | None = None, limit: int | None = None
) -> list[ReferrerStats]:
    """Per referrer, most referrals first (then most rewarded): counts and the CLV their
    referred customers have in the latest score run."""
    referrals = Referral.objects.order_by()
    if referrer_ids is not None:
        referrals = referrals.filter(referrer_id__in=referrer_ids)
    rows = (
        referrals.values("referrer_id")
        .annotate(
            referrals=Count("id"),
            rewarded=Count("id", filter=Q(status=ReferralStatus.REWARDED)),
            pending=Count("id", filter=Q(status=ReferralStatus.PENDING)),
            rejected=Count("id", filter=Q(status=ReferralStatus.REJECTED)),
        )
        .order_by("-referrals", "-rewarded", "referrer_id")
    )
    listed = list(rows if limit is None else rows[:limit])
    ids = [row["referrer_id"] for row in listed]
    customers = Customer.objects.in_bulk(ids)
    brought = list(
        Referral.objects.filter(referrer_id__in=ids)
        .exclude(status=ReferralStatus.REJECTED)
        .values_list("referrer_id", "referred_id")
    )
    clv = _clv_by_customer([referred for _referrer, referred in brought])
    totals: dict[int, Decimal] = {}
    for referrer, referred in brought:
        totals[referrer] = totals.get(referrer, Decimal(0)) + clv.get(referred, Decimal(0))
    return [
        ReferrerStats(
            customer=customers[row["referrer_id"]],
            referrals=row["referrals"],
            rewarded=row["rewarded"],
            pending=row["pending"],
            rejected=row["rejected"],
            referred_clv=totals.get(row["referrer_id"], Decimal(0)),
        )
        for row in listed
        if row["referrer_id"] in customers
    ]


def top_referrers(*, limit: int = TOP_REFERRERS) -> list[ReferrerStats]:
    return referrer_stats(limit=limit)


@dataclass(frozen=True)
class ReferralTotals:
    referrals: int
    pending: int
    rewarded: int
    rejected: int
    referrers: int
    points_rewarded: int
    referred_clv: Decimal

    @property
    def conversion(self) -> float | None:
        """Share of referred customers (rejections left out) who have bought."""
        decided = self.pending + self.rewarded
        return self.rewarded / decided if decided else None

    @property
    def conversion_percent(self) -> int | None:
        rate = self.conversion
        return None if rate is None else round(100 * rate)


def referral_totals() -> ReferralTotals:
    counts = Referral.objects.aggregate(
        referrals=Count("id"),
        pending=Count("id", filter=Q(status=ReferralStatus.PENDING)),
        rewarded=Count("id", filter=Q(status=ReferralStatus.REWARDED)),
        rejected=Count("id", filter=Q(status=ReferralStatus.REJECTED)),
        referrers=Count("referrer_id", distinct=True),
        points=Sum("reward_points", filter=Q(status=ReferralStatus.REWARDED)),
    )
    run = latest_run()
    clv = Decimal(0)
    if run is not None:
        total = CustomerSnapshot.objects.filter(
            run=run,
            customer__referred_by__isnull=False,
        ).exclude(customer__referred_by__status=ReferralStatus.REJECTED)
        clv = total.aggregate(clv=Sum("clv_probabilistic"))["clv"] or Decimal(0)
    return ReferralTotals(
        referrals=counts["referrals"],
        pending=counts["pending"],
        rewarded=counts["rewarded"],
        rejected=counts["rejected"],
        referrers=counts["referrers"],
        points_rewarded=int(counts["points"] or 0),
        referred_clv=clv,
    )


@dataclass(frozen=True)
class CustomerReferrals:
    made: int
    rewarded: int
    pending: int
    referred_clv: Decimal
    referred_by: Referral | None
    recent: list[Referral]


def customer_referrals(*, customer: Customer, recent: int = 5) -> CustomerReferrals:
    stats = referrer_stats(referrer_ids=[customer.pk])
    mine = stats[0] if stats else None
    return CustomerReferrals(
        made=mine.referrals if mine else 0,
        rewarded=mine.rewarded if mine else 0,
        pending=mine.pending if mine else 0,
        referred_clv=mine.referred_clv if mine else Decimal(0),
        referred_by=Referral.objects.select_related("referrer").filter(referred=customer).first(),
        recent=list(
            Referral.objects.select_related("referred")
            .filter(referrer=customer)
            .order_by("-referred_on", "-id")[:recent]
        ),
    )


@dataclass(frozen=True)
class ReferralInfluence:
    """Per referrer (sorted by id), what influence value reads: referrals made (rejected
    ones left out), how many of the referred customers bought, and the sum of their
    probabilistic CLV in the latest score run (0 where not scored)."""

    referrer_ids: NDArray[np.int64]
    referrals: NDArray[np.int64]
    rewarded: NDArray[np.int64]
    referred_clv: NDArray[np.float64]


def referral_influence_inputs() -> ReferralInfluence:
    """Two queries whatever the number of referrals; grouping in NumPy."""
    rows = list(
        Referral.objects.exclude(status=ReferralStatus.REJECTED)
        .order_by()
        .values_list("referrer_id", "referred_id", "status")
    )
    if not rows:
        empty_i = np.zeros(0, np.int64)
        return ReferralInfluence(empty_i, empty_i, empty_i, np.zeros(0))
    referrer = np.array([row[0] for row in rows], np.int64)
    referred = np.array([row[1] for row in rows], np.int64)
    rewarded = np.array([row[2] == ReferralStatus.REWARDED for row in rows])
    clv = np.zeros(referred.size)
    run = latest_run()
    if run is not None:
        scored = CustomerSnapshot.objects.filter(
            run=run, customer__referred_by__isnull=False
        ).values_list("customer_id", "clv_probabilistic")
        values = dict(scored)
        clv = np.array([float(values.get(int(r), 0)) for r in referred])
    ids, index = np.unique(referrer, return_inverse=True)
    return ReferralInfluence(
        referrer_ids=ids,
        referrals=np.bincount(index, minlength=ids.size).astype(np.int64),
        rewarded=np.bincount(index, weights=rewarded, minlength=ids.size).astype(np.int64),
        referred_clv=np.bincount(index, weights=clv, minlength=ids.size).astype(np.float64),
    )
