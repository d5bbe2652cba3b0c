"""Forms of the value pages: the drill-down query string and the scoring settings."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from relata.analytics.influence import COMPONENTS, DEFAULT_WEIGHTS
from relata.analytics.migration import MigrationState
from relata.contacts.models import Channel
from relata.scoring.choices import (
    ChurnLevelChoice,
    GridChoice,
    MovementChoice,
    RfmSegmentChoice,
    StageChoice,
    TierChoice,
)
from relata.scoring.drilldown import DrillFilter
from relata.scoring.models import ScoringSettings
from relata.web.forms import BootstrapFormMixin

STATE_CHOICES = [(int(s), s.name) for s in MigrationState]


class FlagField(forms.BooleanField):
    """A yes/no query parameter: 1, true, yes or on mean yes; anything else no."""

    widget = forms.HiddenInput

    def to_python(self, value: Any) -> bool:
        return str(value).strip().lower() in {"1", "true", "yes", "on"}


def _code(choices: list[tuple[int, Any]], label: Any) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=[("", "")] + [(str(value), name) for value, name in choices],
        coerce=int,
        required=False,
        empty_value=None,
    )


class DrillDownForm(forms.Form):
    """The query string of a customer list behind a dashboard number. Unknown codes give a
    form error naming the parameter, not a server error."""

    run = forms.IntegerField(label=_("Period"), required=False, min_value=1)
    tier = _code(TierChoice.choices, _("Tier"))
    rfm_segment = _code(RfmSegmentChoice.choices, _("RFM segment"))
    stage = _code(StageChoice.choices, _("Lifecycle stage"))
    grid = _code(GridChoice.choices, _("Value decision"))
    churn_level = _code(ChurnLevelChoice.choices, _("Churn risk"))
    movement = _code(MovementChoice.choices, _("Migration"))
    from_state = _code(STATE_CHOICES, _("Tier in the previous period"))
    to_state = _code(STATE_CHOICES, _("Tier in this period"))
    r = forms.IntegerField(label=_("R score"), required=False, min_value=1, max_value=5)
    f = forms.IntegerField(label=_("F score"), required=False, min_value=1, max_value=5)
    clv_min = forms.DecimalField(
        label=_("CLV from"), required=False, max_digits=16, decimal_places=2
    )
    clv_max = forms.DecimalField(
        label=_("CLV below"), required=False, max_digits=16, decimal_places=2
    )
    cant_lose = FlagField(label=_("Can't lose them"), required=False)
    loss_making = FlagField(label=_("Loss-making"), required=False)
    risk = FlagField(label=_("Risk customers"), required=False)
    active = FlagField(label=_("Active in the period"), required=False)
    sort = forms.CharField(required=False, max_length=20)

    def drill_filter(self) -> DrillFilter:
        data = self.cleaned_data
        values: dict[str, Any] = {
            name: data[name] for name in DrillFilter.__dataclass_fields__ if name in data
        }
        return DrillFilter(**values)

    def error_text(self) -> str:
        """All errors in one line: 'Tier: Select a valid choice. …'."""
        parts = []
        for name, errors in self.errors.items():
            label = self.fields[name].label if name in self.fields else name
            parts.append(f"{label} ({name}): {' '.join(str(e) for e in errors)}")
        return "; ".join(parts)


def channel_field_name(channel: str) -> str:
    return f"channel_{channel}"


def weight_field_name(component: str) -> str:
    return f"weight_{component}"


# The influence-score weights: label and what the component measures (help text).
WEIGHT_FIELDS: dict[str, tuple[Any, Any]] = {
    "reach": (
        _("Weight: reach"),
        _("Followers over all platforms, on a log scale, full at 100,000."),
    ),
    "referrals": (
        _("Weight: referrals"),
        _("Referred customers who bought; half the maximum at 2."),
    ),
    "reviews": (
        _("Weight: reviews"),
        _("Reviews and comments written; five helpful votes count as one more review."),
    ),
    "recommendation": (
        _("Weight: recommendation (NPS)"),
        _("Latest NPS answer: promoter full, passive half, detractor or never asked nothing."),
    ),
}


class ScoringSettingsForm(BootstrapFormMixin, forms.ModelForm):
    """The installation's scoring settings. Shares (tiers, discount, value drop) are entered
    as percentages; the channel costs as one amount per channel."""

    discount_percent = forms.DecimalField(
        label=_("Discount rate (% per year)"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
        help_text=_("Used by the discounted and the BG/NBD customer value."),
    )
    value_drop_percent = forms.DecimalField(
        label=_("Risk customer: period value fell by at least (%)"),
        max_digits=5,
        decimal_places=0,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    reach_rate_percent = forms.DecimalField(
        label=_("Followers reached per year (%)"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
        help_text=_(
            "Assumption: the share of a customer's followers who see what the customer says "
            "about us in a year."
        ),
    )
    reach_conversion_percent = forms.DecimalField(
        label=_("Of those reached, become customers (%)"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
        help_text=_(
            "Assumption. Advocacy value from reach = followers × reached × this share × the "
            "value of a customer won; nothing for detractors."
        ),
    )

    class Meta:
        model = ScoringSettings
        fields = [
            "period_months",
            "value_basis",
            "top_percent",
            "big_percent",
            "medium_percent",
            "horizon_months",
            "new_customer_days",
            "lost_after_days",
            "delivery_cost",
            "return_cost",
            "reach_customer_value",
        ]
        help_texts = {
            "period_months": _("Customers are ranked on their behaviour in this period."),
            "top_percent": _("Share of the active customers in the Top tier."),
            "big_percent": _("The next share: Big."),
            "medium_percent": _("The next share: Medium. The rest is Small."),
            "horizon_months": _("How far ahead customer lifetime value looks."),
            "reach_customer_value": _(
                "Assumption. Empty: the average CLV (BG/NBD + Gamma-Gamma) of the customers "
                "who bought in the period."
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        instance: ScoringSettings = self.instance
        self.fields["period_months"].validators.append(MaxValueValidator(120))
        self.fields["period_months"].widget.attrs["max"] = 120
        self.fields["horizon_months"].validators.append(MaxValueValidator(600))
        self.fields["horizon_months"].widget.attrs["max"] = 600
        for name in ("new_customer_days", "lost_after_days"):
            self.fields[name].validators.append(MinValueValidator(1))
            self.fields[name].widget.attrs["min"] = 1
        for name in ("delivery_cost", "return_cost"):
            self.fields[name].validators.append(MinValueValidator(Decimal(0)))
            self.fields[name].widget.attrs["min"] = 0
        self.initial.setdefault(
            "discount_percent", (instance.discount_rate * 100).quantize(Decimal("0.01"))
        )
        self.initial.setdefault(
            "value_drop_percent", (instance.risk_value_drop * 100).quantize(Decimal(1))
        )
        self.initial.setdefault(
            "reach_rate_percent", (instance.reach_rate * 100).quantize(Decimal("0.01"))
        )
        self.initial.setdefault(
            "reach_conversion_percent", (instance.reach_conversion * 100).quantize(Decimal("0.01"))
        )
        self.fields["reach_customer_value"].widget.attrs["min"] = 0
        weights = instance.influence_weights if isinstance(instance.influence_weights, dict) else {}
        for component, (label, help_text) in WEIGHT_FIELDS.items():
            name = weight_field_name(component)
            self.fields[name] = forms.DecimalField(
                label=label,
                help_text=help_text,
                max_digits=6,
                decimal_places=1,
                min_value=Decimal(0),
                max_value=Decimal(1000),
                required=True,
                widget=forms.NumberInput(attrs={"step": "1", "class": "form-control"}),
            )
            try:
                stored = Decimal(str(weights.get(component, DEFAULT_WEIGHTS[component])))
            except ArithmeticError:
                stored = Decimal(str(DEFAULT_WEIGHTS[component]))
            self.initial.setdefault(name, stored.quantize(Decimal("0.1")))
        costs = instance.channel_costs or {}
        for value, label in Channel.choices:
            name = channel_field_name(value)
            self.fields[name] = forms.DecimalField(
                label=label,
                max_digits=8,
                decimal_places=2,
                min_value=Decimal(0),
                required=True,
                widget=forms.NumberInput(attrs={"step": "0.01", "class": "form-control"}),
            )
            self.initial.setdefault(
                name, Decimal(str(costs.get(value, 0))).quantize(Decimal("0.01"))
            )

    def channel_fields(self) -> list[forms.BoundField]:
        return [self[channel_field_name(value)] for value in Channel.values]

    def weight_fields(self) -> list[forms.BoundField]:
        return [self[weight_field_name(component)] for component in COMPONENTS]

    def groups(self) -> list[tuple[Any, list[forms.BoundField], str]]:
        """The cards of the settings page: title, fields, and what else the card shows
        ("channels": the cost per contact moment; "weights": the influence-score weights)."""
        names: list[tuple[Any, list[str], str]] = [
            (
                _("Customer pyramid"),
                ["period_months", "value_basis", "top_percent", "big_percent", "medium_percent"],
                "",
            ),
            (_("Customer lifetime value"), ["discount_percent", "horizon_months"], ""),
            (
                _("Risk and lifecycle"),
                ["value_drop_percent", "new_customer_days", "lost_after_days"],
                "",
            ),
            (_("Cost to serve"), ["delivery_cost", "return_cost"], "channels"),
            (
                _("Influence and advocacy"),
                ["reach_rate_percent", "reach_conversion_percent", "reach_customer_value"],
                "weights",
            ),
        ]
        return [(title, [self[name] for name in fields], extra) for title, fields, extra in names]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        shares: list[Decimal] = [
            data[name]
            for name in ("top_percent", "big_percent", "medium_percent")
            if data.get(name) is not None
        ]
        if len(shares) == 3:
            total = sum(shares, Decimal(0))
            if total > 100:
                raise forms.ValidationError(
                    _(
                        "Top, Big and Medium together are %(total)s%% of the active customers; "
                        "they may be at most 100%%."
                    ),
                    params={"total": total},
                    code="tiers_over_100",
                )
        weights = [data.get(weight_field_name(component)) for component in COMPONENTS]
        if all(weight is not None for weight in weights) and not any(weights):
            self.add_error(
                None,
                forms.ValidationError(
                    _(
                        "The influence score weights are all 0; give at least one of reach, "
                        "referrals, reviews and recommendation a weight above 0."
                    ),
                    code="weights_all_zero",
                ),
            )
        return data

    def save(self, commit: bool = True) -> ScoringSettings:
        settings: ScoringSettings = super().save(commit=False)
        data = self.cleaned_data
        settings.discount_rate = (data["discount_percent"] / 100).quantize(Decimal("0.0001"))
        settings.risk_value_drop = (data["value_drop_percent"] / 100).quantize(Decimal("0.01"))
        settings.channel_costs = {
            value: float(data[channel_field_name(value)]) for value in Channel.values
        }
        settings.reach_rate = (data["reach_rate_percent"] / 100).quantize(Decimal("0.0001"))
        settings.reach_conversion = (data["reach_conversion_percent"] / 100).quantize(
            Decimal("0.0001")
        )
        settings.influence_weights = {
            component: float(data[weight_field_name(component)]) for component in COMPONENTS
        }
        if commit:
            settings.full_clean()
            settings.save()
        return settings
