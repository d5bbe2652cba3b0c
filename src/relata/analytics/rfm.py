"""RFM scores (recency, frequency, monetary) and the named RFM segments.

DOMAIN.md §5. Recency = days since the last purchase (``+inf`` = never bought), Frequency =
distinct order days in the period, Monetary = revenue in the period.

Scores 1–5 (5 best) are rank-based quintiles with mid-ranks: for a value ``x`` among the
``n`` scored customers, ``p = (#below + #at-or-below) / (2n)`` and the score is
``min(5, floor(5p) + 1)``. Equal values always get equal scores, the score never decreases
when the value improves, and with distinct values each score holds a fifth of the customers.

Who is scored:
- R among every customer who ever bought (finite recency); fewer days is better.
- F and M among the customers who bought in the period (frequency ≥ 1). Customers who bought
  before but not in the period get F = M = 1.
- Customers who never bought get R = F = M = 0 and segment ``NOT_A_CUSTOMER``.

Segments come from R and the band of the mean of F and M, ``band = ceil((F + M) / 2)``
(FM mean 1 → band 1, 1.5–2 → 2, 2.5–3 → 3, 3.5–4 → 4, 4.5–5 → 5), looked up in
``DEFAULT_SEGMENT_TABLE`` (also printed in docs/analytics.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np
import numpy.typing as npt

from relata.analytics._checks import (
    BoolArray,
    CodeArray,
    FloatArray,
    float_array,
    int_array,
    same_length,
)

__all__ = [
    "DEFAULT_SEGMENT_TABLE",
    "SEGMENT_LABELS",
    "RfmResult",
    "RfmSegment",
    "RfmSettings",
    "quintile_scores",
    "rfm_compute",
    "rfm_segments",
]


class RfmSegment(IntEnum):
    NOT_A_CUSTOMER = 0
    CHAMPIONS = 1
    LOYAL = 2
    POTENTIAL_LOYALISTS = 3
    NEW = 4
    PROMISING = 5
    NEED_ATTENTION = 6
    ABOUT_TO_SLEEP = 7
    AT_RISK = 8
    CANT_LOSE_THEM = 9
    HIBERNATING = 10
    LOST = 11


SEGMENT_LABELS: dict[RfmSegment, str] = {
    RfmSegment.NOT_A_CUSTOMER: "Not a customer",
    RfmSegment.CHAMPIONS: "Champions",
    RfmSegment.LOYAL: "Loyal",
    RfmSegment.POTENTIAL_LOYALISTS: "Potential loyalists",
    RfmSegment.NEW: "New",
    RfmSegment.PROMISING: "Promising",
    RfmSegment.NEED_ATTENTION: "Need attention",
    RfmSegment.ABOUT_TO_SLEEP: "About to sleep",
    RfmSegment.AT_RISK: "At risk",
    RfmSegment.CANT_LOSE_THEM: "Can't lose them",
    RfmSegment.HIBERNATING: "Hibernating",
    RfmSegment.LOST: "Lost",
}

_S = RfmSegment
#: ``DEFAULT_SEGMENT_TABLE[R - 1][band - 1]``: rows R = 1..5, columns FM band 1..5.
DEFAULT_SEGMENT_TABLE: tuple[tuple[RfmSegment, ...], ...] = (
    # FM band: 1, 2, 3, 4, 5
    (_S.LOST, _S.HIBERNATING, _S.AT_RISK, _S.CANT_LOSE_THEM, _S.CANT_LOSE_THEM),  # R=1
    (_S.HIBERNATING, _S.ABOUT_TO_SLEEP, _S.AT_RISK, _S.AT_RISK, _S.CANT_LOSE_THEM),  # R=2
    (_S.ABOUT_TO_SLEEP, _S.NEED_ATTENTION, _S.NEED_ATTENTION, _S.LOYAL, _S.LOYAL),  # R=3
    (_S.PROMISING, _S.POTENTIAL_LOYALISTS, _S.POTENTIAL_LOYALISTS, _S.LOYAL, _S.CHAMPIONS),  # R=4
    (_S.NEW, _S.POTENTIAL_LOYALISTS, _S.POTENTIAL_LOYALISTS, _S.CHAMPIONS, _S.CHAMPIONS),  # R=5
)


@dataclass(frozen=True)
class RfmSettings:
    """The R × FM-band segment table (5 rows of 5 segment codes)."""

    segment_table: tuple[tuple[RfmSegment, ...], ...] = DEFAULT_SEGMENT_TABLE

    def __post_init__(self) -> None:
        if len(self.segment_table) != 5 or any(len(row) != 5 for row in self.segment_table):
            raise ValueError("segment_table must have 5 rows (R = 1..5) of 5 FM bands")
        known = {int(s) for s in RfmSegment} - {int(RfmSegment.NOT_A_CUSTOMER)}
        for row in self.segment_table:
            for code in row:
                if int(code) not in known:
                    raise ValueError(f"segment_table: unknown segment code {code!r}")


@dataclass(frozen=True)
class RfmResult:
    recency_score: CodeArray  # 1..5, 0 = never bought
    frequency_score: CodeArray
    monetary_score: CodeArray
    segment: CodeArray  # ``RfmSegment`` codes
    scored: BoolArray  # ever bought (the others have scores 0)


def quintile_scores(values: npt.ArrayLike, *, higher_is_better: bool = True) -> CodeArray:
    """Scores 1–5 by mid-rank quintiles of ``values`` (all of them scored). Empty → empty."""
    array = float_array("values", values)
    keys = array if higher_is_better else -array
    n = keys.size
    if n == 0:
        return np.zeros(0, dtype=np.int8)
    # One argsort; each run of equal values shares its first and last position, which give
    # #below and #at-or-below for all its members (faster than two searchsorted calls).
    order = np.argsort(keys)
    ordered = keys[order]
    run_start = np.ones(n, dtype=np.bool_)
    run_start[1:] = ordered[1:] != ordered[:-1]
    run = np.cumsum(run_start) - 1
    starts = np.flatnonzero(run_start)
    ends = np.append(starts[1:], n)  # one past the last member of each run
    # score = floor(5 · (below + at_or_below) / (2n)) + 1, in exact integer arithmetic.
    score = np.empty(n, dtype=np.int64)
    score[order] = (5 * (starts[run] + ends[run])) // (2 * n) + 1
    clipped: CodeArray = np.minimum(score, 5).astype(np.int8)
    return clipped


def rfm_segments(
    recency_score: npt.ArrayLike,
    frequency_score: npt.ArrayLike,
    monetary_score: npt.ArrayLike,
    *,
    settings: RfmSettings | None = None,
) -> CodeArray:
    """Segment codes from scores (1..5; a 0 in R means "never bought" → NOT_A_CUSTOMER)."""
    settings = settings or RfmSettings()
    r = int_array("recency_score", recency_score)
    f = int_array("frequency_score", frequency_score)
    m = int_array("monetary_score", monetary_score)
    same_length(recency_score=r, frequency_score=f, monetary_score=m)
    unscored = r == 0
    for name, score in (("recency_score", r), ("frequency_score", f), ("monetary_score", m)):
        bad = ((score < 1) | (score > 5)) & ~unscored
        if bad.any():
            position = int(np.flatnonzero(bad)[0])
            raise ValueError(
                f"{name}: score {int(score[position])} at position {position} is not in 1..5"
            )
    table = np.asarray(settings.segment_table, dtype=np.int8)
    band = (f + m + 1) // 2  # ceil of the mean of F and M
    segment = np.full(r.size, RfmSegment.NOT_A_CUSTOMER, dtype=np.int8)
    scored = ~unscored
    segment[scored] = table[r[scored] - 1, band[scored] - 1]
    return segment


def rfm_compute(
    recency_days: npt.ArrayLike,
    frequency: npt.ArrayLike,
    monetary: npt.ArrayLike,
    *,
    settings: RfmSettings | None = None,
) -> RfmResult:
    """RFM scores and segments per customer.

    ``recency_days``: days since the last purchase, ``+inf`` for customers who never bought.
    ``frequency``: distinct order days in the period (whole numbers ≥ 0).
    ``monetary``: revenue in the period. NaN anywhere is a ``ValueError``.
    """
    recency = float_array("recency_days", recency_days, nonnegative=True, allow_posinf=True)
    freq = int_array("frequency", frequency, nonnegative=True)
    money: FloatArray = float_array("monetary", monetary)
    same_length(recency_days=recency, frequency=freq, monetary=money)

    scored = np.isfinite(recency)
    in_period = freq > 0
    contradiction = in_period & ~scored
    if contradiction.any():
        position = int(np.flatnonzero(contradiction)[0])
        raise ValueError(
            f"frequency: customer at position {position} bought in the period but has no "
            "last purchase (recency_days is +inf)"
        )

    r = np.zeros(recency.size, dtype=np.int8)
    f = np.zeros(recency.size, dtype=np.int8)
    m = np.zeros(recency.size, dtype=np.int8)
    r[scored] = quintile_scores(recency[scored], higher_is_better=False)
    f[scored] = 1
    m[scored] = 1
    f[in_period] = quintile_scores(freq[in_period].astype(np.float64))
    m[in_period] = quintile_scores(money[in_period])
    segment = rfm_segments(r, f, m, settings=settings)
    return RfmResult(r, f, m, segment, scored)
