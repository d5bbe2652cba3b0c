"""Token authentication for the API.

Clients send the token issued at /accounts/tokens/ as ``Authorization: Bearer <token>``
(``Authorization: Token <token>`` is accepted too). Only the SHA-256 hash of a token is
stored, so the lookup hashes what the client sends and finds the row by its unique hash.

A token is refused (401) when it is unknown, revoked, expired or its user is deactivated,
with a message saying which; a token without the scope the method needs (``read`` for
GET/HEAD/OPTIONS, ``write`` otherwise) is refused with 403 naming the scope.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth.models import User
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer

from relata.accounts.models import ApiToken, token_hash
from relata.api.permissions import require_scope, scope_for

SCHEMES = frozenset({"bearer", "token"})
# Writing last_used_at on every request would turn each read into a write; once a minute
# is precise enough to see which tokens are in use.
LAST_USED_PRECISION = timedelta(minutes=1)
# Issued tokens are "rel_" + 43 characters; anything far longer is not a token.
MAX_TOKEN_LENGTH = 200


class TokenRejected(AuthenticationError):
    """A token was sent but cannot be used; the message says why (answered with 401)."""

    def __init__(self, message: str) -> None:
        super().__init__(status_code=401, message=message)


def token_user(raw: str) -> tuple[ApiToken, User]:
    """The live token and its active user for a raw token string.

    Raises :class:`TokenRejected` for an unknown, revoked or expired token, or one whose user
    is deactivated.
    """
    token = None
    if raw and len(raw) <= MAX_TOKEN_LENGTH:
        token = ApiToken.objects.select_related("user").filter(key_hash=token_hash(raw)).first()
    if token is None or token.revoked or token.revoked_at is not None:
        raise TokenRejected(_("Unknown or revoked token."))
    now = timezone.now()
    if token.expires_at is not None and token.is_expired(now):
        raise TokenRejected(
            _("Token expired on %(date)s; create a new one at /accounts/tokens/.")
            % {"date": timezone.localtime(token.expires_at).strftime("%Y-%m-%d %H:%M")}
        )
    if not token.user.is_active:
        raise TokenRejected(_("The token's user account is deactivated."))
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token, token.user


class TokenAuth(HttpBearer):
    """Bearer (or ``Token``) authentication against :class:`ApiToken`, with its scopes."""

    def __call__(self, request: HttpRequest) -> Any:
        value = request.headers.get(self.header, "")
        scheme, _space, raw = value.strip().partition(" ")
        if scheme.lower() not in SCHEMES:
            return None
        return self.authenticate(request, raw.strip())

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        api_token, user = token_user(token)
        # Services and permission checks read request.user, as they do for pages.
        request.user = user
        request.api_token = api_token  # type: ignore[attr-defined]
        require_scope(request, scope_for(request))
        return user
