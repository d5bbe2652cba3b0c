"""Reads for the value pages: the dashboard, the customer lists behind its numbers, and the
customer-score card.

The dashboard reads one score run's stored ``summary`` (a few kilobytes of JSON written by
``relata score``) plus two short lists that partial indexes answer with LIMIT 20 — never a
scan of the run's snapshots — so it costs the same for a thousand customers as for a
million. Every number on it carries the query string of the drill-down list of the
customers behind it (``DrillFilter`` below).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from relata.analytics.migration import MigrationState, migration_states
from relata.analytics.pyramid import ACTIVE_TIERS, Tier
from relata.scoring.choices import (
    ChurnLevelChoice,
    GridChoice,
    MovementChoice,
    RfmSegmentChoice,
    StageChoice,
    TierChoice,
)
from relata.scoring.models import CustomerSnapshot, RunStatus, ScoreRun
from relata.scoring.selectors import customer_snapshots, latest_run

ACTIVE_TIER_CODES: tuple[int, ...] = tuple(int(t) for t in ACTIVE_TIERS)
LIST_LIMIT = 20

STATE_LABELS: dict[int, StrOrPromise] = {
    MigrationState.TOP: TierChoice.TOP.label,
    MigrationState.BIG: TierChoice.BIG.label,
    MigrationState.MEDIUM: TierChoice.MEDIUM.label,
    MigrationState.SMALL: TierChoice.SMALL.label,
    MigrationState.INACTIVE: TierChoice.INACTIVE.label,
    MigrationState.NOT_A_CUSTOMER: _("Not a customer"),
}

#: Translatable copies of ``relata.analytics.lifecycle.PLAYBOOKS`` (a test keeps them equal).
PLAYBOOKS: dict[int, StrOrPromise] = {
    StageChoice.SUSPECT: _(
        "Select and profile: check the customer fits a target segment and complete the "
        "profile data."
    ),
    StageChoice.PROSPECT: _(
        "Approach by persona: a personal offer that fits the profile and the contact so far."
    ),
    StageChoice.NEW: _(
        "Welcome programme and an extra service call: the drop-off risk is highest now."
    ),
    StageChoice.REPEAT: _("Loyalty programme and personalised offers."),
    StageChoice.AMBASSADOR: _("Referral programme and a surprise."),
    StageChoice.GROWING: _("Cross-sell, up-sell and deep-sell towards the potential value."),
    StageChoice.AT_RISK: _("Retention call and a win-back offer."),
    StageChoice.LOST: _("Win-back campaign (terugwinnen)."),
}

#: The V step of the CRM funnel per stage (Dutch terms by design, as in the analytics core).
V_STEPS: dict[int, str] = {
    StageChoice.SUSPECT: "Verkennen / Verfijnen",
    StageChoice.PROSPECT: "Verleiden",
    StageChoice.NEW: "Veroveren → Verwennen",
    StageChoice.REPEAT: "Verbinden",
    StageChoice.AMBASSADOR: "Verrassen",
    StageChoice.GROWING: "Verhogen",
    StageChoice.AT_RISK: "",
    StageChoice.LOST: "",
}

GRID_EXPLANATIONS: dict[int, StrOrPromise] = {
    GridChoice.RETAIN: _("Current value close to potential: keep the relationship as it is."),
    GridChoice.DEVELOP: _(
        "Potential at least 1.5 × current value: cross-, up- and deep-sell."
    ),
    GridChoice.SERVE_DIFFERENTLY: _(
        "Loss-making now and at potential: serve through cheaper channels."
    ),
}


@dataclass(frozen=True)
class ValueMethod:
    """One of the three customer-value methods, with the assumptions the UI shows."""

    field: str
    name: StrOrPromise
    formula: str
    assumptions: StrOrPromise


#: Translatable copies of the ``ASSUMPTIONS`` constants of ``relata.analytics.clv.formula``,
#: ``.discounted`` and ``.residual`` (a test keeps the English text equal).
VALUE_METHODS: tuple[ValueMethod, ...] = (
    ValueMethod(
        field="clv_formula",
        name=_("Simple formula"),
        formula="KW = T × A × P − K",
        assumptions=_(
            "Expected transactions over the relationship are given, not estimated; "
            "no time value of money; retention and service costs are ignored."
        ),
    ),
    ValueMethod(
        field="clv_discounted",
        name=_("Discounted (net present value)"),
        formula="CLV = Σ m·r^(t−1) / (1+d)^t − K",
        assumptions=_(
            "Constant margin and retention rate per period; margin earned at the end of each "
            "period; no customer comes back after churning."
        ),
    ),
    ValueMethod(
        field="clv_probabilistic",
        name=_("BG/NBD + Gamma-Gamma"),
        formula="CLV = margin × E[spend] × DERT(H)",
        assumptions=_(
            "BG/NBD purchase process and Gamma-Gamma spend, independent of each other and "
            "unchanged over the horizon; margin a constant share of spend; purchases "
            "discounted at the end of each period; acquisition cost not subtracted (residual "
            "value)."
        ),
    ),
)


def _state_tiers() -> dict[int, tuple[int, ...]]:
    """Tier codes per migration state, from the analytics core's own mapping."""
    codes = np.array([int(t) for t in Tier], dtype=np.int64)
    states = migration_states(codes)
    return {
        int(state): tuple(int(c) for c, s in zip(codes, states, strict=True) if s == state)
        for state in MigrationState
    }


