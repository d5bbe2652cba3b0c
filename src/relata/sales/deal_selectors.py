"""Reads of deals: the board, the list, the funnel report and the win-back list."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import (
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Concat, NullIf, Trim
from django.utils import timezone

from relata.accounts.visibility import visible_by_customer
from relata.contacts.models import ContactMoment
from relata.customers.models import Customer
from relata.sales.models import (
    OPEN_DEAL_STAGES,
    Deal,
    DealSource,
    DealStage,
    DealStageChange,
    LostReason,
    Order,
)
from relata.scoring.choices import MovementChoice, StageChoice, TierChoice
from relata.scoring.models import CustomerSnapshot
from relata.scoring.selectors import latest_run

BOARD_STAGES = (*OPEN_DEAL_STAGES, DealStage.WON, DealStage.LOST)
# Won and lost deals stay on the board this long after closing.
CLOSED_ON_BOARD_DAYS = 30
# Cards per column; the rest is reached through the list ("N more").
COLUMN_LIMIT = 25
# The stages a deal passes on its way to an order, in order.
FUNNEL_STAGES = (DealStage.LEAD, DealStage.QUALIFIED, DealStage.QUOTE, DealStage.WON)
RANK: dict[str, int] = {stage.value: index for index, stage in enumerate(FUNNEL_STAGES)}

CARD_FIELDS = (
    "id",
    "title",
    "stage",
    "value",
    "probability",
    "version",
    "expected_close_date",
    "stage_changed_at",
    "closed_at",
    "lost_reason",
    "order_id",
    "owner_id",
    "customer_id",
    "customer__kind",
    "customer__first_name",
    "customer__name_prefix",
    "customer__last_name",
    "customer__organisation_name",
    "customer__customer_number",
    "owner__username",
    "owner__first_name",
)

SORTABLE = {
    "created": ("created_at", "id"),
    "-created": ("-created_at", "-id"),
    "value": ("value", "id"),
    "-value": ("-value", "-id"),
    "close": ("expected_close_date", "id"),
    "-close": ("-expected_close_date", "-id"),
    "title": ("title", "id"),
    "-title": ("-title", "-id"),
    "stage": ("stage", "-value", "id"),
}


def _search(deals: QuerySet[Deal], query: str) -> QuerySet[Deal]:
    """Every term must appear in the deal's title or in the customer's search text.

    Each term finds its customers once (through the trigram index on PostgreSQL) and the
    deals are matched by customer id: reading the customer's text per deal costs an index
    look-up for each of the board's deals, about four times slower with 25,000 of them
    (docs/performance.md, "Deal board")."""
    terms = query.replace("\x00", "").lower().split()[:6]
    for term in terms:
        customers = Customer.objects.filter(search_text__contains=term).order_by().values("pk")
        deals = deals.filter(Q(title__icontains=term) | Q(customer_id__in=customers))
    return deals


def deal_search(
    *,
    query: str = "",
    stage: str = "",
    owner_id: int | None = None,
    source: str = "",
    customer_id: int | None = None,
    open_only: bool = False,
    sort: str = "-created",
    viewer: Any = None,
) -> QuerySet[Deal]:
    deals = visible_by_customer(viewer, Deal.objects.select_related("customer", "owner"))
    deals = _search(deals, query)
    if stage in DealStage.values:
        deals = deals.filter(stage=stage)
    elif open_only:
        deals = deals.filter(stage__in=OPEN_DEAL_STAGES)
    if owner_id is not None:
        deals = deals.filter(owner_id=owner_id)
    if source in DealSource.values:
        deals = deals.filter(source=source)
    if customer_id is not None:
        deals = deals.filter(customer_id=customer_id)
    return deals.order_by(*SORTABLE.get(sort, SORTABLE["-created"]))


@dataclass
class BoardColumn:
    stage: str
    label: str
    deals: list[Deal]
    count: int
    total: Decimal
    weighted: Decimal

    @property
    def more(self) -> int:
        return self.count - len(self.deals)

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_DEAL_STAGES


def deal_board(
    *,
    owner_id: int | None = None,
    source: str = "",
    query: str = "",
    closed_days: int = CLOSED_ON_BOARD_DAYS,
    limit: int = COLUMN_LIMIT,
    viewer: Any = None,
) -> list[BoardColumn]:
    """The kanban: open stages with their biggest deals first, and the deals won or lost in
    the last ``closed_days`` days, newest first. One query counts and sums every column;
    one per column fetches its cards (index ``deal_stage_value_idx`` for open stages)."""
    deals = visible_by_customer(viewer, Deal.objects.all())
    if owner_id is not None:
        deals = deals.filter(owner_id=owner_id)
    if source in DealSource.values:
        deals = deals.filter(source=source)
    since = timezone.now() - timedelta(days=closed_days)
    closed_recently = Q(stage__in=(DealStage.WON, DealStage.LOST), closed_at__gte=since)
    visible = deals.filter(Q(stage__in=OPEN_DEAL_STAGES) | closed_recently)
    if query.strip():
        # Search the board's deals once; totals and columns then read the matches by id.
        matches = list(_search(visible, query).order_by().values_list("pk", flat=True))
        deals = deals.filter(pk__in=matches)
        visible = visible.filter(pk__in=matches)
    weighted = ExpressionWrapper(
        F("value") * F("probability"), output_field=DecimalField(max_digits=20, decimal_places=2)
    )
    totals = {
        row["stage"]: row
        for row in visible.order_by()
        .values("stage")
        .annotate(n=Count("id"), total=Sum("value"), weighted=Sum(weighted))
    }
    cards = deals.select_related("customer", "owner").only(*CARD_FIELDS)
    columns = []
    for stage in BOARD_STAGES:
        if stage in OPEN_DEAL_STAGES:
            in_column = cards.filter(stage=stage).order_by("-value", "id")
        else:
            in_column = cards.filter(stage=stage, closed_at__gte=since).order_by(
                "-closed_at", "-id"
            )
        row = totals.get(stage, {})
        columns.append(
            BoardColumn(
                stage=stage,
                label=str(DealStage(stage).label),
                deals=list(in_column[:limit]),
                count=row.get("n", 0),
                total=row.get("total") or Decimal(0),
                weighted=(row.get("weighted") or Decimal(0)) / 100,
            )
        )
    return columns


def deal_detail(*, pk: int) -> Deal | None:
    return (
        Deal.objects.select_related("customer", "owner", "order", "created_by")
        .filter(pk=pk)
        .first()
    )


def deal_history(*, deal: Deal) -> QuerySet[DealStageChange]:
    return deal.stage_changes.select_related("changed_by").order_by("changed_at", "id")


def deal_contact_moments(*, deal: Deal, limit: int = 50) -> list[ContactMoment]:
    return list(deal.contact_moments.select_related("staff").order_by("-occurred_at")[:limit])


def customer_deals(*, customer_id: int, limit: int = 10) -> tuple[list[Deal], int]:
    """A customer's deals, open ones first, and how many there are."""
    deals = Deal.objects.filter(customer_id=customer_id).select_related("owner")
    open_first = deals.order_by(F("closed_at").desc(nulls_first=True), "-created_at", "-id")
    return list(open_first[:limit]), deals.count()


