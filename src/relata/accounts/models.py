"""API tokens and installation-wide access settings.

A token's secret is shown once; only its SHA-256 hash is stored. A token carries scopes (what
it may do, on top of its user's permissions) and an expiry date.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class TokenScope(models.TextChoices):
    READ = "read", _("Read")
    WRITE = "write", _("Write")
    PERSONAL_DATA = "personal_data", _("Personal data export and erasure")


def default_token_scopes() -> list[str]:
    return [TokenScope.READ.value]


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked = models.BooleanField(_("revoked"), default=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    scopes = models.JSONField(_("scopes"), default=default_token_scopes)
    # Null means the token never expires: only tokens issued before expiry existed.
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(
        cls,
        *,
        user: object,
        name: str,
        scopes: list[str] | None = None,
        expires_at: datetime | None = None,
    ) -> tuple[ApiToken, str]:
        raw = "rel_" + secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user,
            name=name,
            prefix=raw[:8],
            key_hash=token_hash(raw),
            # Without explicit scopes a token reads and writes, as tokens did before scopes.
            scopes=list(scopes) if scopes is not None else [TokenScope.READ, TokenScope.WRITE],
            expires_at=expires_at,
        )
        return token, raw

    def has_scope(self, scope: str) -> bool:
        return scope in (self.scopes or [])

    def is_expired(self, now: datetime | None = None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())


class AccessSettings(models.Model):
    """Installation-wide access rules, one row (pk=1), edited by administrators."""

    sales_own_accounts_only = models.BooleanField(
        _("sales see only their own accounts"),
        default=False,
        help_text=_(
            "Users whose only customer-facing role is Sales see and change only the customers "
            "they are account owner of, with those customers' orders, deals, contact moments "
            "and tasks."
        ),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("access settings")
        verbose_name_plural = _("access settings")

    def __str__(self) -> str:
        return str(_("Access settings"))

    @classmethod
    def current(cls) -> AccessSettings:
        settings_row, _created = cls.objects.get_or_create(pk=1)
        return settings_row
