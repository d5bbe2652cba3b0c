from __future__ import annotations

from typing import cast

from django import forms
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from relata.sales.models import Order, OrderLine, OrderStatus, Product, SalesChannel
from relata.web.forms import BootstrapFormMixin


class OrderForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Order
        fields = ("customer", "order_number", "order_date", "channel", "status", "notes")
        widgets = {
            "order_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 2}),
            "customer": forms.HiddenInput(),
        }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["order_number"].required = False
        self.fields["order_number"].help_text = _("Leave empty to number automatically.")


class OrderLineForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = OrderLine
        fields = ("product", "quantity", "unit_price")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        product_field = cast(forms.ModelChoiceField, self.fields["product"])
        product_field.queryset = Product.objects.filter(active=True).select_related("category")
        self.fields["unit_price"].required = False
        self.fields["unit_price"].help_text = _("Empty: the product's price.")

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        product = data.get("product")
        if product is not None and data.get("unit_price") is None:
            data["unit_price"] = product.price
            self.instance.unit_price = product.price
        if product is not None:
            self.instance.unit_cost = product.unit_cost
        return data


OrderLineFormSet = inlineformset_factory(
    Order, OrderLine, form=OrderLineForm, extra=3, can_delete=True, min_num=1, validate_min=True
)


class OrderFilterForm(BootstrapFormMixin, forms.Form):
    q = forms.CharField(required=False)
    status = forms.ChoiceField(
        required=False, choices=[("", _("All statuses")), *OrderStatus.choices]
    )
    channel = forms.ChoiceField(
        required=False, choices=[("", _("All channels")), *SalesChannel.choices]
    )
    date_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    customer = forms.IntegerField(required=False, widget=forms.HiddenInput())


class ProductForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Product
        fields = ("sku", "name", "category", "price", "unit_cost", "is_one_off", "active")
