"""Period-level aggregates stored with each run, so the dashboard reads a few kilobytes of
JSON instead of scanning a million snapshots."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from relata.analytics import migration, pyramid

CLV_BINS = 20


def run_summary(columns: dict[str, NDArray[Any]]) -> dict[str, Any]:
    tier = columns["tier"]
    revenue = columns["revenue"].astype(np.float64)
    tiers = pyramid.tier_summary(tier, revenue)
    active = columns["frequency"] > 0
    curve = pyramid.pareto_curve(revenue, active=active)
    moved = migration.migration_compute(
        columns["previous_tier"], tier, columns["previous_revenue"], revenue
    )
    return {
        "customers": int(tier.size),
        "active_customers": int(active.sum()),
        "revenue": float(revenue.sum()),
        "orders": int(columns["orders"].sum()),
        "pyramid": [
            {
                "tier": int(tiers.tier[i]),
                "customers": int(tiers.customers[i]),
                "pct_customers": round(float(tiers.pct_customers[i]), 2),
                "revenue": round(float(tiers.value[i]), 2),
                "pct_revenue": round(float(tiers.pct_value[i]), 2),
                "average": round(float(tiers.average_value[i]), 2),
            }
            for i in range(tiers.tier.size)
        ],
        "pareto": {
            "customer_share": np.round(curve.customer_share, 4).tolist(),
            "value_share": np.round(curve.value_share, 4).tolist(),
            "top20_share": round(pyramid.top_share(revenue, fraction=0.2, active=active), 4)
            if active.any()
            else 0.0,
        },
        "migration": {
            "counts": moved.matrix.counts.tolist(),
            "value_change": np.round(moved.matrix.value_change, 2).tolist(),
            "risk_customers": int(columns["risk"].sum()),
        },
        "rfm_grid": _rfm_grid(columns),
        "rfm_segments": _counts(columns["rfm_segment"]),
        "clv_histogram": _histogram(columns["clv_probabilistic"][active]),
        "value_grid": _counts(columns["value_grid"]),
        "lifecycle": _counts(columns["lifecycle_stage"]),
        "churn_levels": _counts(columns["churn_level"]),
        "loss_making": int(columns["loss_making"].sum()),
        "cant_lose": int(columns["cant_lose"].sum()),
    }


def _counts(codes: NDArray[Any]) -> dict[str, int]:
    values, counts = np.unique(codes.astype(np.int64), return_counts=True)
    return {str(int(v)): int(c) for v, c in zip(values, counts, strict=True)}


def _rfm_grid(columns: dict[str, NDArray[Any]]) -> list[list[int]]:
    """Customers per (R score, F score), both 1–5; index [r-1][f-1]."""
    r = columns["r_score"].astype(np.int64)
    f = columns["f_score"].astype(np.int64)
    scored = (r > 0) & (f > 0)
    grid = np.bincount((r[scored] - 1) * 5 + (f[scored] - 1), minlength=25).reshape(5, 5)
    return grid.astype(int).tolist()


def _histogram(values: NDArray[Any]) -> dict[str, list[float]]:
    values = values.astype(np.float64)
    if not values.size:
        return {"edges": [], "counts": []}
    top = float(np.quantile(values, 0.99)) if values.size > 100 else float(values.max())
    top = max(top, 1.0)
    counts, edges = np.histogram(np.clip(values, 0, top), bins=CLV_BINS, range=(0, top))
    return {"edges": np.round(edges, 2).tolist(), "counts": counts.astype(float).tolist()}
