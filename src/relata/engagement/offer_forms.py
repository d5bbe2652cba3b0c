"""Forms of the next-best-offer pages: the rules explorer's filters and the recompute button."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from relata.engagement.offer_selectors import DEFAULT_RULE_SORT
from relata.sales.models import Product, ProductCategory
from relata.web.forms import BootstrapFormMixin

RULE_SORT_CHOICES = (
    ("-lift", _("Lift, highest first")),
    ("-confidence", _("Confidence, highest first")),
    ("-support", _("Support, highest first")),
    ("-pair_count", _("Baskets with both, most first")),
    ("lift", _("Lift, lowest first")),
    ("confidence", _("Confidence, lowest first")),
    ("support", _("Support, lowest first")),
)


class RuleFilterForm(BootstrapFormMixin, forms.Form):
    """GET filters of the rules explorer; every field optional."""

    q = forms.CharField(
        label=_("Product"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("Name or SKU"), "type": "search"}),
    )
    product = forms.ModelChoiceField(
        queryset=Product.objects.all(), required=False, widget=forms.HiddenInput()
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=ProductCategory.objects.order_by("name"),
        required=False,
        empty_label=_("All categories"),
    )
    across = forms.BooleanField(label=_("Across categories only"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort by"), choices=RULE_SORT_CHOICES, required=False, initial=DEFAULT_RULE_SORT
    )

    def filters(self) -> dict[str, Any]:
        """Keyword arguments for ``rules_top`` (call after ``is_valid``)."""
        data = self.cleaned_data
        product = data.get("product")
        category = data.get("category")
        return {
            "query": (data.get("q") or "").strip(),
            "product_id": product.pk if product else None,
            "category_id": category.pk if category else None,
            "across_categories": bool(data.get("across")),
            "sort": data.get("sort") or DEFAULT_RULE_SORT,
        }

    def error_text(self) -> str:
        return "; ".join(
            f"{self.fields[name].label or name}: {' '.join(str(e) for e in errors)}"
            for name, errors in self.errors.items()
        )


class RecomputeForm(forms.Form):
    evaluate = forms.BooleanField(label=_("Also evaluate against popularity"), required=False)
