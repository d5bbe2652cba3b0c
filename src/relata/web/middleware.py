"""Every page needs a login unless it is explicitly public."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse

# The API authenticates with tokens itself; static files and the login page must be reachable;
# /t/ is the open pixel and click tracking of campaign e-mails (opaque tokens, no data shown);
# /s/ the personal survey links customers answer (unguessable tokens, only a first name shown).
# /healthz answers only "ok" or "unavailable" for load balancers and monitors.
PUBLIC_PREFIXES = (
    "/accounts/login/",
    "/static/",
    "/api/",
    "/i18n/",
    "/jsi18n/",
    "/admin/",
    "/t/",
    "/s/",
    "/healthz",
)


class LoginRequiredEverywhereMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.user.is_authenticated and not request.path.startswith(PUBLIC_PREFIXES):
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        return self.get_response(request)
