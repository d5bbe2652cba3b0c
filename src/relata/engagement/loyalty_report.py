"""The loyalty report: retention and value of members against comparable non-members.

Method (shown on the page): each member is placed in the score snapshot of the period before
joining — the latest complete score run ending before the joining date, or the first run
when the member joined before any — and matched with the non-members of that same run in the
same pyramid tier and RFM segment (``relata.analytics.loyalty``). Outcomes are read from the
latest run: still active (bought in its period), not lost, P(alive), revenue and orders per
year, and probabilistic CLV. Members whose baseline is the latest run itself joined too
recently to compare. Members who left stay members here (they were treated).

Snapshot columns are read as arrays through scoring's column reader, one read per run used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
from django.core.cache import cache
from django.db.models import Count, Max, Min
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise
from numpy.typing import NDArray

from relata.analytics.loyalty import MatchedComparison, matched_comparison
from relata.engagement.models import LoyaltyMember
from relata.scoring.aggregates import Query, read_columns
from relata.scoring.choices import StageChoice, TierChoice
from relata.scoring.models import CustomerSnapshot, RunStatus, ScoreRun

# Fixed statements: the table name is the model's, the run id a bound parameter.
_TABLE = CustomerSnapshot._meta.db_table
_BASELINE = Query(
    columns=(
        ("customer", "CAST(customer_id AS BIGINT)", "i8"),
        ("tier", "CAST(tier AS INTEGER)", "i4"),
        ("segment", "CAST(rfm_segment AS INTEGER)", "i4"),
        ("revenue", "CAST(revenue AS DOUBLE PRECISION)", "f8"),
    ),
    source=f"FROM {_TABLE} WHERE run_id = %s",
    chunk="customer_id",
)
_OUTCOME = Query(
    columns=(
        ("customer", "CAST(customer_id AS BIGINT)", "i8"),
        ("tier", "CAST(tier AS INTEGER)", "i4"),
        ("stage", "CAST(lifecycle_stage AS INTEGER)", "i4"),
        ("p_alive", "CAST(p_alive AS DOUBLE PRECISION)", "f8"),
        ("revenue", "CAST(revenue AS DOUBLE PRECISION)", "f8"),
        ("orders", "CAST(orders AS BIGINT)", "i8"),
        ("clv", "CAST(clv_probabilistic AS DOUBLE PRECISION)", "f8"),
    ),
    source=f"FROM {_TABLE} WHERE run_id = %s",
    chunk="customer_id",
)
ACTIVE_TIERS = (TierChoice.TOP, TierChoice.BIG, TierChoice.MEDIUM, TierChoice.SMALL)

# Outcome rows of the table: key, label, short label for the chart, kind of number.
OUTCOMES: tuple[tuple[str, StrOrPromise, StrOrPromise, str], ...] = (
    ("active", _("Still active (bought in the latest period)"), _("Still active"), "percent"),
    ("not_lost", _("Not lost"), _("Not lost"), "percent"),
    ("p_alive", _("Mean P(alive)"), _("P(alive)"), "percent"),
    ("revenue", _("Revenue per year"), _("Revenue per year"), "money"),
    ("orders", _("Orders per year"), _("Orders per year"), "number"),
    ("clv", _("CLV (BG/NBD + Gamma-Gamma)"), _("CLV"), "money"),
    (
        "baseline_revenue",
        _("Revenue per year before joining (balance check)"),
        _("Before joining"),
        "money",
    ),
)


@dataclass(frozen=True)
class ComparisonRow:
    key: str
    label: StrOrPromise
    short: StrOrPromise
    kind: str
    members: float
    comparison: float
    members_all: float
    others_all: float

    @property
    def difference(self) -> float:
        return self.members - self.comparison


@dataclass
class LoyaltyReport:
    outcome_run: ScoreRun | None = None
    baseline_ends: list[date] = field(default_factory=list)
    rows: list[ComparisonRow] = field(default_factory=list)
    members_total: int = 0
    members_compared: int = 0
    members_matched: int = 0
    members_too_recent: int = 0
    members_without_snapshot: int = 0
    comparison_observations: int = 0
    comparison_customers: int = 0
    strata_matched: int = 0
    strata_unmatched: int = 0
    empty_reason: StrOrPromise = ""

    @property
    def unmatched_members(self) -> int:
        """Members with a baseline whose group (run, tier, segment) holds no non-member."""
        return self.members_compared - self.members_matched

    def chart_data(self) -> dict[str, Any]:
        return {
            "labels": {
                "members": str(_("Members")),
                "comparison": str(_("Comparable non-members")),
                "members_n": self.members_matched,
                "comparison_n": self.comparison_customers,
            },
            "rows": [
                {
                    "key": row.key,
                    "label": str(row.short),
                    "kind": row.kind,
                    "members": _finite(row.members),
                    "comparison": _finite(row.comparison),
                }
                for row in self.rows
            ],
        }


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def _period_months(run: ScoreRun) -> int:
    months = (run.settings_used or {}).get("period_months", 12)
    return int(months) if isinstance(months, int | float) and months > 0 else 12


def _positions(ids: NDArray[np.int64], wanted: NDArray[np.int64]) -> NDArray[np.int64]:
    """Index of each wanted id in the sorted ``ids``, or -1 when absent."""
    if not ids.size:
        return np.full(wanted.size, -1, np.int64)
    index = np.searchsorted(ids, wanted)
    clipped = np.minimum(index, ids.size - 1)
    return np.where(ids[clipped] == wanted, clipped, -1).astype(np.int64)


def _sorted(table: dict[str, NDArray[Any]]) -> dict[str, NDArray[Any]]:
    order = np.argsort(table["customer"], kind="stable")
    return {name: values[order] for name, values in table.items()}


CACHE_SECONDS = 15 * 60


def loyalty_report_cached() -> LoyaltyReport:
    """The report, kept for a quarter of an hour per latest score run and state of the
    membership (count, newest, leavers, joining dates): reading a dozen score runs of a
    million customers takes seconds, and neither changes often."""
    latest = (
        ScoreRun.objects.filter(status=RunStatus.COMPLETE)
        .order_by("-period_end")
        .values_list("pk", flat=True)
        .first()
    )
    state = LoyaltyMember.objects.aggregate(
        n=Count("id"),
        newest=Max("id"),
        left=Count("left_on"),
        first=Min("joined_on"),
        last=Max("joined_on"),
    )
    key = "engagement:loyalty-report:" + ":".join(str(part) for part in (latest, *state.values()))
    report: LoyaltyReport | None = cache.get(key)
    if report is None:
        report = loyalty_report_build()
        cache.set(key, report, CACHE_SECONDS)
    return report


def loyalty_report_build() -> LoyaltyReport:
    report = LoyaltyReport()
    runs = list(
        ScoreRun.objects.filter(status=RunStatus.COMPLETE)
        .order_by("period_end")
        .defer("summary", "model_fit")
    )
    members = list(LoyaltyMember.objects.values_list("customer_id", "joined_on"))
    report.members_total = len(members)
    if not runs:
        report.empty_reason = _("No score run yet: run `relata score` to compare members.")
        return report
    if not members:
        report.empty_reason = _("The programme has no members yet.")
        return report
    outcome_run = runs[-1]
    report.outcome_run = outcome_run
    ends = [run.period_end for run in runs]
    member_ids = np.array([customer for customer, _joined in members], np.int64)
    # The latest run ending before joining (bisect on the sorted period ends), else the first.
    joined = np.array([day.toordinal() for _customer, day in members], np.int64)
    end_days = np.array([end.toordinal() for end in ends], np.int64)
    baseline_index = np.maximum(np.searchsorted(end_days, joined, side="left") - 1, 0)
    too_recent = baseline_index == len(runs) - 1
    report.members_too_recent = int(too_recent.sum())
    if too_recent.all():
        report.empty_reason = _(
            "Every member joined after the latest score run; score a later period to compare."
        )
        return report

    outcome = _sorted(read_columns(_OUTCOME, [outcome_run.pk]))
    outcome_years = _period_months(outcome_run) / 12
    all_members = np.sort(member_ids)
    member_strata: list[NDArray[np.int64]] = []
    other_strata: list[NDArray[np.int64]] = []
    member_rows: list[dict[str, NDArray[np.float64]]] = []
    other_rows: list[dict[str, NDArray[np.float64]]] = []
    other_customers: list[NDArray[np.int64]] = []
    without_snapshot = 0
    for index in np.unique(baseline_index[~too_recent]).tolist():
        run = runs[index]
        report.baseline_ends.append(run.period_end)
        baseline = _sorted(read_columns(_BASELINE, [run.pk]))
        years = _period_months(run) / 12
        group = np.sort(member_ids[(baseline_index == index) & ~too_recent])
        at = _positions(baseline["customer"], group)
        without_snapshot += int((at < 0).sum())
        mine = at[at >= 0]
        is_member = np.isin(baseline["customer"], all_members)
        theirs = np.flatnonzero(~is_member)
        for rows, strata, picked, customers in (
            (member_rows, member_strata, mine, None),
            (other_rows, other_strata, theirs, other_customers),
        ):
            ids = baseline["customer"][picked]
            later = _positions(outcome["customer"], ids)
            keep = later >= 0  # a customer deleted since has no outcome
            picked, later = picked[keep], later[keep]
            strata.append(
                index * 10_000
                + baseline["tier"][picked].astype(np.int64) * 100
                + baseline["segment"][picked].astype(np.int64)
            )
            rows.append(_outcome_rows(outcome, later, outcome_years, baseline, picked, years))
            if customers is not None:
                customers.append(ids[keep])
    report.members_without_snapshot = without_snapshot
    comparison = matched_comparison(
        np.concatenate(member_strata),
        _concat(member_rows),
        np.concatenate(other_strata),
        _concat(other_rows),
    )
    _fill(report, comparison, other_customers)
    return report


def _outcome_rows(
    outcome: dict[str, NDArray[Any]],
    later: NDArray[np.int64],
    outcome_years: float,
    baseline: dict[str, NDArray[Any]],
    picked: NDArray[np.int64],
    baseline_years: float,
) -> dict[str, NDArray[np.float64]]:
    return {
        "active": np.isin(outcome["tier"][later], ACTIVE_TIERS).astype(np.float64),
        "not_lost": (outcome["stage"][later] != StageChoice.LOST).astype(np.float64),
        "p_alive": outcome["p_alive"][later].astype(np.float64),
        "revenue": outcome["revenue"][later] / outcome_years,
        "orders": outcome["orders"][later].astype(np.float64) / outcome_years,
        "clv": outcome["clv"][later].astype(np.float64),
        "baseline_revenue": baseline["revenue"][picked] / baseline_years,
    }


def _concat(parts: list[dict[str, NDArray[np.float64]]]) -> dict[str, NDArray[np.float64]]:
    return {key: np.concatenate([part[key] for part in parts]) for key, *_rest in OUTCOMES}


def _fill(
    report: LoyaltyReport,
    comparison: MatchedComparison,
    other_customers: list[NDArray[np.int64]],
) -> None:
    report.members_compared = comparison.members_total
    report.members_matched = comparison.members_matched
    report.comparison_observations = comparison.others_matched
    report.strata_matched = comparison.strata_matched
    report.strata_unmatched = comparison.strata_unmatched
    customers = np.concatenate(other_customers)
    # A non-member can be compared at several baseline runs; count the people once.
    report.comparison_customers = int(np.unique(customers[comparison.other_weights > 0]).size)
    report.rows = [
        ComparisonRow(
            key=key,
            label=label,
            short=short,
            kind=kind,
            members=comparison.members[key],
            comparison=comparison.comparison[key],
            members_all=comparison.members_all[key],
            others_all=comparison.others_all[key],
        )
        for key, label, short, kind in OUTCOMES
    ]
