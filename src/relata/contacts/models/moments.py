"""Contact moments: every interaction with a customer, across channels and touchpoints."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relata.customers.models import Customer
from relata.sales.models import Deal, Order


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    VISIT = "visit", _("Visit")
    STORE = "store", _("Store")
    WEB = "web", _("Web")
    CHAT = "chat", _("Chat")
    SOCIAL = "social", _("Social media")
    LETTER = "letter", _("Letter")


class Direction(models.TextChoices):
    INBOUND = "inbound", _("Inbound")
    OUTBOUND = "outbound", _("Outbound")


class Touchpoint(models.TextChoices):
    SALES = "sales", _("Sales")
    MARKETING = "marketing", _("Marketing")
    SERVICE = "service", _("Service")
    AFTER_SALES = "after_sales", _("After-sales")
    BILLING = "billing", _("Billing")
    DELIVERY = "delivery", _("Delivery")


class Office(models.TextChoices):
    FRONT = "front", _("Front office")
    BACK = "back", _("Back office")


class Outcome(models.TextChoices):
    RESOLVED = "resolved", _("Resolved")
    FOLLOW_UP = "follow_up", _("Follow-up needed")
    INFORMATION = "information", _("Information given")
    QUOTE_REQUESTED = "quote_requested", _("Quote requested")
    ORDER_PLACED = "order_placed", _("Order placed")
    NO_ANSWER = "no_answer", _("No answer")
    COMPLAINT = "complaint", _("Complaint")


class Friction(models.TextChoices):
    """Why a contact moment went wrong for the customer: the drop-off causes of the journey
    (DOMAIN.md §14)."""

    UNCLEAR = "unclear", _("Unclear information")
    NOT_REACHABLE = "not_reachable", _("We were not reachable")
    NO_ANSWER = "no_answer", _("No answer or reply")
    REPEAT_STORY = "repeat_story", _("Had to tell the story again")
    WAITED = "waited", _("Waited too long")


class ContactMoment(models.Model):
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="contact_moments",
    )
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices, default=Direction.INBOUND
    )
    touchpoint = models.CharField(_("touchpoint"), max_length=12, choices=Touchpoint.choices)
    office = models.CharField(
        _("office"), max_length=5, choices=Office.choices, default=Office.FRONT
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contact_moments",
    )
    subject = models.CharField(_("subject"), max_length=200)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    friction = models.CharField(
        _("what went wrong"),
        max_length=14,
        choices=Friction.choices,
        blank=True,
        help_text=_("Leave empty when nothing went wrong for the customer."),
    )
    order = models.ForeignKey(
        Order,
        verbose_name=_("order"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contact_moments",
    )
    deal = models.ForeignKey(
        Deal,
        verbose_name=_("deal"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contact_moments",
    )
    complaint = models.ForeignKey(
        "contacts.Complaint",
        verbose_name=_("complaint"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contact_moments",
    )
    external_id = models.CharField(
        _("external id"),
        max_length=64,
        blank=True,
        help_text=_("Identifier in the source system; re-importing the same id changes nothing."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("contact moment")
        verbose_name_plural = _("contact moments")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-occurred_at"], name="contact_customer_time_idx"),
            models.Index(fields=["-occurred_at", "-id"], name="contact_time_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~models.Q(external_id=""),
                name="contact_external_id_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()}: {self.subject}"
