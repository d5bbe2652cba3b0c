"""Cohort retention (DOMAIN.md §7, §14): customers grouped by the month of their first
purchase, and per group (acquisition source or first channel), with the share who bought
again in each month after it.

``r[k]`` is the share of a cohort who bought in the k-th calendar month after the month of
the first purchase (``r[0]`` is 1 by definition); ``active[k]`` the share who bought in
month k or later — a customer still active at k. Months after the last complete month are
not observed and stay NaN; pooled curves weight every observed cohort by its size.
Vectorised: one sort of the (customer, month) pairs, then ``bincount``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from relata.analytics._checks import BoolArray, FloatArray, IntArray, int_array, same_length
from relata.analytics.journey import _groups, _positions


@dataclass(frozen=True)
class CohortRetention:
    """Cohorts by month of first purchase (``months``, consecutive), for everyone and per
    group. ``buyers[c, k]``: customers of cohort c who bought in month k after the first;
    ``active[c, k]``: who bought in month k or later; ``observed[c, k]``: month k has been
    seen completely (k = 0 always). The ``group_*`` arrays add a leading group axis."""

    months: IntArray
    horizon: int
    size: IntArray
    buyers: IntArray
    active: IntArray
    observed: BoolArray
    group_size: IntArray
    group_buyers: IntArray
    group_active: IntArray

    @property
    def retention(self) -> FloatArray:
        return _rate(self.buyers, self.size, self.observed)

    @property
    def still_active(self) -> FloatArray:
        return _rate(self.active, self.size, self.observed)

    @property
    def group_retention(self) -> FloatArray:
        return _rate(self.group_buyers, self.group_size, self.observed)

    def curve(self) -> FloatArray:
        """Retention per month since the first purchase over all observed cohorts, each
        cohort weighted by its size."""
        pooled: FloatArray = _pooled(self.buyers[None], self.size[None], self.observed)[0]
        return pooled

    def bases(self) -> IntArray:
        """Per month since: customers of the observed cohorts (the base of ``curve``)."""
        bases: IntArray = (self.size[:, None] * self.observed).sum(axis=0)
        return bases

    def group_bases(self) -> IntArray:
        """Per group and month since: customers of the observed cohorts (the curve's base)."""
        bases: IntArray = (self.group_size[..., None] * self.observed).sum(axis=1)
        return bases

    def group_curves(self) -> FloatArray:
        return _pooled(self.group_buyers, self.group_size, self.observed)

    def group_active_curves(self) -> FloatArray:
        return _pooled(self.group_active, self.group_size, self.observed)

    def active_curve(self) -> FloatArray:
        pooled: FloatArray = _pooled(self.active[None], self.size[None], self.observed)[0]
        return pooled


def _rate(count: IntArray, size: IntArray, observed: BoolArray) -> FloatArray:
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = count / size[..., None].astype(np.float64)
    result: FloatArray = np.where(observed & (size[..., None] > 0), rate, np.nan)
    return result


def _pooled(count: IntArray, size: IntArray, observed: BoolArray) -> FloatArray:
    """Σ count / Σ size over the observed cohorts, per group and month since."""
    weight = size[..., None] * observed  # (groups, cohorts, horizon + 1)
    total = weight.sum(axis=1).astype(np.float64)
    hits = (count * observed).sum(axis=1).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled: FloatArray = np.where(total > 0, hits / total, np.nan)
    return pooled


def cohort_retention(
    order_customer: npt.ArrayLike,
    order_month: npt.ArrayLike,
    *,
    group_customer: npt.ArrayLike,
    group_code: npt.ArrayLike,
    n_groups: int,
    missing_group: int = -1,
    first_cohort: int,
    last_cohort: int,
    last_observed: int,
    horizon: int = 24,
) -> CohortRetention:
    """Retention of the cohorts first_cohort … last_cohort (months since January 1970).
    Customers missing from ``group_customer`` (ids unique and ascending) count in
    ``missing_group`` (in none when −1). Orders after ``last_observed`` should not be
    passed; they would count as observed."""
    customers = int_array("order_customer", order_customer)
    months = int_array("order_month", order_month)
    same_length(order_customer=customers, order_month=months)
    grouped = int_array("group_customer", group_customer)
    codes = int_array("group_code", group_code)
    same_length(group_customer=grouped, group_code=codes)
    if grouped.size > 1 and not (grouped[1:] > grouped[:-1]).all():
        raise ValueError("group_customer: customer ids must be unique and ascending")
    if horizon < 0 or last_cohort < first_cohort:
        raise ValueError("horizon must be 0 or more and last_cohort not before first_cohort")
    n_cohorts = last_cohort - first_cohort + 1
    width = horizon + 1
    cohort_months = np.arange(first_cohort, last_cohort + 1, dtype=np.int64)
    since = np.arange(width, dtype=np.int64)
    observed = (cohort_months[:, None] + since[None, :] <= last_observed) | (since[None, :] == 0)

    sort = np.lexsort((months, customers))
    customers, months = customers[sort], months[sort]
    starts, ends = _groups(customers)
    first = months[starts]
    owner = np.repeat(np.arange(starts.size), ends - starts)
    offset = months - first[owner]
    cohort = first - first_cohort
    in_range = (cohort >= 0) & (cohort < n_cohorts)
    member = in_range[owner]
    # One count per customer and month since (several orders in a month count once).
    distinct = np.concatenate(([True], (owner[1:] != owner[:-1]) | (offset[1:] != offset[:-1])))
    bought = member & distinct & (offset <= horizon)
    last_offset = np.minimum(offset[ends - 1], horizon)

    group_index, known = _positions(grouped, customers[starts])
    group = np.where(known, codes[group_index], missing_group)
    if (group >= n_groups).any():
        raise ValueError(f"group_code: codes must be below n_groups={n_groups}")

    def tally(
        selected: BoolArray, count_groups: int, group_of: IntArray
    ) -> tuple[IntArray, IntArray, IntArray]:
        cells = count_groups * n_cohorts
        customer_cell = group_of * n_cohorts + cohort
        keep = selected & in_range
        size = np.bincount(customer_cell[keep], minlength=cells)
        order_keep = bought & keep[owner]
        buyers = np.bincount(
            customer_cell[owner[order_keep]] * width + offset[order_keep], minlength=cells * width
        )
        lasts = np.bincount(
            customer_cell[keep] * width + last_offset[keep], minlength=cells * width
        ).reshape(cells, width)
        active = np.cumsum(lasts[:, ::-1], axis=1)[:, ::-1]
        return (
            size.reshape(count_groups, n_cohorts).astype(np.int64),
            buyers.reshape(count_groups, n_cohorts, width).astype(np.int64),
            active.reshape(count_groups, n_cohorts, width).astype(np.int64),
        )

    everyone = np.ones(starts.size, bool)
    size, buyers, active = tally(everyone, 1, np.zeros(starts.size, np.int64))
    in_group = group >= 0
    group_size, group_buyers, group_active = tally(in_group, n_groups, np.maximum(group, 0))
    return CohortRetention(
        months=cohort_months,
        horizon=horizon,
        size=size[0],
        buyers=buyers[0],
        active=active[0],
        observed=observed,
        group_size=group_size,
        group_buyers=group_buyers,
        group_active=group_active,
    )