STATE_TIERS = _state_tiers()


# ---------------------------------------------------------------------------- runs


def dashboard_run(*, run_id: int | None = None) -> ScoreRun | None:
    """The complete run to show: the one asked for, else the latest. None if there is none."""
    if run_id is None:
        return latest_run()
    return ScoreRun.objects.filter(pk=run_id, status=RunStatus.COMPLETE).first()


def period_choices() -> list[tuple[int, Any]]:
    """(run id, period end) of every complete run, newest first, for the period selector."""
    return list(
        ScoreRun.objects.filter(status=RunStatus.COMPLETE)
        .order_by("-period_end")
        .values_list("pk", "period_end")
    )


# ---------------------------------------------------------------------------- drill-down


@dataclass(frozen=True)
class DrillFilter:
    """Which snapshots of a run a customer list shows. Every field is optional; set fields
    combine with AND. Built from the query string by ``forms.DrillDownForm``."""

    tier: int | None = None
    rfm_segment: int | None = None
    stage: int | None = None
    grid: int | None = None
    churn_level: int | None = None
    movement: int | None = None
    cant_lose: bool = False
    loss_making: bool = False
    risk: bool = False
    active: bool = False
    from_state: int | None = None
    to_state: int | None = None
    r: int | None = None
    f: int | None = None
    clv_min: Decimal | None = None
    clv_max: Decimal | None = None

    def q(self) -> Q:
        query = Q()
        for name, column in (
            ("tier", "tier"),
            ("rfm_segment", "rfm_segment"),
            ("stage", "lifecycle_stage"),
            ("grid", "value_grid"),
            ("churn_level", "churn_level"),
            ("movement", "movement"),
            ("r", "r_score"),
            ("f", "f_score"),
        ):
            value = getattr(self, name)
            if value is not None:
                query &= Q(**{column: value})
        for flag in ("cant_lose", "loss_making", "risk"):
            if getattr(self, flag):
                query &= Q(**{flag: True})
        if self.active:
            query &= Q(tier__in=ACTIVE_TIER_CODES)
        if self.from_state is not None:
            before = Q(previous_tier__in=STATE_TIERS[self.from_state])
            if self.from_state == MigrationState.NOT_A_CUSTOMER:
                before |= Q(previous_tier__isnull=True)
            query &= before
        if self.to_state is not None:
            query &= Q(tier__in=STATE_TIERS[self.to_state])
        if self.clv_min is not None:
            query &= Q(clv_probabilistic__gte=self.clv_min)
        if self.clv_max is not None:
            query &= Q(clv_probabilistic__lt=self.clv_max)
        return query

    def query_string(self) -> str:
        """The filter as query parameters (for export links and page links)."""
        parts = []
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if value is None or value is False:
                continue
            parts.append(f"{name}={1 if value is True else value}")
        return "&".join(parts)

    def descriptions(self) -> list[tuple[StrOrPromise, StrOrPromise]]:
        """(what, value) pairs in words, for the list's heading."""
        found: list[tuple[StrOrPromise, StrOrPromise]] = []
        labelled: Iterable[tuple[str, StrOrPromise, type[Any]]] = (
            ("tier", _("Tier"), TierChoice),
            ("rfm_segment", _("RFM segment"), RfmSegmentChoice),
            ("stage", _("Lifecycle stage"), StageChoice),
            ("grid", _("Value decision"), GridChoice),
            ("churn_level", _("Churn risk"), ChurnLevelChoice),
            ("movement", _("Migration"), MovementChoice),
        )
        for name, what, choices in labelled:
            value = getattr(self, name)
            if value is not None:
                found.append((what, choices(value).label))
        if self.from_state is not None or self.to_state is not None:
            before = STATE_LABELS[self.from_state] if self.from_state is not None else "…"
            after = STATE_LABELS[self.to_state] if self.to_state is not None else "…"
            found.append((_("Migration"), f"{before} → {after}"))
        if self.r is not None:
            found.append((_("R score"), str(self.r)))
        if self.f is not None:
            found.append((_("F score"), str(self.f)))
        if self.clv_min is not None or self.clv_max is not None:
            low = f"€ {self.clv_min}" if self.clv_min is not None else "…"
            high = f"€ {self.clv_max}" if self.clv_max is not None else "…"
            found.append((_("CLV (BG/NBD + Gamma-Gamma)"), f"{low} – {high}"))
        for flag, what in (
            ("active", _("Active in the period")),
            ("risk", _("Risk customers")),
            ("cant_lose", _("Can't lose them")),
            ("loss_making", _("Loss-making")),
        ):
            if getattr(self, flag):
                found.append((what, _("yes")))
        return found