def owners_with_deals() -> list[Any]:
    """Users who own at least one deal, for the owner filters."""
    user_model = get_user_model()
    owns = Deal.objects.filter(owner_id=OuterRef("pk"))
    return list(user_model.objects.filter(Exists(owns)).order_by("username"))


# --- Funnel ---------------------------------------------------------------------------


@dataclass
class StageStep:
    stage: str
    label: str
    reached: int
    # Of the deals that reached this stage, the share that reached the next (None for won).
    conversion: float | None = None
    # Days from entering the previous funnel stage to entering this one.
    median_days: float | None = None
    mean_days: float | None = None


@dataclass
class FunnelRow:
    key: str
    label: str
    deals: int
    steps: list[StageStep]
    lost: int
    won_value: Decimal
    lead_to_won: float | None
    median_days_to_won: float | None
    mean_days_to_won: float | None
    lost_reasons: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class Funnel:
    date_from: date
    date_to: date
    overall: FunnelRow
    by_owner: list[FunnelRow]
    by_source: list[FunnelRow]


@dataclass
class _DealPath:
    owner_id: int | None
    owner_label: str
    source: str
    value: Decimal
    lost_reason: str
    stage: str
    entered: dict[str, datetime] = field(default_factory=dict)

    @property
    def top_rank(self) -> int:
        ranks = [RANK[s] for s in self.entered if s in RANK]
        return max(ranks) if ranks else 0


