"""Reads of next best offer: a customer's offers with a readable reason, the association
rules, and the runs with their evaluation.

Offers are precomputed by the newest finished run (``relata offers``). What changed since is
applied when they are read: a product that became inactive is dropped, and so is a one-off
product the customer has bought since (the run never offers one they owned then).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils import formats
from django.utils.translation import gettext as _

from relata.analytics.recommend import KIND_NAMES, OfferKind
from relata.customers.models import Customer
from relata.engagement.models import CustomerOffer, OfferKindChoice, OfferRule, OfferRun
from relata.sales.models import OrderLine, OrderStatus, Product

RULE_SORTS = {
    "-lift": ("-lift", "-confidence", "id"),
    "lift": ("lift", "confidence", "id"),
    "-confidence": ("-confidence", "-lift", "id"),
    "confidence": ("confidence", "lift", "id"),
    "-support": ("-support", "-lift", "id"),
    "support": ("support", "lift", "id"),
    "-pair_count": ("-pair_count", "-lift", "id"),
}
DEFAULT_RULE_SORT = "-lift"


@dataclass(frozen=True)
class OfferRow:
    """One offer for one customer, ready to show or send.

    ``rank`` is the position among the offers still valid (1 = best); ``kind`` is the
    choice (``kind.label`` to show, ``kind.value`` the code 1–3, ``kind_code`` the API name);
    ``reason`` is a sentence in the active language; ``evidence`` the numbers behind it.
    """

    product: Product
    kind: OfferKindChoice
    rank: int
    score: float
    source_product: Product | None
    reason: str
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def kind_label(self) -> str:
        return str(self.kind.label)

    @property
    def kind_code(self) -> str:
        return KIND_NAMES[OfferKind(int(self.kind))]


def offer_run_current() -> OfferRun | None:
    """The newest finished run: the one whose rules and offers are stored."""
    return OfferRun.objects.filter(finished_at__isnull=False).order_by("-pk").first()


def offer_runs_recent(*, limit: int = 10) -> list[OfferRun]:
    """The newest finished runs (their figures and evaluations; only the newest keeps rows)."""
    return list(OfferRun.objects.filter(finished_at__isnull=False).order_by("-pk")[:limit])


def _percent(value: float) -> str:
    return f"{formats.number_format(round(100 * value))}%"


def _decimal(value: float, places: int = 1) -> str:
    return str(formats.number_format(round(value, places), decimal_pos=places))


def offer_reason(
    *,
    kind: int,
    product: Product,
    source_product: Product | None,
    evidence: dict[str, Any],
) -> str:
    """The readable reason for an offer, in the active language."""
    source = source_product.name if source_product is not None else _("a product you bought")
    if kind == OfferKindChoice.CROSS_SELL:
        return _(
            "Often bought together with %(source)s: %(confidence)s of baskets with %(source)s "
            "also hold %(product)s (lift %(lift)s)"
        ) % {
            "source": source,
            "product": product.name,
            "confidence": _percent(float(evidence.get("confidence", 0.0))),
            "lift": _decimal(float(evidence.get("lift", 0.0))),
        }
    if kind == OfferKindChoice.UP_SELL:
        return _("A dearer variant of %(source)s in %(category)s (%(ratio)s× the price)") % {
            "source": source,
            "category": product.category.name,
            "ratio": _decimal(float(evidence.get("price_ratio", 0.0))),
        }
    return _("You bought %(source)s before; %(rate)s of its buyers buy it again") % {
        "source": source,
        "rate": _percent(float(evidence.get("repeat_rate", 0.0))),
    }


def customer_offers(*, customer: Customer | int, limit: int = 5) -> list[OfferRow]:
    """The customer's best offers of the newest run, best first, at most ``limit``.

    Only active products; a one-off product the customer has bought (in an order that was not
    cancelled) since the run is dropped. Empty when no run has finished yet or the customer
    has no offers (no purchases, or nothing qualifies).
    """
    customer_id = customer.pk if isinstance(customer, Customer) else int(customer)
    run = offer_run_current()
    if run is None or limit < 1:
        return []
    offers = list(
        CustomerOffer.objects.filter(run=run, customer_id=customer_id)
        .select_related("product__category", "source_product")
        .order_by("rank")
    )
    offers = [offer for offer in offers if offer.product.active]
    one_offs = [offer.product_id for offer in offers if offer.product.is_one_off]
    if one_offs:
        owned = set(
            OrderLine.objects.filter(customer_id=customer_id, product_id__in=one_offs)
            .exclude(order__status=OrderStatus.CANCELLED)
            .values_list("product_id", flat=True)
        )
        offers = [offer for offer in offers if offer.product_id not in owned]
    return [
        OfferRow(
            product=offer.product,
            kind=OfferKindChoice(offer.kind),
            rank=position,
            score=offer.score,
            source_product=offer.source_product,
            reason=offer_reason(
                kind=offer.kind,
                product=offer.product,
                source_product=offer.source_product,
                evidence=offer.evidence or {},
            ),
            evidence=dict(offer.evidence or {}),
        )
        for position, offer in enumerate(offers[:limit], start=1)
    ]


def rules_top(
    *,
    run: OfferRun | None = None,
    product_id: int | None = None,
    category_id: int | None = None,
    query: str = "",
    across_categories: bool = False,
    sort: str = DEFAULT_RULE_SORT,
) -> QuerySet[OfferRule]:
    """The association rules of ``run`` (default: the newest), best first by ``sort`` (one of
    ``RULE_SORTS``), optionally only those with a product, a category, or a product whose
    name or SKU contains ``query`` (on either side of the rule); ``across_categories`` keeps
    the rules into another category (the ones cross-sell uses). Slice it for the top n, or
    paginate it."""
    run = run if run is not None else offer_run_current()
    if run is None:
        return OfferRule.objects.none()
    rules = OfferRule.objects.filter(run=run).select_related(
        "antecedent__category", "consequent__category"
    )
    if product_id is not None:
        rules = rules.filter(Q(antecedent_id=product_id) | Q(consequent_id=product_id))
    if category_id is not None:
        rules = rules.filter(
            Q(antecedent__category_id=category_id) | Q(consequent__category_id=category_id)
        )
    if across_categories:
        rules = rules.exclude(antecedent__category_id=F("consequent__category_id"))
    query = query.strip()
    if query:
        rules = rules.filter(
            Q(antecedent__name__icontains=query)
            | Q(antecedent__sku__icontains=query)
            | Q(consequent__name__icontains=query)
            | Q(consequent__sku__icontains=query)
        )
    return rules.order_by(*RULE_SORTS.get(sort, RULE_SORTS[DEFAULT_RULE_SORT]))


@dataclass(frozen=True)
class MetricComparison:
    """One metric of the evaluation: the model's value, the baseline's, and their ratio."""

    name: str
    label: str
    model: float
    baseline: float

    @property
    def ratio(self) -> float | None:
        return self.model / self.baseline if self.baseline > 0 else None


def offer_evaluation_rows(run: OfferRun) -> list[MetricComparison]:
    """The stored evaluation of ``run`` as rows (empty when the run was not evaluated)."""
    evaluation = run.evaluation or {}
    model = evaluation.get("model") or {}
    baseline = evaluation.get("baseline") or {}
    if not model:
        return []
    k = evaluation.get("k", 5)
    labels = {
        "precision": _("Precision@%(k)s") % {"k": k},
        "recall": _("Recall@%(k)s") % {"k": k},
        "hit_rate": _("Hit rate@%(k)s") % {"k": k},
    }
    return [
        MetricComparison(
            name=name,
            label=label,
            model=float(model.get(name, 0.0)),
            baseline=float(baseline.get(name, 0.0)),
        )
        for name, label in labels.items()
    ]
