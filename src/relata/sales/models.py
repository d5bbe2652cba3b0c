"""Products, orders and order lines: the purchases that behavioural data is derived from."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
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
    term_months = models.PositiveSmallIntegerField(
        _("contract or warranty term (months)"),
        null=True,
        blank=True,
        help_text=_("When the contract or warranty of a purchase ends; triggers can act on it."),
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


class DealStage(models.TextChoices):
    LEAD = "lead", _("Lead")
    QUALIFIED = "qualified", _("Qualified")
    QUOTE = "quote", _("Quote")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


OPEN_DEAL_STAGES = (DealStage.LEAD, DealStage.QUALIFIED, DealStage.QUOTE)
CLOSED_DEAL_STAGES = (DealStage.WON, DealStage.LOST)
# The probability a deal gets when it enters a stage, unless the user sets one.
STAGE_PROBABILITY = {
    DealStage.LEAD: 10,
    DealStage.QUALIFIED: 30,
    DealStage.QUOTE: 60,
    DealStage.WON: 100,
    DealStage.LOST: 0,
}


class DealSource(models.TextChoices):
    WEB_FORM = "web_form", _("Web form")
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    STORE = "store", _("Store")
    REFERRAL = "referral", _("Referral")
    CAMPAIGN = "campaign", _("Campaign")
    EVENT = "event", _("Event or fair")
    OUTBOUND = "outbound", _("Outbound sales")
    EXISTING = "existing", _("Existing customer")
    OTHER = "other", _("Other")


class LostReason(models.TextChoices):
    PRICE = "price", _("Price too high")
    COMPETITOR = "competitor", _("Chose a competitor")
    NO_BUDGET = "no_budget", _("No budget")
    NO_DECISION = "no_decision", _("No decision / went quiet")
    TIMING = "timing", _("Bad timing")
    PRODUCT_FIT = "product_fit", _("Product does not fit")
    SERVICE = "service", _("Unhappy with our service")
    OTHER = "other", _("Other")


class Deal(models.Model):
    """An opportunity on its way from lead to order. Winning it creates the order."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="deals"
    )
    title = models.CharField(_("title"), max_length=200)
    stage = models.CharField(
        _("stage"), max_length=10, choices=DealStage.choices, default=DealStage.LEAD
    )
    value = models.DecimalField(
        _("value"),
        max_digits=14,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("Expected order value; the sum of the products when they are listed."),
    )
    probability = models.PositiveSmallIntegerField(
        _("probability (%)"),
        default=STAGE_PROBABILITY[DealStage.LEAD],
        validators=[MaxValueValidator(100)],
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deals",
    )
    source = models.CharField(
        _("source"), max_length=10, choices=DealSource.choices, default=DealSource.OTHER
    )
    expected_close_date = models.DateField(_("expected close date"), null=True, blank=True)
    lost_reason = models.CharField(
        _("lost reason"), max_length=12, choices=LostReason.choices, blank=True
    )
    lost_note = models.CharField(_("lost note"), max_length=300, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    order = models.OneToOneField(
        Order,
        verbose_name=_("order"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deal",
        help_text=_("The order created when the deal was won."),
    )
    stage_changed_at = models.DateTimeField(_("in this stage since"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-created_at"], name="deal_customer_idx"),
            # The kanban: open deals per stage, biggest first.
            models.Index(fields=["stage", "-value", "id"], name="deal_stage_value_idx"),
            # ... and the deals won or lost lately, newest first.
            models.Index(fields=["stage", "-closed_at", "-id"], name="deal_stage_closed_idx"),
            models.Index(fields=["owner", "stage"], name="deal_owner_stage_idx"),
            models.Index(fields=["-created_at", "-id"], name="deal_created_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_DEAL_STAGES

    @property
    def weighted_value(self) -> Decimal:
        return self.value * self.probability / 100


class DealLine(models.Model):
    deal = models.ForeignKey(
        Deal, verbose_name=_("deal"), on_delete=models.CASCADE, related_name="lines"
    )
    # Every fact table carries the customer, so the schema can be distributed by customer.
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="+"
    )
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="deal_lines"
    )
    quantity = models.DecimalField(
        _("quantity"),
        max_digits=10,
        decimal_places=2,
        default=Decimal(1),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    unit_price = models.DecimalField(
        _("unit price"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal(0))]
    )

    class Meta:
        verbose_name = _("deal line")
        verbose_name_plural = _("deal lines")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_id}"

    @property
    def line_total(self) -> Decimal:
        return self.quantity * self.unit_price


class DealStageChange(models.Model):
    """A deal entering a stage: the history that funnel conversion and lead times read."""

    deal = models.ForeignKey(
        Deal, verbose_name=_("deal"), on_delete=models.CASCADE, related_name="stage_changes"
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="+"
    )
    from_stage = models.CharField(
        _("from stage"), max_length=10, choices=DealStage.choices, blank=True
    )
    to_stage = models.CharField(_("to stage"), max_length=10, choices=DealStage.choices)
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("deal stage change")
        verbose_name_plural = _("deal stage changes")
        ordering = ["changed_at", "id"]
        indexes = [models.Index(fields=["deal", "changed_at"], name="deal_change_idx")]

    def __str__(self) -> str:
        return f"{self.deal_id}: {self.from_stage or '-'} → {self.to_stage}"
