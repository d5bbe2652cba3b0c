"""Model permissions of the token's user, checked at the top of every endpoint."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _


def require_perms(request: HttpRequest, *perms: str) -> None:
    """Raise 403 unless the authenticated user holds every permission (``app.codename``)."""
    missing = [perm for perm in perms if not request.user.has_perm(perm)]
    if missing:
        raise PermissionDenied(
            _("Your account lacks the permission %(perms)s.") % {"perms": ", ".join(missing)}
        )


def api_user(request: HttpRequest) -> User:
    """The authenticated user; every endpoint runs behind token or session authentication."""
    assert isinstance(request.user, User)
    return request.user
