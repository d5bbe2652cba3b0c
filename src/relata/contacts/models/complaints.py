"""Complaints: what went wrong, where, why, and how long it took to put right."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relata.contacts.models.moments import Channel, Touchpoint
from relata.customers.models import Customer
from relata.sales.models import Order


class ComplaintCause(models.TextChoices):
    UNCLEAR_INFORMATION = "unclear_info", _("Unclear information")
    NOT_REACHABLE = "not_reachable", _("Not reachable")
    NO_ANSWER = "no_answer", _("No answer")
    REPEAT_STORY = "repeat_story", _("Had to repeat the story")
    PRODUCT = "product", _("Product")
    DELIVERY = "delivery", _("Delivery")
    BILLING = "billing", _("Billing")
    OTHER = "other", _("Other")


class ComplaintStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")
    REJECTED = "rejected", _("Closed, not upheld")


OPEN_COMPLAINT_STATUSES = (ComplaintStatus.OPEN, ComplaintStatus.IN_PROGRESS)


class Complaint(models.Model):
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="complaints"
    )
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    touchpoint = models.CharField(_("touchpoint"), max_length=12, choices=Touchpoint.choices)
    cause = models.CharField(_("cause"), max_length=14, choices=ComplaintCause.choices)
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ComplaintStatus.choices, default=ComplaintStatus.OPEN
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="complaints",
    )
    order = models.ForeignKey(
        Order,
        verbose_name=_("order"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="complaints",
    )
    resolution = models.TextField(_("resolution"), blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
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
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-received_at"], name="complaint_customer_idx"),
            models.Index(fields=["status", "-received_at"], name="complaint_status_idx"),
            models.Index(fields=["-received_at", "-id"], name="complaint_time_idx"),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_COMPLAINT_STATUSES
