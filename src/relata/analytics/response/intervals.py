"""Intervals and a test for proportions and their difference.

* **Wilson score interval** for one proportion x/n (Wilson 1927, "Probable inference, the law
  of succession, and statistical inference", JASA 22:209–212)::

      centre ± half = (2x + z²  ±  z·√(z² + 4x(1 − x/n))) / (2(n + z²))

* **Newcombe's hybrid score interval** for a difference p₁ − p₂ of independent proportions
  (Newcombe 1998, "Interval estimation for the difference between independent proportions:
  comparison of eleven methods", Statistics in Medicine 17:873–890, method 10). With
  (l₁, u₁) and (l₂, u₂) the Wilson intervals of the two groups and d = p₁ − p₂::

      lower = d − √((p₁ − l₁)² + (u₂ − p₂)²)
      upper = d + √((u₁ − p₁)² + (p₂ − l₂)²)

  It stays inside [−1, 1], is not degenerate at 0 or n successes, and keeps close to nominal
  coverage in small groups, unlike the Wald interval d ± z·√(p₁q₁/n₁ + p₂q₂/n₂). Worked value
  from Table II of the paper: 56/70 − 48/80 → 0.2000, 95 % CI 0.0524 to 0.3339.

* **Two-sided p-value** of H₀: p₁ = p₂ from the pooled score test (identical to Pearson's
  chi-squared test of the 2×2 table without continuity correction; e.g. Agresti,
  "Categorical Data Analysis", 3rd ed., 2013)::

      z = (p₁ − p₂) / √(p̄(1 − p̄)(1/n₁ + 1/n₂)),   p̄ = (x₁ + x₂)/(n₁ + n₂),   p = 2Φ(−|z|)

  The test and the interval come from different approximations, so near the 5 % boundary
  "interval excludes 0" and "p < 0.05" can, rarely, disagree.
"""

from __future__ import annotations

import math

from scipy.special import ndtr, ndtri

__all__ = ["newcombe_interval", "two_proportion_p_value", "wilson_interval", "z_for"]


def z_for(confidence: float) -> float:
    """The two-sided standard normal quantile for ``confidence`` (1.959964 for 0.95)."""
    if not (0.0 < confidence < 1.0):
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence!r}")
    return float(ndtri(0.5 + confidence / 2.0))


def _check_counts(name: str, successes: int, trials: int) -> None:
    if trials < 1:
        raise ValueError(f"{name}: the number of trials must be at least 1, got {trials}")
    if not 0 <= successes <= trials:
        raise ValueError(f"{name}: successes must lie between 0 and {trials}, got {successes}")


def wilson_interval(successes: int, trials: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval ``(low, high)`` for ``successes / trials``."""
    _check_counts("wilson_interval", successes, trials)
    z = z_for(confidence)
    x, n = float(successes), float(trials)
    centre = 2.0 * x + z * z
    half = z * math.sqrt(z * z + 4.0 * x * (1.0 - x / n))
    denominator = 2.0 * (n + z * z)
    return max(0.0, (centre - half) / denominator), min(1.0, (centre + half) / denominator)


def newcombe_interval(
    successes_a: int,
    trials_a: int,
    successes_b: int,
    trials_b: int,
    confidence: float = 0.95,
) -> tuple[float, float, float]:
    """``(difference, low, high)`` for ``p_a − p_b`` by Newcombe's hybrid score method."""
    _check_counts("group a", successes_a, trials_a)
    _check_counts("group b", successes_b, trials_b)
    p_a, p_b = successes_a / trials_a, successes_b / trials_b
    low_a, high_a = wilson_interval(successes_a, trials_a, confidence)
    low_b, high_b = wilson_interval(successes_b, trials_b, confidence)
    difference = p_a - p_b
    low = difference - math.sqrt((p_a - low_a) ** 2 + (high_b - p_b) ** 2)
    high = difference + math.sqrt((high_a - p_a) ** 2 + (p_b - low_b) ** 2)
    return difference, max(-1.0, low), min(1.0, high)


def two_proportion_p_value(
    successes_a: int, trials_a: int, successes_b: int, trials_b: int
) -> float:
    """Two-sided p-value of the pooled score test of equal proportions (1.0 when both groups
    are all-success or all-failure: nothing distinguishes them)."""
    _check_counts("group a", successes_a, trials_a)
    _check_counts("group b", successes_b, trials_b)
    pooled = (successes_a + successes_b) / (trials_a + trials_b)
    variance = pooled * (1.0 - pooled) * (1.0 / trials_a + 1.0 / trials_b)
    if variance <= 0.0:
        return 1.0
    z = (successes_a / trials_a - successes_b / trials_b) / math.sqrt(variance)
    return min(1.0, 2.0 * float(ndtr(-abs(z))))
