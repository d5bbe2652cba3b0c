"""Query-string forms of the influence and loyalty-quadrant lists. A bad value gives a form
error naming the parameter, never a server error."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from relata.feedback.influence_selectors import InfluenceFilter
from relata.scoring.choices import QuadrantChoice, TierChoice

VIEW_ALL = "all"
VIEW_LOW_SPEND = "low_spend"


def _code(choices: list[tuple[int, Any]], label: Any, empty: Any) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=[("", empty)] + [(str(value), name) for value, name in choices],
        coerce=int,
        required=False,
        empty_value=None,
    )


class InfluenceListForm(forms.Form):
    run = forms.IntegerField(label=_("Period"), required=False, min_value=1)
    view = forms.ChoiceField(
        label=_("View"),
        choices=[(VIEW_ALL, _("All customers")), (VIEW_LOW_SPEND, _("Low spend, high influence"))],
        required=False,
    )
    min_influence = forms.IntegerField(
        label=_("Influence at least"), required=False, min_value=0, max_value=100
    )
    tier = _code(TierChoice.choices, _("Tier"), _("All tiers"))
    quadrant = _code(QuadrantChoice.choices, _("Loyalty quadrant"), _("All quadrants"))
    sort = forms.CharField(required=False, max_length=20)

    @property
    def low_spend(self) -> bool:
        return bool(self.is_valid() and self.cleaned_data.get("view") == VIEW_LOW_SPEND)

    def influence_filter(self) -> InfluenceFilter:
        data = self.cleaned_data
        return InfluenceFilter(
            min_influence=data.get("min_influence"),
            tier=data.get("tier"),
            quadrant=data.get("quadrant"),
            low_spend=data.get("view") == VIEW_LOW_SPEND,
        )

    def error_text(self) -> str:
        """All errors in one line: 'Tier (tier): Select a valid choice. …'."""
        parts = []
        for name, errors in self.errors.items():
            label = self.fields[name].label if name in self.fields else name
            parts.append(f"{label} ({name}): {' '.join(str(e) for e in errors)}")
        return "; ".join(parts)


class QuadrantListForm(InfluenceListForm):
    """The customers of one quadrant (or all): the same list, other default order."""

    view = None  # type: ignore[assignment]

    def influence_filter(self) -> InfluenceFilter:
        data = self.cleaned_data
        return InfluenceFilter(
            min_influence=data.get("min_influence"),
            tier=data.get("tier"),
            quadrant=data.get("quadrant"),
        )