def _days(delta: timedelta) -> float:
    return delta.total_seconds() / 86400


def _funnel_row(key: str, label: str, paths: list[_DealPath]) -> FunnelRow:
    reached = [sum(1 for p in paths if p.top_rank >= rank) for rank in range(len(RANK))]
    steps = []
    for rank, stage in enumerate(FUNNEL_STAGES):
        step = StageStep(stage=stage, label=str(stage.label), reached=reached[rank])
        if rank + 1 < len(FUNNEL_STAGES) and reached[rank]:
            step.conversion = reached[rank + 1] / reached[rank]
        if rank:
            previous = FUNNEL_STAGES[rank - 1]
            days = [
                _days(p.entered[stage] - p.entered[previous])
                for p in paths
                if stage in p.entered and previous in p.entered
            ]
            if days:
                step.median_days = statistics.median(days)
                step.mean_days = statistics.fmean(days)
        steps.append(step)
    to_won = [
        _days(p.entered[DealStage.WON] - min(p.entered.values()))
        for p in paths
        if DealStage.WON in p.entered
    ]
    lost = [p for p in paths if p.stage == DealStage.LOST]
    reasons: dict[str, int] = defaultdict(int)
    for p in lost:
        reasons[p.lost_reason] += 1
    reason_labels = dict(LostReason.choices)
    return FunnelRow(
        key=key,
        label=label,
        deals=len(paths),
        steps=steps,
        lost=len(lost),
        won_value=sum((p.value for p in paths if p.stage == DealStage.WON), Decimal(0)),
        lead_to_won=(reached[-1] / reached[0]) if reached[0] else None,
        median_days_to_won=statistics.median(to_won) if to_won else None,
        mean_days_to_won=statistics.fmean(to_won) if to_won else None,
        lost_reasons=sorted(
            ((str(reason_labels.get(r, r or "—")), n) for r, n in reasons.items()),
            key=lambda item: -item[1],
        ),
    )


def _grouped(paths: Iterable[_DealPath], key_of: Any, label_of: Any) -> list[FunnelRow]:
    groups: dict[Any, list[_DealPath]] = defaultdict(list)
    for path in paths:
        groups[key_of(path)].append(path)
    rows = [_funnel_row(str(key), label_of(members[0]), members) for key, members in groups.items()]
    return sorted(rows, key=lambda row: (-row.deals, row.label))


def deal_funnel(*, date_from: date, date_to: date) -> Funnel:
    """Conversion and lead times of the deals created from ``date_from`` to ``date_to``
    (inclusive), over all deals and split per owner and per source.

    A deal counts as having reached every funnel stage up to the furthest it entered (a deal
    created as a quote has been a lead too). Lead times run from entering one stage to
    entering the next, over the deals whose history holds both; the database groups the
    history into one row per deal and stage (its first entry).
    """
    tz = timezone.get_current_timezone()
    start = datetime.combine(date_from, time.min, tzinfo=tz)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=tz)
    deals = Deal.objects.filter(created_at__gte=start, created_at__lt=end)
    paths: dict[int, _DealPath] = {}
    for row in deals.values(
        "id",
        "owner_id",
        "owner__username",
        "owner__first_name",
        "source",
        "value",
        "lost_reason",
        "stage",
    ).order_by():
        paths[row["id"]] = _DealPath(
            owner_id=row["owner_id"],
            owner_label=row["owner__first_name"] or row["owner__username"] or "",
            source=row["source"],
            value=row["value"],
            lost_reason=row["lost_reason"],
            stage=row["stage"],
        )
    entries = (
        DealStageChange.objects.filter(deal__created_at__gte=start, deal__created_at__lt=end)
        .values("deal_id", "to_stage")
        .annotate(first=Min("changed_at"))
        .order_by()
    )
    for entry in entries:
        path = paths.get(entry["deal_id"])
        if path is not None:
            path.entered[entry["to_stage"]] = entry["first"]
    for path in paths.values():
        # Deals imported without history still count in the stage they are in.
        if not path.entered:
            path.entered[path.stage] = start
    all_paths = list(paths.values())
    source_labels = dict(DealSource.choices)
    return Funnel(
        date_from=date_from,
        date_to=date_to,
        overall=_funnel_row("all", "", all_paths),
        by_owner=_grouped(
            all_paths,
            lambda p: p.owner_id or 0,
            lambda p: p.owner_label,
        ),
        by_source=_grouped(
            all_paths, lambda p: p.source, lambda p: str(source_labels.get(p.source, p.source))
        ),
    )


