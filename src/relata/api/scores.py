"""/api/scores and /api/customers/{id}/scores: what the value engine computed, read-only.

Period-level tables (pyramid, migration matrix, RFM grid) come from the summary JSON stored
with each run, so they cost one row read however many customers were scored. Only complete
runs are visible: a running or failed run is "not found", as it is on the pages.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router

from relata.api.pagination import paginate
from relata.api.permissions import require_perms, require_visible_customer, visible_rows
from relata.api.responses import ITEM_ERRORS
from relata.api.schemas.common import Page, PageQuery
from relata.api.schemas.scores import (
    MIGRATION_STATE_LABELS,
    CustomerScoresOut,
    MigrationOut,
    RfmOut,
    RunOut,
    RunQuery,
    ScoredCustomerFilters,
    ScoredCustomerOut,
    TiersOut,
    code_label,
)
from relata.customers.models import Customer
from relata.scoring.choices import RfmSegmentChoice, TierChoice
from relata.scoring.models import CustomerSnapshot, RunStatus, ScoreRun
from relata.scoring.selectors import customer_snapshots, latest_run
from relata.scoring.services import months_before

router = Router(tags=["Scores"])
customer_router = Router(tags=["Scores"])

SCORES_PERM = "scoring.view_customersnapshot"
CUSTOMERS_PERM = "customers.view_customer"
CENT = Decimal("0.01")

SNAPSHOT_ORDER_BY = {
    "revenue": ("revenue", "customer_id"),
    "-revenue": ("-revenue", "customer_id"),
    "clv": ("clv_probabilistic", "customer_id"),
    "-clv": ("-clv_probabilistic", "customer_id"),
    "profit": ("profit", "customer_id"),
    "-profit": ("-profit", "customer_id"),
    "churn_risk": ("churn_risk", "customer_id"),
    "-churn_risk": ("-churn_risk", "customer_id"),
    "number": ("customer__customer_number",),
    "-number": ("-customer__customer_number",),
}
# The customer columns shown with scores (number and display name), so the wide customer
# row (notes, search text) is not read.
CUSTOMER_COLUMNS = (
    "customer_number",
    "kind",
    "first_name",
    "name_prefix",
    "last_name",
    "organisation_name",
)


def money(value: Any) -> Decimal:
    """A summary amount (a float in the run's JSON) as a decimal with cents."""
    return Decimal(repr(float(value or 0))).quantize(CENT)


def score_run(run_id: int | None, *, with_summary: bool = True) -> ScoreRun:
    """The complete run with this id, or the latest complete run; 404 otherwise."""
    if run_id is None:
        run = latest_run()
        if run is None:
            raise Http404(_("No complete score run yet; run `relata score` first."))
        return run
    runs = ScoreRun.objects.filter(pk=run_id, status=RunStatus.COMPLETE)
    if not with_summary:
        runs = runs.defer("summary")
    found = runs.first()
    if found is None:
        raise Http404(_("No complete score run with id %(id)s.") % {"id": run_id})
    return found


def run_ref(run: ScoreRun) -> dict[str, Any]:
    return {
        "id": run.pk,
        "period_end": run.period_end,
        "finished_at": run.finished_at,
        "customers": run.customers,
    }


def snapshot_list(
    *,
    run: ScoreRun,
    filters: ScoredCustomerFilters,
) -> QuerySet[CustomerSnapshot]:
    """The run's snapshots with their customers' names, filtered and ordered."""
    snapshots = CustomerSnapshot.objects.filter(run=run)
    conditions = {
        "tier": filters.tier,
        "rfm_segment": filters.rfm_segment,
        "lifecycle_stage": filters.stage,
        "churn_level": filters.churn_level,
        "cant_lose": filters.cant_lose,
        "loss_making": filters.loss_making,
    }
    snapshots = snapshots.filter(
        **{field: value for field, value in conditions.items() if value is not None}
    )
    # The page's customers are fetched in a second query rather than joined: a join would
    # be made for every snapshot of the run before the sort picks the page.
    names = Customer.objects.only(*CUSTOMER_COLUMNS)
    return snapshots.prefetch_related(Prefetch("customer", queryset=names)).order_by(
        *SNAPSHOT_ORDER_BY[filters.ordering]
    )


@router.get(
    "/runs",
    response={200: Page[RunOut], **ITEM_ERRORS},
    summary="List complete score runs",
)
def list_runs(request: HttpRequest, page: Query[PageQuery]) -> dict[str, Any]:
    """Complete score runs, newest period first, with the settings and fitted models used."""
    require_perms(request, SCORES_PERM)
    runs = (
        ScoreRun.objects.filter(status=RunStatus.COMPLETE)
        .defer("summary")
        .order_by("-period_end", "-id")
    )
    return paginate(request, runs, page)


@router.get(
    "/tiers",
    response={200: TiersOut, **ITEM_ERRORS},
    summary="Customer pyramid of a run",
)
def get_tiers(request: HttpRequest, query: Query[RunQuery]) -> dict[str, Any]:
    """Customers and revenue per pyramid tier, and the Pareto (80/20) curve."""
    require_perms(request, SCORES_PERM)
    run = score_run(query.run)
    summary = run.summary or {}
    pareto = summary.get("pareto", {})
    return {
        "run": run_ref(run),
        "customers": summary.get("customers", run.customers),
        "active_customers": summary.get("active_customers", 0),
        "revenue": money(summary.get("revenue")),
        "pyramid": [
            {
                "tier": row["tier"],
                "tier_label": code_label(TierChoice, row["tier"]),
                "customers": row["customers"],
                "pct_customers": row["pct_customers"],
                "revenue": money(row["revenue"]),
                "pct_revenue": row["pct_revenue"],
                "average_revenue": money(row["average"]),
            }
            for row in summary.get("pyramid", [])
        ],
        "pareto": {
            "top20_share": pareto.get("top20_share", 0.0),
            "customer_share": pareto.get("customer_share", []),
            "value_share": pareto.get("value_share", []),
        },
    }


@router.get(
    "/migration",
    response={200: MigrationOut, **ITEM_ERRORS},
    summary="Customer migration matrix of a run",
)
def get_migration(request: HttpRequest, query: Query[RunQuery]) -> dict[str, Any]:
    """How customers moved between tiers from the period before to the run's period.

    Rows are the state in the earlier period, columns the state in the run's period, both in
    the order of ``states``. "Not a customer" in a row into an active column is a new
    customer; an active row into Inactive (or Not a customer) is a lost one.
    """
    require_perms(request, SCORES_PERM)
    run = score_run(query.run)
    matrix = (run.summary or {}).get("migration", {})
    months = (run.settings_used or {}).get("period_months")
    previous_end = months_before(run.period_end, int(months)) if months else None
    return {
        "run": run_ref(run),
        "period_months": months,
        "previous_period_end": previous_end,
        "states": [
            {"state": int(state), "label": str(label)}
            for state, label in MIGRATION_STATE_LABELS.items()
        ],
        "counts": matrix.get("counts", []),
        "value_change": [[money(cell) for cell in row] for row in matrix.get("value_change", [])],
        "risk_customers": matrix.get("risk_customers", 0),
    }


@router.get(
    "/rfm",
    response={200: RfmOut, **ITEM_ERRORS},
    summary="RFM grid and segments of a run",
)
def get_rfm(request: HttpRequest, query: Query[RunQuery]) -> dict[str, Any]:
    """Customers per recency × frequency score, and per RFM segment (all segments listed)."""
    require_perms(request, SCORES_PERM)
    run = score_run(query.run)
    summary = run.summary or {}
    grid: list[list[int]] = summary.get("rfm_grid", [])
    segment_counts: dict[str, int] = summary.get("rfm_segments", {})
    return {
        "run": run_ref(run),
        "grid": grid,
        "scored_customers": sum(sum(row) for row in grid),
        "segments": [
            {
                "segment": int(segment),
                "label": code_label(RfmSegmentChoice, int(segment)),
                "customers": int(segment_counts.get(str(int(segment)), 0)),
            }
            for segment in RfmSegmentChoice
        ],
    }


@router.get(
    "/customers",
    response={200: Page[ScoredCustomerOut], **ITEM_ERRORS},
    summary="List the scored customers of a run",
)
def list_scored_customers(
    request: HttpRequest, filters: Query[ScoredCustomerFilters]
) -> dict[str, Any]:
    """One row per customer of the run, paginated; all filters combine (AND)."""
    require_perms(request, SCORES_PERM, CUSTOMERS_PERM)
    run = score_run(filters.run, with_summary=False)
    snapshots = visible_rows(request, snapshot_list(run=run, filters=filters))
    page = paginate(request, snapshots, filters)
    # The snapshot table has no foreign key (docs/decisions/0600): a customer deleted while
    # the run was writing can leave a snapshot without a customer until the period is
    # scored again. It is left out of the page rather than checked with a join on every
    # request; ``count`` may still include it.
    page["items"] = [item for item in page["items"] if _has_customer(item)]
    return page


def _has_customer(snapshot: CustomerSnapshot) -> bool:
    """False for a snapshot whose (prefetched) customer was not found."""
    try:
        snapshot.customer  # noqa: B018 -- read from the prefetch cache, no query
    except Customer.DoesNotExist:
        return False
    return True


@customer_router.get(
    "/{customer_id}/scores",
    response={200: CustomerScoresOut, **ITEM_ERRORS},
    summary="Get a customer's scores",
)
def get_customer_scores(request: HttpRequest, customer_id: int) -> dict[str, Any]:
    """The customer's latest snapshot and all snapshots of complete runs, newest first.

    A customer who has not been scored yet has ``latest: null`` and an empty history.
    """
    require_perms(request, SCORES_PERM, CUSTOMERS_PERM)
    require_visible_customer(request, customer_id)
    customer = Customer.objects.only(*CUSTOMER_COLUMNS).filter(pk=customer_id).first()
    if customer is None:
        raise Http404(_("No customer with id %(id)s.") % {"id": customer_id})
    history = customer_snapshots(customer_id=customer.pk)
    return {
        "customer_id": customer.pk,
        "customer_number": customer.customer_number,
        "display_name": customer.display_name,
        "latest": history[0] if history else None,
        "history": history,
    }
