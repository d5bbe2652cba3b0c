"""Reads of the loyalty-quadrant page (DOMAIN.md §7): attitudinal against behavioural loyalty
after Dick & Basu (1994), "Customer loyalty: toward an integrated conceptual framework",
Journal of the Academy of Marketing Science 22(2). Customers who like the brand and buy are
truly loyal; who buy without liking it are captive (Dick & Basu: spurious loyalty); who like
it but buy little are latent; who do neither show no loyalty. Without a survey answer the
attitude is unknown.

The quadrant of each customer is stored on the snapshot by ``relata score``; these reads
count, sample and compare snapshots of complete runs."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, OuterRef, Subquery, Sum
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from relata.feedback.influence_selectors import SCATTER_LIMIT, Scatter, scatter_sample
from relata.scoring.choices import QuadrantChoice
from relata.scoring.models import CustomerSnapshot, ScoreRun

#: Movement between two runs joins their snapshots customer by customer; above this many
#: customers the page leaves it out rather than make everyone wait.
MOVEMENT_MAX_CUSTOMERS = 250_000


@dataclass(frozen=True)
class Guide:
    meaning: StrOrPromise
    action: StrOrPromise
    badge: str
    icon: str


GUIDES: dict[int, Guide] = {
    QuadrantChoice.TRUE_LOYAL: Guide(
        meaning=_("Like you and buy from you: high attitudinal and high behavioural loyalty."),
        action=_(
            "Reward them, and ask for referrals and reviews: their word carries, and they "
            "are glad to give it."
        ),
        badge="text-bg-success",
        icon="bi-heart-fill",
    ),
    QuadrantChoice.CAPTIVE: Guide(
        meaning=_(
            "Buy a lot but are not attached: they stay for lack of an alternative or through "
            "structural ties (a contract, habit, switching costs). Dick & Basu call this "
            "spurious loyalty."
        ),
        action=_(
            "Improve their experience before a competitor frees them: ask what bothers them, "
            "fix friction, and build a bond that is not only structural."
        ),
        badge="text-bg-warning",
        icon="bi-lock-fill",
    ),
    QuadrantChoice.LATENT: Guide(
        meaning=_(
            "Like you but buy little: price, availability or the occasion holds them back, "
            "not their opinion of you."
        ),
        action=_(
            "Give them reasons and occasions to buy: cross-sell what fits, remind them at the "
            "right moment, remove the obstacle they name."
        ),
        badge="text-bg-info",
        icon="bi-hourglass-split",
    ),
    QuadrantChoice.NONE: Guide(
        meaning=_("Neither attached nor buying much."),
        action=_(
            "Don't over-invest: serve them efficiently, and try to win back only those whose "
            "value makes it worth it."
        ),
        badge="text-bg-secondary",
        icon="bi-dash-circle",
    ),
    QuadrantChoice.UNKNOWN: Guide(
        meaning=_("Never answered a survey, so their attitude is unknown."),
        action=_("Send them a survey (NPS) to learn where they stand."),
        badge="text-bg-light border",
        icon="bi-question-circle",
    ),
}

#: The 2×2 as drawn: attitude high on top, behaviour high on the right.
GRID: tuple[tuple[int, int], tuple[int, int]] = (
    (QuadrantChoice.LATENT, QuadrantChoice.TRUE_LOYAL),
    (QuadrantChoice.NONE, QuadrantChoice.CAPTIVE),
)


@dataclass(frozen=True)
class QuadrantRow:
    code: int
    label: StrOrPromise
    customers: int
    pct: float  # of all scored customers
    pct_known: float | None  # of the customers whose attitude is known (None for unknown)
    revenue: Decimal
    pct_revenue: float
    clv: Decimal
    guide: Guide

    @property
    def average_clv(self) -> Decimal:
        return (self.clv / self.customers).quantize(Decimal(1)) if self.customers else Decimal(0)


@dataclass(frozen=True)
class QuadrantOverview:
    rows: dict[int, QuadrantRow]
    customers: int
    known: int

    @property
    def grid(self) -> list[list[QuadrantRow]]:
        return [[self.rows[code] for code in line] for line in GRID]

    @property
    def unknown(self) -> QuadrantRow:
        return self.rows[QuadrantChoice.UNKNOWN]

    @property
    def ordered(self) -> list[QuadrantRow]:
        """True loyal, captive, latent, none, unknown: the table's order."""
        order = (
            QuadrantChoice.TRUE_LOYAL,
            QuadrantChoice.CAPTIVE,
            QuadrantChoice.LATENT,
            QuadrantChoice.NONE,
            QuadrantChoice.UNKNOWN,
        )
        return [self.rows[code] for code in order]