SORTS: dict[str, tuple[str, ...]] = {
    "number": ("customer__customer_number",),
    "name": ("customer__display_name_sort",),
    "tier": ("tier",),
    "revenue": ("revenue",),
    "clv": ("clv_probabilistic",),
    "p_alive": ("p_alive",),
    "churn": ("churn_risk",),
    "profit": ("profit",),
    "potential": ("potential_value",),
    # The dashboard's risk list: can't-lose first, then churn risk, then revenue.
    "risk": ("-cant_lose", "-churn_risk", "-revenue"),
}
DEFAULT_SORT = "-revenue"


def sort_ordering(sort: str) -> tuple[str, ...]:
    """ORDER BY columns for a sort key ("revenue", "-revenue", ...); unknown keys fall back
    to the default. The snapshot id breaks ties so pages never overlap."""
    descending = sort.startswith("-")
    key = sort.removeprefix("-")
    if key not in SORTS:
        return sort_ordering(DEFAULT_SORT)
    columns = SORTS[key]
    if descending:
        columns = tuple(c[1:] if c.startswith("-") else f"-{c}" for c in columns)
    return (*columns, "-id" if descending else "id")


LIST_FIELDS = (
    "id",
    "customer_id",
    "customer__customer_number",
    "customer__kind",
    "customer__organisation_name",
    "customer__first_name",
    "customer__name_prefix",
    "customer__last_name",
    "tier",
    "revenue",
    "clv_probabilistic",
    "p_alive",
    "churn_risk",
    "churn_level",
    "cant_lose",
    "profit",
    "loss_making",
    "lifecycle_stage",
    "value_grid",
    "rfm_segment",
    "potential_value",
    "current_value",
)


def drilldown_snapshots(
    *, run: ScoreRun, filters: DrillFilter, sort: str = DEFAULT_SORT
) -> QuerySet[CustomerSnapshot]:
    """The run's snapshots that match the filter, with their customers, in list order."""
    return (
        CustomerSnapshot.objects.filter(run=run)
        .filter(filters.q())
        .select_related("customer")
        .only(*LIST_FIELDS)
        .order_by(*sort_ordering(sort))
    )


def drilldown_count(*, run: ScoreRun, filters: DrillFilter) -> int | None:
    """The number of customers behind a filter as the run's summary stores it, when the
    filter is one the summary counts (so the list says exactly what the dashboard said,
    without counting a million rows). None when the summary does not know."""
    summary = run.summary or {}
    fields = {
        name for name in filters.__dataclass_fields__ if getattr(filters, name) not in (None, False)
    }
    if not fields:
        return int(summary.get("customers", run.customers))
    if len(fields) == 1:
        (name,) = fields
        value = getattr(filters, name)
        keyed = {
            "tier": None,
            "rfm_segment": "rfm_segments",
            "stage": "lifecycle",
            "grid": "value_grid",
            "churn_level": "churn_levels",
        }
        if name == "tier":
            for row in summary.get("pyramid", []):
                if row["tier"] == value:
                    return int(row["customers"])
            return 0
        if name in keyed:
            return int(summary.get(keyed[name] or "", {}).get(str(value), 0))
        flags = {"cant_lose": "cant_lose", "loss_making": "loss_making"}
        if name in flags:
            return int(summary.get(flags[name], 0))
        if name == "risk":
            return int(summary.get("migration", {}).get("risk_customers", 0))
        if name == "active":
            return int(summary.get("active_customers", 0))
    if fields == {"from_state", "to_state"}:
        counts = summary.get("migration", {}).get("counts")
        if counts:
            return int(counts[filters.from_state][filters.to_state])
    if fields == {"r", "f"}:
        grid = summary.get("rfm_grid")
        if grid and filters.r and filters.f:
            return int(grid[filters.r - 1][filters.f - 1])
    return None


