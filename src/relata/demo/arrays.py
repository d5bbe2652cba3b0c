"""Vectorised array helpers: sampling per row, ranges, and per-customer order look-ups."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.random import Generator


def sample_rows(rng: Generator, probabilities: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """One category per element, from the probability row `rows[i]` of the matrix (rows
    need not sum to one)."""
    cumulative = np.cumsum(probabilities, axis=1, dtype=float)
    cumulative /= cumulative[:, -1:]
    u = rng.random(len(rows))
    picked: np.ndarray = (u[:, None] > cumulative[rows]).sum(axis=1)
    clipped: np.ndarray = np.minimum(picked, probabilities.shape[1] - 1)
    return clipped


def ranges_concat(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The indices `starts[i] … starts[i] + counts[i] - 1` of every range, one after another."""
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.cumsum(counts) - counts
    position = np.arange(total, dtype=np.int64) - np.repeat(offsets, counts)
    indices: np.ndarray = np.repeat(starts, counts) + position
    return indices


@dataclass(frozen=True)
class CustomerOrders:
    """Order indices sorted by customer and day, with each customer's range."""

    order: np.ndarray  # order indices, sorted by (customer, day)
    key: np.ndarray  # customer * span + day, sorted
    span: int
    start: np.ndarray  # per customer: position of its first order in `order`
    count: np.ndarray  # per customer: number of orders

    @classmethod
    def build(cls, owner: np.ndarray, day: np.ndarray, customers: int) -> CustomerOrders:
        # Days fall in the window; the span leaves room to look beyond its last day.
        span = int(day.max(initial=0)) + 1000
        key = owner.astype(np.int64) * span + day
        order = np.argsort(key, kind="stable")
        count = np.bincount(owner, minlength=customers).astype(np.int64)
        start = np.cumsum(count) - count
        return cls(order, key[order], span, start, count)

    def first_on_or_after(self, customer: np.ndarray, day: np.ndarray, within: int) -> np.ndarray:
        """The customer's first order on `day` or at most `within` days later, or -1."""
        if len(self.key) == 0:
            return np.full(len(customer), -1, dtype=np.int64)
        found = np.searchsorted(self.key, customer.astype(np.int64) * self.span + day, "left")
        inside = found < len(self.key)
        position = np.minimum(found, len(self.key) - 1)
        limit = customer.astype(np.int64) * self.span + day + within
        ok = inside & (self.key[position] <= limit)
        result: np.ndarray = np.where(ok, self.order[position], -1)
        return result

    def last_on_or_before(self, customer: np.ndarray, day: np.ndarray) -> np.ndarray:
        """The customer's last order on or before `day`, or -1."""
        if len(self.key) == 0:
            return np.full(len(customer), -1, dtype=np.int64)
        found = np.searchsorted(self.key, customer.astype(np.int64) * self.span + day, "right") - 1
        position = np.maximum(found, 0)
        ok = (found >= 0) & (self.key[position] // self.span == customer)
        result: np.ndarray = np.where(ok, self.order[position], -1)
        return result

    def pick(self, customer: np.ndarray, u: np.ndarray) -> np.ndarray:
        """One of the customer's orders, chosen by `u` in [0, 1), or -1 when it has none."""
        count = self.count[customer]
        position = self.start[customer] + np.floor(u * count).astype(np.int64)
        if len(self.order) == 0:
            return np.full(len(customer), -1, dtype=np.int64)
        picked = self.order[np.minimum(position, len(self.order) - 1)]
        result: np.ndarray = np.where(count > 0, picked, -1)
        return result
