"""Campaigns: a segment approached through a channel with an offer in a period, an optional
random control group, and what each contact did (DOMAIN.md §12)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relata.customers.models import ConsentChannel, ConsentPurpose, Customer
from relata.engagement.models.messages import MessageTemplate
from relata.engagement.models.segments import Segment
from relata.sales.models import Order, Product


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    RUNNING = "running", _("Running")
    FINISHED = "finished", _("Finished")


class OfferKind(models.TextChoices):
    NONE = "none", _("No offer (information)")
    PRODUCT = "product", _("A product")
    NEXT_BEST = "next_best", _("Next best offer per customer")
    DISCOUNT = "discount", _("Discount")


class Campaign(models.Model):
    name = models.CharField(_("name"), max_length=160)
    description = models.TextField(_("description"), blank=True)
    segment = models.ForeignKey(
        Segment,
        verbose_name=_("segment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="campaigns",
        help_text=_("Who is approached at launch. Triggers can enrol customers as well."),
    )
    channel = models.CharField(_("channel"), max_length=10, choices=ConsentChannel.choices)
    purpose = models.CharField(
        _("purpose"),
        max_length=12,
        choices=ConsentPurpose.choices,
        default=ConsentPurpose.MARKETING,
        help_text=_("The consent a customer must have given for this channel."),
    )
    template = models.ForeignKey(
        MessageTemplate,
        verbose_name=_("message template"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="campaigns",
    )
    offer_kind = models.CharField(
        _("offer"), max_length=10, choices=OfferKind.choices, default=OfferKind.NONE
    )
    offer_product = models.ForeignKey(
        Product,
        verbose_name=_("offered product"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    offer_text = models.CharField(_("offer text"), max_length=300, blank=True)
    discount_percent = models.DecimalField(
        _("discount %"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    starts_on = models.DateField(_("starts on"), default=timezone.localdate)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    attribution_days = models.PositiveSmallIntegerField(
        _("attribution window (days)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("An order within this many days after the approach counts as a conversion."),
    )
    control_percent = models.PositiveSmallIntegerField(
        _("control group %"),
        default=0,
        validators=[MaxValueValidator(50)],
        help_text=_("A random share of the segment that is not approached, to measure uplift."),
    )
    fixed_cost = models.DecimalField(
        _("fixed cost"), max_digits=12, decimal_places=2, default=Decimal(0)
    )
    cost_per_contact = models.DecimalField(
        _("cost per contact"), max_digits=10, decimal_places=2, default=Decimal(0)
    )
    status = models.CharField(
        _("status"), max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    # Set when a ready-made playbook (onboarding, win-back) created the campaign.
    playbook = models.CharField(_("playbook"), max_length=40, blank=True)
    launched_at = models.DateTimeField(_("launched"), null=True, blank=True)
    random_seed = models.PositiveIntegerField(_("random seed"), null=True, blank=True)
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
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-starts_on", "-id"]

    def __str__(self) -> str:
        return self.name


class ContactGroup(models.TextChoices):
    TARGET = "target", _("Approached")
    CONTROL = "control", _("Control")


class CampaignContact(models.Model):
    """One customer in a campaign. Control contacts are never approached; they are followed
    for conversions over the same window so uplift can be measured."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="contacts"
    )
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="campaign_contacts",
    )
    group = models.CharField(
        _("group"), max_length=8, choices=ContactGroup.choices, default=ContactGroup.TARGET
    )
    enrolled_at = models.DateTimeField(_("enrolled"), default=timezone.now)
    # Why the customer is in: the launch (empty) or the trigger firing that enrolled them.
    trigger_firing = models.ForeignKey(
        "engagement.TriggerFiring",
        verbose_name=_("trigger"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Opaque token for the open pixel and click links (no customer id in URLs).
    token = models.CharField(_("token"), max_length=32, unique=True)
    offered_product = models.ForeignKey(
        Product,
        verbose_name=_("offered product"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    refused_reason = models.CharField(_("not sent because"), max_length=300, blank=True)
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    clicked_at = models.DateTimeField(_("clicked"), null=True, blank=True)
    responded_at = models.DateTimeField(_("responded"), null=True, blank=True)
    converted_at = models.DateTimeField(_("converted"), null=True, blank=True)
    conversion_order = models.ForeignKey(
        Order,
        verbose_name=_("converting order"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revenue = models.DecimalField(
        _("revenue in window"), max_digits=14, decimal_places=2, default=Decimal(0)
    )

    class Meta:
        verbose_name = _("campaign contact")
        verbose_name_plural = _("campaign contacts")
        ordering = ["campaign", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "customer"], name="one_contact_per_campaign"
            )
        ]
        indexes = [
            models.Index(fields=["customer", "-enrolled_at"], name="campaign_contact_customer_idx"),
            models.Index(fields=["campaign", "group"], name="campaign_contact_group_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.customer_id}"