# ---------------------------------------------------------------------------- dashboard


@dataclass(frozen=True)
class CountRow:
    code: int
    label: StrOrPromise
    customers: int
    pct: float
    query: str
    note: StrOrPromise = ""
    extra: str = ""


@dataclass(frozen=True)
class PyramidRow:
    tier: int
    label: StrOrPromise
    customers: int
    pct_customers: float
    revenue: float
    pct_revenue: float
    average: float
    query: str

    @property
    def active(self) -> bool:
        return self.tier in ACTIVE_TIER_CODES


@dataclass(frozen=True)
class MigrationCell:
    from_state: int
    to_state: int
    customers: int
    value_change: float
    query: str
    direction: str  # "up", "down", "same", "new", "lost" or "" (for colouring)


@dataclass(frozen=True)
class MigrationRow:
    label: StrOrPromise
    cells: list[MigrationCell]
    customers: int


@dataclass(frozen=True)
class RfmCell:
    r: int
    f: int
    customers: int
    query: str


@dataclass(frozen=True)
class ClvBin:
    low: float
    high: float | None  # None: open-ended (the last bin also holds everything above it)
    customers: int
    query: str


@dataclass(frozen=True)
class ModelCard:
    fitted: bool
    fallback: str
    customers: int
    time_unit: str
    bgnbd: dict[str, float]
    gamma_gamma: dict[str, float]
    repeat_customers: int
    converged: bool
    margin_ratio: float | None
    non_finite_scores: int
    retention: list[tuple[StrOrPromise, float]]
    settings: dict[str, Any]


@dataclass
class Dashboard:
    run: ScoreRun
    customers: int
    active_customers: int
    revenue: float
    pyramid: list[PyramidRow]
    top20_share: float
    migration: list[MigrationRow]
    migration_columns: list[StrOrPromise]
    risk_count: int
    cant_lose_count: int
    loss_making_count: int
    rfm_rows: list[tuple[int, list[RfmCell]]]
    rfm_segments: list[CountRow]
    clv_bins: list[ClvBin]
    lifecycle: list[CountRow]
    value_grid: list[CountRow]
    churn_levels: list[CountRow]
    model: ModelCard
    risk_customers: list[CustomerSnapshot] = field(default_factory=list)
    loss_making_customers: list[CustomerSnapshot] = field(default_factory=list)
    chart_data: dict[str, Any] = field(default_factory=dict)


def _pct(part: float, whole: float) -> float:
    return round(100.0 * part / whole, 2) if whole else 0.0


def _count_rows(
    counts: dict[str, int],
    choices: type[Any],
    param: str,
    total: int,
    *,
    notes: dict[int, StrOrPromise] | None = None,
    extras: dict[int, str] | None = None,
    skip: Iterable[int] = (),
) -> list[CountRow]:
    rows = []
    for code, label in choices.choices:
        if code in skip:
            continue
        n = int(counts.get(str(code), 0))
        rows.append(
            CountRow(
                code=code,
                label=label,
                customers=n,
                pct=_pct(n, total),
                query=f"{param}={code}",
                note=(notes or {}).get(code, ""),
                extra=(extras or {}).get(code, ""),
            )
        )
    return rows


def _direction(source: int, target: int) -> str:
    active = MigrationState.SMALL
    if source <= active and target <= active:
        return "up" if target < source else ("same" if target == source else "down")
    if source > active and target <= active:
        return "new"
    if source <= active < target:
        return "lost"
    return ""


