"""Next best offer (DOMAIN.md §13): the association rules mined from order baskets and the
offers computed from them per customer. Both are rewritten as a whole by one offer run
(``relata offers``), so pages and the API read precomputed rows."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relata.customers.models import Customer
from relata.sales.models import Product


class OfferRun(models.Model):
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    baskets = models.PositiveIntegerField(_("baskets"), default=0)
    rules = models.PositiveIntegerField(_("rules"), default=0)
    customers = models.PositiveIntegerField(_("customers with offers"), default=0)
    settings_used = models.JSONField(_("settings used"), default=dict)
    # precision/recall/hit rate @k of the time-split check against the popularity baseline
    evaluation = models.JSONField(_("evaluation"), default=dict, blank=True)

    class Meta:
        verbose_name = _("offer run")
        verbose_name_plural = _("offer runs")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M}"


class OfferRule(models.Model):
    """Cross-sell rule ``antecedent → consequent`` over baskets (one order = one basket)."""

    run = models.ForeignKey(OfferRun, on_delete=models.CASCADE, related_name="offer_rules")
    antecedent = models.ForeignKey(
        Product, verbose_name=_("bought"), on_delete=models.CASCADE, related_name="+"
    )
    consequent = models.ForeignKey(
        Product, verbose_name=_("also bought"), on_delete=models.CASCADE, related_name="+"
    )
    pair_count = models.PositiveIntegerField(_("baskets with both"))
    support = models.FloatField(_("support"))
    confidence = models.FloatField(_("confidence"))
    lift = models.FloatField(_("lift"))

    class Meta:
        verbose_name = _("association rule")
        verbose_name_plural = _("association rules")
        ordering = ["-lift", "id"]
        indexes = [models.Index(fields=["run", "antecedent", "-confidence"], name="offer_rule_idx")]

    def __str__(self) -> str:
        return f"{self.antecedent_id} → {self.consequent_id}"


class OfferKindChoice(models.IntegerChoices):
    """Values match ``relata.analytics.recommend.OfferKind``."""

    CROSS_SELL = 1, _("Cross-sell")
    UP_SELL = 2, _("Up-sell")
    DEEP_SELL = 3, _("Deep-sell")


class CustomerOffer(models.Model):
    # No database-level foreign keys and no single-column indexes (as for snapshots,
    # decision 0600/0850): a run rewrites millions of rows in one COPY, and PostgreSQL
    # checking each key row by row took two thirds of a 1M-customer run. Django still
    # cascades deletes; the composite index below serves reads by customer.
    run = models.ForeignKey(
        OfferRun,
        on_delete=models.CASCADE,
        related_name="offers",
        db_constraint=False,
        db_index=False,
    )
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="offers",
        db_constraint=False,
        db_index=False,
    )
    rank = models.PositiveSmallIntegerField(_("rank"))
    product = models.ForeignKey(
        Product,
        verbose_name=_("offer"),
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    kind = models.PositiveSmallIntegerField(_("kind"), choices=OfferKindChoice.choices)
    score = models.FloatField(_("score"))
    source_product = models.ForeignKey(
        Product,
        verbose_name=_("because of"),
        null=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    # confidence and lift (cross-sell), price ratio (up-sell), repeat rate (deep-sell)
    evidence = models.JSONField(_("evidence"), default=dict)

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        ordering = ["customer", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["run", "customer", "rank"], name="one_offer_per_rank")
        ]
        indexes = [models.Index(fields=["customer", "run", "rank"], name="offer_customer_idx")]

    def __str__(self) -> str:
        return f"{self.customer_id} #{self.rank}: {self.product_id}"
