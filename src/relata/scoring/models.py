"""Score runs, the per-customer snapshots they write, and the settings they use."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from relata.customers.models import Customer
from relata.scoring.choices import (
    ChurnLevelChoice,
    GridChoice,
    MovementChoice,
    QuadrantChoice,
    RfmSegmentChoice,
    StageChoice,
    TierChoice,
)


def default_channel_costs() -> dict[str, float]:
    return {
        "phone": 6.0,
        "email": 2.0,
        "visit": 45.0,
        "store": 8.0,
        "web": 0.5,
        "chat": 3.0,
        "social": 2.0,
        "letter": 4.0,
    }


def default_influence_weights() -> dict[str, float]:
    return {"reach": 35.0, "referrals": 30.0, "reviews": 20.0, "recommendation": 15.0}


class ValueBasis(models.TextChoices):
    REVENUE = "revenue", _("Revenue")
    MARGIN = "margin", _("Margin")


class ScoringSettings(models.Model):
    """Installation-wide settings of the value engine (one row)."""

    period_months = models.PositiveSmallIntegerField(
        _("analysis period (months)"), default=12, validators=[MinValueValidator(1)]
    )
    value_basis = models.CharField(
        _("rank customers by"),
        max_length=10,
        choices=ValueBasis.choices,
        default=ValueBasis.REVENUE,
    )
    top_percent = models.DecimalField(
        # xgettext:no-python-format
        _("Top tier (% of active customers)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(1),
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal(100))],
    )
    big_percent = models.DecimalField(
        _("Big tier (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(4),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    medium_percent = models.DecimalField(
        _("Medium tier (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(15),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    discount_rate = models.DecimalField(
        _("discount rate per year"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.10"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))],
    )
    horizon_months = models.PositiveSmallIntegerField(
        _("CLV horizon (months)"), default=36, validators=[MinValueValidator(1)]
    )
    risk_value_drop = models.DecimalField(
        _("risk: value drop of at least"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("0.30"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))],
        help_text=_("A customer whose period value fell by this share or more is a risk customer."),
    )
    new_customer_days = models.PositiveSmallIntegerField(
        _("new customer window (days)"), default=90
    )
    lost_after_days = models.PositiveSmallIntegerField(
        _("lost after (days without purchase)"), default=365
    )
    channel_costs = models.JSONField(
        _("cost to serve per contact moment, by channel (€)"), default=default_channel_costs
    )
    delivery_cost = models.DecimalField(
        _("cost per delivered order (€)"), max_digits=8, decimal_places=2, default=Decimal("4.50")
    )
    return_cost = models.DecimalField(
        _("cost per returned order (€)"), max_digits=8, decimal_places=2, default=Decimal("12.00")
    )
    # Advocacy value (DOMAIN.md §8): the reach-based estimate is followers × reach rate ×
    # conversion × the value of a customer won, each an assumption the user sets and sees.
    reach_rate = models.DecimalField(
        _("followers reached by a recommendation per year"),
        max_digits=6,
        decimal_places=4,
        default=Decimal("0.0200"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))],
        help_text=_("Share of a customer's followers who see what they say about us in a year."),
    )
    reach_conversion = models.DecimalField(
        _("of those reached, share who become customers"),
        max_digits=6,
        decimal_places=4,
        default=Decimal("0.0100"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))],
    )
    reach_customer_value = models.DecimalField(
        _("value of a customer won through reach (€)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("Empty: the average CLV of customers who bought in the period."),
    )
    influence_weights = models.JSONField(
        _("influence score weights"), default=default_influence_weights
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("scoring settings")
        verbose_name_plural = _("scoring settings")

    def __str__(self) -> str:
        return str(_("Scoring settings"))

    @classmethod
    def current(cls) -> ScoringSettings:
        settings, _created = cls.objects.get_or_create(pk=1)
        return settings


class RunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    COMPLETE = "complete", _("Complete")
    FAILED = "failed", _("Failed")


class ScoreRun(models.Model):
    """One scoring of all customers for one period end. Snapshots of a run are visible only
    once the run is complete, so an interrupted run never shows half a period."""

    period_end = models.DateField(_("period end"))
    status = models.CharField(
        _("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING
    )
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    customers = models.PositiveIntegerField(_("customers"), default=0)
    settings_used = models.JSONField(_("settings used"), default=dict)
    model_fit = models.JSONField(_("model parameters"), default=dict)
    summary = models.JSONField(_("period summary"), default=dict)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("score run")
        verbose_name_plural = _("score runs")
        ordering = ["-period_end", "-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["period_end"],
                condition=models.Q(status="complete"),
                name="one_complete_run_per_period",
            )
        ]

    def __str__(self) -> str:
        return f"{self.period_end} ({self.get_status_display()})"


def _money(label: StrOrPromise) -> models.DecimalField:
    return models.DecimalField(label, max_digits=14, decimal_places=2, default=Decimal(0))


class CustomerSnapshot(models.Model):
    """Everything scoring derived for one customer at one period end. History, never edited:
    migration matrices compare snapshots, so later setting changes don't rewrite the past."""

    # No database-level foreign keys and no single-column indexes on these two (decision
    # 0600): a run writes a million rows in one COPY, and PostgreSQL checks a foreign key
    # row by row (two million checks took longer than writing the rows). Django still
    # cascades deletes of runs and customers; the composite indexes below serve both look-ups.
    run = models.ForeignKey(
        ScoreRun,
        on_delete=models.CASCADE,
        related_name="snapshots",
        db_constraint=False,
        db_index=False,
    )
    period_end = models.DateField(_("period end"))
    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        related_name="snapshots",
        db_constraint=False,
        db_index=False,
    )
    tier = models.PositiveSmallIntegerField(_("tier"), choices=TierChoice.choices)
    previous_tier = models.PositiveSmallIntegerField(
        _("tier a period earlier"), choices=TierChoice.choices, null=True
    )
    movement = models.PositiveSmallIntegerField(_("migration"), choices=MovementChoice.choices)
    risk = models.BooleanField(_("risk customer"), default=False)
    # Behaviour in the analysis period
    revenue = _money(_("revenue in period"))
    margin = _money(_("margin in period"))
    previous_revenue = _money(_("revenue in previous period"))
    orders = models.PositiveIntegerField(_("orders in period"), default=0)
    recency_days = models.PositiveIntegerField(_("days since last purchase"), null=True)
    frequency = models.PositiveIntegerField(_("purchase days in period"), default=0)
    r_score = models.PositiveSmallIntegerField(_("R score"), default=0)
    f_score = models.PositiveSmallIntegerField(_("F score"), default=0)
    m_score = models.PositiveSmallIntegerField(_("M score"), default=0)
    rfm_segment = models.PositiveSmallIntegerField(
        _("RFM segment"), choices=RfmSegmentChoice.choices
    )
    # Customer value
    clv_formula = _money(_("CLV (simple formula)"))
    clv_discounted = _money(_("CLV (discounted)"))
    clv_probabilistic = _money(_("CLV (BG/NBD + Gamma-Gamma)"))
    p_alive = models.FloatField(_("P(alive)"), default=0.0)
    expected_purchases = models.FloatField(_("expected purchases over horizon"), default=0.0)
    current_value = _money(_("current value per year"))
    potential_value = _money(_("potential value per year"))
    value_grid = models.PositiveSmallIntegerField(_("value decision"), choices=GridChoice.choices)
    # Profitability and risk
    cost_to_serve = _money(_("cost to serve"))
    profit = _money(_("profit"))
    loss_making = models.BooleanField(_("loss-making"), default=False)
    churn_risk = models.FloatField(_("churn risk"), default=0.0)
    churn_level = models.PositiveSmallIntegerField(
        _("churn risk level"), choices=ChurnLevelChoice.choices
    )
    cant_lose = models.BooleanField(_("can't lose them"), default=False)
    lifecycle_stage = models.PositiveSmallIntegerField(
        _("lifecycle stage"), choices=StageChoice.choices
    )
    # Non-financial value and loyalty (DOMAIN.md §7, §8)
    nps_latest = models.PositiveSmallIntegerField(
        _("latest NPS answer"), null=True, help_text=_("Empty: never answered.")
    )
    # Database defaults too: a bulk write that leaves these out (an older run) stays valid.
    influence_score = models.PositiveSmallIntegerField(
        _("influence score (0–100)"), default=0, db_default=0
    )
    advocacy_value = models.DecimalField(
        _("advocacy value"),
        max_digits=14,
        decimal_places=2,
        default=Decimal(0),
        db_default=Decimal(0),
    )
    holistic_value = models.DecimalField(
        _("holistic value"),
        max_digits=14,
        decimal_places=2,
        default=Decimal(0),
        db_default=Decimal(0),
    )
    attitudinal_loyalty = models.FloatField(_("attitudinal loyalty (0–1)"), null=True)
    behavioural_loyalty = models.FloatField(
        _("behavioural loyalty (0–1)"), default=0.0, db_default=0.0
    )
    loyalty_quadrant = models.PositiveSmallIntegerField(
        _("loyalty quadrant"),
        choices=QuadrantChoice.choices,
        default=QuadrantChoice.UNKNOWN,
        db_default=QuadrantChoice.UNKNOWN,
    )

    class Meta:
        verbose_name = _("customer snapshot")
        verbose_name_plural = _("customer snapshots")
        constraints = [
            models.UniqueConstraint(fields=["run", "customer"], name="one_snapshot_per_run")
        ]
        indexes = [
            models.Index(fields=["customer", "-period_end"], name="snapshot_customer_idx"),
            models.Index(fields=["run", "tier"], name="snapshot_run_tier_idx"),
            models.Index(fields=["run", "rfm_segment"], name="snapshot_run_rfm_idx"),
            models.Index(fields=["run", "lifecycle_stage"], name="snapshot_run_stage_idx"),
            # The dashboard's two short lists read these (LIMIT 20, no scan of the run):
            # risk customers, can't-lose first, then churn risk and revenue, descending ...
            models.Index(
                fields=["run", "cant_lose", "churn_risk", "revenue"],
                name="snapshot_run_risk_idx",
                condition=models.Q(risk=True) | models.Q(cant_lose=True),
            ),
            # ... the dashboard's "low spend, high influence" list ...
            models.Index(
                fields=["run", "influence_score"],
                name="snapshot_run_influence_idx",
                condition=models.Q(influence_score__gte=50),
            ),
            # ... and loss-making customers, biggest loss first.
            models.Index(
                fields=["run", "profit"],
                name="snapshot_run_loss_idx",
                condition=models.Q(loss_making=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} @ {self.period_end}"