def _migration(summary: dict[str, Any]) -> list[MigrationRow]:
    moved = summary.get("migration", {})
    counts = moved.get("counts") or [[0] * 6 for _i in range(6)]
    change = moved.get("value_change") or [[0.0] * 6 for _i in range(6)]
    rows = []
    for source in MigrationState:
        cells = [
            MigrationCell(
                from_state=int(source),
                to_state=int(target),
                customers=int(counts[source][target]),
                value_change=float(change[source][target]),
                query=f"from_state={int(source)}&to_state={int(target)}",
                direction=_direction(int(source), int(target)),
            )
            for target in MigrationState
        ]
        rows.append(
            MigrationRow(
                label=STATE_LABELS[source], cells=cells, customers=sum(c.customers for c in cells)
            )
        )
    return rows


def _clv_bins(summary: dict[str, Any]) -> list[ClvBin]:
    histogram = summary.get("clv_histogram") or {}
    edges: list[float] = histogram.get("edges") or []
    counts: list[float] = histogram.get("counts") or []
    bins = []
    for i, n in enumerate(counts):
        low = float(edges[i])
        last = i == len(counts) - 1
        high = None if last else float(edges[i + 1])
        query = "active=1" + (f"&clv_min={low:.2f}" if i else "")
        if high is not None:
            query += f"&clv_max={high:.2f}"
        bins.append(ClvBin(low=low, high=high, customers=int(n), query=query))
    return bins


def _model_card(run: ScoreRun) -> ModelCard:
    fit = run.model_fit or {}
    bg = fit.get("bgnbd") or {}
    gg = fit.get("gamma_gamma") or {}
    retention = [
        (TierChoice(int(code)).label, round(100.0 * float(share), 1))
        for code, share in sorted((fit.get("retention_by_tier") or {}).items())
        if int(code) in TierChoice.values
    ]
    settings = run.settings_used or {}
    return ModelCard(
        fitted="fallback" not in fit and bool(bg),
        fallback=str(fit.get("fallback", "")),
        customers=int(fit.get("customers", 0) or 0),
        time_unit=str(fit.get("time_unit", "week")),
        bgnbd={k: float(bg[k]) for k in ("r", "alpha", "a", "b") if k in bg},
        gamma_gamma={k: float(gg[k]) for k in ("p", "q", "v") if k in gg},
        repeat_customers=int(bg.get("repeat_customers", 0) or 0),
        converged=bool(bg.get("converged", False)) and bool(gg.get("converged", False)),
        margin_ratio=float(fit["margin_ratio"]) if "margin_ratio" in fit else None,
        non_finite_scores=int(fit.get("non_finite_scores", 0) or 0),
        retention=retention,
        settings={
            "period_months": settings.get("period_months"),
            "by_margin": bool(settings.get("by_margin", False)),
            "top": 100 * float(settings.get("top", 0.0)),
            "big": 100 * float(settings.get("big", 0.0)),
            "medium": 100 * float(settings.get("medium", 0.0)),
            "discount_rate": 100 * float(settings.get("discount_rate", 0.0)),
            "horizon_months": settings.get("horizon_months"),
        },
    )


def risk_customers(*, run: ScoreRun, limit: int = LIST_LIMIT) -> list[CustomerSnapshot]:
    """Risk customers (moved down, lost, value fell, or can't-lose), can't-lose first, then
    by churn risk and revenue. Answered by the partial index ``snapshot_run_risk_idx``."""
    return list(
        CustomerSnapshot.objects.filter(run=run)
        .filter(Q(risk=True) | Q(cant_lose=True))
        .select_related("customer")
        .only(*LIST_FIELDS, "movement")
        .order_by("-cant_lose", "-churn_risk", "-revenue")[:limit]
    )


def loss_making_customers(*, run: ScoreRun, limit: int = LIST_LIMIT) -> list[CustomerSnapshot]:
    """Loss-making customers, biggest loss first (partial index ``snapshot_run_loss_idx``)."""
    return list(
        CustomerSnapshot.objects.filter(run=run, loss_making=True)
        .select_related("customer")
        .only(*LIST_FIELDS, "cost_to_serve", "margin")
        .order_by("profit")[:limit]
    )


