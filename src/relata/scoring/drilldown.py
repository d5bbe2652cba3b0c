"""The customer lists behind the dashboard's numbers: which snapshots of a run a number
counts (``DrillFilter``), in which order, and how many there are (from the run's summary
where it knows, so a list of a million says at once what the dashboard said)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
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
from relata.scoring.labels import STATE_LABELS
from relata.scoring.models import CustomerSnapshot, ScoreRun

ACTIVE_TIER_CODES: tuple[int, ...] = tuple(int(t) for t in ACTIVE_TIERS)


def _state_tiers() -> dict[int, tuple[int, ...]]:
    """Tier codes per migration state, from the analytics core's own mapping."""
    codes = np.array([int(t) for t in Tier], dtype=np.int64)
    states = migration_states(codes)
    return {
        int(state): tuple(int(c) for c, s in zip(codes, states, strict=True) if s == state)
        for state in MigrationState
    }


STATE_TIERS = _state_tiers()


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
