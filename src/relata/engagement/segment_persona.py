"""A segment's persona: its typical profile, behaviour and value, each against all customers
(index = the segment's share or mean ÷ all customers' × 100; 100 is average).

Every figure is a SQL aggregate over the segment's members, a handful of statements in all:
one pass over the customers with filtered counts (profile, consent), one over their orders,
one over their snapshots in the latest score run, and two grouped ones (cities, categories
bought). The same figures for all customers are cached for a few minutes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import Avg, Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_stubs_ext import StrOrPromise

from relata.customers.models import (
    ConsentChannel,
    Customer,
    CustomerKind,
    Gender,
    IncomeBand,
)
from relata.customers.selectors import consent_latest
from relata.engagement.segment_rules.language import months_back
from relata.engagement.segment_selectors import segment_evaluation
from relata.sales.models import Order, OrderLine, OrderStatus, Product
from relata.scoring.choices import RfmSegmentChoice, StageChoice, TierChoice
from relata.scoring.models import CustomerSnapshot
from relata.scoring.selectors import latest_run

# The figures for all customers change slowly; they are kept this long per day and run.
BASELINE_SECONDS = 3600
# Up to this many customers the facts (bought, opted in, categories) are probed for every
# member; above it, for a systematic sample of about SAMPLE_SIZE (see _facts).
SMALL_SEGMENT = 10_000
SAMPLE_SIZE = 5_000
# Up to this many members a segment is evaluated once and its ids passed on (a list of
# parameters SQLite also accepts); above, each statement evaluates it as a subquery.
MATERIALISE_UP_TO = 20_000
MAX_PROBED_CATEGORIES = 40
TOP_N = 10
BASELINE_TOP = 2_000
AGE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("< 25", 0, 24),
    ("25–34", 25, 34),
    ("35–44", 35, 44),
    ("45–54", 45, 54),
    ("55–64", 55, 64),
    ("65+", 65, None),
)
HOUSEHOLD_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("1", 1, 1),
    ("2", 2, 2),
    ("3", 3, 3),
    ("4", 4, 4),
    ("5+", 5, None),
)
CHILDREN_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("0", 0, 0),
    ("1", 1, 1),
    ("2", 2, 2),
    ("3+", 3, None),
)
UNKNOWN: StrOrPromise = gettext_lazy("Unknown")


@dataclass(frozen=True)
class Share:
    key: str
    label: str
    count: int
    share: float  # of the segment, 0–1
    base_share: float  # of all customers, 0–1

    @property
    def index(self) -> int | None:
        return round(100 * self.share / self.base_share) if self.base_share else None

    @property
    def percent(self) -> float:
        return 100 * self.share

    @property
    def base_percent(self) -> float:
        return 100 * self.base_share


@dataclass(frozen=True)
class Distribution:
    key: str
    title: str
    rows: list[Share]
    note: str = ""

    @property
    def known(self) -> bool:
        return any(row.count for row in self.rows)


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    value: float | None
    base: float | None
    kind: str = "number"  # number, money, percent, days

    @property
    def index(self) -> int | None:
        if self.value is None or not self.base:
            return None
        return round(100 * self.value / self.base)

    @property
    def shown(self) -> float | None:
        """The value as displayed: shares in percent."""
        if self.value is None:
            return None
        return 100 * self.value if self.kind == "percent" else self.value

    @property
    def shown_base(self) -> float | None:
        if self.base is None:
            return None
        return 100 * self.base if self.kind == "percent" else self.base


@dataclass
class Persona:
    count: int
    total: int
    run_period_end: date | None
    profile: list[Distribution] = field(default_factory=list)
    behaviour: list[Metric] = field(default_factory=list)
    categories: Distribution | None = None
    value: list[Metric] = field(default_factory=list)
    value_mix: list[Distribution] = field(default_factory=list)
    consent: Distribution | None = None
    # Members probed for buyers, opt-ins and categories when that was a sample (else None).
    sampled: int | None = None

    @property
    def share(self) -> float:
        return self.count / self.total if self.total else 0.0

    @property
    def share_percent(self) -> float:
        return 100 * self.share

    def chart_data(self) -> dict[str, Any]:
        """Everything the charts draw, for ``json_script`` (labels already translated)."""
        distributions = [*self.profile, *self.value_mix]
        if self.categories is not None:
            distributions.append(self.categories)
        if self.consent is not None:
            distributions.append(self.consent)
        return {
            "labels": {"segment": _("This segment"), "all": _("All customers")},
            "distributions": {
                d.key: {
                    "title": d.title,
                    "categories": [row.label for row in d.rows],
                    "segment": [round(100 * row.share, 1) for row in d.rows],
                    "all": [round(100 * row.base_share, 1) for row in d.rows],
                }
                for d in distributions
            },
        }


# ---------------------------------------------------------------------------------------
# Raw figures: one dict of numbers per population (a segment, or everyone)
# ---------------------------------------------------------------------------------------


def _bands(bands: tuple[tuple[str, int, int | None], ...]) -> list[tuple[str, str]]:
    return [(str(index), label) for index, (label, _low, _high) in enumerate(bands)]


def _band(column: str, low: int, high: int | None) -> Q:
    test = Q(**{f"{column}__gte": low})
    if high is not None:
        test &= Q(**{f"{column}__lte": high})
    return test


def _age_band(today: date, low: int, high: int | None) -> Q:
    test = Q(birth_date__lte=months_back(today, 12 * low))
    if high is not None:
        test &= Q(birth_date__gt=months_back(today, 12 * (high + 1)))
    return test


def _profile_counts(today: date) -> dict[str, Any]:
    """Named filtered counts computed in one pass over the customers. Personal data (gender,
    age, income, household) is counted among the persons only: organisations have none."""
    person = Q(kind=CustomerKind.PERSON)
    counts: dict[str, Any] = {"n": Count("pk"), "persons": Count("pk", filter=person)}
    for value, _label in CustomerKind.choices:
        counts[f"kind_{value}"] = Count("pk", filter=Q(kind=value))
    for value, _label in Gender.choices:
        counts[f"gender_{value}"] = Count("pk", filter=person & Q(gender=value))
    for value, _label in IncomeBand.choices:
        counts[f"income_{value}"] = Count("pk", filter=person & Q(income_band=value))
    for index, (_band_label, low, high) in enumerate(AGE_BANDS):
        counts[f"age_{index}"] = Count("pk", filter=person & _age_band(today, low, high))
    for index, (_band_label, low, high) in enumerate(HOUSEHOLD_BANDS):
        counts[f"household_{index}"] = Count(
            "pk", filter=person & _band("household_size", low, high)
        )
    for index, (_band_label, low, high) in enumerate(CHILDREN_BANDS):
        counts[f"children_{index}"] = Count("pk", filter=person & _band("children", low, high))
    return counts


def _member_counts(today: date, category_products: dict[str, list[int]]) -> dict[str, Any]:
    """Per-member facts as filtered counts with correlated EXISTS (index probes per member):
    for a small segment, cheaper than reading every order, consent and order line."""
    orders = Order.objects.filter(customer_id=OuterRef("pk")).exclude(status=OrderStatus.CANCELLED)
    counts: dict[str, Any] = {
        "buyers": Count("pk", filter=Q(Exists(orders))),
        "recent_buyers": Count(
            "pk", filter=Q(Exists(orders.filter(order_date__gte=today - timedelta(days=365))))
        ),
    }
    for channel, _label in ConsentChannel.choices:
        opted_in = consent_latest(channel=channel, granted=True).filter(customer_id=OuterRef("pk"))
        counts[f"consent_{channel}"] = Count("pk", filter=Q(Exists(opted_in)))
    lines = OrderLine.objects.filter(customer_id=OuterRef("pk")).exclude(
        order__status=OrderStatus.CANCELLED
    )
    for index, products in enumerate(category_products.values()):
        counts[f"category_{index}"] = Count(
            "pk", filter=Q(Exists(lines.filter(product_id__in=products)))
        )
    return counts


def _category_products() -> dict[str, list[int]]:
    """Category name → product ids; with more than MAX_PROBED_CATEGORIES categories, those
    with the most products."""
    products: dict[str, list[int]] = {}
    for name, pk in Product.objects.order_by("category__name", "pk").values_list(
        "category__name", "pk"
    ):
        products.setdefault(name, []).append(pk)
    if len(products) > MAX_PROBED_CATEGORIES:
        largest = sorted(products, key=lambda name: -len(products[name]))
        products = {name: products[name] for name in largest[:MAX_PROBED_CATEGORIES]}
    return products


def _facts(population: QuerySet[Customer], n: int, today: date, limit: int) -> dict[str, Any]:
    """Bought, bought lately, opted in per channel and categories bought, probed member by
    member (index look-ups). Above SMALL_SEGMENT customers a systematic sample of about
    SAMPLE_SIZE (every k-th id) is probed and the counts are scaled to the population (a
    share is then within about ±1.4 percentage points, 95%), instead of grouping every order,
    consent and order line of the file (minutes for the categories at a million customers)."""
    category_products = _category_products()
    step = max(1, n // SAMPLE_SIZE) if n > SMALL_SEGMENT else 1
    sample = population if step == 1 else population.alias(slot=F("id") % step).filter(slot=0)
    counts = sample.order_by().aggregate(
        sampled=Count("pk"), **_member_counts(today, category_products)
    )
    sampled = int(counts.pop("sampled") or 0)
    scale = n / sampled if step > 1 and sampled else 1.0
    facts: dict[str, Any] = {key: round(int(v or 0) * scale) for key, v in counts.items()}
    categories = [
        (name, facts.pop(f"category_{index}")) for index, name in enumerate(category_products)
    ]
    categories.sort(key=lambda item: (-item[1], item[0]))
    facts["categories"] = [item for item in categories[:limit] if item[1]]
    facts["sampled"] = sampled if step > 1 else None
    return facts


def _figures(
    customers: QuerySet[Customer] | None,
    today: date,
    run_id: int | None,
    *,
    count: int | None = None,
    limit: int = TOP_N,
) -> dict[str, Any]:
    """All raw numbers for one population; ``customers`` None means every customer. Cities
    and categories: the ``limit`` most frequent."""
    if customers is not None and count is not None and count <= MATERIALISE_UP_TO:
        # Evaluate the segment once; the statements below then read its ids.
        ids = list(customers.order_by().values_list("pk", flat=True))
        customers = Customer.objects.filter(pk__in=ids)
    population = Customer.objects.all() if customers is None else customers
    figures: dict[str, Any] = dict(population.order_by().aggregate(**_profile_counts(today)))
    figures.update(_facts(population, int(figures["n"] or 0), today, limit))

    def of_members(queryset: QuerySet[Any]) -> QuerySet[Any]:
        if customers is None:
            return queryset
        return queryset.filter(customer_id__in=customers.order_by().values("pk"))

    top_cities = (
        population.exclude(city="")
        .order_by()
        .values("city")
        .annotate(n=Count("pk"))
        .order_by("-n", "city")[:limit]
    )
    figures["cities"] = [(row["city"], row["n"]) for row in top_cities]

    orders = of_members(Order.objects.exclude(status=OrderStatus.CANCELLED))
    year_ago = today - timedelta(days=365)
    figures.update(
        orders.order_by().aggregate(
            orders=Count("pk"),
            revenue=Sum("total_amount"),
            orders_12m=Count("pk", filter=Q(order_date__gte=year_ago)),
            revenue_12m=Sum("total_amount", filter=Q(order_date__gte=year_ago)),
        )
    )

    figures["snapshots"] = 0
    if run_id is not None:
        snapshots = of_members(CustomerSnapshot.objects.filter(run_id=run_id))
        value: dict[str, Any] = {
            "snapshots": Count("pk"),
            "clv_probabilistic": Avg("clv_probabilistic"),
            "clv_discounted": Avg("clv_discounted"),
            "potential_value": Avg("potential_value"),
            "p_alive": Avg("p_alive", filter=~Q(rfm_segment=RfmSegmentChoice.NOT_A_CUSTOMER)),
            "recency_days": Avg("recency_days"),
            "cant_lose": Count("pk", filter=Q(cant_lose=True)),
            "loss_making": Count("pk", filter=Q(loss_making=True)),
        }
        for choice, _label in TierChoice.choices:
            value[f"tier_{choice}"] = Count("pk", filter=Q(tier=choice))
        for choice, _label in RfmSegmentChoice.choices:
            value[f"rfm_{choice}"] = Count("pk", filter=Q(rfm_segment=choice))
        for choice, _label in StageChoice.choices:
            value[f"stage_{choice}"] = Count("pk", filter=Q(lifecycle_stage=choice))
        figures.update(snapshots.order_by().aggregate(**value))
    return {key: _plain(item) for key, item in figures.items()}


def _plain(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value


def _baseline(today: date, run_id: int | None) -> dict[str, Any]:
    key = f"relata:segment-persona-baseline:{today.isoformat()}:{run_id}"
    cached = cache.get(key)
    if cached is None:
        # Every city and category, so that each segment's top ten finds its base share here.
        cached = _figures(None, today, run_id, limit=BASELINE_TOP)
        cache.set(key, cached, BASELINE_SECONDS)
    return dict(cached)


# ---------------------------------------------------------------------------------------
# Figures → distributions and metrics
# ---------------------------------------------------------------------------------------


def _ratio(part: Any, whole: Any) -> float:
    return float(part or 0) / float(whole) if whole else 0.0


def _distribution(
    key: str,
    title: str,
    rows: Iterable[tuple[Any, Any]],
    seg: dict[str, Any],
    base: dict[str, Any],
    *,
    of: str = "n",
    prefix: str = "",
    unknown: bool = False,
    note: str = "",
) -> Distribution:
    shares = []
    known_seg = known_base = 0
    for value, label in rows:
        name = f"{prefix}{value}"
        count = int(seg.get(name) or 0)
        known_seg += count
        known_base += int(base.get(name) or 0)
        shares.append(
            Share(
                str(value),
                str(label),
                count,
                _ratio(count, seg.get(of)),
                _ratio(base.get(name), base.get(of)),
            )
        )
    if unknown:
        rest = int(seg.get(of) or 0) - known_seg
        base_rest = int(base.get(of) or 0) - known_base
        shares.append(
            Share(
                "",
                str(UNKNOWN),
                rest,
                _ratio(rest, seg.get(of)),
                _ratio(base_rest, base.get(of)),
            )
        )
    return Distribution(key, title, shares, note)


def _listed(
    key: str, title: str, seg_rows: list[Any], base_rows: list[Any], seg_n: int, base_n: int
) -> Distribution:
    """Top-N lists (cities, categories): the segment's top N with the base share of each."""
    base_counts = dict(base_rows)
    return Distribution(
        key,
        title,
        [
            Share(
                str(name),
                str(name),
                int(count),
                _ratio(count, seg_n),
                _ratio(base_counts.get(name, 0), base_n),
            )
            for name, count in seg_rows
        ],
        _("The %(n)s most frequent in the segment.") % {"n": TOP_N},
    )