def dashboard_build(*, run: ScoreRun) -> Dashboard:
    summary: dict[str, Any] = run.summary or {}
    total = int(summary.get("customers", run.customers))
    pyramid = [
        PyramidRow(
            tier=int(row["tier"]),
            label=TierChoice(int(row["tier"])).label,
            customers=int(row["customers"]),
            pct_customers=float(row["pct_customers"]),
            revenue=float(row["revenue"]),
            pct_revenue=float(row["pct_revenue"]),
            average=float(row["average"]),
            query=f"tier={int(row['tier'])}",
        )
        for row in summary.get("pyramid", [])
    ]
    grid = summary.get("rfm_grid") or [[0] * 5 for _i in range(5)]
    rfm_rows = [
        (r, [RfmCell(r, f, int(grid[r - 1][f - 1]), f"r={r}&f={f}") for f in range(1, 6)])
        for r in range(5, 0, -1)
    ]
    dashboard = Dashboard(
        run=run,
        customers=total,
        active_customers=int(summary.get("active_customers", 0)),
        revenue=float(summary.get("revenue", 0.0)),
        pyramid=pyramid,
        top20_share=100.0 * float(summary.get("pareto", {}).get("top20_share", 0.0)),
        migration=_migration(summary),
        migration_columns=[STATE_LABELS[s] for s in MigrationState],
        risk_count=int(summary.get("migration", {}).get("risk_customers", 0)),
        cant_lose_count=int(summary.get("cant_lose", 0)),
        loss_making_count=int(summary.get("loss_making", 0)),
        rfm_rows=rfm_rows,
        rfm_segments=_count_rows(
            summary.get("rfm_segments", {}), RfmSegmentChoice, "rfm_segment", total
        ),
        clv_bins=_clv_bins(summary),
        lifecycle=_count_rows(
            summary.get("lifecycle", {}),
            StageChoice,
            "stage",
            total,
            notes=PLAYBOOKS,
            extras=V_STEPS,
        ),
        value_grid=_count_rows(
            summary.get("value_grid", {}), GridChoice, "grid", total, notes=GRID_EXPLANATIONS
        ),
        churn_levels=_count_rows(summary.get("churn_levels", {}), ChurnLevelChoice, "churn_level", total),
        model=_model_card(run),
        risk_customers=risk_customers(run=run),
        loss_making_customers=loss_making_customers(run=run),
    )
    dashboard.chart_data = _chart_data(dashboard, summary)
    return dashboard


def _chart_data(dashboard: Dashboard, summary: dict[str, Any]) -> dict[str, Any]:
    """Everything the chart script needs, translated here (it has no other text)."""
    pareto = summary.get("pareto", {})
    active_pyramid = dashboard.pyramid
    return {
        "labels": {
            "customers": str(_("Customers")),
            "pct_customers": str(_("% of customers")),
            "pct_revenue": str(_("% of revenue")),
            "revenue_share": str(_("Share of revenue")),
            "customer_share": str(_("Share of customers (best first)")),
            "equality": str(_("Equal shares")),
            "top20": str(_("Top 20%")),
            "previous": str(_("Previous period")),
            "current": str(_("This period")),
            "recency": str(_("R score (recency)")),
            "frequency": str(_("F score (frequency)")),
            "clv": str(_("CLV (BG/NBD + Gamma-Gamma)")),
            "value_change": str(_("Revenue change")),
        },
        "pyramid": [
            {
                "label": str(row.label),
                "query": row.query,
                "customers": row.customers,
                "pct_customers": row.pct_customers,
                "pct_revenue": row.pct_revenue,
            }
            for row in active_pyramid
        ],
        "pareto": {
            "x": [round(100 * v, 2) for v in pareto.get("customer_share", [])],
            "y": [round(100 * v, 2) for v in pareto.get("value_share", [])],
            "top20": round(dashboard.top20_share, 1),
        },
        "migration": {
            "states": [str(s) for s in dashboard.migration_columns],
            "cells": [
                [c.to_state, c.from_state, c.customers, c.query, round(c.value_change, 2)]
                for row in dashboard.migration
                for c in row.cells
            ],
        },
        "rfm": [[c.f - 1, c.r - 1, c.customers, c.query] for _r, row in dashboard.rfm_rows for c in row],
        "clv": [
            {"low": b.low, "high": b.high, "customers": b.customers, "query": b.query}
            for b in dashboard.clv_bins
        ],
        "lifecycle": [
            {"label": str(r.label), "customers": r.customers, "query": r.query}
            for r in dashboard.lifecycle
        ],
        "grid": [
            {"label": str(r.label), "customers": r.customers, "query": r.query, "code": r.code}
            for r in dashboard.value_grid
        ],
    }


# ---------------------------------------------------------------------------- customer card


def customer_score_context(*, customer_id: int) -> dict[str, Any]:
    """Context for ``scoring/customer_scores.html`` on the customer file: the customer's
    snapshots from complete runs, newest first."""
    return {"snapshots": customer_snapshots(customer_id=customer_id)}
