"""Issuing and revoking API tokens, each recorded in the audit trail."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from relata.accounts.models import ApiToken, TokenScope
from relata.audit.models import AuditAction
from relata.audit.services import record

# The lifetimes a token may be given, in days; there is no "never".
EXPIRY_DAYS = (30, 90, 180, 365)
DEFAULT_EXPIRY_DAYS = 90


def _audit(token: ApiToken, *, event: str, actor: Any) -> None:
    record(
        AuditAction.TOKEN,
        object_type="accounts.apitoken",
        object_id=token.pk,
        object_label=f"API token {token.prefix}…",
        context={
            "event": event,
            "name": token.name,
            # "username", not "user": the trail would read "user" as the token's foreign key.
            "username": token.user.get_username(),
            "scopes": list(token.scopes or []),
            "expires_at": token.expires_at.isoformat() if token.expires_at else None,
        },
        actor=actor,
    )


def token_issue(
    *, user: Any, name: str, scopes: Sequence[str], expires_in_days: int
) -> tuple[ApiToken, str]:
    """A new token of ``user`` with the scopes and lifetime chosen; the raw secret is
    returned once and never stored."""
    if expires_in_days not in EXPIRY_DAYS:
        raise ValueError(f"expires_in_days must be one of {EXPIRY_DAYS}")
    unknown = set(scopes) - set(TokenScope.values)
    if unknown or not scopes:
        raise ValueError(f"scopes must be a non-empty subset of {TokenScope.values}")
    ordered = [scope for scope in TokenScope.values if scope in set(scopes)]
    with transaction.atomic():
        token, raw = ApiToken.issue(
            user=user,
            name=name,
            scopes=ordered,
            expires_at=timezone.now() + timedelta(days=expires_in_days),
        )
        _audit(token, event="issued", actor=user)
    return token, raw


def token_revoke(*, token: ApiToken, by: Any) -> bool:
    """Revoke the token for good; False when it was revoked already (nothing recorded)."""
    with transaction.atomic():
        locked = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
        if locked.revoked or locked.revoked_at is not None:
            return False
        locked.revoked = True
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked", "revoked_at"])
        _audit(locked, event="revoked", actor=by)
    token.revoked, token.revoked_at = locked.revoked, locked.revoked_at
    return True
