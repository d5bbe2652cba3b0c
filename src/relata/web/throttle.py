"""Throttling of guessed credentials: the login lockout page and the API's 401 counter.

**Logins.** django-axes counts failed logins per username and IP address and, past
``AXES_FAILURE_LIMIT``, refuses that pair for ``AXES_COOLOFF_TIME`` (settings; decision
0960). :func:`login_lockout_response` is its ``AXES_LOCKOUT_CALLABLE``: the locked-out user
sees the normal login page with a translated message and status 429, not axes' bare text.

**API tokens.** :class:`ApiAuthThrottleMiddleware` counts the 401 answers under ``/api/`` per
client IP address in the cache. After ``RELATA_API_AUTH_FAILURE_LIMIT`` of them within
``RELATA_API_AUTH_FAILURE_WINDOW`` seconds (counted from the first), every ``/api/`` request
from that address gets 429 with ``Retry-After`` until the window ends, so tokens cannot be
guessed at speed. Successful requests do not reset the count: a client holding one valid
token must not be able to clear it. The count lives in Django's cache; with the default
per-process memory cache each gunicorn worker counts on its own (see decision 0960).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

from axes.helpers import get_client_ip_address, get_cool_off
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

API_PREFIX = "/api/"
_CACHE_PREFIX = "relata:api-auth-failures:"


def lockout_minutes(request: HttpRequest) -> int:
    """Minutes a locked-out login waits: the cool-off time, rounded up."""
    cool_off = get_cool_off(request)
    return max(1, math.ceil(cool_off.total_seconds() / 60)) if cool_off else 0


def login_lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """The login page with the lockout message (status 429), for ``AXES_LOCKOUT_CALLABLE``."""
    username = str((credentials or {}).get("username") or request.POST.get("username", ""))
    form = AuthenticationForm(request, initial={"username": username})
    context = {
        "form": form,
        "locked_out": True,
        "lockout_minutes": lockout_minutes(request),
        "next": request.POST.get("next", ""),
    }
    return render(request, "registration/login.html", context, status=429)


def _cache_key(address: str) -> str:
    return f"{_CACHE_PREFIX}{address}"


class ApiAuthThrottleMiddleware:
    """429 for an address that got too many 401 answers from ``/api/`` lately."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit: int = settings.RELATA_API_AUTH_FAILURE_LIMIT
        if limit <= 0 or not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        address = get_client_ip_address(request) or "unknown"
        key = _cache_key(address)
        failures = cache.get(key)
        if failures is not None and failures[0] >= limit:
            return self._too_many(failures[1])
        response = self.get_response(request)
        if response.status_code == 401:
            self._count_failure(key, failures)
        return response

    @staticmethod
    def _count_failure(key: str, failures: tuple[int, float] | None) -> None:
        window: int = settings.RELATA_API_AUTH_FAILURE_WINDOW
        now = time.time()
        if failures is None or failures[1] <= now:
            failures = (0, now + window)
        count, ends_at = failures
        cache.set(key, (count + 1, ends_at), timeout=max(1, math.ceil(ends_at - now)))

    @staticmethod
    def _too_many(ends_at: float) -> HttpResponse:
        seconds = max(1, math.ceil(ends_at - time.time()))
        response = JsonResponse(
            {
                "detail": _(
                    "Too many requests with an invalid or missing token from this address; "
                    "try again in %(seconds)s seconds."
                )
                % {"seconds": seconds}
            },
            status=429,
        )
        response["Retry-After"] = str(seconds)
        return response
