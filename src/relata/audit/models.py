"""The audit trail: one append-only row per change, access to personal data or sign-in.

Rows are never updated or deleted: the model refuses it and database triggers refuse it too
(migration 0001). Values of personal fields are never stored (see ``services``), so erasing a
customer leaves nothing personal behind in the trail and the trail need not be rewritten.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditSource(models.TextChoices):
    WEB = "web", _("Web")
    API = "api", _("API")
    CLI = "cli", _("Command line")
    SYSTEM = "system", _("System")


class AuditAction(models.TextChoices):
    CREATE = "create", _("Created")
    UPDATE = "update", _("Changed")
    DELETE = "delete", _("Deleted")
    MERGE = "merge", _("Merged")
    CONSENT = "consent", _("Consent recorded")
    EXPORT = "export", _("Personal data exported")
    ERASE = "erase", _("Personal data erased")
    IMPORT = "import", _("Imported")
    LOGIN = "login", _("Signed in")
    LOGIN_FAILED = "login_failed", _("Sign-in failed")
    LOGOUT = "logout", _("Signed out")
    TOKEN = "token", _("API token")
    BACKUP = "backup", _("Backup")


class AppendOnlyQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise PermissionError("The audit trail is append-only")

    def delete(self) -> NoReturn:
        raise PermissionError("The audit trail is append-only")


class AuditEntry(models.Model):
    at = models.DateTimeField(_("when"), default=timezone.now, editable=False)
    # No database constraint: deleting a user must not rewrite (or block on) the trail.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_name = models.CharField(_("who"), max_length=150, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=AuditSource.choices)
    ip_address = models.GenericIPAddressField(_("from address"), null=True, blank=True)
    user_agent = models.CharField(_("browser or client"), max_length=200, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=AuditAction.choices)
    # "app_label.model", e.g. "customers.customer"; empty for sign-ins.
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    # A label without personal data, e.g. "Deal #12" or "Customer C-00042".
    object_label = models.CharField(_("object"), max_length=200, blank=True)
    # The customer the change is about, kept as a plain number so the trail outlives merges.
    customer_id = models.BigIntegerField(_("customer"), null=True, blank=True)
    # {field: [old, new]}; personal fields carry only the fact of a change (see services).
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    # Extra facts of the action: merged ids, export format, import batch, token name.
    context = models.JSONField(_("details"), default=dict, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        ordering = ["-at", "-id"]
        default_permissions = ("view",)
        indexes = [
            models.Index(fields=["-at", "-id"], name="audit_at_idx"),
            models.Index(fields=["customer_id", "-at"], name="audit_customer_idx"),
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["actor", "-at"], name="audit_actor_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_label}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise PermissionError("The audit trail is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise PermissionError("The audit trail is append-only")