def _per(value: Any, count: Any) -> float | None:
    return float(value or 0) / float(count) if count else None


def segment_persona(
    customers: QuerySet[Customer], *, today: date | None = None, count: int | None = None
) -> Persona:
    """The persona of the customers ``customers`` selects (a segment's members)."""
    today = today or timezone.localdate()
    run = latest_run()
    run_id = run.pk if run is not None else None
    if count is None:
        count = customers.order_by().count()
    with segment_evaluation():
        seg = _figures(customers, today, run_id, count=count)
        base = _baseline(today, run_id)
    n, total = int(seg["n"] or 0), int(base["n"] or 0)
    persona = Persona(count=n, total=total, run_period_end=None, sampled=seg.get("sampled"))
    if run is not None:
        persona.run_period_end = run.period_end

    persons_note = _(
        "Among the %(n)s persons in the segment (organisations have no personal data)."
    ) % {"n": f"{int(seg['persons'] or 0):,}"}
    persona.profile = [
        _distribution("kind", _("Kind"), CustomerKind.choices, seg, base, prefix="kind_"),
        _distribution(
            "gender",
            _("Gender"),
            Gender.choices,
            seg,
            base,
            prefix="gender_",
            unknown=True,
            of="persons",
            note=persons_note,
        ),
        _distribution(
            "age",
            _("Age"),
            _bands(AGE_BANDS),
            seg,
            base,
            prefix="age_",
            unknown=True,
            of="persons",
            note=persons_note,
        ),
        _distribution(
            "income",
            _("Income band"),
            IncomeBand.choices,
            seg,
            base,
            prefix="income_",
            unknown=True,
            of="persons",
            note=persons_note,
        ),
        _distribution(
            "household",
            _("Household size"),
            _bands(HOUSEHOLD_BANDS),
            seg,
            base,
            prefix="household_",
            unknown=True,
            of="persons",
            note=persons_note,
        ),
        _distribution(
            "children",
            _("Children"),
            _bands(CHILDREN_BANDS),
            seg,
            base,
            prefix="children_",
            unknown=True,
            of="persons",
            note=persons_note,
        ),
        _listed(
            "city",
            _("Cities"),
            seg["cities"],
            base["cities"],
            n,
            total,
        ),
    ]
    persona.categories = _listed(
        "categories",
        _("Categories bought (share of customers who bought)"),
        seg["categories"],
        base["categories"],
        n,
        total,
    )
    persona.behaviour = [
        Metric(
            "buyers",
            _("Bought at least once"),
            _ratio(seg["buyers"], n) if n else None,
            _ratio(base["buyers"], total),
            "percent",
        ),
        Metric(
            "recent_buyers",
            _("Bought in the last 12 months"),
            _ratio(seg["recent_buyers"], n) if n else None,
            _ratio(base["recent_buyers"], total),
            "percent",
        ),
        Metric(
            "orders", _("Orders per customer"), _per(seg["orders"], n), _per(base["orders"], total)
        ),
        Metric(
            "revenue",
            _("Revenue per customer"),
            _per(seg["revenue"], n),
            _per(base["revenue"], total),
            "money",
        ),
        Metric(
            "revenue_12m",
            _("Revenue per customer, last 12 months"),
            _per(seg["revenue_12m"], n),
            _per(base["revenue_12m"], total),
            "money",
        ),
        Metric(
            "aov",
            _("Average order value"),
            _per(seg["revenue"], seg["orders"]),
            _per(base["revenue"], base["orders"]),
            "money",
        ),
        Metric(
            "recency",
            _("Days since last purchase (mean)"),
            seg.get("recency_days"),
            base.get("recency_days"),
            "days",
        ),
    ]
    if run_id is not None:
        snapshots, base_snapshots = int(seg["snapshots"] or 0), int(base["snapshots"] or 0)
        persona.value = [
            Metric(
                "clv_probabilistic",
                _("CLV (BG/NBD + Gamma-Gamma), mean"),
                seg.get("clv_probabilistic"),
                base.get("clv_probabilistic"),
                "money",
            ),
            Metric(
                "clv_discounted",
                _("CLV (discounted), mean"),
                seg.get("clv_discounted"),
                base.get("clv_discounted"),
                "money",
            ),
            Metric(
                "potential_value",
                _("Potential value per year, mean"),
                seg.get("potential_value"),
                base.get("potential_value"),
                "money",
            ),
            Metric(
                "p_alive",
                _("P(alive), mean over buyers"),
                seg.get("p_alive"),
                base.get("p_alive"),
                "percent",
            ),
            Metric(
                "cant_lose",
                _("Can't lose them"),
                _ratio(seg["cant_lose"], snapshots) if snapshots else None,
                _ratio(base["cant_lose"], base_snapshots),
                "percent",
            ),
            Metric(
                "loss_making",
                _("Loss-making"),
                _ratio(seg["loss_making"], snapshots) if snapshots else None,
                _ratio(base["loss_making"], base_snapshots),
                "percent",
            ),
        ]
        persona.value_mix = [
            _distribution(
                "tier", _("Tier"), TierChoice.choices, seg, base, of="snapshots", prefix="tier_"
            ),
            _distribution(
                "rfm",
                _("RFM segment"),
                RfmSegmentChoice.choices,
                seg,
                base,
                of="snapshots",
                prefix="rfm_",
            ),
            _distribution(
                "stage",
                _("Lifecycle stage"),
                StageChoice.choices,
                seg,
                base,
                of="snapshots",
                prefix="stage_",
            ),
        ]
    persona.consent = _distribution(
        "consent",
        _("Opted in (any purpose), per channel"),
        ConsentChannel.choices,
        seg,
        base,
        prefix="consent_",
        note=_("Shares add up to more than 100%: a customer may opt in on several channels."),
    )
    return persona