# --- Win-back -------------------------------------------------------------------------

LOST_SNAPSHOT = (
    Q(lifecycle_stage=StageChoice.LOST)
    | Q(movement=MovementChoice.LOST)
    | Q(tier=TierChoice.INACTIVE, previous_tier__in=(TierChoice.TOP, TierChoice.BIG))
)
PROFITABLE_SNAPSHOT = (
    Q(profit__gt=0)
    | Q(tier__in=(TierChoice.TOP, TierChoice.BIG))
    | Q(previous_tier__in=(TierChoice.TOP, TierChoice.BIG))
)


# The owner as people see them elsewhere: "Sanne de Vries", or the username if unnamed.
_USER_NAME = Coalesce(
    NullIf(Trim(Concat("owner__first_name", Value(" "), "owner__last_name")), Value("")),
    "owner__username",
)


def win_back_customers(*, owner_id: int | None = None) -> QuerySet[Customer]:
    """Profitable customers worth winning back: those with a lost deal, or whom the latest
    complete score run shows as lost, whose latest snapshot is profitable (profit above
    zero, or a Top or Big tier now or a period earlier). Without a score run, a customer
    with a lost deal counts as profitable when any of their orders had a positive margin.

    Annotated with the latest lost deal (id, title, value, reason, owner), the snapshot's
    profit and tier, and the last contact moment; biggest lost value first."""
    run = latest_run()
    lost_deals = Deal.objects.filter(customer_id=OuterRef("pk"), stage=DealStage.LOST)
    latest_lost = lost_deals.order_by("-closed_at", "-id")
    customers = Customer.objects.all()
    if run is not None:
        # Driven from the run's profitable snapshots and the lost deals (both small next
        # to the customers), so the customers table is only probed by id.
        profitable = CustomerSnapshot.objects.filter(PROFITABLE_SNAPSHOT, run=run)
        lost_customers = profitable.filter(LOST_SNAPSHOT).order_by().values("customer_id")
        lost_deal_customers = (
            Deal.objects.filter(
                stage=DealStage.LOST,
                customer_id__in=profitable.values("customer_id"),
            )
            .order_by()
            .values("customer_id")
        )
        customers = customers.filter(pk__in=lost_customers.union(lost_deal_customers))
        snapshots = CustomerSnapshot.objects.filter(run=run, customer_id=OuterRef("pk"))
        customers = customers.annotate(
            profit=Subquery(snapshots.values("profit")[:1]),
            tier=Subquery(snapshots.values("tier")[:1]),
        )
    else:
        with_margin = Order.objects.filter(
            customer_id=OuterRef("pk"), total_amount__gt=F("total_cost")
        )
        customers = customers.filter(Exists(lost_deals), Exists(with_margin))
    if owner_id is not None:
        customers = customers.filter(
            Q(account_owner_id=owner_id) | Exists(lost_deals.filter(owner_id=owner_id))
        )
    return (
        customers.select_related("account_owner")
        .annotate(
            lost_deal_id=Subquery(latest_lost.values("id")[:1]),
            lost_deal_title=Subquery(latest_lost.values("title")[:1]),
            lost_value=Subquery(latest_lost.values("value")[:1]),
            lost_reason=Subquery(latest_lost.values("lost_reason")[:1]),
            lost_at=Subquery(latest_lost.values("closed_at")[:1]),
            lost_owner=Subquery(latest_lost.values(owner_name=_USER_NAME)[:1]),
            last_contact=Subquery(
                ContactMoment.objects.filter(customer_id=OuterRef("pk"))
                .order_by("-occurred_at")
                .values("occurred_at")[:1]
            ),
        )
        .order_by(F("lost_value").desc(nulls_last=True), "display_name_sort", "id")
    )


def win_back_run_label() -> date | None:
    run = latest_run()
    return run.period_end if run else None