def _pct(part: float, whole: float) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


def quadrant_overview(*, run: ScoreRun) -> QuadrantOverview:
    """Customers, revenue and CLV per quadrant: one GROUP BY over the run."""
    grouped = {
        row["loyalty_quadrant"]: row
        for row in CustomerSnapshot.objects.filter(run=run)
        .order_by()
        .values("loyalty_quadrant")
        .annotate(n=Count("id"), revenue=Sum("revenue"), clv=Sum("clv_probabilistic"))
    }
    total = sum(row["n"] for row in grouped.values())
    revenue = sum((Decimal(row["revenue"] or 0) for row in grouped.values()), Decimal(0))
    unknown = grouped.get(QuadrantChoice.UNKNOWN, {}).get("n", 0)
    known = total - unknown
    rows = {}
    for code, label in QuadrantChoice.choices:
        row = grouped.get(code, {})
        n = int(row.get("n", 0))
        rows[code] = QuadrantRow(
            code=code,
            label=label,
            customers=n,
            pct=_pct(n, total),
            pct_known=None if code == QuadrantChoice.UNKNOWN else _pct(n, known),
            revenue=Decimal(row.get("revenue") or 0),
            pct_revenue=_pct(float(row.get("revenue") or 0), float(revenue)),
            clv=Decimal(row.get("clv") or 0),
            guide=GUIDES[code],
        )
    return QuadrantOverview(rows=rows, customers=total, known=known)


@dataclass(frozen=True)
class Movement:
    """Customers per (quadrant in the previous run, quadrant now); ``None`` as the earlier
    quadrant: not scored in the previous run."""

    previous: ScoreRun
    counts: dict[tuple[int | None, int], int]
    columns: list[tuple[int, StrOrPromise]]
    rows: list[tuple[int | None, StrOrPromise]]

    def cell(self, before: int | None, after: int) -> int:
        return self.counts.get((before, after), 0)

    @property
    def table(self) -> list[tuple[int | None, StrOrPromise, list[tuple[int, int]], int]]:
        """(earlier code, label, [(code now, customers)], row total) per row."""
        lines = []
        for before, label in self.rows:
            cells = [(after, self.cell(before, after)) for after, _l in self.columns]
            lines.append((before, label, cells, sum(n for _a, n in cells)))
        return lines

    @property
    def moved(self) -> int:
        """Customers scored in both runs whose quadrant differs."""
        return sum(
            n
            for (before, after), n in self.counts.items()
            if before is not None and before != after
        )


def quadrant_movement(*, run: ScoreRun, previous: ScoreRun | None) -> Movement | None:
    """How customers moved between quadrants since the previous run: one grouped query with a
    correlated look-up of the earlier quadrant (the (run, customer) unique index answers it).
    None without a previous run, or for runs above ``MOVEMENT_MAX_CUSTOMERS``."""
    if previous is None or run.customers > MOVEMENT_MAX_CUSTOMERS:
        return None
    earlier = CustomerSnapshot.objects.filter(
        run=previous, customer_id=OuterRef("customer_id")
    ).values("loyalty_quadrant")[:1]
    counts = {
        (row["before"], row["loyalty_quadrant"]): row["n"]
        for row in CustomerSnapshot.objects.filter(run=run)
        .order_by()
        .annotate(before=Subquery(earlier))
        .values("before", "loyalty_quadrant")
        .annotate(n=Count("id"))
    }
    columns: list[tuple[int, StrOrPromise]] = list(QuadrantChoice.choices)
    rows: list[tuple[int | None, StrOrPromise]] = [*columns, (None, _("Not scored then"))]
    return Movement(previous=previous, counts=counts, columns=columns, rows=rows)


def quadrant_scatter(*, run: ScoreRun, known: int, limit: int = SCATTER_LIMIT) -> Scatter:
    """Behavioural (x) against attitudinal (y) loyalty of the ``known`` customers whose
    attitude is known (the overview counted them), an even sample of at most ``limit``."""
    return scatter_sample(
        CustomerSnapshot.objects.filter(run=run, attitudinal_loyalty__isnull=False),
        x="behavioural_loyalty",
        y="attitudinal_loyalty",
        total=known,
        limit=limit,
        colour="loyalty_quadrant",
        digits=3,
    )
