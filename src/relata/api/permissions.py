"""What a request may do: the token user's model permissions and the token's scopes.

Permissions are checked at the top of every endpoint (``require_perms``). Scopes limit a token
on top of its user's permissions: the authentication checks ``read`` for safe methods and
``write`` for the others (``scope_for``); endpoints that export or erase personal data also
call ``require_scope(request, TokenScope.PERSONAL_DATA)``.
"""

from __future__ import annotations

from typing import TypeVar

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from relata.accounts.models import TokenScope
from relata.accounts.visibility import can_see_customer, visible_by_customer, visible_customers
from relata.customers.models import Customer

M = TypeVar("M", bound=Model)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# POST operations that only read: a query too large for a URL. A read token may call them.
QUERY_OPERATIONS = frozenset({"api:count_rules"})


def require_perms(request: HttpRequest, *perms: str) -> None:
    """Raise 403 unless the authenticated user holds every permission (``app.codename``)."""
    missing = [perm for perm in perms if not request.user.has_perm(perm)]
    if missing:
        raise PermissionDenied(
            _("Your account lacks the permission %(perms)s.") % {"perms": ", ".join(missing)}
        )


def scope_for(request: HttpRequest) -> TokenScope:
    """The scope a request needs: ``read`` to read, ``write`` to change anything."""
    if request.method in SAFE_METHODS:
        return TokenScope.READ
    match = request.resolver_match
    if match is not None and match.view_name in QUERY_OPERATIONS:
        return TokenScope.READ
    return TokenScope.WRITE


def require_scope(request: HttpRequest, scope: TokenScope) -> None:
    """Raise 403 unless the request's API token carries ``scope``.

    Requests without a token (a browser session, should an endpoint accept one) are limited
    by their user's permissions only: scopes narrow what a token may do.
    """
    token = getattr(request, "api_token", None)
    if token is None:
        if not request.user.is_authenticated:
            raise PermissionDenied(_("A valid API token is required."))
        return
    if not token.has_scope(scope):
        raise PermissionDenied(
            _('This token lacks the scope "%(scope)s" (%(label)s). Create a token with it.')
            % {"scope": scope.value, "label": scope.label}
        )


def api_user(request: HttpRequest) -> User:
    """The authenticated user; every endpoint runs behind token or session authentication."""
    assert isinstance(request.user, User)
    return request.user


# "Sales see only their own accounts" (accounts.visibility): a customer the user may not see
# is answered as if it did not exist (404, or 422 where a body names it), never as 403, so
# its existence does not leak.


def visible_rows(
    request: HttpRequest, queryset: QuerySet[M], customer_field: str = "customer"
) -> QuerySet[M]:
    """Rows whose customer (reached through ``customer_field``) the user may see."""
    return visible_by_customer(request.user, queryset, customer_field)


def visible_customer_rows(
    request: HttpRequest, queryset: QuerySet[Customer] | None = None
) -> QuerySet[Customer]:
    """The customers (of ``queryset``, or all) the user may see."""
    return visible_customers(request.user, queryset)


def require_visible_customer(request: HttpRequest, customer_id: int | None) -> None:
    """404 for a customer the user may not see, worded as for one that does not exist."""
    if not can_see_customer(request.user, customer_id):
        raise Http404(_("No customer with id %(id)s.") % {"id": customer_id})
