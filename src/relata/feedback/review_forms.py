"""Forms of the review pages: enter or edit a review or comment, and filter the list."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from relata.engagement.loyalty_forms import CustomerNumberField
from relata.feedback.models import Review, ReviewKind
from relata.feedback.review_selectors import REVIEW_SORTS
from relata.feedback.social_services import MAX_COUNT
from relata.sales.models import Product
from relata.web.forms import BootstrapFormMixin

PRODUCT_SUGGESTIONS = 500
RATING_CHOICES = [("", _("No rating")), *[(str(n), f"{'★' * n} ({n})") for n in range(5, 0, -1)]]


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _votes_field(label: Any) -> forms.IntegerField:
    return forms.IntegerField(
        label=label, min_value=0, max_value=MAX_COUNT, initial=0, required=False
    )


class ProductSkuField(forms.CharField):
    """A product given by its SKU; ``clean`` returns the product (or None when empty)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Product (SKU)"))
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, value: Any) -> Product | None:
        sku = (super().clean(value) or "").strip()
        if not sku:
            return None
        product = Product.objects.filter(sku__iexact=sku).first()
        if product is None:
            raise forms.ValidationError(
                _("No product with SKU %(sku)s.") % {"sku": sku}, code="not_found"
            )
        return product


class ReviewForm(BootstrapFormMixin, forms.Form):
    """A review or comment. The customer is given by number unless the page already knows
    it (from the customer file)."""

    customer = CustomerNumberField(required=True)
    kind = forms.ChoiceField(label=_("Kind"), choices=ReviewKind.choices, initial=ReviewKind.REVIEW)
    rating = forms.TypedChoiceField(
        label=_("Rating"),
        choices=RATING_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("A review needs 1 to 5 stars; a comment may have none."),
    )
    product = ProductSkuField(help_text=_("Optional: the product it is about."))
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    text = forms.CharField(
        label=_("Text"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    written_on = forms.DateField(
        label=_("Written on"), required=False, widget=_date_widget(), help_text=_("Empty: today.")
    )
    helpful_votes = _votes_field(_("Helpful votes"))
    unhelpful_votes = _votes_field(_("Not helpful votes"))
    site = forms.CharField(
        label=_("Where"),
        max_length=80,
        required=False,
        help_text=_("Web shop, Google, Trustpilot …"),
    )
    url = forms.URLField(label=_("Link"), max_length=200, required=False, assume_scheme="https")
    external_id = forms.CharField(
        label=_("External id"),
        max_length=64,
        required=False,
        help_text=_("Its id at the source, if any; used once."),
    )
    next = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, with_customer: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not with_customer:
            del self.fields["customer"]
        self.fields["product"].widget.attrs["list"] = "review-products"

    def product_suggestions(self) -> list[tuple[str, str]]:
        """Active products (SKU, name) offered while typing the SKU."""
        products = Product.objects.filter(active=True).order_by("name", "sku")
        return list(products.values_list("sku", "name")[:PRODUCT_SUGGESTIONS])

    @classmethod
    def initial_from(cls, review: Review) -> dict[str, Any]:
        return {
            "kind": review.kind,
            "rating": "" if review.rating is None else str(review.rating),
            "product": review.product.sku if review.product else "",
            "title": review.title,
            "text": review.text,
            "written_on": review.written_on,
            "helpful_votes": review.helpful_votes,
            "unhelpful_votes": review.unhelpful_votes,
            "site": review.site,
            "url": review.url,
            "external_id": review.external_id,
        }

    def review_fields(self) -> dict[str, Any]:
        """The cleaned values as service arguments (customer and next left out)."""
        data = self.cleaned_data
        fields = {
            name: data[name]
            for name in (
                "kind",
                "rating",
                "product",
                "title",
                "text",
                "written_on",
                "site",
                "url",
                "external_id",
            )
        }
        fields["helpful_votes"] = data["helpful_votes"] or 0
        fields["unhelpful_votes"] = data["unhelpful_votes"] or 0
        return fields


SORT_CHOICES = [(key, key) for key in REVIEW_SORTS]


class ReviewFilterForm(BootstrapFormMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("All kinds")), *ReviewKind.choices],
    )
    product = forms.CharField(label=_("Product (SKU)"), required=False, max_length=40)
    rating = forms.TypedChoiceField(
        label=_("Rating"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Any rating")), *[(str(n), f"{n} ★") for n in range(5, 0, -1)]],
    )
    site = forms.CharField(label=_("Where"), required=False, max_length=80)
    date_from = forms.DateField(label=_("Written from"), required=False, widget=_date_widget())
    date_to = forms.DateField(label=_("Written until"), required=False, widget=_date_widget())
    customer = forms.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput
    )
    sort = forms.ChoiceField(required=False, choices=SORT_CHOICES, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date lies before the start date."))
        return cleaned

    def filters(self) -> dict[str, Any]:
        """The valid filters as ``review_list`` arguments; invalid ones are left out."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        names = {"q": "query", "customer": "customer_id"}
        return {
            names.get(name, name): value
            for name, value in data.items()
            if value not in (None, "") and name not in self.errors
        }
