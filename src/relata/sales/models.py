"""Products, orders and order lines: the purchases that behavioural data is derived from."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relata.customers.models import Customer


class ProductCategory(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    is_consumable = models.BooleanField(
        _("consumable"), default=False, help_text=_("Bought again when used up.")
    )

    class Meta:
        verbose_name = _("product category")
        verbose_name_plural = _("product categories")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    sku = models.CharField(_("SKU"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    category = models.ForeignKey(
        ProductCategory,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        related_name="products",
    )
    price = models.DecimalField(
        _("price"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal(0))]
    )
    unit_cost = models.DecimalField(
        _("unit cost"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("Cost of goods per unit; price minus cost is the margin."),
    )
    is_one_off = models.BooleanField(
        _("one-off purchase"),
        default=False,
        help_text=_("Customers buy this once (for example a sofa); never offered again."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.sku})"

    @property
    def margin(self) -> Decimal:
        return self.price - self.unit_cost


class SalesChannel(models.TextChoices):
    WEB = "web", _("Web shop")
    STORE = "store", _("Store")
    PHONE = "phone", _("Phone")
    SALES_REP = "sales_rep", _("Sales representative")
    EMAIL = "email", _("E-mail")


class OrderStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")
    RETURNED = "returned", _("Returned")


class Order(models.Model):
    order_number = models.CharField(_("order number"), max_length=40, unique=True)
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="orders"
    )
    order_date = models.DateField(_("order date"), default=timezone.localdate)
    channel = models.CharField(
        _("channel"), max_length=12, choices=SalesChannel.choices, default=SalesChannel.WEB
    )
    status = models.CharField(
        _("status"), max_length=12, choices=OrderStatus.choices, default=OrderStatus.DELIVERED
    )
    # Denormalised sums of the lines, maintained by the order services and imports, so that
    # revenue and margin aggregate without joining millions of lines.
    total_amount = models.DecimalField(
        _("total"), max_digits=14, decimal_places=2, default=Decimal(0)
    )
    total_cost = models.DecimalField(
        _("cost of goods"), max_digits=14, decimal_places=2, default=Decimal(0)
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-order_date", "-id"]
        indexes = [
            models.Index(fields=["customer", "order_date"], name="order_customer_date_idx"),
            models.Index(fields=["-order_date", "-id"], name="order_date_idx"),
        ]

    def __str__(self) -> str:
        return self.order_number

    @property
    def margin(self) -> Decimal:
        return self.total_amount - self.total_cost


class OrderLine(models.Model):
    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="lines"
    )
    # Every fact table carries the customer, so the schema can be distributed by customer.
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="order_lines"
    )
    quantity = models.DecimalField(
        _("quantity"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    unit_price = models.DecimalField(
        _("unit price"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal(0))]
    )
    unit_cost = models.DecimalField(
        _("unit cost"), max_digits=12, decimal_places=2, default=Decimal(0)
    )

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["id"]
        indexes = [models.Index(fields=["customer", "product"], name="orderline_customer_idx")]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_id}"

    @property
    def line_total(self) -> Decimal:
        return self.quantity * self.unit_price
