"""Fit BG/NBD and Gamma-Gamma on an :class:`RfmSummary` and score its customers.

This is the whole probabilistic pipeline on columnar inputs — what ``relata clv`` and the
scoring run call after building an ``RfmSummary`` (from a file or from SQL aggregates).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from relata.analytics.clv import bgnbd, gamma_gamma
from relata.analytics.clv.residual import ClvScores, customer_lifetime_value, per_period_rate
from relata.analytics.frames import RfmSummary, time_unit_days

#: The horizon is discretised into periods of (at most) one month for discounting.
MONTH_DAYS = 365.25 / 12
YEAR_DAYS = 365.25


@dataclass(frozen=True)
class ClvModel:
    """Both fitted models, in the summary's time unit."""

    bgnbd: bgnbd.BgNbdFit
    gamma_gamma: gamma_gamma.GammaGammaFit
    time_unit: str

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of ``relata clv fit``."""
        bg, gg = self.bgnbd, self.gamma_gamma
        return {
            "customers": round(bg.customers),
            "time_unit": self.time_unit,
            "bgnbd": {
                "r": bg.params.r,
                "alpha": bg.params.alpha,
                "a": bg.params.a,
                "b": bg.params.b,
                "log_likelihood": bg.log_likelihood,
                "repeat_customers": round(bg.repeat_customers),
                "converged": bg.converged,
                "notes": list(bg.notes),
            },
            "gamma_gamma": {
                "p": gg.params.p,
                "q": gg.params.q,
                "v": gg.params.v,
                "log_likelihood": gg.log_likelihood,
                "customers": round(gg.customers),
                "excluded_non_positive_spend": round(gg.excluded_non_positive),
                "mean_spend": gg.mean_spend,
                "converged": gg.converged,
            },
        }


def fit_models(summary: RfmSummary) -> ClvModel:
    """Fit BG/NBD on (x, t_x, T) and Gamma-Gamma on (x, monetary) of every customer."""
    bg = bgnbd.fit(summary.x, summary.t_x, summary.T)
    gg = gamma_gamma.fit(summary.x, summary.monetary)
    return ClvModel(bgnbd=bg, gamma_gamma=gg, time_unit=summary.time_unit)


def horizon_periods(horizon: float, time_unit: str) -> int:
    """Number of discounting periods: the horizon cut into steps of at most one month."""
    days = horizon * time_unit_days(time_unit)
    return max(1, math.ceil(days / MONTH_DAYS - 1e-9))


def score(
    summary: RfmSummary,
    model: ClvModel,
    *,
    horizon: float,
    annual_discount_rate: float,
    margin: float = 1.0,
) -> ClvScores:
    """P(alive), expected purchases, expected spend and CLV over ``horizon`` time units.

    ``annual_discount_rate`` (e.g. 0.1 for 10 % a year) is converted to the rate per
    discounting period (at most a month, see :func:`horizon_periods`).
    """
    periods = horizon_periods(horizon, summary.time_unit)
    period_years = horizon * time_unit_days(summary.time_unit) / periods / YEAR_DAYS
    return customer_lifetime_value(
        model.bgnbd.params,
        model.gamma_gamma.params,
        summary.x,
        summary.t_x,
        summary.T,
        summary.monetary,
        horizon=horizon,
        periods=periods,
        discount_rate=per_period_rate(annual_discount_rate, period_years),
        margin=margin,
        fallback_mean_spend=model.gamma_gamma.mean_spend,
    )
