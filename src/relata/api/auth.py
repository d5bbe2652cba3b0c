"""Token authentication for the API.

Clients send the token issued at /accounts/tokens/ as ``Authorization: Bearer <token>``
(``Authorization: Token <token>`` is accepted too). Only the SHA-256 hash of a token is
stored, so the lookup hashes what the client sends and finds the row by its unique hash.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth.models import User
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from relata.accounts.models import ApiToken, token_hash

SCHEMES = frozenset({"bearer", "token"})
# Writing last_used_at on every request would turn each read into a write; once a minute
# is precise enough to see which tokens are in use.
LAST_USED_PRECISION = timedelta(minutes=1)
# Issued tokens are "rel_" + 43 characters; anything far longer is not a token.
MAX_TOKEN_LENGTH = 200


def token_user(raw: str) -> tuple[ApiToken, User] | None:
    """The live token and its active user for a raw token string, or None."""
    if not raw or len(raw) > MAX_TOKEN_LENGTH:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=token_hash(raw), revoked=False)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token, token.user


class TokenAuth(HttpBearer):
    """Bearer (or ``Token``) authentication against :class:`ApiToken`."""

    def __call__(self, request: HttpRequest) -> Any:
        value = request.headers.get(self.header, "")
        scheme, _space, raw = value.strip().partition(" ")
        if scheme.lower() not in SCHEMES:
            return None
        return self.authenticate(request, raw.strip())

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = token_user(token)
        if found is None:
            return None
        api_token, user = found
        # Services and permission checks read request.user, as they do for pages.
        request.user = user
        request.api_token = api_token  # type: ignore[attr-defined]
        return user
