"""In-app notifications: a colleague acted on your customer or sent you work."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    TASK_ASSIGNED = "task_assigned", _("A task was assigned to you")
    TASK_DONE = "task_done", _("A task about your customer was completed")
    CONTACT_LOGGED = "contact_logged", _("A colleague contacted your customer")
    COMPLAINT_LOGGED = "complaint", _("A complaint about your customer")
    DEAL_CHANGED = "deal_changed", _("Your deal moved")
    REMINDER = "reminder", _("Reminder")
    TRIGGER = "trigger", _("A trigger rule acted on your customer")


class Notification(models.Model):
    """One message to one user. The text is rendered when shown, from ``kind`` and
    ``params``, so every reader sees it in their own language."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=NotificationKind.choices)
    params = models.JSONField(_("details"), default=dict, blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["recipient", "read_at", "-created_at"], name="notification_inbox_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id}: {self.kind}"
