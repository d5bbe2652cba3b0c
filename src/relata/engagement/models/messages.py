"""Message templates and the outbox: every message Relata sends or refuses, with the
campaign or trigger rule that made it (DOMAIN.md §11, §12, §19)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relata.customers.models import ConsentChannel, ConsentPurpose, Customer


class MessageTemplate(models.Model):
    """Subject and body with merge fields such as ``{{ first_name }}`` (the list of merge
    fields and the rendering live in ``relata.engagement.merge_fields``)."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    channel = models.CharField(_("channel"), max_length=10, choices=ConsentChannel.choices)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("body"))
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    REFUSED = "refused", _("Refused: no consent")
    FAILED = "failed", _("Failed")


class OutboxMessage(models.Model):
    """One message to one customer. E-mail goes out through Django's e-mail backend; other
    channels wait here for the person or system that sends them (they mark them sent).
    A message without a valid opt-in for its channel and purpose is stored as refused, with
    the reason, and never sent."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="messages"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=ConsentChannel.choices)
    purpose = models.CharField(
        _("purpose"),
        max_length=12,
        choices=ConsentPurpose.choices,
        default=ConsentPurpose.MARKETING,
    )
    to_address = models.CharField(_("to"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("body"), blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=MessageStatus.choices, default=MessageStatus.QUEUED
    )
    status_reason = models.CharField(_("reason"), max_length=300, blank=True)
    template = models.ForeignKey(
        MessageTemplate,
        verbose_name=_("template"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # What made it: a campaign contact or a trigger firing (set by those services).
    campaign_contact = models.ForeignKey(
        "engagement.CampaignContact",
        verbose_name=_("campaign contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
    )
    trigger_firing = models.ForeignKey(
        "engagement.TriggerFiring",
        verbose_name=_("trigger"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "channel", "-created_at"], name="outbox_status_idx"),
            models.Index(fields=["customer", "-created_at"], name="outbox_customer_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.customer_id}: {self.subject}"
